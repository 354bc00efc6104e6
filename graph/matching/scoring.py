"""The match itself: gather candidates, score each part, rank, and explain the best.

Scoring reads only strengths from the index; the paths behind them are
gathered afterwards, for the candidates returned (see :mod:`.evidence`).
"""

from __future__ import annotations

import math

from ..stores.base import GraphStore
from .cache import match_index
from .evidence import build_candidate, theme_links
from .network import (
    direct_weight,
    indirect_weight,
    is_current,
    partner_links,
    shared_facilitators,
    shown_partnerships,
)
from .request import MatchError, MatchRequest, candidate_filters, check_request, origin_of
from .result import MatchResult, ThemeSupport
from .tuning import COMPONENTS, FOCUS_SHARE, IMPLIED_INTEREST, WEIGHTS

_WEIGHT_LIST = tuple(WEIGHTS.values())
_EMPTY: dict = {}


def match(store: GraphStore, request: MatchRequest) -> MatchResult:
    """Rank candidate partners for ``request``; raise :class:`MatchError` for bad input."""
    check_request(request)
    index = match_index(store)
    origin = origin_of(index, request)
    unknown = [t for t in request.themes if t not in index.themes]
    if unknown:
        raise MatchError("unknown_theme", f"unknown theme(s): {', '.join(unknown)}",
                         themes=", ".join(unknown))
    code, region = candidate_filters(request)
    if request.require_shared_language and not origin.languages:
        raise MatchError("no_languages", "a shared language was required, but the languages of "
                         "the municipality are not known")

    focus = frozenset(request.themes)
    n_focus = len(focus)
    give_to = {t: s.strength for t, s in origin.offers.items()}
    interest = {t: s.strength for t, s in origin.seeks.items()}
    for t in focus:
        interest[t] = max(interest.get(t, 0.0), IMPLIED_INTEREST)
    works = {s: sup.strength for s, sup in origin.works_on.items()}
    works_total = sum(works[s] for s in sorted(works))

    direct, common = partner_links(index, origin.id)
    shared_orgs = shared_facilitators(index, origin.id)

    pool: set[str] = set(direct) | set(common) | set(shared_orgs)
    for t in give_to:
        pool.update(index.sought_by.get(t, ()))
        pool.update(index.offered_by.get(t, ()))
    for t in interest:
        pool.update(index.offered_by.get(t, ()))
    for s in works:
        pool.update(index.worked_on_by.get(s, ()))
    for t in focus:
        # Those who want to learn a requested theme too: a learning circle when nobody offers it.
        pool.update(index.sought_by.get(t, ()))
    pool.discard(origin.id)

    scored = []
    for cid in pool:
        place = index.places[cid]
        if not place.candidate:
            continue
        if code and place.code != code:
            continue
        if region and region not in place.regions:
            continue
        links = direct.get(cid)
        if request.exclude_partners and links and is_current(index, links):
            continue
        shared_languages = origin.languages & place.languages
        if request.require_shared_language and not shared_languages:
            continue
        c_offers = index.offer_w.get(cid, _EMPTY)
        give, give_any, give_focus = _flow(give_to, index.seek_w.get(cid, _EMPTY), focus, n_focus,
                                           _product)
        learn, learn_any, learn_focus = _flow(c_offers, interest, focus, n_focus, _product)
        peers, _, peer_focus = _flow(give_to, c_offers, focus, n_focus, min)
        mutual = min(give_any, learn_any) * max(give_focus, learn_focus, peer_focus)
        sdgs = (_sdg_overlap(works, works_total, index.work_w[cid], index.work_total[cid])
                if works and cid in index.work_w else 0.0)
        facilitators = 1.0 if cid in shared_orgs else 0.0
        network = max(direct_weight(index, links) if links else 0.0,
                      indirect_weight(common[cid]) if cid in common else 0.0)
        thematic = bool(give or learn or peers or sdgs)
        # How the candidate relates to the requested themes themselves: it offers or practises one
        # (tier 0), it seeks one too (1), it shares other themes or SDGs only (2), or neither (3).
        if focus & c_offers.keys():
            tier = 0
        elif focus & index.seek_w.get(cid, _EMPTY).keys():
            tier = 1
        else:
            tier = 2 if thematic else 3
        # Through the network alone, only a real tie counts: a shared facilitator or a partnership
        # of your own (dormant or ended, or current when partners are included).  A partner of a
        # partner with no theme in common is too weak to be shown as a match.
        if tier == 3 and not (facilitators or links):
            continue
        raw = (give, learn, mutual, peers, sdgs, facilitators, network, 1.0 if shared_languages else 0.0)
        total = sum(w * r for w, r in zip(_WEIGHT_LIST, raw, strict=True))
        scored.append((tier, -round(total, 9), cid, raw))

    # Candidates by how they relate to the requested themes, then by score, ties by id: the web page
    # shows each tier as its own group, so within each the order is the score's.
    scored.sort(key=lambda s: s[:3])
    chosen = scored[: request.limit]
    # The index keeps partnership links as ids: the few PARTNER_IN edges the evidence shows are read
    # now, with their properties (provenance), in one store call.
    shown = shown_partnerships(direct, common, [cid for _, _, cid, _ in chosen])
    stored = {e.key: e for e in store.edges_of_many(sorted(shown), ["PARTNER_IN"])} if shown else {}
    candidates = tuple(
        build_candidate(index, origin, focus, dict(zip(COMPONENTS, raw, strict=True)), cid, direct, common,
                        shared_orgs, stored, theme_links(index, cid, request.themes))
        for _, _, cid, raw in chosen
    )
    unmatched = tuple(t for t in request.themes
                      if not (set(index.offered_by.get(t, ())) | set(index.sought_by.get(t, ()))) - {origin.id})
    empty = origin.id is not None and not (origin.offers or origin.seeks or origin.works_on)
    current = frozenset(c for c, links in direct.items() if is_current(index, links)) \
        if request.exclude_partners else frozenset()
    return MatchResult(origin.id, request.themes, candidates, len(scored), index.version, unmatched,
                       tuple(theme_support(index, t, origin.id, current) for t in request.themes), empty)


def theme_support(index, theme: str, origin: str | None, partners: frozenset[str] = frozenset()) -> ThemeSupport:
    """Count the other municipalities (never a province or district) that offer, practise or seek ``theme``;
    name those among ``partners`` who offer or practise it."""
    offered = practised = sought = 0
    mine = []
    for cid in index.offered_by.get(theme, ()):
        place = index.places.get(cid)
        if cid == origin or place is None or not place.candidate:
            continue
        if cid in partners:
            mine.append(cid)
        if index.offers[cid][theme].basis == "declared":
            offered += 1
        else:
            practised += 1
    for cid in index.sought_by.get(theme, ()):
        place = index.places.get(cid)
        if cid != origin and place is not None and place.candidate:
            sought += 1
    return ThemeSupport(theme, offered, practised, sought, tuple(mine))


def _product(a: float, b: float) -> float:
    return a * b


def _flow(offered: dict[str, float], wanted: dict[str, float], focus, n_focus: int, combine):
    """Score what one side has that the other wants (``combine`` joins two strengths).

    Returns ``(flow, any_theme, best_focus)``: ``flow`` in [0, 1] takes
    FOCUS_SHARE from the requested themes (their average) and the rest from
    every other theme (a probabilistic OR, so more themes approach 1);
    ``any_theme`` is the OR over all themes alike; ``best_focus`` the
    strongest single requested theme.
    """
    on_focus, best_focus, gap_other, gap_all = 0.0, 0.0, 1.0, 1.0
    for t in sorted(offered.keys() & wanted.keys()):
        value = combine(offered[t], wanted[t])
        gap_all *= 1.0 - value
        if t in focus:
            on_focus += value
            best_focus = max(best_focus, value)
        else:
            gap_other *= 1.0 - value
    flow = FOCUS_SHARE * min(1.0, on_focus / n_focus) + (1.0 - FOCUS_SHARE) * (1.0 - gap_other)
    return flow, 1.0 - gap_all, best_focus


def _sdg_overlap(mine: dict[str, float], mine_total: float, theirs: dict[str, float],
                 theirs_total: float) -> float:
    """Weighted Ochiai (cosine-like) overlap of two SDG profiles, in [0, 1]."""
    shared = sorted(mine.keys() & theirs.keys())
    if not shared:
        return 0.0
    overlap = sum(min(mine[s], theirs[s]) for s in shared)
    return min(1.0, overlap / math.sqrt(mine_total * theirs_total))
