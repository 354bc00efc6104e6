"""Large writes to Neo4j in bounded transactions, with an all-or-nothing result.

One transaction for a whole import can exceed the server's transaction
memory (it did at ten times the twin-town data).  So a large write goes in
transactions of ``BATCH`` rows, in two phases:

1. **Staging.**  New nodes are created under the label
   ``CommonGroundStaged``, not ``Entity``, so no read sees them (WRITERS
   transactions at a time, as they touch nothing in common); edges that
   touch a new node are created between them and are invisible too, since
   every read matches ``Entity`` at both ends.  Change items are written as
   staged chunks.
2. **Publishing.**  Staged nodes get their ``Entity`` and kind labels, batch
   by batch; existing nodes and the edges between them are updated; the
   change record's head and the version bump come last.

Every node the write touches is addressed by its element id, read or
returned once: a staged node needs no index of its own (each one would be
written into it and out of it again), and a lookup by element id is one
seek that the planner cannot turn into a scan.  Each lookup also checks the
node's ``id``, so a node deleted meanwhile is never mistaken for another.

If anything fails, what was done is undone from the before-values read at
the start (staged and published nodes deleted by element id, updated nodes
and edges restored, created edges removed) and the error is raised, so the
store ends as it was.  A process killed during staging leaves only invisible
staged nodes, which the next bulk write sweeps once they are a day old.

A process killed while publishing cannot undo anything, so publishing runs
under a journal (:mod:`.journal`): before the first node becomes visible, the
updates of existing nodes and edges are kept in the database and the meta
node says an import is being published.  ``kb check`` reports that state, and
the next run completes the import, with its change record, from what is
staged and kept.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from ... import schema, text
from ...errors import NotFound, StoreConflict
from ...model import Change, ChangeNote, Edge, Node
from .. import crashpoints
from ..changes import change_time, returned_change, touched_nodes
from . import journal
from .connection import Neo4jConnection
from .cypher import BATCH, BUMP_VERSION, visible
from .writes import CHANGE_CHUNK, edge_changes, node_changes, read_edge_props, write_change_items

STAGED_MAX_AGE_S = 24 * 3600  # staged leftovers of a crashed bulk write older than this are swept

CHUNKS_PER_TX = 50
# Batches of new nodes, which no other batch touches, go in this many transactions at once: while
# one waits for the server, another is sent, and the server can use a second core.  (Edges stay one
# batch at a time: two batches linking the same towns would wait for each other's locks.)
WRITERS = 2


def _batches(rows: list, size: int = BATCH):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def bulk_write(db: Neo4jConnection, nodes: list[Node], edges: list[Edge], change: ChangeNote) -> Change | None:
    """Write ``nodes`` and ``edges`` (already folded) in bounded transactions; see the module."""
    journal.finish(db)  # an import or restore killed halfway is completed before this one starts
    _sweep_stale(db)
    ids = [n.id for n in nodes]
    existing: dict[str, dict] = {}
    element_ids: dict[str, str] = {}
    for chunk in _batches(ids):
        for r in db.read_rows("UNWIND $ids AS id MATCH (n:Entity {id: id}) "
                                  "RETURN collect({id: n.id, e: elementId(n), p: properties(n)}) AS rows", ids=chunk):
            existing[r["id"]] = visible(r["p"])
            element_ids[r["id"]] = r["e"]
    new_ids = {i for i in ids if i not in existing}
    ends = sorted({x for e in edges for x in (e.source, e.target)} - set(ids))
    for chunk in _batches(ends):
        element_ids.update((r["id"], r["e"]) for r in db.read_rows(
            "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN collect({id: n.id, e: elementId(n)}) AS rows", ids=chunk))
    for end in ends:
        if end not in element_ids:
            raise NotFound(end)
    old_edges = db.run(read_edge_props, [e for e in edges if e.source not in new_ids
                                                  and e.target not in new_ids])
    node_rows, node_items = node_changes(nodes, existing)
    edge_rows, edge_items = edge_changes(edges, old_edges, new_ids)
    items = node_items + edge_items
    if not items:
        return None
    token = uuid.uuid4().hex
    undo = _Undo(db, token, existing, old_edges, element_ids)
    try:
        _stage(db, token, node_rows, edge_rows, items, element_ids, undo)
        return _publish(db, token, node_rows, edge_rows, items, change, element_ids, undo)
    except BaseException:
        undo.run()
        raise


# Each end of an edge row, found by element id and checked by id (see the module).
MATCH_ENDS = ("UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row.a AND a.id = row.s "
              "MATCH (b) WHERE elementId(b) = row.b AND b.id = row.t ")


def _edge_rows(rows: list[dict], element_ids: dict[str, str]) -> list[dict]:
    return [dict(row, a=element_ids[row["s"]], b=element_ids[row["t"]]) for row in rows]


def _write_edges(db: Neo4jConnection, query: str, rows: list[dict]) -> None:
    """Run an edge query over ``rows``; refuse the write if an end vanished while it ran."""
    def work(tx):
        return tx.run(query + " RETURN count(*) AS c", rows=rows).single()["c"]

    if db.run(work, write=True) != len(rows):
        raise StoreConflict("a node this write links to was deleted while it ran")


class _Undo:
    """What a failed bulk write must put back, growing as the write goes on."""

    def __init__(self, db: Neo4jConnection, token: str, existing: dict, old_edges: dict, element_ids: dict):
        self.db, self.token = db, token
        self.existing, self.old_edges, self.element_ids = existing, old_edges, element_ids
        self.updated_nodes: list[tuple[str, str]] = []   # (kind, id) whose properties were replaced
        self.written_edges: list[tuple] = []             # edge keys between existing nodes, written
        self.created: list[dict] = []                    # {"e", "id"} of nodes this write made

    def run(self) -> None:
        db = self.db
        # Exactly the nodes this write made, staged or published, never one another writer made.
        for chunk in _batches(self.created):
            db.run(_run, "UNWIND $rows AS row MATCH (n) WHERE elementId(n) = row.e AND n.id = row.id "
                           "DETACH DELETE n", {"rows": chunk}, write=True)
        for kind in ("CommonGroundChangeItems", "CommonGroundBulkPending"):
            _loop(db, f"MATCH (n:{kind} {{_staging: $token}}) WITH n LIMIT $batch "
                  "DELETE n RETURN count(*) AS c", token=self.token)
        if (journal.read_journal(db) or {}).get("token") == self.token:
            db.run(journal.write_journal, None, write=True)
        rows = [dict(self.existing[i], id=i, kind=k, _search=text.search_text(self.existing[i]))
                for k, i in self.updated_nodes]
        for chunk in _batches(rows):
            db.run(_run, "UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n = row",
                           {"rows": chunk}, write=True)
        by_type: dict[str, list] = {}
        for s, t, e in self.written_edges:
            by_type.setdefault(t, []).append({"s": s, "t": e, "props": self.old_edges.get((s, t, e))})
        for rel, rows in by_type.items():
            for chunk in _batches(_edge_rows(rows, self.element_ids)):
                db.run(_run, MATCH_ENDS + f"MATCH (a)-[r:{rel}]->(b) "
                               "FOREACH (_ IN CASE WHEN row.props IS NULL THEN [1] "
                               "ELSE [] END | DELETE r) FOREACH (_ IN CASE WHEN row.props IS NULL THEN [] "
                               "ELSE [1] END | SET r = row.props)", {"rows": chunk}, write=True)


def _run(tx, query: str, params: dict):
    return tx.run(query, params).consume()


def _write_each(db: Neo4jConnection, work, chunks, done=None) -> None:
    """Run ``work(tx, chunk)`` as a write transaction per chunk, WRITERS at a time, in any order.

    ``done`` gets each committed transaction's result, in chunk order, also when
    another chunk failed: the undo must know everything that was written.  Once
    one fails, no chunk starts any more; the first error is raised when the
    running ones have ended.
    """
    failed = threading.Event()

    def one(chunk):
        if failed.is_set():
            return _SKIPPED
        try:
            return db.run(work, chunk, write=True)
        except BaseException:
            failed.set()
            raise

    error = None
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="bulk-write") as pool:
        for future in [pool.submit(one, chunk) for chunk in chunks]:
            try:
                result = future.result()
                if result is not _SKIPPED and done is not None:
                    done(result)
            except BaseException as exc:  # noqa: BLE001 - raised below, once the others have ended
                failed.set()
                error = error or exc
    if error is not None:
        raise error


_SKIPPED = object()  # what a chunk returns that did not start because another had failed


def _loop(db: Neo4jConnection, query: str, **params) -> None:
    """Run a batched query until it reports no more rows touched."""
    def once(tx):
        return tx.run(query, dict(params, batch=BATCH)).single()["c"]

    while db.run(once, write=True):
        pass


def _sweep_stale(db: Neo4jConnection) -> None:
    """Delete what crashed bulk writes staged long ago; never what a running one is staging."""
    cutoff = time.time() - STAGED_MAX_AGE_S
    for label in ("CommonGroundStaged", "CommonGroundChangeItems", "CommonGroundStagedChange",
                  "CommonGroundBulkPending"):
        _loop(db, f"MATCH (n:{label}) WHERE n._staged_at < $cutoff "
              "WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS c", cutoff=cutoff)


def _stage(db, token, node_rows, edge_rows, items, element_ids, undo) -> None:
    now = time.time()

    def made(nodes: list[dict]) -> None:
        undo.created.extend(nodes)
        element_ids.update((m["id"], m["e"]) for m in nodes)
        crashpoints.reached("neo4j.bulk.staging")

    for (_kind, known), rows in sorted(node_rows.items()):
        if not known:
            _write_each(db, partial(_create_staged, now=now, token=token), _batches(rows), made)
    for (rel, fresh), rows in sorted(edge_rows.items()):
        if fresh:
            for chunk in _batches(_edge_rows(rows, element_ids)):
                _write_edges(db, MATCH_ENDS + f"CREATE (a)-[r:{rel}]->(b) SET r = row.props", chunk)
    step = CHANGE_CHUNK * CHUNKS_PER_TX
    for first in range(0, len(items), step):
        def write_part(tx, part=items[first : first + step], first_chunk=first // CHANGE_CHUNK):
            write_change_items(tx, -1, part, first_chunk=first_chunk, extra={"_staging": token, "_staged_at": now})

        db.run(write_part, write=True)


def _create_staged(tx, rows: list[dict], *, now: float, token: str) -> list[dict]:
    return tx.run("UNWIND $rows AS row CREATE (n:CommonGroundStaged) SET n = row, n._staged_at = $now, "
                  "n._staging = $token RETURN collect({id: n.id, e: elementId(n)}) AS made",
                  rows=rows, now=now, token=token).single()["made"]


def _publish(db, token, node_rows, edge_rows, items, change, element_ids, undo) -> Change:
    # The nodes that existed before this write learn its seq as their newest change with the version
    # bump, never earlier: a small write between publishing and here must not end up newer.  The
    # nodes it created keep none (graph.stores.neo4j.cypher.HIDDEN), which a version check finds by a scan.
    existed = sorted(touched_nodes(items) - {row["id"] for (_, known), rows in node_rows.items() if not known
                                             for row in rows})
    at = change_time(change)
    journal.begin_import(db, token, change, at, len(items), node_rows, edge_rows, existed)
    crashpoints.reached("neo4j.bulk.journaled")
    for (kind, known), rows in sorted(node_rows.items()):
        if known:
            continue
        # The Entity label brings the id uniqueness constraint: a clash fails here, and is undone.
        query = ("UNWIND $rows AS row MATCH (n) WHERE elementId(n) = row.e AND n.id = row.id "
                 f"SET n:Entity:{schema.node_kind(kind).label} REMOVE n:CommonGroundStaged, n._staged_at, n._staging")
        _write_each(db, lambda tx, chunk, query=query: _run(tx, query, {"rows": chunk}),
                    _batches([{"e": element_ids[row["id"]], "id": row["id"]} for row in rows]),
                    lambda _: crashpoints.reached("neo4j.bulk.publishing"))
    for (kind, known), rows in sorted(node_rows.items()):
        if not known:
            continue
        for chunk in _batches(rows):
            undo.updated_nodes += [(kind, row["id"]) for row in chunk]
            db.run(_run, "UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n = row",
                           {"rows": chunk}, write=True)
    for (rel, fresh), rows in sorted(edge_rows.items()):
        if fresh:
            continue
        for chunk in _batches(_edge_rows(rows, element_ids)):
            undo.written_edges += [(row["s"], rel, row["t"]) for row in chunk]
            _write_edges(db, MATCH_ENDS + f"MERGE (a)-[r:{rel}]->(b) SET r = row.props", chunk)

    crashpoints.reached("neo4j.bulk.finishing")

    def finish(tx):
        seq = tx.run(BUMP_VERSION).single()["g"]
        journal.finish_import(tx, token, seq, at, change, len(items), existed)
        return seq

    return returned_change(db.run(finish, write=True), at, change, items)
