"""Plain values passed between stores, loaders and analytics."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import countries, schema, text


@dataclass(frozen=True)
class Node:
    """A node: its id, its kind (a schema label) and its flat properties."""

    id: str
    kind: str
    props: dict = field(default_factory=dict, compare=True, hash=False)

    def label(self, lang: str) -> str:
        """Return the node's display name in ``lang``, falling back to its id."""
        return text.display_name(self.props, lang, self.id)


@dataclass(frozen=True)
class Edge:
    """A relationship ``source -type-> target``; one per (source, type, target)."""

    source: str
    type: str
    target: str
    props: dict = field(default_factory=dict, compare=True, hash=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.type, self.target)


@dataclass(frozen=True)
class Page:
    """One page of a node listing, with the total the filters matched."""

    total: int
    nodes: list[Node]


@dataclass(frozen=True)
class ListQuery:
    """What a node listing asks for.  Keys are checked before any store sees them.

    ``where`` holds property equality filters, ``related`` node ids the listed
    nodes must be linked to (either direction, any type), ``year`` keeps nodes
    whose start_year..end_year span contains it.
    """

    kind: str
    where: tuple[tuple[str, object], ...] = ()
    related: tuple[str, ...] = ()
    year: int | None = None
    sort: str = "name"
    descending: bool = False
    lang: str = "nl"
    offset: int = 0
    limit: int = 50

    def __post_init__(self):
        schema.node_kind(self.kind)
        for key, _ in self.where:
            schema.check_properties({key: ""})
        schema.check_properties({self.sort: ""})
        if self.lang not in schema.LANGUAGES:
            raise schema.SchemaError(f"unknown language {self.lang!r}")
        if not (self.offset >= 0 and 1 <= self.limit <= 1000):
            raise schema.SchemaError("offset must be >= 0 and limit between 1 and 1000")
        for node_id in self.related:
            schema.kind_of_id(node_id)


def make_node(node_id: str, props: dict) -> Node:
    """Build a validated node from an id and record properties (text may be nested)."""
    kind = schema.kind_of_id(node_id)
    flat = text.flatten_text(props)
    schema.check_properties(flat)
    schema.check_closed(kind, flat)
    if kind == "Municipality" and "name" in flat and "country" in flat:
        # Known by name and country code, so no spelling of a country makes a second town.
        code = flat.get("country_code") or countries.country_code(flat["country"])
        if code:
            flat["country_code"] = code
        flat["match_key"] = countries.place_key(flat["name"], flat["country"], code)
    return Node(node_id, kind, flat)


def make_edge(source: str, rel: str, target: str, props: dict | None = None) -> Edge:
    """Build a validated edge; its endpoint kinds come from the ids."""
    schema.check_edge(schema.kind_of_id(source, "source"), rel, schema.kind_of_id(target, "target"))
    props = dict(props or {})
    schema.check_properties(props)
    return Edge(source, rel, target, props)


@dataclass(frozen=True)
class ChangeNote:
    """Who makes a write and why; stores commit it with the write, as one change record.

    ``actor`` names a person or a process ("kb seed", "user:42"); ``at`` is an
    ISO 8601 UTC timestamp, filled in by the store when empty.
    """

    actor: str = "system"
    reason: str = ""
    at: str = ""


@dataclass(frozen=True)
class ChangeItem:
    """One node or edge a change touched: its properties before and after.

    ``before`` is None when the change created the item, ``after`` is None
    when it deleted the item.  Together they make a change diffable and
    revertible without looking at any other change.
    """

    item: str            # a node id, or "source|TYPE|target" for an edge
    kind: str            # "node" or "edge"
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class Change:
    """A committed change: a number that orders it, the note, and what it touched."""

    seq: int
    at: str
    actor: str
    reason: str
    items: tuple[ChangeItem, ...] = ()
    item_count: int = 0


def edge_item(key: tuple[str, str, str]) -> str:
    """Return the change-log name of an edge: 'source|TYPE|target'."""
    return "|".join(key)


def fold_repeats(nodes: list[Node], edges: list[Edge]) -> tuple[list[Node], list[Edge]]:
    """Fold repeated ids and edge keys of one write into one record each, later properties winning."""
    by_id: dict[str, Node] = {}
    for n in nodes:
        if n.id in by_id:
            n = Node(n.id, n.kind, {**by_id[n.id].props, **n.props})
        by_id[n.id] = n
    by_key: dict[tuple, Edge] = {}
    for e in edges:
        if e.key in by_key:
            e = Edge(e.source, e.type, e.target, {**by_key[e.key].props, **e.props})
        by_key[e.key] = e
    return list(by_id.values()), list(by_key.values())
