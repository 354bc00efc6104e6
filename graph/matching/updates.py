"""Following a store's changes: the match index brought up to a small write without a full build.

A small write touches the claims of a few municipalities.  update_index reads
the change log since the index's version, works out which municipalities a
change can reach (along the same paths the claims follow), re-reads just
their neighbourhood and puts their new entries into a new version of the index's
maps, which shares every shard it does not change with the old version (see
shards.py).  The result equals a full build (tests/graph/matching/test_matching.py checks it).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Edge
from ..stores.base import GraphStore
from .index import (
    EDGE_TYPES,
    PUBLISHED_AT,
    MatchIndex,
    assemble,
    kind_of,
    place_of,
    public_edges,
    total_weight,
    weights_of,
)
from .shards import Shards
from .tuning import STATUS_WEIGHT

MAX_FOLLOWED_CHANGES = 64
MAX_FOLLOWED_ITEMS = 2000


def _generation(version: str) -> tuple[str, int]:
    lineage, _, generation = version.rpartition("-")
    return lineage, int(generation)


def newer(a: str, b: str) -> bool:
    """Whether version ``a`` is a later one than ``b`` of the same store contents."""
    try:
        (la, ga), (lb, gb) = _generation(a), _generation(b)
    except ValueError:
        return False
    return la == lb and ga > gb


def update_index(store: GraphStore, index: MatchIndex, version: str | None = None) -> MatchIndex | None:
    """Return ``index`` brought up to ``version`` (default: the store's current one), or None when a
    full build is needed."""
    version = store.version() if version is None else version
    try:
        (lineage, seen), (now_lineage, now) = _generation(index.version), _generation(version)
    except ValueError:
        return None
    if lineage != now_lineage or now < seen or now - seen > MAX_FOLLOWED_CHANGES:
        return None
    changes = store.changes(limit=MAX_FOLLOWED_CHANGES, after_seq=seen, max_items=MAX_FOLLOWED_ITEMS)
    # Every generation since ours must be a recorded change we can read whole (a clear is not).
    if sorted(c.seq for c in changes) != list(range(seen + 1, now + 1)) or any(
            c.item_count > len(c.items) for c in changes):
        return None
    items = [i for c in changes for i in c.items]
    if any(i.kind == "edge" and i.item.split("|")[1] == "HAS_TARGET" for i in items):
        return None  # a goal's targets changed: nearly every claim may move
    private_runs = set(index.private_runs)
    for i in items:
        if i.kind != "node" or kind_of(i.item) != "ExerciseRun":
            continue
        published_after = i.after is not None and bool(i.after.get(PUBLISHED_AT))
        if i.before is not None and (i.after is None or bool(i.before.get(PUBLISHED_AT)) != published_after):
            # A run published, taken back or deleted: what it yielded may move many claims at once.
            return None
        if published_after:
            private_runs.discard(i.item)
        else:
            private_runs.add(i.item)
    reach = _Reach(store)
    for i in items:
        reach.add(i)
    return _splice(store, index, version, reach, frozenset(private_runs))


class _Reach:
    """The municipalities (and partnerships) whose index entries a set of change items can alter."""

    def __init__(self, store: GraphStore):
        self.store = store
        self.munis: set[str] = set()
        self.partnerships: set[str] = set()   # members or status may differ
        self.nodes: dict[str, object] = {}    # node id -> properties after the change (None: deleted)

    def add(self, item) -> None:
        if item.kind == "node":
            kind = kind_of(item.item)
            self.nodes[item.item] = item.after
            if kind == "Municipality":
                self.munis.add(item.item)
            elif kind == "Partnership":
                self.partnerships.add(item.item)
            return
        source, rel, target = item.item.split("|")
        if rel not in EDGE_TYPES:
            return
        if rel in ("OFFERS", "SEEKS", "WORKS_ON"):
            self._actor(source)
        elif rel == "PARTNER_IN":
            self.munis.add(source)
            self.partnerships.add(target)
        elif rel == "IMPLEMENTS":
            self._actor(source)
        elif rel == "FACILITATES":
            self._actor(target)
        elif rel in ("CONCERNS", "CONTRIBUTES_TO"):
            self._claimants(source)
        elif rel == "EXPERIENCED_IN":
            self._actor(target)
        elif rel == "ILLUSTRATED_BY":
            self._experience(target)

    def _actor(self, node_id: str) -> None:
        """A municipality, or a partnership whose members claim through it."""
        kind = kind_of(node_id)
        if kind == "Municipality":
            self.munis.add(node_id)
        elif kind == "Partnership":
            self.munis |= self._members(node_id)

    def _members(self, partnership: str) -> set[str]:
        return {e.source for e in self.store.edges_of(partnership, ["PARTNER_IN"])}

    def _claimants(self, node_id: str) -> None:
        """Municipalities whose claim paths pass through ``node_id`` (what CONCERNS or CONTRIBUTES_TO starts at)."""
        kind = kind_of(node_id)
        if kind == "Project":
            for e in self.store.edges_of(node_id, ["IMPLEMENTS"]):
                self._actor(e.source)
        elif kind == "Partnership":
            self._actor(node_id)
        elif kind == "PracticalExperience":
            self._experience(node_id)
        elif kind == "Lesson":
            for e in self.store.edges_of(node_id, ["ILLUSTRATED_BY"]):
                self._experience(e.target)

    def _experience(self, node_id: str) -> None:
        for e in self.store.edges_of(node_id, ["EXPERIENCED_IN"]):
            if e.source == node_id:
                self._actor(e.target)


def _claim_edges(store: GraphStore, munis: set[str]) -> list[Edge]:
    """Read every edge on a claim path that starts at one of ``munis`` (see assemble)."""
    found: dict[tuple, Edge] = {}

    def read(ids) -> list[Edge]:
        edges = store.edges_of_many(sorted(ids), EDGE_TYPES) if ids else []
        for e in edges:
            found[e.key] = e
        return edges

    first = read(munis)
    parts = {e.target for e in first if e.type == "PARTNER_IN" and e.source in munis}
    done = {e.target for e in first if e.type == "IMPLEMENTS" and e.source in munis}
    exps = {e.source for e in first if e.type == "EXPERIENCED_IN" and e.target in munis}
    second = read(parts | done | exps)
    done2 = {e.target for e in second if e.type == "IMPLEMENTS" and e.source in parts}
    exps2 = {e.source for e in second if e.type == "EXPERIENCED_IN" and e.target in parts}
    lessons = {e.source for e in second if e.type == "ILLUSTRATED_BY" and e.target in exps}
    third = read(done2 | exps2 | lessons)
    lessons2 = {e.source for e in third if e.type == "ILLUSTRATED_BY" and e.target in exps2}
    read(lessons2)
    targets = {e.target for e in found.values() if e.type in ("CONCERNS", "CONTRIBUTES_TO")
               and kind_of(e.target) == "SDGTarget"}
    for e in store.edges_of_many(sorted(targets), ["HAS_TARGET"]) if targets else []:
        found[e.key] = e
    return list(found.values())


def _splice(store: GraphStore, index: MatchIndex, version: str, reach: _Reach,
            private_runs: frozenset[str]) -> MatchIndex:
    """Return a new version of ``index`` with the entries of what ``reach`` names recomputed from the store.

    Every map is :meth:`Shards.replaced`: the new version copies only the
    shards holding a changed entry and shares the rest with ``index``, which
    keeps serving unchanged.
    """
    munis = reach.munis
    present = store.get_nodes(munis | reach.partnerships)
    fresh_places = {m: place_of(present[m]) for m in munis if m in present and present[m].kind == "Municipality"}
    places = index.places.replaced(fresh_places, munis - fresh_places.keys())
    known = {p: present[p].props.get("status") if p in present else None for p in reach.partnerships}
    status = index.status.replaced({p: v for p, v in known.items() if v in STATUS_WEIGHT},
                                   [p for p, v in known.items() if v not in STATUS_WEIGHT])
    themes, sdgs = index.themes, index.sdgs
    for node_id, after in reach.nodes.items():
        if kind_of(node_id) == "Theme":
            themes = themes | {node_id} if after is not None else themes - {node_id}
        elif kind_of(node_id) == "SDG":
            sdgs = sdgs | {node_id} if after is not None else sdgs - {node_id}
    alive = set(fresh_places)
    claim_edges = list(public_edges(_claim_edges(store, alive), private_runs))
    part = assemble(fresh_places, [e for e in claim_edges if e.type != "PARTNER_IN"],
                     [e for e in claim_edges if e.type == "PARTNER_IN"])

    def merged(old: Shards, new: dict) -> Shards:
        return old.replaced({k: v for k, v in new.items() if k in alive}, munis - new.keys())

    offers, seeks, works = (merged(index.offers, part["offers"]), merged(index.seeks, part["seeks"]),
                            merged(index.works_on, part["works_on"]))
    facilitated = merged(index.facilitated, part["facilitated"])
    memberships = merged(index.memberships, part["memberships"])
    # A partnership's member list changes only when one of its PARTNER_IN edges or the partnership
    # itself changed (reach.partnerships), or when a municipality joined or left it here, which
    # covers one appearing or disappearing: never for the other partnerships of a municipality that
    # merely offers a new theme, which for a town with hundreds of twinnings was most of the reads.
    touched = set(reach.partnerships)
    for m in munis:
        touched |= set(index.memberships.get(m, ())) ^ set(part["memberships"].get(m, ()) if m in alive else ())
    joining: dict[str, list[str]] = {}
    for e in store.edges_of_many(sorted(touched), ["PARTNER_IN"]) if touched else []:
        if e.source in places:
            joining.setdefault(e.target, []).append(e.source)
    members = index.members.replaced({p: tuple(sorted(ms)) for p, ms in joining.items()}, touched - joining.keys())

    def weights(old: Shards, claims: dict) -> Shards:
        return old.replaced({m: weights_of(claims[m]) for m in alive if m in claims}, munis - claims.keys())

    work_w = weights(index.work_w, part["works_on"])
    return MatchIndex(
        version=version, places=places, themes=themes, sdgs=sdgs,
        offers=offers, seeks=seeks, works_on=works,
        memberships=memberships, members=members, status=status, facilitated=facilitated,
        offered_by=_reinverse(index.offered_by, index.offers, offers, munis),
        sought_by=_reinverse(index.sought_by, index.seeks, seeks, munis),
        worked_on_by=_reinverse(index.worked_on_by, index.works_on, works, munis),
        facilitator_members=_reinverse(index.facilitator_members, index.facilitated, facilitated, munis),
        offer_w=weights(index.offer_w, part["offers"]), seek_w=weights(index.seek_w, part["seeks"]),
        work_w=work_w,
        work_total=index.work_total.replaced({m: total_weight(work_w[m]) for m in alive if m in work_w},
                                             [m for m in munis if m not in work_w]),
        private_runs=private_runs,
    )


def _reinverse(inverse: Shards, old: Mapping, new: Mapping, munis: set[str]) -> Shards:
    """Update a subject -> municipalities map (see :func:`_inverse`) for the entries of ``munis``."""
    subjects = {s for m in munis for by in (old.get(m), new.get(m)) if by for s in by}
    changes, gone = {}, []
    for s in subjects:
        holders = (set(inverse.get(s, ())) - munis) | {m for m in munis if s in new.get(m, ())}
        if holders:
            changes[s] = tuple(sorted(holders))
        else:
            gone.append(s)
    return inverse.replaced(changes, gone)
