"""Fold towns that exist twice because their country was spelled two ways.

Stores filled before countries were keyed by ISO code may hold "Ghent,
England" and "Ghent, England, United Kingdom" as two municipalities, each
with its own twinning to the same partner.  :func:`plan_country_folds` works
out, from the store's contents only, how to make them one: which node
survives, which fold into it, how every edge of a folded node is re-pointed,
and which import-made partnerships then join the same two towns and fold too.
Nothing is lost: a survivor records the ids it absorbed (``merged_from``), the
provenance of each (``merged_provenance``) and every spelling of its country
(``country_as_given``); re-pointed edges keep their own provenance.

:func:`fold_country_duplicates` applies a plan in one store write (the
upserts and the deletes commit together), recorded as one change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..model import ChangeNote, Edge, Node
from ..places.countries import municipality_id, place_key, resolve_country
from ..records import make_node
from ..stores.base import GraphStore


@dataclass(frozen=True)
class Fold:
    """Nodes that are one thing: ``folded`` ids merge into ``survivor``."""

    survivor: str
    folded: tuple[str, ...]


@dataclass
class FoldPlan:
    """What folding changes: nodes to upsert, edges to add, nodes to delete (with their edges)."""

    municipalities: list[Fold] = field(default_factory=list)
    partnerships: list[Fold] = field(default_factory=list)
    # Twinnings that folding would turn into a town twinned with itself.
    dropped: list[str] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """How many municipalities exist only because of a second spelling of their country."""
        return sum(len(f.folded) for f in self.municipalities)


def _provenance(node: Node) -> str:
    return f"{node.id} ({node.props.get('source', '?')}: {node.props.get('source_section', '?')})"


def _survivor(nodes: list[Node]) -> Node:
    """Pick who stays: a node the seeds curate, then the one with the canonical id, then the first id."""
    def rank(node: Node):
        canonical = municipality_id(str(node.props.get("name", "")), str(node.props.get("country", "")))
        return (node.props.get("source") == "source:twin-cities", node.id != canonical, node.id)
    return min(nodes, key=rank)


def _merged(survivor: Node, folded: list[Node], extra: dict) -> Node:
    """Return the survivor's properties to upsert: what it absorbed, and from where."""
    props = dict(extra)
    props["merged_from"] = sorted(set(survivor.props.get("merged_from", [])) | {n.id for n in folded})
    props["merged_provenance"] = sorted(set(survivor.props.get("merged_provenance", []))
                                        | {_provenance(n) for n in folded})
    return make_node(survivor.id, props)


def _municipality_groups(store: GraphStore) -> list[list[Node]]:
    """Return the towns that are one town under several spellings, whole, in groups."""
    groups: dict[str, list[str]] = defaultdict(list)
    # Every town is scanned after each import, so only the three properties the key needs are read.
    for node in store.nodes("Municipality", only=("name", "country", "country_code")):
        name, country = node.props.get("name"), node.props.get("country")
        if isinstance(name, str) and isinstance(country, str):
            groups[place_key(name, country, node.props.get("country_code"))].append(node.id)
    twice = [ids for ids in groups.values() if len(ids) > 1]
    nodes = store.get_nodes(i for ids in twice for i in ids)
    whole = ([nodes[i] for i in ids if i in nodes] for ids in twice)
    return [group for group in whole if len(group) > 1]  # a town deleted meanwhile leaves a group


def spelling_duplicates(store: GraphStore) -> int:
    """Count municipalities that are another one under a second spelling of its country."""
    return sum(len(g) - 1 for g in _municipality_groups(store))


def plan_country_folds(store: GraphStore) -> FoldPlan:
    """Work out how to fold every town duplicated by country spelling, edges and twinnings included."""
    plan = FoldPlan()
    into: dict[str, str] = {}
    for group in _municipality_groups(store):
        survivor = _survivor(group)
        folded = sorted((n for n in group if n.id != survivor.id), key=lambda n: n.id)
        code, country = resolve_country(str(survivor.props["country"]))
        spellings = {str(n.props["country"]) for n in group} | {
            s for n in group for s in n.props.get("country_as_given", [])}
        extra = {"country": country, "country_code": code or survivor.props.get("country_code")}
        extra = {k: v for k, v in extra.items() if v}
        if spellings - {country}:
            extra["country_as_given"] = sorted(spellings - {country})
        plan.municipalities.append(Fold(survivor.id, tuple(n.id for n in folded)))
        plan.nodes.append(_merged(survivor, folded, dict(extra, name=survivor.props["name"])))
        into.update((n.id, survivor.id) for n in folded)
    if not into:
        return plan
    _fold_partnerships(store, plan, into)
    _repoint_edges(store, plan, into)
    plan.delete = sorted(set(into) | set(plan.dropped))
    return plan


def _fold_partnerships(store: GraphStore, plan: FoldPlan, into: dict[str, str]) -> None:
    """Fold partnerships that join the same two towns once their members are folded."""
    members: dict[str, set[str]] = defaultdict(set)
    for e in store.edges(["PARTNER_IN"]):
        members[e.target].add(e.source)
    touched = {p for p, ms in members.items() if ms & into.keys()}
    by_pair: dict[frozenset, list[str]] = defaultdict(list)
    for p in members:
        by_pair[frozenset(into.get(m, m) for m in members[p])].append(p)
    nodes = store.get_nodes({p for pair in by_pair.values() if len(pair) > 1 and set(pair) & touched
                             for p in pair})
    for pair, ids in by_pair.items():
        if len(pair) == 1:
            plan.dropped += sorted(p for p in ids if p in touched and len(members[p]) > 1)
            continue
        group = [nodes[p] for p in ids if p in nodes]
        if len(group) < 2:
            continue
        survivor = _survivor(group)
        folded = sorted((n for n in group if n.id != survivor.id), key=lambda n: n.id)
        plan.partnerships.append(Fold(survivor.id, tuple(n.id for n in folded)))
        plan.nodes.append(_merged(survivor, folded, {}))
        into.update((n.id, survivor.id) for n in folded)


def _repoint_edges(store: GraphStore, plan: FoldPlan, into: dict[str, str]) -> None:
    """Give every edge of a folded node to its survivor, unless the survivor already has that edge."""
    existing = {e.key for s in set(into.values()) for e in store.edges_of(s)}
    gone = set(plan.dropped)
    seen: set[tuple[str, str, str]] = set()
    for old in sorted(into):
        for e in store.edges_of(old):
            source, target = into.get(e.source, e.source), into.get(e.target, e.target)
            key = (source, e.type, target)
            if source == target or gone & {source, target} or key in existing or key in seen:
                continue
            seen.add(key)
            plan.edges.append(Edge(source, e.type, target, dict(e.props)))


def fold_country_duplicates(store: GraphStore, change: ChangeNote) -> int:
    """Fold every town duplicated by country spelling, atomically; return how many were folded."""
    plan = plan_country_folds(store)
    if plan.nodes or plan.edges or plan.delete:
        store.write(plan.nodes, plan.edges, change, delete=plan.delete)
    return plan.duplicates
