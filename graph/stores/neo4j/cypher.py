"""Cypher shared by the Neo4j store's modules: fixed query parts and records as values.

Labels and relationship types are put into query text only after
:mod:`graph.schema` has looked them up (:func:`label`), never from input.
"""

from __future__ import annotations

from ... import schema
from ...model import Edge, Node

BATCH = 5000  # rows per statement, and per transaction where a write is split
# Properties the store keeps on a node for itself, never shown as the node's own.
HIDDEN = frozenset({"id", "kind", "_search", "_staging", "_staged_at", "_last_change"})
# A node's _last_change is the seq of the newest change that touched it (itself or one of its edges),
# set by every write below BULK_THRESHOLD.  A bulk write sets it on the nodes that existed before it
# and leaves the nodes it creates without one; for those, and for nodes written before it existed,
# the change items are scanned (writes.newest_changes).
BUMP = "MERGE (m:CommonGroundMeta {id: 'meta'}) SET m.generation = coalesce(m.generation, 0) + 1"
BUMP_VERSION = BUMP + " RETURN m.generation AS g"
NODE_FIELDS = "n.id AS id, n.kind AS kind, properties(n) AS props"
# Reads that may return many rows return them as one list of maps, ``rows``: the driver handles each
# record as a Bolt message of its own, in Python, where a list arrives and is decoded at once (in
# the driver's Rust extension).  The maps have the same keys as the records had.
NODE_ROWS = "collect({id: n.id, kind: n.kind, props: properties(n)}) AS rows"
EDGE_ROWS = "collect({s: s, type: type, t: t, props: properties(r)}) AS rows"
# Every distinct relationship r that a MATCH found, in key order, as EDGE_ROWS expects it.
DISTINCT_EDGES = "WITH DISTINCT r WITH r, startNode(r).id AS s, type(r) AS type, endNode(r).id AS t ORDER BY s, type, t "


def id_range(prefix: str) -> tuple[str, str]:
    """Return the bounds, both excluded, of the ids that start with ``prefix`` and a colon."""
    return f"{prefix}:", f"{prefix};"  # ';' is the character after ':'


def node_of(record) -> Node:
    props = {k: v for k, v in record["props"].items() if k not in HIDDEN}
    return Node(record["id"], record["kind"], props)


def edge_of(record) -> Edge:
    return Edge(record["s"], record["type"], record["t"], dict(record["props"]))


def label(kind: str) -> str:
    return schema.node_kind(kind).label


def visible(props: dict) -> dict:
    return {k: v for k, v in props.items() if k not in HIDDEN}
