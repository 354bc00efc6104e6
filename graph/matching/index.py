"""The match index: what matching reads from the graph, built once per store version.

:func:`build_index` reads the graph through public
:class:`~graph.stores.base.GraphStore` calls only, so every backend yields the same
index for the same data.  :mod:`.updates` follows a store's changes into a new
version of it; :mod:`.cache` keeps one per store.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..model import Edge
from ..places import countries, regions
from ..schema import KIND_BY_PREFIX
from ..stores.base import GraphStore
from ..text import display_name
from ..workspace.privacy import PUBLISHED_AT
from .result import Path, path_key
from .shards import Shards
from .tuning import DECLARED, LESSON, MAX_PATHS, PRACTISED, STATUS_WEIGHT

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
    # Workspace runs not yet published: what they yielded (edges whose ``source`` names one) stays
    # out of every claim, since a run is private to its partners until published (docs/workspace.md).
    private_runs: frozenset[str] = frozenset()


def weights_of(by_subject: dict[str, Support]) -> dict[str, float]:
    return {k: s.strength for k, s in by_subject.items()}


def total_weight(weights: dict[str, float]) -> float:
    return sum(weights[k] for k in sorted(weights))


def kind_of(node_id: str) -> str | None:
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


def unpublished_runs(store: GraphStore) -> frozenset[str]:
    """The ids of the workspace runs not yet published (graph/workspace/privacy.py keeps the date)."""
    return frozenset(n.id for n in store.nodes("ExerciseRun", only=(PUBLISHED_AT,))
                     if not n.props.get(PUBLISHED_AT))


def public_edges(edges: Iterable[Edge], private_runs: frozenset[str]) -> Iterable[Edge]:
    """``edges`` without those an unpublished run yielded (their ``source`` property names it)."""
    if not private_runs:
        return edges
    return (e for e in edges if not (e.props and e.props.get("source") in private_runs))


def build_index(store: GraphStore, version: str | None = None) -> MatchIndex:
    """Read what matching needs from ``store`` (public reads only) into an index.

    Read ``version`` before the data: if the store changes meanwhile, the
    index carries the older token and is rebuilt on the next call.
    """
    version = store.version() if version is None else version
    places = {node.id: place_of(node) for node in store.nodes("Municipality")}
    # Only partnerships with a known status are read (a few among ~26,000 twinnings);
    # any other partnership counts as current.
    status = {n.id: n.props["status"]
              for n in store.find_by_property("Partnership", "status", sorted(STATUS_WEIGHT))}
    themes = frozenset(n.id for n in store.nodes("Theme"))
    sdgs = frozenset(n.id for n in store.nodes("SDG"))
    # The few edges claims walk first, then the partnership links streamed (nearly all the edges).
    private_runs = unpublished_runs(store)
    edges = list(public_edges(store.edges([t for t in EDGE_TYPES if t != "PARTNER_IN"]), private_runs))
    part = assemble(places, edges, public_edges(store.edges(["PARTNER_IN"]), private_runs))
    offers, seeks, works = part["offers"], part["seeks"], part["works_on"]
    offer_w, seek_w, work_w = ({m: weights_of(by) for m, by in claims.items()} for claims in (offers, seeks, works))
    return MatchIndex(
        version=version, places=Shards(places), themes=themes, sdgs=sdgs,
        offers=Shards(offers), seeks=Shards(seeks), works_on=Shards(works),
        memberships=Shards(part["memberships"]), members=Shards(part["members"]), status=Shards(status),
        facilitated=Shards(part["facilitated"]),
        offered_by=Shards(_inverse(offers)), sought_by=Shards(_inverse(seeks)),
        worked_on_by=Shards(_inverse(works)), facilitator_members=Shards(_inverse(part["facilitated"])),
        offer_w=Shards(offer_w), seek_w=Shards(seek_w), work_w=Shards(work_w),
        work_total=Shards({m: total_weight(ws) for m, ws in work_w.items()}),
        private_runs=private_runs,
    )


@lru_cache(maxsize=1024)
def _regions(code: str | None) -> tuple[str, ...]:
    return regions.regions_of(code)


@lru_cache(maxsize=1024)
def _official(code: str | None) -> frozenset[str]:
    return frozenset(regions.official_languages(code))


def place_of(node) -> Place:
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


def assemble(places: Mapping[str, Place], edges: list[Edge], partner_in: Iterable[Edge]) -> dict[str, dict]:
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
        kind = kind_of(edge.target)
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
            claims = offers if kind_of(subject) == "Theme" else works
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
