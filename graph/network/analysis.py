"""The figures of a selected network and its graph: centrality, communities, summary, layout, map.

Graph (:func:`network_graph`): members, their partner municipalities and the
organisations that facilitate, observe or fund the selected partnerships
are actors; each actor is joined to each partnership it takes part in, so
the graph is bipartite (actors and partnerships).  Degree and betweenness
centrality are computed on it (betweenness is sampled, with a fixed seed,
over ``BETWEENNESS_SAMPLES`` sources when more than ``BETWEENNESS_EXACT_MAX``
nodes have links, and normalised over the nodes that have links); Louvain communities too, with a fixed
seed, and each is named after its most connected member.

The selection itself (filters, status) is :mod:`.selection`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import networkx as nx

from ..places.regions import regions_of
from .selection import STATUSES, Network, NetworkFilter, read_network

BETWEENNESS_EXACT_MAX = 500
BETWEENNESS_SAMPLES = 300
SEED = 42
BRIDGES_SHOWN = 20


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
