"""Writes to Neo4j inside one managed transaction, and their change record.

The rules of a change (merging, no-ops, the items a write returns, the
timestamp) are :mod:`graph.stores.changes`; here is only how Neo4j keeps them:
a ``CommonGroundChange`` node per change and its items as JSON in
``CommonGroundChangeItems`` chunks, each listing the nodes it touches (for a
node's history).  The bulk writer (:mod:`.bulk`) reuses these pieces.
"""

from __future__ import annotations

import json

from ... import schema, text
from ...errors import NotFound, StaleWrite
from ...model import Change, ChangeNote, Edge, Node
from ..changes import ChangeRow, change_time, deleted, encode_params, returned_change, touched_nodes, written
from .cypher import BATCH, BUMP, DISTINCT_EDGES, EDGE_ROWS, label, visible

CHANGE_CHUNK = 1000  # change items per CommonGroundChangeItems node

def check_expected(tx, expect: dict[str, int]) -> None:
    """Lock each expected node, then refuse the write if it changed after the change its caller saw.

    The lock (a property write) is held to commit, so a concurrent editor of the
    same node waits here and then sees this write's change.
    """
    if not expect:
        return
    newest = newest_changes(tx, sorted(expect), lock=True)
    for node_id, seen in sorted(expect.items()):
        if newest[node_id] > seen:
            raise StaleWrite(node_id, seen, newest[node_id])


def newest_changes(tx, node_ids: list[str], lock: bool = False) -> dict[str, int]:
    """Return the seq of the newest change that touched each node (0 if none), locking them if asked.

    One index seek for a node that carries its _last_change; a scan of the change
    items for the others (see HIDDEN).
    """
    # Two fixed texts: a statement that may write cannot run in a read transaction.
    locking = "SET n._lock = true REMOVE n._lock " if lock else ""
    newest = {r["id"]: r["seq"] for r in tx.run(
        f"UNWIND $ids AS id MATCH (n:Entity {{id: id}}) {locking}RETURN n.id AS id, n._last_change AS seq",
        ids=node_ids) if r["seq"] is not None}
    for node_id in node_ids:
        if node_id not in newest:
            newest[node_id] = tx.run("MATCH (i:CommonGroundChangeItems) WHERE $id IN i.nodes AND i.seq > 0 "
                                     "RETURN coalesce(max(i.seq), 0) AS s", id=node_id).single()["s"]
    return newest


def write_batch(tx, nodes: list[Node], edges: list[Edge], change: ChangeNote,
                 delete: list[str] = (), expect: dict | None = None,
                 delete_edges: list[tuple] = ()) -> Change | None:
    """Upsert a batch in one transaction: check endpoints, merge nodes and edges, record the change."""
    check_expected(tx, expect or {})
    new_ids = {n.id for n in nodes}
    ends = sorted({x for e in edges for x in (e.source, e.target)} - new_ids)
    # One statement reads the written nodes and checks the edges' other ends.  Writing a property
    # takes the node's write lock until commit, so a concurrent writer cannot change them between
    # this read and the SET below (the ends are locked too, as creating an edge would anyway).
    existing, present = {}, set()
    for r in tx.run("UNWIND $ids AS id MATCH (n:Entity {id: id}) SET n._lock = true REMOVE n._lock "
                    "RETURN collect({id: n.id, props: properties(n)}) AS rows",
                    ids=sorted(new_ids) + ends).single()["rows"]:
        if r["id"] in new_ids:
            existing[r["id"]] = visible(r["props"])
        else:
            present.add(r["id"])
    missing = [x for x in ends if x not in present]
    if missing:
        raise NotFound(missing[0])
    node_rows, items = node_changes(nodes, existing)
    # New nodes are CREATEd and edges touching them too: MERGE would only
    # search for what cannot exist yet, which is most of a bulk import.
    for (kind, known), rows in sorted(node_rows.items()):
        query = (f"UNWIND $rows AS row MATCH (n:Entity {{id: row.id}}) SET n = row, n:{label(kind)}" if known
                 else f"UNWIND $rows AS row CREATE (n:Entity:{label(kind)}) SET n = row")
        for i in range(0, len(rows), BATCH):
            tx.run(query, rows=rows[i : i + BATCH]).consume()
    created = {n.id for n in nodes if n.id not in existing}
    old_edges = read_edge_props(tx, [e for e in edges if e.source not in created and e.target not in created])
    edge_rows, edge_items = edge_changes(edges, old_edges, created)
    for (rel, fresh), rows in sorted(edge_rows.items()):
        verb = "CREATE" if fresh else "MERGE"
        query = ("UNWIND $rows AS row MATCH (a:Entity {id: row.s}) MATCH (b:Entity {id: row.t}) "
                 f"{verb} (a)-[r:{rel}]->(b) SET r = row.props")
        for i in range(0, len(rows), BATCH):
            tx.run(query, rows=rows[i : i + BATCH]).consume()
    deleted = delete_items(tx, list(delete), list(delete_edges)) if delete or delete_edges else []
    return record_change(tx, items + edge_items + deleted, change)


def delete(tx, node_ids: list[str], edge_keys: list[tuple], change: ChangeNote,
            expect: dict | None = None) -> Change | None:
    check_expected(tx, expect or {})
    return record_change(tx, delete_items(tx, node_ids, edge_keys), change)


def delete_items(tx, node_ids: list[str], edge_keys: list[tuple]) -> list[tuple]:
    """Delete nodes (with their edges) and edges in ``tx``; return the change items."""
    found = {r["id"]: visible(r["props"]) for r in tx.run(
        "UNWIND $ids AS id MATCH (n:Entity {id: id}) SET n._lock = true REMOVE n._lock "
        "RETURN collect({id: n.id, props: properties(n)}) AS rows", ids=node_ids).single()["rows"]}
    for node_id in node_ids:
        if node_id not in found:
            raise NotFound(node_id)
    doomed = {}
    for r in tx.run(f"UNWIND $ids AS id MATCH (n:Entity {{id: id}})-[r]-(:Entity) {DISTINCT_EDGES}RETURN {EDGE_ROWS}",
                    ids=node_ids).single()["rows"]:
        doomed[(r["s"], r["type"], r["t"])] = dict(r["props"])
    named = [Edge(s, schema.rel_type(t).name, e) for s, t, e in edge_keys]
    doomed.update(read_edge_props(tx, [e for e in named if e.key not in doomed]))
    by_type: dict[str, list] = {}
    for s, t, e in doomed:
        by_type.setdefault(schema.rel_type(t).name, []).append({"s": s, "t": e})
    for rel, rows in sorted(by_type.items()):
        tx.run(f"UNWIND $rows AS row MATCH (a:Entity {{id: row.s}})-[r:{rel}]->(b:Entity {{id: row.t}}) DELETE r",
               rows=rows).consume()
    tx.run("UNWIND $ids AS id MATCH (n:Entity {id: id}) DETACH DELETE n", ids=node_ids).consume()
    items = [deleted("edge", key, props) for key, props in sorted(doomed.items())]
    items += [deleted("node", node_id, found[node_id]) for node_id in node_ids]
    return items


def node_changes(nodes: list[Node], existing: dict[str, dict]) -> tuple[dict, list]:
    """Return the rows to write by (kind, already there) and the change items, skipping no-ops."""
    by_kind: dict[tuple[str, bool], list] = {}
    items = []
    for n in nodes:
        item = written("node", n.id, existing.get(n.id), n.props)
        if item is None:
            continue
        row = dict(item.after, id=n.id, kind=n.kind, _search=text.search_text(item.after))
        by_kind.setdefault((n.kind, item.before is not None), []).append(row)
        items.append(item)
    return by_kind, items


def read_edge_props(tx, edges: list[Edge]) -> dict[tuple, dict]:
    """Return the properties of those ``edges`` that exist, by key (typed patterns, batched)."""
    by_type: dict[str, list] = {}
    for e in edges:
        by_type.setdefault(schema.rel_type(e.type).name, []).append({"s": e.source, "t": e.target})
    found = {}
    for rel, rows in sorted(by_type.items()):
        for i in range(0, len(rows), BATCH):
            for r in tx.run(f"UNWIND $rows AS row MATCH (a:Entity {{id: row.s}})-[r:{rel}]->(b:Entity {{id: row.t}}) "
                            "RETURN collect({s: row.s, t: row.t, props: properties(r)}) AS rows",
                            rows=rows[i : i + BATCH]).single()["rows"]:
                found[(r["s"], rel, r["t"])] = dict(r["props"])
    return found


def edge_changes(edges: list[Edge], old_edges: dict[tuple, dict], created: set[str]) -> tuple[dict, list]:
    """Return the edge rows to write by (type, touches a new node) and their change items."""
    by_type: dict[tuple[str, bool], list] = {}
    items = []
    for e in edges:
        item = written("edge", e.key, old_edges.get(e.key), e.props)
        if item is None:
            continue
        fresh = e.source in created or e.target in created
        by_type.setdefault((schema.rel_type(e.type).name, fresh), []).append(
            {"s": e.source, "t": e.target, "props": item.after})
        items.append(item)
    return by_type, items


def record_change(tx, items: list[tuple], change: ChangeNote) -> Change | None:
    """Bump the version and write the change record of ``items`` in ``tx``; None if nothing changed."""
    if not items:
        return None
    at = change_time(change)
    rows = change_item_rows(items)
    # One statement, not four: a small write is mostly round trips.  The nodes it touched that are
    # still there are already locked by this transaction, and learn their newest change.
    seq = tx.run(BUMP + " WITH m.generation AS seq "
                 "CREATE (:CommonGroundChange {seq: seq, at: $at, actor: $actor, reason: $reason, item_count: $count, "
                 "code: $code, params: $params}) "
                 "WITH seq UNWIND $rows AS row CREATE (:CommonGroundChangeItems {seq: seq, chunk: row.chunk, "
                 "nodes: row.nodes, items: row.items}) WITH max(seq) AS seq "
                 "OPTIONAL MATCH (n:Entity) WHERE n.id IN $touched SET n._last_change = seq RETURN DISTINCT seq",
                 at=at, actor=change.actor, reason=change.reason, count=len(items), rows=rows,
                 code=change.code, params=encode_params(change.params) if change.params else None,
                 touched=sorted(touched_nodes(items))).single()["seq"]
    return returned_change(seq, at, change, items)


def change_item_rows(items: list[tuple], first_chunk: int = 0) -> list[dict]:
    """Return ``items`` as JSON chunks, each listing the nodes it touches (for node histories)."""
    rows = []
    for c in range(0, len(items), CHANGE_CHUNK):
        chunk = items[c : c + CHANGE_CHUNK]
        encoded = [[item.name, item.kind, item.before, item.after] for item in map(ChangeRow._make, chunk)]
        rows.append({"chunk": first_chunk + c // CHANGE_CHUNK, "nodes": sorted(touched_nodes(chunk)),
                     "items": json.dumps(encoded, ensure_ascii=False, separators=(",", ":"))})
    return rows


def write_change_items(tx, seq: int, items: list[tuple], first_chunk: int = 0, extra: dict | None = None) -> None:
    """Write ``items`` as change-item chunks of change ``seq`` (see change_item_rows)."""
    tx.run("UNWIND $rows AS row CREATE (i:CommonGroundChangeItems {seq: $seq, chunk: row.chunk, "
           "nodes: row.nodes, items: row.items}) SET i += $extra", seq=seq,
           rows=change_item_rows(items, first_chunk), extra=extra or {}).consume()
