"""Find a thematic partner: two-sided, explained matching on the graph.

A coordinator names their municipality (or describes one that is not in the
graph with a :class:`Profile`) and the themes they want to work on;
:func:`match` returns candidate partner municipalities ranked by a score
that is the sum of weighted parts (see :data:`WEIGHTS` and docs/matching.md),
each part backed by :class:`Evidence` made of real graph edges.  Candidates
with a thematic signal come before those found through the network alone.

The graph is read once per store version into a :class:`MatchIndex`
(only public :class:`~graph.store.GraphStore` reads), cached per store and
rebuilt when ``store.version()`` changes.  Matching itself is pure Python
over the index, so every backend gives the same answer for the same data.
"""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from . import regions
from .errors import GraphError
from .model import Edge
from .schema import KIND_BY_PREFIX
from .store import GraphStore
from .text import display_name

# ---------------------------------------------------------------- tuning
# Weights of the score parts; they sum to 1, so a score lies in [0, 1].
WEIGHTS: dict[str, float] = {
    "you_give": 0.20,         # themes you offer that they seek
    "you_learn": 0.20,        # themes they offer that you seek (or asked for)
    "mutual": 0.25,           # knowledge flows both ways, around the requested themes
    "common_practice": 0.10,  # themes you both offer or practise: peers
    "sdgs": 0.10,             # SDGs you both work on (declared, projects, lessons)
    "facilitators": 0.05,     # an organisation facilitates partnerships of both
    "network": 0.05,          # existing link, or partner of your partner
    "language": 0.05,         # a shared working language
}
COMPONENTS = tuple(WEIGHTS)
_WEIGHT_LIST = tuple(WEIGHTS.values())
THEMATIC = ("you_give", "you_learn", "common_practice", "sdgs")

# How strongly an edge pattern says a municipality has a theme or SDG.
DECLARED = 1.0    # Municipality -OFFERS/SEEKS/WORKS_ON-> x
PRACTISED = 0.7   # ... -IMPLEMENTS-> Project -CONCERNS/CONTRIBUTES_TO-> x (own or a partnership's)
LESSON = 0.5      # Lesson/PracticalExperience experienced in it (or its partnership) concerning x
IMPLIED_INTEREST = 0.5  # a requested theme counts as sought at this strength if not declared
FOCUS_SHARE = 0.75      # share of a thematic part earned on the requested themes; the rest: others
STATUS_WEIGHT = {"active": 1.0, "dormant": 0.75, "ended": 0.5}  # missing or other status: 1.0
COMMON_PARTNER = 0.5    # each common partner closes this share of the remaining gap

MAX_LIMIT = 100
MAX_THEMES = 20
MAX_EVIDENCE = 5  # evidence items per component and candidate
MAX_PATHS = 3     # paths kept per (municipality, theme/SDG)

EDGE_TYPES = (
    "PARTNER_IN", "FACILITATES", "IMPLEMENTS", "CONCERNS", "CONTRIBUTES_TO", "HAS_TARGET",
    "OFFERS", "SEEKS", "WORKS_ON", "ILLUSTRATED_BY", "EXPERIENCED_IN",
)
_BASIS_ORDER = {"declared": 0, "practised": 1, "lesson": 2, "profile": 3}
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

Path = tuple[Edge, ...]
_EMPTY: dict = {}


# ---------------------------------------------------------------- public values
class MatchError(GraphError, ValueError):
    """A match request that cannot be answered; ``code`` says why, ``params`` with what.

    Codes: bad_request, both_or_neither, unknown_municipality, no_themes, too_many_themes,
    unknown_theme, unknown_sdg, unknown_country, unknown_region,
    unknown_language, no_languages, contradictory_options, limit_out_of_range.
    """

    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Profile:
    """A municipality that is not in the graph, described by its coordinator.

    ``country`` is a name in any UI language or an ISO code; ``languages``
    ISO 639 codes (empty: the country's official languages); ``offers`` and
    ``seeks`` theme ids; ``sdgs`` SDG ids such as ``sdg:6``.
    """

    country: str
    languages: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    seeks: tuple[str, ...] = ()
    sdgs: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("languages", "offers", "seeks", "sdgs"):
            object.__setattr__(self, name, _unique(getattr(self, name)))


@dataclass(frozen=True)
class MatchRequest:
    """What a coordinator asks for.  Exactly one of ``municipality`` and ``profile``.

    ``country`` (name or ISO code) and ``region`` (a key of
    :data:`graph.regions.REGIONS`, an M49 code or an English region name)
    restrict the candidates.  ``exclude_partners`` leaves out current partners
    (status active or none); dormant and ended partners stay, flagged.
    """

    municipality: str | None = None
    profile: Profile | None = None
    themes: tuple[str, ...] = ()
    exclude_partners: bool = True
    country: str | None = None
    region: str | None = None
    require_shared_language: bool = False
    limit: int = 10

    def __post_init__(self):
        object.__setattr__(self, "themes", _unique(self.themes))


@dataclass(frozen=True)
class Evidence:
    """Why a part of the score is what it is.

    ``about`` is the node the evidence is about (a theme, an SDG, an
    organisation, the common partner, the shared partnership) or, for
    ``language``, an ISO language code.  Each path is a walk of real edges
    (consecutive edges share a node; each keeps its own direction) starting
    at one of the two municipalities.  A side described by a profile has no
    path; ``flags`` then say ``profile`` or ``requested``.
    """

    component: str
    about: str
    paths: tuple[Path, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A ranked candidate: ``parts`` are weighted contributions summing to ``score``."""

    id: str
    name: str
    country: str | None
    score: float
    parts: dict[str, float] = field(hash=False)
    evidence: tuple[Evidence, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    """The answer: the best candidates first, ties broken by id."""

    origin: str | None
    themes: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    considered: int
    version: str


# ---------------------------------------------------------------- the index
@dataclass(frozen=True)
class Support:
    """How strongly a municipality has a theme or SDG, and the paths that show it."""

    strength: float
    basis: str
    paths: tuple[Path, ...]


@dataclass(frozen=True)
class Place:
    """What matching needs to know about one municipality."""

    id: str
    name: str
    country: str | None
    code: str | None
    regions: tuple[str, ...]
    languages: frozenset[str]
    languages_inferred: bool


@dataclass
class MatchIndex:
    """Everything matching reads, built from one version of a store."""

    version: str
    places: dict[str, Place]
    themes: frozenset[str]
    sdgs: frozenset[str]
    offers: dict[str, dict[str, Support]]
    seeks: dict[str, dict[str, Support]]
    works_on: dict[str, dict[str, Support]]
    memberships: dict[str, tuple[Edge, ...]]  # municipality -> its PARTNER_IN edges
    members: dict[str, tuple[Edge, ...]]      # partnership -> PARTNER_IN edges into it
    status: dict[str, str | None]             # partnership -> status
    facilitated: dict[str, dict[str, tuple[Path, ...]]]  # municipality -> org -> [PARTNER_IN, FACILITATES]
    offered_by: dict[str, tuple[str, ...]]
    sought_by: dict[str, tuple[str, ...]]
    worked_on_by: dict[str, tuple[str, ...]]
    facilitator_members: dict[str, tuple[str, ...]]
    # Strengths alone, for scoring without touching paths.
    offer_w: dict[str, dict[str, float]] = field(default_factory=dict)
    seek_w: dict[str, dict[str, float]] = field(default_factory=dict)
    work_w: dict[str, dict[str, float]] = field(default_factory=dict)
    work_total: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        def weights(supports):
            return {m: {k: s.strength for k, s in by.items()} for m, by in supports.items()}

        self.offer_w, self.seek_w, self.work_w = (
            weights(self.offers), weights(self.seeks), weights(self.works_on))
        self.work_total = {m: sum(ws[k] for k in sorted(ws)) for m, ws in self.work_w.items()}


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
    places = {}
    for node in store.nodes("Municipality"):
        props = node.props
        country = props.get("country") if isinstance(props.get("country"), str) else None
        code = props.get("country_code")
        code = code.upper() if isinstance(code, str) and code.upper() in regions.SUBREGION_OF else None
        code = code or regions.country_code(country)
        stated = _languages(props.get("languages"))
        languages = stated or frozenset(regions.official_languages(code))
        places[node.id] = Place(node.id, display_name(props, "en", node.id), country, code,
                                regions.regions_of(code), languages, not stated and bool(languages))
    # Only partnerships with a known status are read (a few among ~26,000 twinnings);
    # any other partnership counts as current.
    status = {n.id: n.props["status"]
              for n in store.find_by_property("Partnership", "status", sorted(STATUS_WEIGHT))}
    themes = frozenset(n.id for n in store.nodes("Theme"))
    sdgs = frozenset(n.id for n in store.nodes("SDG"))

    out: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    into: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    for e in store.edges(EDGE_TYPES):
        out[e.type][e.source].append(e)
        into[e.type][e.target].append(e)

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

    memberships = {m: tuple(es) for m, es in out["PARTNER_IN"].items() if m in places}
    for muni in places:
        for imp in out["IMPLEMENTS"].get(muni, ()):
            practice(muni, PRACTISED, "practised", (imp,), imp.target)
        experiences(muni, (), muni)
        for member in memberships.get(muni, ()):
            pid = member.target
            practice(muni, PRACTISED, "practised", (member,), pid)
            for imp in out["IMPLEMENTS"].get(pid, ()):
                practice(muni, PRACTISED, "practised", (member, imp), imp.target)
            experiences(muni, (member,), pid)

    members = {p: tuple(e for e in es if e.source in places) for p, es in into["PARTNER_IN"].items()}
    facilitated: dict[str, dict[str, list[Path]]] = defaultdict(lambda: defaultdict(list))
    for muni, es in memberships.items():
        for member in es:
            for fac in into["FACILITATES"].get(member.target, ()):
                facilitated[muni][fac.source].append((member, fac))
    offers_s, seeks_s, works_s = offers.supports(), seeks.supports(), works.supports()
    return MatchIndex(
        version=version,
        places=places,
        themes=themes,
        sdgs=sdgs,
        offers=offers_s,
        seeks=seeks_s,
        works_on=works_s,
        memberships=memberships,
        members=members,
        status=status,
        facilitated={m: {o: tuple(sorted(ps, key=_path_key)) for o, ps in sorted(orgs.items())}
                     for m, orgs in sorted(facilitated.items())},
        offered_by=_inverse(offers_s),
        sought_by=_inverse(seeks_s),
        worked_on_by=_inverse(works_s),
        facilitator_members=_inverse(facilitated),
    )


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()
_BUILD_LOCK = threading.Lock()


def match_index(store: GraphStore) -> MatchIndex:
    """Return the index for the store's current version, building it if needed."""
    version = store.version()
    with _CACHE_LOCK:
        index = _CACHE.get(store)
    if index is not None and index.version == version:
        return index
    with _BUILD_LOCK:
        with _CACHE_LOCK:
            index = _CACHE.get(store)
        if index is None or index.version != version:
            index = build_index(store, version)
            with _CACHE_LOCK:
                _CACHE[store] = index
    return index


# ---------------------------------------------------------------- matching
@dataclass
class _Origin:
    id: str | None
    code: str | None
    languages: frozenset[str]
    languages_inferred: bool
    offers: dict[str, Support]
    seeks: dict[str, Support]
    works_on: dict[str, Support]


def match(store: GraphStore, request: MatchRequest) -> MatchResult:
    """Rank candidate partners for ``request``; raise :class:`MatchError` for bad input."""
    _check_request(request)
    index = match_index(store)
    origin = _origin(index, request)
    unknown = [t for t in request.themes if t not in index.themes]
    if unknown:
        raise MatchError("unknown_theme", f"unknown theme(s): {', '.join(unknown)}",
                         themes=", ".join(unknown))
    code, region = _filters(request)
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

    direct, common = _network(index, origin.id)
    shared_orgs = _shared_facilitators(index, origin.id)

    pool: set[str] = set(direct) | set(common) | set(shared_orgs)
    for t in give_to:
        pool.update(index.sought_by.get(t, ()))
        pool.update(index.offered_by.get(t, ()))
    for t in interest:
        pool.update(index.offered_by.get(t, ()))
    for s in works:
        pool.update(index.worked_on_by.get(s, ()))
    pool.discard(origin.id)

    scored = []
    for cid in pool:
        place = index.places[cid]
        if code and place.code != code:
            continue
        if region and region not in place.regions:
            continue
        links = direct.get(cid)
        if request.exclude_partners and links and _is_current(index, links):
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
        network = max(_direct_weight(index, links) if links else 0.0,
                      _indirect(common[cid]) if cid in common else 0.0)
        thematic = bool(give or learn or peers or sdgs)
        if not (thematic or facilitators or network):
            continue
        raw = (give, learn, mutual, peers, sdgs, facilitators, network, 1.0 if shared_languages else 0.0)
        total = sum(w * r for w, r in zip(_WEIGHT_LIST, raw, strict=True))
        scored.append((not thematic, -round(total, 9), cid, raw))

    # Candidates with a thematic signal first, then by score, ties by id.
    scored.sort(key=lambda s: s[:3])
    candidates = tuple(
        _candidate(index, origin, focus, dict(zip(COMPONENTS, raw, strict=True)), cid, direct, common,
                   shared_orgs)
        for _, _, cid, raw in scored[: request.limit]
    )
    return MatchResult(origin.id, request.themes, candidates, len(scored), index.version)


def _check_request(request: MatchRequest) -> None:
    if not isinstance(request, MatchRequest):
        raise MatchError("bad_request", "expected a MatchRequest")
    if (request.municipality is None) == (request.profile is None):
        raise MatchError("both_or_neither",
                         "give either a municipality from the graph or a profile, not both or neither")
    limit = request.limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise MatchError("limit_out_of_range", f"limit must be a whole number from 1 to {MAX_LIMIT}",
                         limit=limit, max=MAX_LIMIT)
    if not request.themes:
        raise MatchError("no_themes", "choose at least one theme")
    if len(request.themes) > MAX_THEMES:
        raise MatchError("too_many_themes", f"choose at most {MAX_THEMES} themes", max=MAX_THEMES)


def _origin(index: MatchIndex, request: MatchRequest) -> _Origin:
    if request.municipality is not None:
        place = index.places.get(request.municipality) if isinstance(request.municipality, str) else None
        if place is None:
            raise MatchError("unknown_municipality",
                             f"no municipality with id {request.municipality!r}",
                             municipality=str(request.municipality))
        return _Origin(place.id, place.code, place.languages, place.languages_inferred,
                       index.offers.get(place.id, {}), index.seeks.get(place.id, {}),
                       index.works_on.get(place.id, {}))
    profile = request.profile
    if not isinstance(profile, Profile):
        raise MatchError("both_or_neither", "the profile must be a Profile")
    unknown = [t for t in profile.offers + profile.seeks if t not in index.themes]
    if unknown:
        raise MatchError("unknown_theme", f"unknown theme(s): {', '.join(unknown)}",
                         themes=", ".join(unknown))
    unknown = [s for s in profile.sdgs if s not in index.sdgs]
    if unknown:
        raise MatchError("unknown_sdg", f"unknown SDG(s): {', '.join(unknown)}", sdgs=", ".join(unknown))
    code = regions.country_code(profile.country)
    if code is None:
        raise MatchError("unknown_country", f"unknown country {profile.country!r}",
                         country=str(profile.country))
    bad = [lang for lang in profile.languages if not isinstance(lang, str) or not _LANGUAGE.match(lang)]
    if bad:
        raise MatchError("unknown_language", f"not a language code: {', '.join(map(str, bad))}",
                         languages=", ".join(map(str, bad)))
    languages = frozenset(profile.languages) or frozenset(regions.official_languages(code))

    def declared(ids):
        return {i: Support(DECLARED, "profile", ()) for i in ids}

    return _Origin(None, code, languages, not profile.languages,
                   declared(profile.offers), declared(profile.seeks), declared(profile.sdgs))


def _filters(request: MatchRequest) -> tuple[str | None, str | None]:
    code = region = None
    if request.country not in (None, ""):
        code = regions.country_code(request.country)
        if code is None:
            raise MatchError("unknown_country", f"unknown country {request.country!r}",
                             country=str(request.country))
    if request.region not in (None, ""):
        region = regions.region_key(request.region)
        if region is None:
            raise MatchError("unknown_region", f"unknown region {request.region!r}",
                             region=str(request.region))
    if code and region and region not in regions.regions_of(code):
        raise MatchError("contradictory_options",
                         f"country {request.country!r} does not lie in region {request.region!r}",
                         country=str(request.country), region=str(request.region))
    return code, region


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


def _status_weight(status) -> float:
    return STATUS_WEIGHT.get(status, 1.0)


def _network(index: MatchIndex, origin: str | None):
    """Return direct links and common partners of ``origin``.

    Direct: {candidate: [(your PARTNER_IN edge, their PARTNER_IN edge), ...]}.
    Common: {candidate: {partner: (weight, path)}}, the best path per common partner.
    """
    direct: dict[str, list[tuple[Edge, Edge]]] = defaultdict(list)
    common: dict[str, dict[str, tuple[float, Path]]] = defaultdict(dict)
    if origin is None:
        return direct, common
    for mine in index.memberships.get(origin, ()):
        w1 = _status_weight(index.status.get(mine.target))
        for theirs in index.members.get(mine.target, ()):
            partner = theirs.source
            if partner == origin:
                continue
            direct[partner].append((mine, theirs))
            for onward in index.memberships.get(partner, ()):
                if onward.target == mine.target:
                    continue
                w = min(w1, _status_weight(index.status.get(onward.target)))
                for far in index.members.get(onward.target, ()):
                    cid = far.source
                    if cid in (origin, partner):
                        continue
                    path = (mine, theirs, onward, far)
                    best = common[cid].get(partner)
                    if best is None or (-w, _path_key(path)) < (-best[0], _path_key(best[1])):
                        common[cid][partner] = (w, path)
    return direct, common


def _direct_weight(index: MatchIndex, links) -> float:
    return max((_status_weight(index.status.get(mine.target)) for mine, _ in links), default=0.0)


def _is_current(index: MatchIndex, links) -> bool:
    """True if any shared partnership is current: status active or not recorded."""
    return any(index.status.get(mine.target) not in ("dormant", "ended") for mine, _ in links)


def _indirect(partners: dict[str, tuple[float, Path]] | None) -> float:
    if not partners:
        return 0.0
    gap = 1.0
    for partner in sorted(partners):
        gap *= 1.0 - COMMON_PARTNER * partners[partner][0]
    return 1.0 - gap


def _shared_facilitators(index: MatchIndex, origin: str | None) -> dict[str, list[str]]:
    shared: dict[str, list[str]] = defaultdict(list)
    if origin is None:
        return shared
    for org in index.facilitated.get(origin, {}):
        for cid in index.facilitator_members.get(org, ()):
            if cid != origin:
                shared[cid].append(org)
    return shared


# ---------------------------------------------------------------- evidence
def _candidate(index, origin: _Origin, focus, raw: dict[str, float], cid, direct, common,
               shared_orgs) -> Candidate:
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
                  key=lambda s: (-min(origin.works_on[s].strength, c_works[s].strength), _sdg_order(s)))
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
    for mine, theirs in sorted(direct.get(cid, ()), key=lambda pair: pair[0].target):
        status = index.status.get(mine.target)
        evidence.append(Evidence("network", mine.target, ((mine, theirs),),
                                 ("existing_partner",) + ((status,) if status else ())))
        if status in ("dormant", "ended"):
            flags.append(f"partnership_{status}")
        else:
            flags.append("existing_partner")
    partners = common.get(cid, {})
    for partner in sorted(partners, key=lambda p: (-partners[p][0], p))[:MAX_EVIDENCE]:
        path = partners[partner][1]
        evidence.append(Evidence("network", partner, (path,),
                                 ("partner_of_partner",) + _status_flags(index, {path[0].target,
                                                                                  path[2].target})))
    if partners:
        flags.append("partner_of_partner")
    # language
    inferred = origin.languages_inferred or place.languages_inferred
    for lang in sorted(origin.languages & place.languages):
        evidence.append(Evidence("language", lang, (), ("inferred",) if inferred else ()))
    if not any(raw[c] for c in THEMATIC):
        flags.append("no_thematic_signal")
    if inferred and raw["language"]:
        flags.append("languages_inferred")
    return Candidate(cid, place.name, place.country, score, parts, tuple(evidence),
                     tuple(dict.fromkeys(flags)))


def _interest(origin: _Origin, focus, t: str) -> float:
    declared = origin.seeks[t].strength if t in origin.seeks else 0.0
    return max(declared, IMPLIED_INTEREST) if t in focus else declared


def _status_flags(index: MatchIndex, partnerships) -> tuple[str, ...]:
    found = {index.status.get(p) for p in partnerships}
    return tuple(s for s in ("dormant", "ended") if s in found)


# ---------------------------------------------------------------- helpers
def _unique(values) -> tuple:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(dict.fromkeys(values))


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


def _path_key(path: Path) -> list:
    return [e.key for e in path]


def _sdg_order(sdg_id: str):
    number = sdg_id.split(":", 1)[1]
    return (0, int(number), "") if number.isdigit() else (1, 0, number)
