"""Bring a store filled by an earlier version up to the gazetteer, in one recorded (revertible) change.

- every member gets its coordinates, their source, its other names and its
  former municipalities (graph.members.place_properties) where it lacks them;
- a Belgian town an earlier import stored beside a member (Ghent next to Gent,
  Zwijndrecht next to Beveren-Kruibeke-Zwijndrecht) is folded into the member:
  its partnerships become the member's, and the town is deleted;
- a province or region stored as a town (Flemish Brabant) becomes an
  organisation that takes part in its twinnings as a stakeholder;
- the twin-town partnerships of members are named from their members' names
  in each language (Gent – Kanazawa, Gand – Kanazawa).

``kb import-twinnings`` runs it first; on an up-to-date store it writes nothing.
"""

from __future__ import annotations

from graph.ingest.reconcile import BelgianPlaces, Member, members_from, partnership_names, read_members
from graph.model import ChangeNote, Edge, Node
from graph.places.gazetteer import country_check
from graph.records import make_node
from graph.stores.base import GraphStore

TWIN_SOURCE = "source:twin-cities"
PLACE_KEYS = ("lat", "lng", "coordinates_source", "coordinates_via", "alt_names", "former_names")


def reconcile_store(store: GraphStore, change: ChangeNote) -> int:
    """Apply the reconciliation; return how many nodes it changed or removed (0: nothing to do)."""
    from graph.ingest.members import ASSOCIATIONS, place_update, read_municipalities

    municipalities = {m.nis_code: m for a in ASSOCIATIONS for m in read_municipalities(a.region_code)}
    stored = store.find_by_property("Municipality", "nis_code", set(municipalities))
    if not stored:
        return 0
    nodes: dict[str, Node] = {}
    for n in stored:
        wanted = place_update(municipalities[str(n.props["nis_code"])], n.props)
        if any(n.props.get(k) != v for k, v in wanted.items()):
            nodes[n.id] = make_node(n.id, dict(n.props, **wanted))
    members = [_member_now(m, nodes) for m in read_members(store, set(municipalities))]
    places = BelgianPlaces(members)
    member_ids = {m.id for m in members}

    towns = [n for n in store.find_by_property("Municipality", "country_code", {"BE"})
             if n.id not in member_ids and not n.props.get("nis_code")]
    located = [(n.props.get("lat"), n.props.get("lng")) for n in towns]
    points = [(lat, lng, "BE") for lat, lng in located if isinstance(lat, (int, float)) and isinstance(lng, (int, float))]
    abroad = dict(zip(points, country_check().outside(points), strict=True))
    into: dict[str, str] = {}
    as_stakeholder: set[str] = set()
    for town, (lat, lng) in zip(towns, located, strict=True):
        trusted = (lat, lng, "BE") in abroad and abroad[(lat, lng, "BE")] is None
        resolution = places.resolve(str(town.props.get("name", "")), lat if trusted else None,
                                    lng if trusted else None)
        if resolution.member:
            into[town.id] = resolution.member
        elif resolution.region:
            region = resolution.region.node()
            nodes.setdefault(region.id, region)
            into[town.id] = region.id
            as_stakeholder.add(town.id)

    edges: list[Edge] = []
    if into:
        existing = {e.key for e in store.edges_of_many(set(into.values()))}
        for e in store.edges_of_many(set(into)):
            if e.source not in into:
                continue
            rel = "STAKEHOLDER_IN" if e.source in as_stakeholder and e.type == "PARTNER_IN" else e.type
            edge = Edge(into[e.source], rel, e.target, dict(e.props))
            if edge.key not in existing:
                existing.add(edge.key)
                edges.append(edge)
    _rename_partnerships(store, member_ids, into, nodes, edges)
    if not (nodes or edges or into):
        return 0
    store.write(nodes.values(), edges, change, delete=sorted(into))
    return len(nodes) + len(into)


def _member_now(member: Member, nodes: dict[str, Node]) -> Member:
    """The member as it will be once this change is written (its new coordinates and names)."""
    return members_from([nodes[member.id]])[0] if member.id in nodes else member


def _rename_partnerships(store: GraphStore, member_ids: set[str], into: dict[str, str],
                         nodes: dict[str, Node], edges: list[Edge]) -> None:
    """Name each twin-town partnership of a member from its sides' names, member first."""
    actors = member_ids | set(into.values())
    partnerships = {e.target for e in store.edges_of_many(actors, ["PARTNER_IN", "STAKEHOLDER_IN"])}
    partnerships |= {e.target for e in edges}
    sides_of: dict[str, set[str]] = {}
    for e in store.edges_of_many(partnerships, ["PARTNER_IN", "STAKEHOLDER_IN"]):
        sides_of.setdefault(e.target, set()).add(into.get(e.source, e.source))
    for e in edges:
        sides_of.setdefault(e.target, set()).add(e.source)
    stored = store.get_nodes(partnerships | {s for ss in sides_of.values() for s in ss})
    for pid in sorted(partnerships):
        partnership = stored.get(pid)
        # Members and provinces first, as the import names them; two of them by id.
        sides = sorted(sides_of.get(pid, ()), key=lambda s: (not (s in actors or s.startswith("organisation:")),
                                                              s if (s in actors or s.startswith("organisation:")) else ""))
        if partnership is None or partnership.props.get("source") != TWIN_SOURCE or len(sides) != 2:
            continue
        names = [_names((nodes.get(s) or stored.get(s)).props) for s in sides if (nodes.get(s) or stored.get(s))]
        if len(names) != 2:
            continue
        wanted = partnership_names(names)
        if any(partnership.props.get(k) != v for k, v in wanted.items()):
            nodes[pid] = make_node(pid, dict(partnership.props, **wanted))


def _names(props: dict) -> dict[str, str]:
    return {k: v for k, v in props.items() if (k == "name" or k.startswith("name_")) and isinstance(v, str)}
