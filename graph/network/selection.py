"""An association's view of its members' partnerships: the selection, its figures and its graph.

Everything comes from store reads (``edges_of``, ``edges_of_many``,
``get_nodes``, ``find_by_property``, ``nodes``) and is computed here, in
Python, with networkx, so the embedded store and Neo4j give the same figures.

The selection starts from an association (an Organisation whose
``organisation_type`` is ``association``) and its members (``MEMBER_OF``).
A partnership is selected when one of the selected members is a partner in
it and it passes every filter given (see :class:`NetworkFilter`).

Status of a partnership (``status_of``), as of a year (``as_of``, this year
unless given):

- **ended**: its ``status`` says ``ended``, or it has an ``end_year`` up to ``as_of``;
- **dormant**: not ended, and its latest known activity is more than
  ``dormant_years`` (5 by default) before ``as_of``.  Its activity is the
  latest of its own ``start_year`` and the years (``year``, ``start_year``,
  ``end_year``) of the projects, events and phases it takes part in or is
  part of.  A partnership with no known year at all (most imported
  twinnings) is never called dormant: nothing says when it was last active;
- **active**: any other partnership.

The figures and the graph made of a selection are :mod:`.analysis`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from ..errors import NotFound
from ..model import Edge, Node
from ..places.regions import REGIONS, regions_of
from ..queries import goal_of
from ..workspace.privacy import Visibility

# Relationship types that make an organisation an actor of a partnership (STAKEHOLDER_IN: named as a
# stakeholder in one of the partnership's workspace exercises, see docs/workspace.md).
ORGANISATION_ROLES = ("FACILITATES", "OBSERVES", "FUNDS", "STAKEHOLDER_IN")
ACTOR_ROLES = ("PARTNER_IN",) + ORGANISATION_ROLES
# What a partnership is about: its own subjects and those of its projects.
SUBJECT_TYPES = ("CONCERNS", "CONTRIBUTES_TO")
# Relationship types that tie a partnership to dated work (projects, events, phases).
ACTIVITY_TYPES = ("TOOK_PART_IN", "IMPLEMENTS", "PART_OF")
ACTIVITY_KINDS = ("project:", "event:", "phase:")
STATUSES = ("active", "dormant", "ended")
DORMANT_YEARS = 5


class FilterError(ValueError):
    """A filter value that names nothing this graph knows; ``filter`` is the filter's name."""

    def __init__(self, filter_name: str, value):
        super().__init__(f"unknown value for {filter_name}: {value!r}")
        self.filter = filter_name
        self.value = value


@dataclass(frozen=True)
class NetworkFilter:
    """What to select.  Several values of one filter match any of them; different filters must all match.

    ``countries`` are ISO codes and ``regions`` keys of :data:`graph.places.regions.REGIONS`
    (a partnership matches when one of its partners outside the association
    lies there); ``kinds`` are ``partnership_type`` values; ``themes`` and
    ``sdgs`` node ids (a target counts for its goal); ``active_from`` and
    ``active_to`` keep partnerships active during some of that period (a
    partnership with no start year is then left out, and counted).
    """

    association: str | None = None
    provinces: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    sdgs: tuple[str, ...] = ()
    active_from: int | None = None
    active_to: int | None = None
    dormant_years: int = DORMANT_YEARS
    as_of: int | None = None

    def __post_init__(self):
        for value in self.regions:
            if value not in REGIONS:
                raise FilterError("continent", value)
        for value in self.statuses:
            if value not in STATUSES:
                raise FilterError("status", value)
        if self.dormant_years < 1:
            raise FilterError("dormant", self.dormant_years)
        if self.active_from is not None and self.active_to is not None and self.active_from > self.active_to:
            raise FilterError("to", self.active_to)

    @property
    def year(self) -> int:
        return self.as_of or dt.date.today().year

    @property
    def has_period(self) -> bool:
        return self.active_from is not None or self.active_to is not None


@dataclass
class Network:
    """What the store says about one association's selection, read once."""

    filter: NetworkFilter
    association: Node | None
    members: dict[str, Node]                 # the selected members (province filter applied)
    partnerships: dict[str, Node]            # the selected partnerships
    actors: dict[str, Node]                  # members, partner municipalities, organisations
    links: list[Edge]                        # actor -ROLE-> selected partnership
    themes_of: dict[str, set[str]]
    sdgs_of: dict[str, set[str]]
    countries_of: dict[str, set[str]]        # partner countries (outside the association) per partnership
    status_of: dict[str, str]
    last_activity: dict[str, int | None]
    left_out_undated: int = 0
    considered: int = 0                      # partnerships of the selected members before the filters
    names: dict[str, Node] = field(default_factory=dict)  # themes and SDGs, for labels

    @property
    def empty(self) -> bool:
        return not self.partnerships


def network_filter(store, association: str | None = None, province=(), country=(), continent=(), kind=(),
                   status=(), theme=(), sdg=(), active_from: int | None = None, active_to: int | None = None,
                   dormant_years: int = DORMANT_YEARS, as_of: int | None = None) -> NetworkFilter:
    """Check filter values against the store and return the filter; FilterError names the first bad one.

    Countries may be ISO codes or names in any language, continents region
    keys, M49 codes or English names, SDGs numbers or ids.  The names are
    the query parameters of the network page.
    """
    from ..places.countries import country_code
    from ..places.regions import region_key

    association = association or default_association(store)
    if association and association not in {n.id for n in associations(store)}:
        raise FilterError("association", association)
    known_provinces = set(store.property_values("Municipality", "province"))
    for value in province:
        if value not in known_provinces:
            raise FilterError("province", value)
    codes = []
    for value in country:
        code = country_code(value)
        if not code:
            raise FilterError("country", value)
        codes.append(code)
    regions = []
    for value in continent:
        key = region_key(value)
        if key not in REGIONS:
            raise FilterError("continent", value)
        regions.append(key)
    known_kinds = set(store.property_values("Partnership", "partnership_type"))
    for value in kind:
        if value not in known_kinds:
            raise FilterError("kind", value)
    themes = list(theme)
    found = store.get_nodes(t for t in themes if t.startswith("theme:")) if themes else {}
    for value in themes:
        if value not in found:
            raise FilterError("theme", value)
    goals = [v if str(v).startswith("sdg:") else f"sdg:{v}" for v in sdg]
    found = store.get_nodes(g for g in goals if g[4:].isdigit()) if goals else {}
    for value in goals:
        if value not in found:
            raise FilterError("sdg", value)
    return NetworkFilter(association, tuple(dict.fromkeys(province)), tuple(dict.fromkeys(codes)),
                         tuple(dict.fromkeys(regions)), tuple(dict.fromkeys(kind)), tuple(dict.fromkeys(status)),
                         tuple(dict.fromkeys(themes)), tuple(dict.fromkeys(goals)), active_from, active_to,
                         dormant_years, as_of)


def associations(store) -> list[Node]:
    """Return the organisations that are associations of municipalities, by id."""
    return sorted(store.find_by_property("Organisation", "organisation_type", ["association"]), key=lambda n: n.id)


def default_association(store) -> str | None:
    """Return the association a page shows when none is asked for: VVSG if present, else the first."""
    found = associations(store)
    ids = [n.id for n in found]
    return "organisation:vvsg" if "organisation:vvsg" in ids else (ids[0] if ids else None)


def _years(props: dict) -> list[int]:
    return [v for k in ("year", "start_year", "end_year")
            if isinstance(v := props.get(k), int) and not isinstance(v, bool)]


def status_of(partnership: Node, last_activity: int | None, flt: NetworkFilter) -> str:
    """Return 'ended', 'dormant' or 'active' by the rule in this module's docstring."""
    props = partnership.props
    end = props.get("end_year")
    if props.get("status") == "ended" or (isinstance(end, int) and end <= flt.year):
        return "ended"
    if last_activity is not None and last_activity < flt.year - flt.dormant_years:
        return "dormant"
    return "active"


def _active_in_period(props: dict, flt: NetworkFilter) -> bool | None:
    """True if active during some of the period, False if not, None if its start is unknown."""
    start = props.get("start_year")
    if not isinstance(start, int):
        return None
    end = props.get("end_year") if isinstance(props.get("end_year"), int) else None
    if props.get("status") == "ended" and end is None:
        end = start
    if flt.active_to is not None and start > flt.active_to:
        return False
    return not (flt.active_from is not None and end is not None and end < flt.active_from)


def read_network(store, flt: NetworkFilter) -> Network:
    """Read the selection from the store and classify its partnerships.  Raises NotFound for an unknown association."""
    association = store.get_node(flt.association) if flt.association else None
    if flt.association and (association is None or association.kind != "Organisation"):
        raise NotFound(flt.association)
    if association is None:
        return Network(flt, None, {}, {}, {}, [], {}, {}, {}, {}, {})
    member_ids = {e.source for e in store.edges_of(association.id, ["MEMBER_OF"]) if e.target == association.id}
    all_members = store.get_nodes(member_ids)
    members = {i: n for i, n in sorted(all_members.items())
               if not flt.provinces or n.props.get("province") in flt.provinces}
    partner_edges = store.edges_of_many(members, ["PARTNER_IN"]) if members else []
    candidate_ids = sorted({e.target for e in partner_edges})
    # The network is public: what unpublished workspace runs yielded (themes, SDGs, stakeholders) is not in it.
    public = Visibility(store)
    around = public.edges(store.edges_of_many(candidate_ids)) if candidate_ids else []
    work = sorted({e.target for e in around if e.source in candidate_ids and e.target.startswith(ACTIVITY_KINDS)}
                  | {e.source for e in around if e.target in candidate_ids and e.source.startswith(ACTIVITY_KINDS)})
    work_subjects = public.edges(store.edges_of_many(work, SUBJECT_TYPES)) if work else []
    others = {e.source for e in around if e.type in ACTOR_ROLES} | {e.target for e in around} | set(work)
    nodes = store.get_nodes(set(candidate_ids) | others | {e.target for e in work_subjects})
    nodes.update(members)

    about: dict[str, set[str]] = defaultdict(set)
    for e in work_subjects:
        about[e.source].add(e.target)
    themes_of: dict[str, set[str]] = defaultdict(set)
    sdgs_of: dict[str, set[str]] = defaultdict(set)
    works_of: dict[str, set[str]] = defaultdict(set)
    actors_of: dict[str, list[Edge]] = defaultdict(list)
    for e in around:
        if e.type in ACTOR_ROLES and e.target in nodes and e.source in nodes:
            actors_of[e.target].append(e)
        elif e.type in SUBJECT_TYPES and e.source in candidate_ids:
            about[e.source].add(e.target)
        elif e.type in ACTIVITY_TYPES:
            pid, wid = (e.source, e.target) if e.source in candidate_ids else (e.target, e.source)
            if wid.startswith(ACTIVITY_KINDS) and pid in candidate_ids:
                works_of[pid].add(wid)
    for pid in candidate_ids:
        subjects = about.get(pid, set()).union(*(about.get(w, set()) for w in works_of.get(pid, ())))
        themes_of[pid] = {s for s in subjects if s.startswith("theme:")}
        sdgs_of[pid] = {g for g in map(goal_of, subjects) if g}

    partnerships, status, last, countries_of = {}, {}, {}, {}
    undated = 0
    for pid in candidate_ids:
        node = nodes.get(pid)
        if node is None:
            continue
        years = _years(node.props) + [y for w in works_of.get(pid, ()) if w in nodes for y in _years(nodes[w].props)]
        past = [y for y in years if y <= flt.year]
        last[pid] = max(past) if past else None
        status[pid] = status_of(node, last[pid], flt)
        partners = [e.source for e in actors_of[pid] if e.type == "PARTNER_IN"]
        outside = [p for p in partners if p not in all_members] or partners
        countries_of[pid] = {c for p in outside if (c := nodes[p].props.get("country_code"))}
        if not _passes(flt, node, status[pid], countries_of[pid], themes_of[pid], sdgs_of[pid]):
            continue
        if flt.has_period:
            active = _active_in_period(node.props, flt)
            if active is None:
                undated += 1
            if not active:
                continue
        partnerships[pid] = node
    links = [e for pid in partnerships for e in actors_of[pid]]
    actors = {i: nodes[i] for i in sorted({e.source for e in links} | set(members))}
    return Network(
        flt, association, members, partnerships, actors, sorted(links, key=lambda e: e.key),
        {p: themes_of[p] for p in partnerships}, {p: sdgs_of[p] for p in partnerships},
        {p: countries_of[p] for p in partnerships}, {p: status[p] for p in partnerships},
        {p: last[p] for p in partnerships}, undated, len(candidate_ids),
        {i: n for i, n in nodes.items() if i.startswith(("theme:", "sdg:"))})


def _passes(flt: NetworkFilter, node: Node, status: str, countries: set[str], themes: set[str],
            sdgs: set[str]) -> bool:
    if flt.kinds and node.props.get("partnership_type") not in flt.kinds:
        return False
    if flt.statuses and status not in flt.statuses:
        return False
    if flt.countries and not countries & set(flt.countries):
        return False
    if flt.regions and not any(set(regions_of(c)) & set(flt.regions) for c in countries):
        return False
    if flt.themes and not themes & set(flt.themes):
        return False
    return not (flt.sdgs and not sdgs & set(flt.sdgs))


# -- the graph --------------------------------------------------------------------------------------
