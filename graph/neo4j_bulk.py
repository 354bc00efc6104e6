"""Large writes to Neo4j in bounded transactions, with an all-or-nothing result.

One transaction for a whole import can exceed the server's transaction
memory (it did at ten times the twin-town data).  So a large write goes in
transactions of ``BATCH`` rows, in two phases:

1. **Staging.**  New nodes are created under the label
   ``CommonGroundStaged`` with a token, not ``Entity``, so no read sees them;
   edges that touch a new node are created between them and are invisible
   too, since every read matches ``Entity`` at both ends.  Change items are
   written as staged chunks.
2. **Publishing.**  Staged nodes get their ``Entity`` and kind labels, batch
   by batch (their ids are kept, to undo exactly these); existing nodes and
   the edges between them are updated; the change record's head and the
   version bump come last.

If anything fails, what was done is undone from the before-values read at
the start (staged nodes deleted, updated nodes and edges restored, created
edges removed) and the error is raised, so the store ends as it was.  A
process killed during staging leaves only invisible staged nodes, which the
next bulk write sweeps once they are a day old.
"""

from __future__ import annotations

import time
import uuid

from . import schema, text
from .errors import NotFound
from .model import Change, ChangeItem, ChangeNote, Edge, Node, edge_item
from .neo4j_store import (
    BATCH,
    BUMP_VERSION,
    STAGED_MAX_AGE_S,
    Neo4jStore,
    _visible,
    edge_changes,
    node_changes,
    read_edge_props,
    write_change_items,
)

CHUNKS_PER_TX = 50


def _batches(rows: list, size: int = BATCH):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def bulk_write(store: Neo4jStore, nodes: list[Node], edges: list[Edge], change: ChangeNote) -> Change | None:
    """Write ``nodes`` and ``edges`` (already folded) in bounded transactions; see the module."""
    _sweep_stale(store)
    ids = [n.id for n in nodes]
    existing: dict[str, dict] = {}
    for chunk in _batches(ids):
        for r in store._read("UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN n.id AS id, properties(n) AS p",
                             ids=chunk):
            existing[r["id"]] = _visible(r["p"])
    new_ids = {i for i in ids if i not in existing}
    ends = sorted({x for e in edges for x in (e.source, e.target)} - set(ids))
    present = set(existing)
    for chunk in _batches(ends):
        present |= {r["id"] for r in store._read(
            "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN n.id AS id", ids=chunk)}
    for end in ends:
        if end not in present:
            raise NotFound(end)
    old_edges = store._execute(read_edge_props, [e for e in edges if e.source not in new_ids
                                                  and e.target not in new_ids])
    node_rows, node_items = node_changes(nodes, existing)
    edge_rows, edge_items = edge_changes(edges, old_edges, new_ids)
    items = node_items + edge_items
    if not items:
        return None
    token = uuid.uuid4().hex
    undo = _Undo(store, token, existing, old_edges)
    try:
        _stage(store, token, node_rows, edge_rows, items, undo)
        return _publish(store, token, node_rows, edge_rows, items, change, undo)
    except BaseException:
        undo.run()
        raise


class _Undo:
    """What a failed bulk write must put back, growing as the write goes on."""

    def __init__(self, store: Neo4jStore, token: str, existing: dict, old_edges: dict):
        self.store, self.token = store, token
        self.existing, self.old_edges = existing, old_edges
        self.updated_nodes: list[tuple[str, str]] = []   # (kind, id) whose properties were replaced
        self.written_edges: list[tuple] = []             # edge keys between existing nodes, written
        self.published: list[str] = []                   # ids of new nodes already given their labels

    def run(self) -> None:
        store = self.store
        # Exactly the nodes this write published, never one another writer made meanwhile.
        for chunk in _batches(self.published):
            store._execute(_run, "UNWIND $ids AS id MATCH (n:Entity {id: id}) DETACH DELETE n",
                           {"ids": chunk}, write=True)
        _loop(store, "MATCH (n:CommonGroundStaged {_staging: $token}) WITH n LIMIT $batch "
              "DETACH DELETE n RETURN count(*) AS c", token=self.token)
        _loop(store, "MATCH (n:CommonGroundChangeItems {_staging: $token}) WITH n LIMIT $batch "
              "DELETE n RETURN count(*) AS c", token=self.token)
        rows = [dict(self.existing[i], id=i, kind=k, _search=text.search_text(self.existing[i]))
                for k, i in self.updated_nodes]
        for chunk in _batches(rows):
            store._execute(_run, "UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n = row",
                           {"rows": chunk}, write=True)
        by_type: dict[str, list] = {}
        for s, t, e in self.written_edges:
            by_type.setdefault(t, []).append({"s": s, "t": e, "props": self.old_edges.get((s, t, e))})
        for rel, rows in by_type.items():
            for chunk in _batches(rows):
                store._execute(_run, f"UNWIND $rows AS row MATCH (:Entity {{id: row.s}})-[r:{rel}]->"
                               "(:Entity {id: row.t}) FOREACH (_ IN CASE WHEN row.props IS NULL THEN [1] "
                               "ELSE [] END | DELETE r) FOREACH (_ IN CASE WHEN row.props IS NULL THEN [] "
                               "ELSE [1] END | SET r = row.props)", {"rows": chunk}, write=True)


def _run(tx, query: str, params: dict):
    return tx.run(query, params).consume()


def _loop(store: Neo4jStore, query: str, **params) -> None:
    """Run a batched query until it reports no more rows touched."""
    def once(tx):
        return tx.run(query, dict(params, batch=BATCH)).single()["c"]

    while store._execute(once, write=True):
        pass


def _sweep_stale(store: Neo4jStore) -> None:
    """Delete what crashed bulk writes staged long ago; never what a running one is staging."""
    cutoff = time.time() - STAGED_MAX_AGE_S
    for label in ("CommonGroundStaged", "CommonGroundChangeItems"):
        _loop(store, f"MATCH (n:{label}) WHERE n._staged_at < $cutoff "
              "WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS c", cutoff=cutoff)


def _stage(store, token, node_rows, edge_rows, items, undo) -> None:
    now = time.time()
    for (_kind, known), rows in sorted(node_rows.items()):
        if known:
            continue
        for chunk in _batches(rows):
            store._execute(_run, "UNWIND $rows AS row CREATE (n:CommonGroundStaged) SET n = row, "
                           "n._staging = $token, n._staged_at = $now",
                           {"rows": chunk, "token": token, "now": now}, write=True)
    new_ids = {row["id"] for (_kind, known), rows in node_rows.items() if not known for row in rows}
    for (rel, fresh), rows in sorted(edge_rows.items()):
        if not fresh:
            continue
        # Each end is either staged by this write or already published: one index lookup each.
        by_ends: dict[tuple[bool, bool], list] = {}
        for row in rows:
            by_ends.setdefault((row["s"] in new_ids, row["t"] in new_ids), []).append(row)
        for (source_new, target_new), group in sorted(by_ends.items()):
            # Looked up by id (the staged_id index), then checked for the token: every staged node
            # shares the token, so the planner must not pick the token's index for the lookup.
            a = ("MATCH (a:CommonGroundStaged {id: row.s}) WHERE a._staging = $token" if source_new
                 else "MATCH (a:Entity {id: row.s})")
            b = ("MATCH (b:CommonGroundStaged {id: row.t}) WHERE b._staging = $token" if target_new
                 else "MATCH (b:Entity {id: row.t})")
            for chunk in _batches(group):
                store._execute(_run, f"UNWIND $rows AS row {a} {b} "
                               f"CREATE (a)-[r:{rel}]->(b) SET r = row.props",
                               {"rows": chunk, "token": token}, write=True)
    chunks = list(range(0, len(items), 1000))
    for start in range(0, len(chunks), CHUNKS_PER_TX):
        part = items[chunks[start]: chunks[start] + 1000 * CHUNKS_PER_TX]

        def write_part(tx, part=part, first=start):
            write_change_items(tx, -1, part, first_chunk=first, extra={"_staging": token, "_staged_at": now})

        store._execute(write_part, write=True)


def _publish(store, token, node_rows, edge_rows, items, change, undo) -> Change:
    for kind in sorted({kind for kind, known in node_rows if not known}):
        label = schema.node_kind(kind).label

        def relabel(tx, label=label, kind=kind):
            # The Entity label brings the id uniqueness constraint: a clash fails here, and is undone.
            return [r["id"] for r in tx.run(
                "MATCH (n:CommonGroundStaged {_staging: $token}) WHERE n.kind = $kind WITH n LIMIT $batch "
                f"SET n:Entity:{label} REMOVE n:CommonGroundStaged, n._staging, n._staged_at "
                "RETURN n.id AS id", token=token, kind=kind, batch=BATCH)]

        while published := store._execute(relabel, write=True):
            undo.published += published
    for (kind, known), rows in sorted(node_rows.items()):
        if not known:
            continue
        for chunk in _batches(rows):
            undo.updated_nodes += [(kind, row["id"]) for row in chunk]
            store._execute(_run, "UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n = row",
                           {"rows": chunk}, write=True)
    for (rel, fresh), rows in sorted(edge_rows.items()):
        if fresh:
            continue
        for chunk in _batches(rows):
            undo.written_edges += [(row["s"], rel, row["t"]) for row in chunk]
            store._execute(_run, "UNWIND $rows AS row MATCH (a:Entity {id: row.s}) MATCH (b:Entity {id: row.t}) "
                           f"MERGE (a)-[r:{rel}]->(b) SET r = row.props", {"rows": chunk}, write=True)

    def finish(tx):
        seq = tx.run(BUMP_VERSION).single()["g"]
        at = change.at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        tx.run("CREATE (:CommonGroundChange {seq: $seq, at: $at, actor: $actor, reason: $reason, "
               "item_count: $count})", seq=seq, at=at, actor=change.actor, reason=change.reason,
               count=len(items)).consume()
        tx.run("MATCH (i:CommonGroundChangeItems {_staging: $token}) "
               "SET i.seq = $seq REMOVE i._staging, i._staged_at", token=token, seq=seq).consume()
        return seq, at

    seq, at = store._execute(finish, write=True)
    recorded = tuple(ChangeItem(key if kind == "node" else edge_item(key), kind, before, after)
                     for kind, key, before, after in items[:100])
    return Change(seq, at, change.actor, change.reason, recorded, len(items))
