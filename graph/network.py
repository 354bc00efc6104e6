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

Graph (:func:`network_graph`): members, their partner municipalities and the
organisations that facilitate, observe or fund the selected partnerships
are actors; each actor is joined to each partnership it takes part in, so
the graph is bipartite (actors and partnerships).  Degree and betweenness
centrality are computed on it (betweenness is sampled, with a fixed seed,
over ``BETWEENNESS_SAMPLES`` sources when more than ``BETWEENNESS_EXACT_MAX``
nodes have links, and normalised over the nodes that have links); Louvain communities too, with a fixed
seed, and each is named after its most connected member.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from .errors import NotFound
from .model import Edge, Node
from .queries import goal_of
from .regions import REGIONS, regions_of

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
BETWEENNESS_EXACT_MAX = 500
BETWEENNESS_SAMPLES = 300
SEED = 42
BRIDGES_SHOWN = 20


class FilterError(ValueError):
    """A filter value that names nothing this graph knows; ``filter`` is the filter's name."""

    def __init__(self, filter_name: str, value):
        super().__init__(f"unknown value for {filter_name}: {value!r}")
        self.filter = filter_name
        self.value = value


@dataclass(frozen=True)
class NetworkFilter:
    """What to select.  Several values of one filter match any of them; different filters must all match.

    ``countries`` are ISO codes and ``regions`` keys of :data:`graph.regions.REGIONS`
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
    from .countries import country_code
    from .regions import region_key

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
    from graph.workspace.privacy import Visibility

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

def network_graph(net: Network) -> nx.Graph:
    """Return the bipartite actor–partnership graph of the selection, built in id order.

    Nodes carry ``kind`` and the node's own properties; partnerships also
    ``status`` (by this module's rule; a recorded ``status`` becomes
    ``recorded_status``), ``last_activity``, ``themes``, ``sdgs`` and
    ``countries`` (lists); members carry ``member: True``.  Edges carry ``type`` (the relationship).
    """
    graph = nx.Graph()
    for node_id, node in net.actors.items():
        graph.add_node(node_id, **{**node.props, "kind": node.kind, "member": node_id in net.members})
    for pid, node in net.partnerships.items():
        props = dict(node.props)
        if "status" in props:
            props["recorded_status"] = props.pop("status")
        graph.add_node(pid, **props, kind=node.kind, member=False, status=net.status_of[pid],
                       last_activity=net.last_activity[pid], themes=sorted(net.themes_of[pid]),
                       sdgs=sorted(net.sdgs_of[pid], key=_goal_number), countries=sorted(net.countries_of[pid]))
    for e in net.links:
        graph.add_edge(e.source, e.target, type=e.type)
    return graph


def _goal_number(goal_id: str) -> int:
    return int(goal_id.split(":", 1)[1])


def centrality(graph: nx.Graph) -> tuple[dict[str, float], dict[str, float]]:
    """Return degree and betweenness centrality (betweenness sampled with a fixed seed on big graphs)."""
    if graph.number_of_nodes() == 0:
        return {}, {}
    degree = nx.degree_centrality(graph)
    # A node without links lies on no path: leave it out (it costs a search and adds nothing).
    linked = graph.subgraph(sorted(n for n in graph if graph.degree(n)))
    n = linked.number_of_nodes()
    k = BETWEENNESS_SAMPLES if n > BETWEENNESS_EXACT_MAX else None
    betweenness = dict.fromkeys(graph, 0.0)
    if n > 2:
        betweenness.update(nx.betweenness_centrality(linked, k=k, seed=SEED if k else None, normalized=True))
    return degree, betweenness


def communities(graph: nx.Graph, members: set[str]) -> list[dict]:
    """Return the Louvain communities (fixed seed), biggest first, each named after its most connected member.

    With no member in it, a community is named after its most connected actor.
    Nodes without any link belong to no community.
    """
    linked = graph.subgraph(n for n in graph if graph.degree(n))  # a lone node is a gap, not a community
    if linked.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(linked, seed=SEED)
    result = []
    for group in found:
        actors = [n for n in group if graph.nodes[n]["kind"] != "Partnership"]
        pool = [n for n in actors if n in members] or actors or list(group)
        named = min(pool, key=lambda n: (-graph.degree(n), n))
        result.append({"name": named, "size": len(group), "members": sum(1 for n in group if n in members),
                       "partnerships": sum(1 for n in group if graph.nodes[n]["kind"] == "Partnership"),
                       "nodes": sorted(group)})
    result.sort(key=lambda c: (-c["size"], c["name"]))
    for number, c in enumerate(result, start=1):
        c["number"] = number
    return result


# -- figures ----------------------------------------------------------------------------------------

def _count(values) -> list[tuple[str, int]]:
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))


def continent_of(code: str) -> str | None:
    """Return the top-level UN region of a country code."""
    chain = regions_of(code)
    return chain[-1] if chain else None


def summarise(net: Network, graph: nx.Graph | None = None) -> dict:
    """Return every figure the network page shows, as plain values (ids, numbers, lists), language-free."""
    graph = graph if graph is not None else network_graph(net)
    flt = net.filter
    pids = list(net.partnerships)
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: {"started": 0, "ended": 0})
    for node in net.partnerships.values():
        start, end = node.props.get("start_year"), node.props.get("end_year")
        if isinstance(start, int):
            by_year[start]["started"] += 1
        if isinstance(end, int):
            by_year[end]["ended"] += 1
    years = [{"year": y, **by_year[y]} for y in range(min(by_year), max(by_year) + 1)] if by_year else []
    country_links = Counter(c for p in pids for c in net.countries_of[p])
    degree, betweenness = centrality(graph)
    actor_ids = [n for n in graph if graph.nodes[n]["kind"] != "Partnership"]
    # Only those that do bridge or connect: a list padded with zeros says nothing.
    bridges = sorted((n for n in actor_ids if betweenness.get(n, 0) > 0),
                     key=lambda n: (-betweenness.get(n, 0), -graph.degree(n), n))[:BRIDGES_SHOWN]
    connected = sorted((n for n in actor_ids if graph.degree(n) > 0), key=lambda n: (-graph.degree(n), n))[:BRIDGES_SHOWN]

    def actor(n):
        return {"id": n, "kind": graph.nodes[n]["kind"], "member": n in net.members,
                "partnerships": graph.degree(n), "degree": round(degree.get(n, 0.0), 6),
                "betweenness": round(betweenness.get(n, 0.0), 6)}

    active = [p for p in pids if net.status_of[p] == "active"]
    with_partnership = {e.source for e in net.links if e.type == "PARTNER_IN"}
    all_themes = sorted(i for i in net.names if i.startswith("theme:"))
    all_goals = sorted((i for i in net.names if i.startswith("sdg:")), key=_goal_number)
    active_themes = set().union(*(net.themes_of[p] for p in active)) if active else set()
    active_goals = set().union(*(net.sdgs_of[p] for p in active)) if active else set()
    return {
        "association": net.association.id if net.association else None,
        "totals": {
            "members": len(net.members),
            "members_with_partnerships": len(with_partnership & set(net.members)),
            "partnerships": len(pids),
            "partners": sum(1 for n in net.actors if n not in net.members and net.actors[n].kind == "Municipality"),
            "organisations": sum(1 for n in net.actors if net.actors[n].kind == "Organisation"),
            "countries": len(country_links),
            "considered": net.considered,
            "left_out_undated": net.left_out_undated,
        },
        "by_country": _count(c for p in pids for c in net.countries_of[p]),
        "by_continent": _count(c for p in pids for c in {continent_of(x) for x in net.countries_of[p]} if c),
        "by_theme": _count(t for p in pids for t in net.themes_of[p]),
        "by_sdg": sorted(Counter(g for p in pids for g in net.sdgs_of[p]).items(),
                         key=lambda kv: _goal_number(kv[0])),
        "by_kind": _count(str(net.partnerships[p].props.get("partnership_type") or "unknown") for p in pids),
        "by_status": [(s, sum(1 for p in pids if net.status_of[p] == s)) for s in STATUSES],
        "per_year": years,
        "bridges": [actor(n) for n in bridges],
        "most_connected": [actor(n) for n in connected],
        "communities": communities(graph, set(net.members)),
        "dormant": {
            "rule": {"years": flt.dormant_years, "as_of": flt.year},
            "partnerships": [{"id": p, "last_activity": net.last_activity[p]}
                             for p in pids if net.status_of[p] == "dormant"],
            "undated": sum(1 for p in pids if net.last_activity[p] is None),
        },
        "gaps": {
            "members_without_partnership": sorted(set(net.members) - with_partnership),
            "themes_without_active_partnership": [t for t in all_themes if t not in active_themes],
            "sdgs_without_active_partnership": [g for g in all_goals if g not in active_goals],
            "countries_with_one_link": sorted(c for c, n in country_links.items() if n == 1),
        },
    }


def with_vocabulary(store, net: Network) -> Network:
    """Add every theme and SDG of the store to ``net.names`` (gaps list those nobody works on)."""
    for kind in ("Theme", "SDG"):
        for node in store.nodes(kind):
            net.names.setdefault(node.id, node)
    return net


def network_summary(store, flt: NetworkFilter) -> tuple[Network, nx.Graph, dict]:
    """Read the selection, build its graph and compute its figures: what the page and the exports use."""
    net = with_vocabulary(store, read_network(store, flt))
    graph = network_graph(net)
    return net, graph, summarise(net, graph)


# -- drawing and map ------------------------------------------------------------------------------

def layout(graph: nx.Graph, groups: list[dict]) -> dict[str, tuple[float, float]]:
    """Return positions in O(n): communities on a spiral, each community's nodes on rings around its centre.

    A force-directed layout would cost seconds with thousands of nodes; this
    one keeps communities together and is the same on every run.
    """
    positions: dict[str, tuple[float, float]] = {}
    placed = set()
    golden = math.pi * (3 - math.sqrt(5))
    ordered = [c["nodes"] for c in groups]
    seen = {n for c in ordered for n in c}
    ordered += [[n] for n in sorted(graph) if n not in seen]
    for index, group in enumerate(ordered):
        radius_out = 12 * math.sqrt(index)
        cx, cy = radius_out * math.cos(index * golden), radius_out * math.sin(index * golden)
        nodes = sorted(group, key=lambda n: (-graph.degree(n), n))
        for rank, node in enumerate(nodes):
            if node in placed:
                continue
            r = 0.6 * math.sqrt(rank)
            angle = rank * golden
            positions[node] = (round(cx + r * math.cos(angle), 3), round(cy + r * math.sin(angle), 3))
            placed.add(node)
    return positions


def map_links(net: Network) -> list[dict]:
    """Return each member–partner link of the selection, with coordinates where both ends have them."""
    links = []
    partners_of: dict[str, list[str]] = defaultdict(list)
    for e in net.links:
        if e.type == "PARTNER_IN":
            partners_of[e.target].append(e.source)
    for pid in net.partnerships:
        towns = sorted(partners_of[pid])
        pairs = [(a, b) if a in net.members else (b, a) for i, a in enumerate(towns) for b in towns[i + 1:]
                 if a in net.members or b in net.members]
        for member, partner in pairs:
                a, b = net.actors[member].props, net.actors[partner].props
                coords = [(a.get("lng"), a.get("lat")), (b.get("lng"), b.get("lat"))]
                ok = all(isinstance(v, (int, float)) for pair in coords for v in pair)
                links.append({"partnership": pid, "member": member, "partner": partner,
                              "status": net.status_of[pid], "from": list(coords[0]) if ok else None,
                              "to": list(coords[1]) if ok else None})
    return links
