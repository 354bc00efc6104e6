"""Turn a scored candidate into a :class:`Candidate` with evidence for every part of its score.

Evidence is built only for the candidates that make the cut (at most
``limit``), so the scoring loop over the whole pool never touches paths.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..text import sdg_number_key
from .index import MatchIndex
from .network import best_partners, partner_edge
from .request import Origin
from .result import Candidate, Evidence, ThemeLink
from .tuning import COMPONENTS, IMPLIED_INTEREST, MAX_EVIDENCE, THEMATIC, WEIGHTS


def theme_links(index: MatchIndex, cid: str, themes) -> tuple[ThemeLink, ...]:
    """What ``cid`` has to do with each of ``themes``: offers or practises it (with the paths), seeks it."""
    links = []
    offers, seeks = index.offers.get(cid, {}), index.seeks.get(cid, {})
    for t in themes:
        offer = offers.get(t)
        if offer is not None:
            relation = "offers" if offer.basis == "declared" else "practises"
            links.append(ThemeLink(t, relation, offer.paths[:2]))
        if t in seeks:
            links.append(ThemeLink(t, "seeks", seeks[t].paths[:1]))
    return tuple(links)


def build_candidate(index: MatchIndex, origin: Origin, focus, raw: dict[str, float], cid, direct, common,
                    shared_orgs, stored: Mapping, links: tuple[ThemeLink, ...] = ()) -> Candidate:
    """Weigh ``raw`` (unweighted parts, each in [0, 1]) and gather the evidence and flags for ``cid``.

    ``stored`` holds the PARTNER_IN edges the network evidence shows, read from the store by key.
    """
    place = index.places[cid]
    parts = {c: round(WEIGHTS[c] * raw[c], 4) for c in COMPONENTS}
    score = round(sum(WEIGHTS[c] * raw[c] for c in COMPONENTS), 4)
    profile = origin.id is None
    c_offers = index.offers.get(cid, {})
    c_seeks = index.seeks.get(cid, {})
    c_works = index.works_on.get(cid, {})
    evidence: list[Evidence] = []

    def focus_flag(t):
        return ("focus",) if t in focus else ()

    def order(t, value):
        return (t not in focus, -value, t)

    # you_give: what you offer that they seek
    give = sorted(origin.offers.keys() & c_seeks.keys(),
                  key=lambda t: order(t, origin.offers[t].strength * c_seeks[t].strength))
    for t in give[:MAX_EVIDENCE]:
        mine = origin.offers[t]
        evidence.append(Evidence("you_give", t, mine.paths[:2] + c_seeks[t].paths[:1],
                                 (mine.basis,) + focus_flag(t)))
    # you_learn: what they offer that you seek (declared or asked for)
    wanted = set(origin.seeks) | set(focus)
    learn = sorted(c_offers.keys() & wanted,
                   key=lambda t: order(t, c_offers[t].strength * _interest(origin, focus, t)))
    for t in learn[:MAX_EVIDENCE]:
        theirs = c_offers[t]
        declared = origin.seeks.get(t)
        flags = (theirs.basis,) + focus_flag(t)
        if declared is None:
            flags += ("requested",)
        elif profile:
            flags += ("profile",)
        evidence.append(Evidence("you_learn", t, theirs.paths[:2] + (declared.paths[:1] if declared else ()),
                                 flags))
    # common_practice: themes you both offer or practise
    peers = sorted(origin.offers.keys() & c_offers.keys(),
                   key=lambda t: order(t, min(origin.offers[t].strength, c_offers[t].strength)))
    for t in peers[:MAX_EVIDENCE]:
        flags = (origin.offers[t].basis, c_offers[t].basis) + focus_flag(t)
        evidence.append(Evidence("common_practice", t, origin.offers[t].paths[:1] + c_offers[t].paths[:1],
                                 tuple(dict.fromkeys(flags))))
    # sdgs
    sdgs = sorted(origin.works_on.keys() & c_works.keys(),
                  key=lambda s: (-min(origin.works_on[s].strength, c_works[s].strength), sdg_number_key(s.partition(":")[2])))
    for s in sdgs[:MAX_EVIDENCE]:
        flags = (origin.works_on[s].basis, c_works[s].basis)
        evidence.append(Evidence("sdgs", s, origin.works_on[s].paths[:1] + c_works[s].paths[:1],
                                 tuple(dict.fromkeys(flags))))
    # facilitators: one walk from you to them through the organisation
    for org in sorted(set(shared_orgs.get(cid, ())))[:MAX_EVIDENCE]:
        mine = index.facilitated[origin.id][org][0]
        theirs = index.facilitated[cid][org][0]
        if mine[0].target == theirs[0].target:
            path = (mine[0], mine[1], theirs[0])
        else:
            path = (mine[0], mine[1], theirs[1], theirs[0])
        evidence.append(Evidence("facilitators", org, (path,),
                                 _status_flags(index, {mine[0].target, theirs[0].target})))
    # network: existing links first, then partners of your partners
    flags: list[str] = []
    for shared in sorted(direct.get(cid, ())):
        status = index.status.get(shared)
        mine, theirs = partner_edge(stored, origin.id, shared), partner_edge(stored, cid, shared)
        evidence.append(Evidence("network", shared, ((mine, theirs),),
                                 ("existing_partner",) + ((status,) if status else ())))
        if status in ("dormant", "ended"):
            flags.append(f"partnership_{status}")
        else:
            flags.append("existing_partner")
    partners = common.get(cid, {})
    for partner in best_partners(partners):
        p1, p2 = partners[partner][1]
        path = (partner_edge(stored, origin.id, p1), partner_edge(stored, partner, p1),
                partner_edge(stored, partner, p2), partner_edge(stored, cid, p2))
        evidence.append(Evidence("network", partner, (path,),
                                 ("partner_of_partner",) + _status_flags(index, {p1, p2})))
    if partners:
        flags.append("partner_of_partner")
    # language
    inferred = origin.languages_inferred or place.languages_inferred
    for lang in sorted(origin.languages & place.languages):
        evidence.append(Evidence("language", lang, (), ("inferred",) if inferred else ()))
    if not any(raw[c] for c in THEMATIC) and not links:
        flags.append("no_thematic_signal")
    if inferred and raw["language"]:
        flags.append("languages_inferred")
    return Candidate(cid, place.name, place.country, score, parts, tuple(evidence),
                     tuple(dict.fromkeys(flags)), links)


def _interest(origin: Origin, focus, t: str) -> float:
    declared = origin.seeks[t].strength if t in origin.seeks else 0.0
    return max(declared, IMPLIED_INTEREST) if t in focus else declared


def _status_flags(index: MatchIndex, partnerships) -> tuple[str, ...]:
    found = {index.status.get(p) for p in partnerships}
    return tuple(s for s in ("dormant", "ended") if s in found)
