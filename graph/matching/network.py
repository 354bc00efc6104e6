"""The network part of a match: existing partnerships, partners of partners, shared facilitators.

A partnership's status weighs its links: active (or unrecorded) counts in
full, dormant and ended less (see :data:`~graph.matching.tuning.STATUS_WEIGHT`).
"""

from __future__ import annotations

from collections import defaultdict

from ..model import Edge
from .index import MatchIndex
from .result import Path, path_key
from .tuning import COMMON_PARTNER, STATUS_WEIGHT


def status_weight(status) -> float:
    return STATUS_WEIGHT.get(status, 1.0)


def partner_links(index: MatchIndex, origin: str | None):
    """Return direct links and common partners of ``origin``.

    Direct: {candidate: [(your PARTNER_IN edge, their PARTNER_IN edge), ...]}.
    Common: {candidate: {partner: (weight, path)}}, the best path per common partner.
    """
    direct: dict[str, list[tuple[Edge, Edge]]] = defaultdict(list)
    common: dict[str, dict[str, tuple[float, Path]]] = defaultdict(dict)
    if origin is None:
        return direct, common
    for mine in index.memberships.get(origin, ()):
        w1 = status_weight(index.status.get(mine.target))
        for theirs in index.members.get(mine.target, ()):
            partner = theirs.source
            if partner == origin:
                continue
            direct[partner].append((mine, theirs))
            for onward in index.memberships.get(partner, ()):
                if onward.target == mine.target:
                    continue
                w = min(w1, status_weight(index.status.get(onward.target)))
                for far in index.members.get(onward.target, ()):
                    cid = far.source
                    if cid in (origin, partner):
                        continue
                    path = (mine, theirs, onward, far)
                    best = common[cid].get(partner)
                    if best is None or (-w, path_key(path)) < (-best[0], path_key(best[1])):
                        common[cid][partner] = (w, path)
    return direct, common


def direct_weight(index: MatchIndex, links) -> float:
    return max((status_weight(index.status.get(mine.target)) for mine, _ in links), default=0.0)


def is_current(index: MatchIndex, links) -> bool:
    """True if any shared partnership is current: status active or not recorded."""
    return any(index.status.get(mine.target) not in ("dormant", "ended") for mine, _ in links)


def indirect_weight(partners: dict[str, tuple[float, Path]] | None) -> float:
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
