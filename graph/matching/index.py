"""The match index: what matching reads from the graph, built once per store version.

:func:`build_index` reads the graph through public
:class:`~graph.store.GraphStore` calls only, so every backend yields the same
index for the same data; :func:`match_index` caches it per store and follows
the store's changes (:func:`update_index`), or rebuilds it in the background
when a change is too large to follow.  :func:`follow_match_index` does that
from a background thread as well, so that a search seldom has to.
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .. import countries, regions
from ..model import Edge
from ..schema import KIND_BY_PREFIX
from ..store import GraphStore
from ..text import display_name
from .result import Path, path_key
from .shards import Shards
from .tuning import DECLARED, LESSON, MAX_PATHS, PRACTISED, STATUS_WEIGHT

log = logging.getLogger(__name__)

EDGE_TYPES = (
    "PARTNER_IN", "FACILITATES", "IMPLEMENTS", "CONCERNS", "CONTRIBUTES_TO", "HAS_TARGET",
    "OFFERS", "SEEKS", "WORKS_ON", "ILLUSTRATED_BY", "EXPERIENCED_IN",
)
_BASIS_ORDER = {"declared": 0, "practised": 1, "lesson": 2, "profile": 3}


@dataclass(frozen=True)
class Support:
    """How strongly a municipality has a theme or SDG, and the paths that show it."""

    strength: float
    basis: str
    paths: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class Place:
    """What matching needs to know about one municipality."""

    id: str
    name: str
    country: str | None
    code: str | None
    regions: tuple[str, ...]
    languages: frozenset[str]
    languages_inferred: bool
    # What sort of place the node is, when a gazetteer says (graph/places/): "municipality", or
    # "province", "district", "region"... which are never candidates.  None: a municipality.
    place_type: str | None = None

    @property
    def candidate(self) -> bool:
        """Whether matching may offer it as a partner: municipalities only, never a province or district."""
        return self.place_type in (None, "", "municipality")


@dataclass
class MatchIndex:
    """Everything matching reads, built from one version of a store.

    The maps keyed by municipality or partnership are :class:`Shards`, so
    that the version following a small write shares nearly all of them with
    this one.  Partnership links are kept as ids only (memberships and
    members); the few edges a result shows are read from the store with
    their properties when its evidence is built (see :mod:`.scoring`).
    """

    version: str
    places: Mapping[str, Place]
    themes: frozenset[str]
    sdgs: frozenset[str]
    offers: Mapping[str, dict[str, Support]]
    seeks: Mapping[str, dict[str, Support]]
    works_on: Mapping[str, dict[str, Support]]
    memberships: Mapping[str, tuple[str, ...]]  # municipality -> the partnerships it is a member of
    members: Mapping[str, tuple[str, ...]]      # partnership -> its member municipalities
    status: Mapping[str, str]                   # partnership -> status (known statuses only)
    facilitated: Mapping[str, dict[str, tuple[Path, ...]]]  # municipality -> org -> [PARTNER_IN, FACILITATES]
    offered_by: Mapping[str, tuple[str, ...]]
    sought_by: Mapping[str, tuple[str, ...]]
    worked_on_by: Mapping[str, tuple[str, ...]]
    facilitator_members: Mapping[str, tuple[str, ...]]
    # Strengths alone, for scoring without touching paths.
    offer_w: Mapping[str, dict[str, float]]
    seek_w: Mapping[str, dict[str, float]]
    work_w: Mapping[str, dict[str, float]]
    work_total: Mapping[str, float]


def _weights(by_subject: dict[str, Support]) -> dict[str, float]:
    return {k: s.strength for k, s in by_subject.items()}


def _total(weights: dict[str, float]) -> float:
    return sum(weights[k] for k in sorted(weights))


def _kind(node_id: str) -> str | None:
    return KIND_BY_PREFIX.get(node_id.split(":", 1)[0])


class _Claims:
    """Collects (strength, basis, path) claims per (municipality, subject)."""

    def __init__(self):
        self.claims: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    def add(self, muni: str, subject: str, strength: float, basis: str, path: Path) -> None:
        self.claims[muni][subject].append((strength, basis, path))

    def supports(self) -> dict[str, dict[str, Support]]:
        out: dict[str, dict[str, Support]] = {}
        for muni in sorted(self.claims):
            by_subject = {}
            for subject in sorted(self.claims[muni]):
                found = sorted(
                    set(self.claims[muni][subject]),
                    key=lambda c: (-c[0], _BASIS_ORDER[c[1]], len(c[2]), [e.key for e in c[2]]),
                )
                best = found[0]
                by_subject[subject] = Support(best[0], best[1], tuple(c[2] for c in found[:MAX_PATHS]))
            out[muni] = by_subject
        return out


def build_index(store: GraphStore, version: str | None = None) -> MatchIndex:
    """Read what matching needs from ``store`` (public reads only) into an index.

    Read ``version`` before the data: if the store changes meanwhile, the
    index carries the older token and is rebuilt on the next call.
    """
    version = store.version() if version is None else version
    places = {node.id: _place(node) for node in store.nodes("Municipality")}
    # Only partnerships with a known status are read (a few among ~26,000 twinnings);
    # any other partnership counts as current.
    status = {n.id: n.props["status"]
              for n in store.find_by_property("Partnership", "status", sorted(STATUS_WEIGHT))}
    themes = frozenset(n.id for n in store.nodes("Theme"))
    sdgs = frozenset(n.id for n in store.nodes("SDG"))
    # The few edges claims walk first, then the partnership links streamed (nearly all the edges).
    edges = list(store.edges([t for t in EDGE_TYPES if t != "PARTNER_IN"]))
    part = _assemble(places, edges, store.edges(["PARTNER_IN"]))
    offers, seeks, works = part["offers"], part["seeks"], part["works_on"]
    offer_w, seek_w, work_w = ({m: _weights(by) for m, by in claims.items()} for claims in (offers, seeks, works))
    return MatchIndex(
        version=version, places=Shards(places), themes=themes, sdgs=sdgs,
        offers=Shards(offers), seeks=Shards(seeks), works_on=Shards(works),
        memberships=Shards(part["memberships"]), members=Shards(part["members"]), status=Shards(status),
        facilitated=Shards(part["facilitated"]),
        offered_by=Shards(_inverse(offers)), sought_by=Shards(_inverse(seeks)),
        worked_on_by=Shards(_inverse(works)), facilitator_members=Shards(_inverse(part["facilitated"])),
        offer_w=Shards(offer_w), seek_w=Shards(seek_w), work_w=Shards(work_w),
        work_total=Shards({m: _total(ws) for m, ws in work_w.items()}),
    )


@lru_cache(maxsize=1024)
def _regions(code: str | None) -> tuple[str, ...]:
    return regions.regions_of(code)


@lru_cache(maxsize=1024)
def _official(code: str | None) -> frozenset[str]:
    return frozenset(regions.official_languages(code))


def _place(node) -> Place:
    props = node.props
    country = props.get("country") if isinstance(props.get("country"), str) else None
    code = props.get("country_code")
    code = code.upper() if isinstance(code, str) and code.upper() in regions.SUBREGION_OF else None
    code = code or countries.country_code(country)
    stated = _languages(props.get("languages"))
    languages = stated or _official(code)
    # Interned: the places of one country share one copy of its name.
    place_type = props.get("place_type") if isinstance(props.get("place_type"), str) else None
    return Place(node.id, display_name(props, "en", node.id), None if country is None else sys.intern(country),
                 code, _regions(code), languages, not stated and bool(languages),
                 None if place_type is None else sys.intern(place_type))


def _assemble(places: Mapping[str, Place], edges: list[Edge], partner_in: Iterable[Edge]) -> dict[str, dict]:
    """Compute the entries of ``places`` from the graph's edges (all of them, or all on their claim paths).

    ``edges`` are every edge of the other EDGE_TYPES; ``partner_in`` the
    PARTNER_IN edges, read once as they stream.  Only the PARTNER_IN edges
    into a partnership that some claim or facilitator goes through are kept as
    edges (for evidence paths); the rest become ids.
    """
    out: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    into: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    for e in edges:
        out[e.type][e.source].append(e)
        into[e.type][e.target].append(e)
    # Partnerships a claim or a facilitator reaches: an edge of another type starts or ends there.
    reached = {n for by in (*out.values(), *into.values()) for n in by}

    canon: dict[str, str] = {m: m for m in places}  # one string per id, shared by every map
    joined: dict[str, list[str]] = defaultdict(list)
    joining: dict[str, list[str]] = defaultdict(list)
    kept: dict[tuple[str, str], Edge] = {}
    for e in partner_in:
        muni = canon.get(e.source)
        if muni is None:
            continue
        pid = canon.setdefault(e.target, e.target)
        joined[muni].append(pid)
        joining[pid].append(muni)
        if pid in reached:
            kept[muni, pid] = e
    memberships = {m: tuple(sorted(ps)) for m, ps in joined.items()}
    members = {p: tuple(sorted(ms)) for p, ms in joining.items()}

    goal_of = {e.target: e for e in (x for es in out["HAS_TARGET"].values() for x in es)}

    def subjects(edge: Edge):
        """Yield (theme-or-SDG id, path tail) for a CONCERNS/CONTRIBUTES_TO edge."""
        kind = _kind(edge.target)
        if kind in ("Theme", "SDG"):
            yield edge.target, (edge,)
        elif kind == "SDGTarget" and edge.target in goal_of:
            yield goal_of[edge.target].source, (edge, goal_of[edge.target])

    def about(node_id: str):
        for rel in ("CONCERNS", "CONTRIBUTES_TO"):
            for e in out[rel].get(node_id, ()):
                yield from subjects(e)

    offers, seeks, works = _Claims(), _Claims(), _Claims()
    for rel, claims in (("OFFERS", offers), ("SEEKS", seeks), ("WORKS_ON", works)):
        for muni, es in out[rel].items():
            if muni in places:
                for e in es:
                    claims.add(muni, e.target, DECLARED, "declared", (e,))

    def practice(muni: str, strength: float, basis: str, prefix: Path, node_id: str) -> None:
        for subject, tail in about(node_id):
            claims = offers if _kind(subject) == "Theme" else works
            claims.add(muni, subject, strength, basis, prefix + tail)

    def experiences(muni: str, prefix: Path, node_id: str) -> None:
        for exp in into["EXPERIENCED_IN"].get(node_id, ()):
            practice(muni, LESSON, "lesson", prefix + (exp,), exp.source)
            for ill in into["ILLUSTRATED_BY"].get(exp.source, ()):
                practice(muni, LESSON, "lesson", prefix + (exp, ill), ill.source)

    facilitated: dict[str, dict[str, list[Path]]] = defaultdict(lambda: defaultdict(list))
    # Only municipalities that an edge other than PARTNER_IN reaches, or through a partnership, can claim.
    claimants = {m for m in reached if m in places} | {m for m, _ in kept}
    for muni in sorted(claimants):
        for imp in out["IMPLEMENTS"].get(muni, ()):
            practice(muni, PRACTISED, "practised", (imp,), imp.target)
        experiences(muni, (), muni)
        for pid in memberships.get(muni, ()):
            member = kept.get((muni, pid))
            if member is None:
                continue
            practice(muni, PRACTISED, "practised", (member,), pid)
            for imp in out["IMPLEMENTS"].get(pid, ()):
                practice(muni, PRACTISED, "practised", (member, imp), imp.target)
            experiences(muni, (member,), pid)
            for fac in into["FACILITATES"].get(pid, ()):
                facilitated[muni][fac.source].append((member, fac))
    return {
        "offers": offers.supports(), "seeks": seeks.supports(), "works_on": works.supports(),
        "memberships": memberships, "members": members,
        "facilitated": {m: {o: tuple(sorted(ps, key=path_key)) for o, ps in sorted(orgs.items())}
                        for m, orgs in sorted(facilitated.items())},
    }


def _languages(value) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return frozenset()
    return frozenset(v.strip().lower().replace("_", "-").split("-")[0]
                     for v in value if isinstance(v, str) and v.strip())


def _inverse(by_muni: dict[str, dict]) -> dict[str, tuple[str, ...]]:
    inverse: dict[str, list[str]] = defaultdict(list)
    for muni in sorted(by_muni):
        for subject in by_muni[muni]:
            inverse[subject].append(muni)
    return {s: tuple(ms) for s, ms in sorted(inverse.items())}


# -- following changes ------------------------------------------------------------------
# A small write touches the claims of a few municipalities.  update_index reads
# the change log since the index's version, works out which municipalities a
# change can reach (along the same paths the claims follow), re-reads just
# their neighbourhood and puts their new entries into a new version of the index's
# maps, which shares every shard it does not change with the old version (see
# shards.py).  The result equals a full build (tests/test_matching.py checks it).

MAX_FOLLOWED_CHANGES = 64
MAX_FOLLOWED_ITEMS = 2000


def _generation(version: str) -> tuple[str, int]:
    lineage, _, generation = version.rpartition("-")
    return lineage, int(generation)


def _newer(a: str, b: str) -> bool:
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
    reach = _Reach(store)
    for i in items:
        reach.add(i)
    return _splice(store, index, version, reach)


class _Reach:
    """The municipalities (and partnerships) whose index entries a set of change items can alter."""

    def __init__(self, store: GraphStore):
        self.store = store
        self.munis: set[str] = set()
        self.partnerships: set[str] = set()   # members or status may differ
        self.nodes: dict[str, object] = {}    # node id -> properties after the change (None: deleted)

    def add(self, item) -> None:
        if item.kind == "node":
            kind = _kind(item.item)
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
        kind = _kind(node_id)
        if kind == "Municipality":
            self.munis.add(node_id)
        elif kind == "Partnership":
            self.munis |= self._members(node_id)

    def _members(self, partnership: str) -> set[str]:
        return {e.source for e in self.store.edges_of(partnership, ["PARTNER_IN"])}

    def _claimants(self, node_id: str) -> None:
        """Municipalities whose claim paths pass through ``node_id`` (what CONCERNS or CONTRIBUTES_TO starts at)."""
        kind = _kind(node_id)
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
    """Read every edge on a claim path that starts at one of ``munis`` (see _assemble)."""
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
               and _kind(e.target) == "SDGTarget"}
    for e in store.edges_of_many(sorted(targets), ["HAS_TARGET"]) if targets else []:
        found[e.key] = e
    return list(found.values())


def _splice(store: GraphStore, index: MatchIndex, version: str, reach: _Reach) -> MatchIndex:
    """Return a new version of ``index`` with the entries of what ``reach`` names recomputed from the store.

    Every map is :meth:`Shards.replaced`: the new version copies only the
    shards holding a changed entry and shares the rest with ``index``, which
    keeps serving unchanged.
    """
    munis = reach.munis
    present = store.get_nodes(munis | reach.partnerships)
    fresh_places = {m: _place(present[m]) for m in munis if m in present and present[m].kind == "Municipality"}
    places = index.places.replaced(fresh_places, munis - fresh_places.keys())
    known = {p: present[p].props.get("status") if p in present else None for p in reach.partnerships}
    status = index.status.replaced({p: v for p, v in known.items() if v in STATUS_WEIGHT},
                                   [p for p, v in known.items() if v not in STATUS_WEIGHT])
    themes, sdgs = index.themes, index.sdgs
    for node_id, after in reach.nodes.items():
        if _kind(node_id) == "Theme":
            themes = themes | {node_id} if after is not None else themes - {node_id}
        elif _kind(node_id) == "SDG":
            sdgs = sdgs | {node_id} if after is not None else sdgs - {node_id}
    alive = set(fresh_places)
    claim_edges = _claim_edges(store, alive)
    part = _assemble(fresh_places, [e for e in claim_edges if e.type != "PARTNER_IN"],
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
        return old.replaced({m: _weights(claims[m]) for m in alive if m in claims}, munis - claims.keys())

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
        work_total=index.work_total.replaced({m: _total(work_w[m]) for m in alive if m in work_w},
                                             [m for m in munis if m not in work_w]),
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


# Keyed weakly so that an index lives no longer than its store.  One thread at
# a time builds for a store (single flight); requests never wait for a build
# longer than STALE_WAIT_S when an older index exists: they answer from it
# and the new index takes over as soon as it is built.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BUILDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# One update at a time per store: a request that arrives while the follower (or another request)
# splices a change waits for that splice, which takes a few small reads, instead of repeating it;
# but no longer than it would wait for a build (STALE_WAIT_S), and then it answers from its index.
_UPDATING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FOLLOWERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
STALE_WAIT_S = 0.1


class _Build(threading.Thread):
    """Builds the index of a store's current version in the background."""

    def __init__(self, store: GraphStore):
        super().__init__(name="match-index-build", daemon=True)
        self.store = weakref.ref(store)
        self.error: BaseException | None = None

    def run(self) -> None:
        store = self.store()
        if store is None:
            return
        try:
            index = build_index(store, store.version())
            with _LOCK:
                current = _CACHE.get(store)
                if current is None or not _newer(current.version, index.version):
                    _CACHE[store] = index
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for this build
            self.error = exc


def _start_build(store: GraphStore) -> _Build:
    """Return the running build for ``store``, starting one if none runs (call with _LOCK held)."""
    build = _BUILDS.get(store)
    if build is None or not build.is_alive():
        build = _BUILDS[store] = _Build(store)
        build.start()
    return build


def warm_match_index(store: GraphStore) -> None:
    """Start building the index in the background, so that the first search finds it ready."""
    with _LOCK:
        if store not in _CACHE:
            _start_build(store)


class _Follower(threading.Thread):
    """Brings a store's index up to the store's version every ``every_s`` seconds, in the background.

    So the first partner search after a write, here or in another process,
    finds the change already spliced in instead of splicing it itself.  It
    stops when its store is closed or gone; a failed look (the database
    down) is tried again at the next tick, and requests still follow changes
    themselves.
    """

    def __init__(self, store: GraphStore, every_s: float):
        super().__init__(name="match-index-follow", daemon=True)
        self.store = weakref.ref(store)
        self.every_s = every_s
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()
        self.join()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            store = self.store()
            if store is None:
                return
            try:
                match_index(store, wait=0)
            except Exception:  # noqa: BLE001 - a request will meet the same error and report it
                log.debug("following the match index failed", exc_info=True)
            del store  # hold no reference while asleep, so the store can go


def follow_match_index(store: GraphStore, every_s: float) -> _Follower | None:
    """Keep ``store``'s index following its writes from a background thread; return that thread.

    One thread per store however often it is asked; none when ``every_s`` is 0.
    """
    if every_s <= 0:
        return None
    with _LOCK:
        follower = _FOLLOWERS.get(store)
        if follower is None or not follower.is_alive():
            follower = _FOLLOWERS[store] = _Follower(store, every_s)
            follower.start()
            store.on_close(follower.stopped.set)  # a closed store is not woken up again
        return follower


def match_index(store: GraphStore, wait: float | None = None) -> MatchIndex:
    """Return the index of the store's current version, or the previous one while it is built.

    With no previous index, wait for the first build.  Otherwise wait at most
    ``wait`` seconds (default STALE_WAIT_S) and then answer from the previous
    index, whose ``version`` says which graph it reflects.
    """
    version = store.version()
    with _LOCK:
        index = _CACHE.get(store)
        if index is not None and index.version == version:
            return index
    if index is not None:
        with _LOCK:
            updating = _UPDATING.setdefault(store, threading.Lock())
        # Wait for a splice under way no longer than for a build: then answer from the index we have.
        if not updating.acquire(timeout=STALE_WAIT_S if wait is None else wait):
            return index
        try:
            with _LOCK:
                index = _CACHE.get(store, index)
            if index.version == version or _newer(index.version, version):
                return index  # spliced meanwhile, by whoever held the lock
            updated = update_index(store, index, version)  # a few small reads after a small write
            if updated is not None:
                with _LOCK:
                    current = _CACHE.get(store)
                    if current is None or not _newer(current.version, updated.version):
                        _CACHE[store] = updated
                return updated
        finally:
            updating.release()
    with _LOCK:
        build = _start_build(store)
    build.join(None if index is None else (STALE_WAIT_S if wait is None else wait))
    with _LOCK:
        newest = _CACHE.get(store)
    if newest is None:
        if build.error is not None:
            raise build.error
        raise RuntimeError("the matching index build stopped without a result")
    return newest
