"""The network part of a match: existing partnerships, partners of partners, shared facilitators.

A partnership's status weighs its links: active (or unrecorded) counts in
full, dormant and ended less (see :data:`~graph.matching.tuning.STATUS_WEIGHT`).
The index keeps partnership links as ids; the PARTNER_IN edges a result
shows are made by :func:`partner_edge` from what the store holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from ..model import Edge
from .index import MatchIndex
from .tuning import COMMON_PARTNER, MAX_EVIDENCE, STATUS_WEIGHT


def status_weight(status) -> float:
    return STATUS_WEIGHT.get(status, 1.0)


def partner_links(index: MatchIndex, origin: str | None):
    """Return direct links and common partners of ``origin``.

    Direct: {candidate: [shared partnership, ...]}.
    Common: {candidate: {partner: (weight, (your partnership with partner, partner's with candidate))}},
    the best pair per common partner: highest weight, then the smallest partnership ids (the order
    of the walk origin -> p1 <- partner -> p2 <- candidate by its edges' keys).
    """
    direct: dict[str, list[str]] = defaultdict(list)
    common: dict[str, dict[str, tuple[float, tuple[str, str]]]] = defaultdict(dict)
    if origin is None:
        return direct, common
    memberships, members, status = index.memberships, index.members, index.status
    for p1 in memberships.get(origin, ()):
        w1 = status_weight(status.get(p1))
        for partner in members.get(p1, ()):
            if partner == origin:
                continue
            direct[partner].append(p1)
            for p2 in memberships.get(partner, ()):
                if p2 == p1:
                    continue
                w = min(w1, status_weight(status.get(p2)))
                for cid in members.get(p2, ()):
                    if cid in (origin, partner):
                        continue
                    best = common[cid].get(partner)
                    if best is None or (-w, (p1, p2)) < (-best[0], best[1]):
                        common[cid][partner] = (w, (p1, p2))
    return direct, common


def direct_weight(index: MatchIndex, links) -> float:
    return max((status_weight(index.status.get(p)) for p in links), default=0.0)


def is_current(index: MatchIndex, links) -> bool:
    """True if any shared partnership is current: status active or not recorded."""
    return any(index.status.get(p) not in ("dormant", "ended") for p in links)


def indirect_weight(partners: dict[str, tuple[float, tuple[str, str]]] | None) -> float:
    """A probabilistic OR over common partners: each closes COMMON_PARTNER of the remaining gap."""
    if not partners:
        return 0.0
    gap = 1.0
    for partner in sorted(partners):
        gap *= 1.0 - COMMON_PARTNER * partners[partner][0]
    return 1.0 - gap


def shared_facilitators(index: MatchIndex, origin: str | None) -> dict[str, list[str]]:
    """{candidate: [organisations that facilitate partnerships of both origin and candidate]}."""
    shared: dict[str, list[str]] = defaultdict(list)
    if origin is None:
        return shared
    for org in index.facilitated.get(origin, {}):
        for cid in index.facilitator_members.get(org, ()):
            if cid != origin:
                shared[cid].append(org)
    return shared


def partner_edge(stored: Mapping[tuple[str, str, str], Edge], member: str, partnership: str) -> Edge:
    """The PARTNER_IN edge of ``member`` into ``partnership`` as the store holds it (without properties
    if the store no longer does: the index may be a version behind)."""
    key = (member, "PARTNER_IN", partnership)
    return stored.get(key) or Edge(*key)


def shown_partnerships(direct, common, cids) -> set[str]:
    """The partnerships whose PARTNER_IN edges the evidence of ``cids`` may show."""
    found = {p for cid in cids for p in direct.get(cid, ())}
    for cid in cids:
        partners = common.get(cid, {})
        for partner in best_partners(partners):
            found.update(partners[partner][1])
    return found


def best_partners(partners: dict[str, tuple[float, tuple[str, str]]]) -> list[str]:
    """The common partners a candidate's evidence shows: the strongest links first, ties by id."""
    return sorted(partners, key=lambda p: (-partners[p][0], p))[:MAX_EVIDENCE]
