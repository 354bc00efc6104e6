"""Whole-store work on Neo4j that a kill cannot leave half done: restores, and bulk imports' publishing.

Neo4j cannot replace a large graph in one transaction (the server's
transaction memory), so such work runs in bounded transactions under a
**journal**: a JSON value ``journal`` on the meta node, written before the
first visible step and removed in the transaction of the last.

* A **restore** stages everything first, invisibly: nodes under
  ``CommonGroundStaged`` (edges between them are invisible too, as every read
  matches ``Entity`` at both ends), change heads under
  ``CommonGroundStagedChange``, change items with ``seq`` -1; each carries the
  restore's token in ``_staging``.  The journal says ``staging`` meanwhile: a
  kill leaves the old contents visible, and the next run *undoes* the staging.
  Then the journal says ``clearing`` (the old graph, change log deleted in
  batches), then ``publishing`` (staged nodes, heads and items relabelled in
  batches, the accounts replaced, the restore's own change recorded and the
  journal removed, in that last transaction).  A kill in either state leaves a
  store that :func:`interrupted` reports, and the next run *completes* it from
  what is staged: nothing it needs is left outside the database.
* A **bulk import** (:mod:`.bulk`) stages its new nodes the same way.  Before
  publishing it writes the journal (``import``) and, as ``CommonGroundBulkPending``
  nodes, the updates of nodes and edges that existed before; a kill while
  publishing is completed by the next run, with the import's change record.

The next run is ``kb restore``, ``kb import-*``, ``kb load``, ``kb seed`` or
``kb serve`` (see webapp/cli.py), and every bulk write; ``kb check`` reports
the journal.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid

from ... import schema
from ...model import ChangeNote, Edge, Node
from .. import crashpoints
from ..changes import ChangeRow, change_time, encode_params
from .connection import Neo4jConnection
from .cypher import BATCH, label
from .writes import change_item_rows, edge_changes, node_changes

# The restore's own change number lies this far beyond every earlier one: whoever follows the store
# change by change (graph.matching.updates follows at most 64) sees a gap and starts over.
RESTORE_GAP = 1000
# Change-item chunks (of up to CHANGE_CHUNK items) staged per transaction.
CHUNK_ROWS_PER_TX = 20


# -- the journal -------------------------------------------------------------------------
def read_journal(db: Neo4jConnection) -> dict | None:
    rows = db.read("MATCH (m:CommonGroundMeta {id: 'meta'}) RETURN m.journal AS j")
    return json.loads(rows[0]["j"]) if rows and rows[0]["j"] else None


def write_journal(tx, journal: dict | None) -> None:
    """Write (or with None, remove) the journal inside ``tx``."""
    tx.run("MERGE (m:CommonGroundMeta {id: 'meta'}) SET m.journal = $j",
           j=None if journal is None else json.dumps(journal)).consume()


def _set_journal(db: Neo4jConnection, journal: dict | None) -> None:
    db.run(write_journal, journal, write=True)


def owner() -> dict:
    """Who writes a journal: a later run completes it only once that process is gone."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def running(journal: dict) -> bool:
    """Whether the process that wrote ``journal`` still runs (on this machine; elsewhere it cannot be told).

    Work whose process runs is its own to finish: completing it from here too would record it twice.
    """
    who = journal.get("owner") or {}
    if who.get("host") != socket.gethostname() or not isinstance(who.get("pid"), int) or who["pid"] == os.getpid():
        return False
    try:
        os.kill(who["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user has that number now: not ours
        return False
    return True


def describe(journal: dict | None) -> str | None:
    """What ``kb check`` says of an unfinished journal."""
    if journal is None:
        return None
    what = "a restore" if journal["op"] == "restore" else "an import"
    started = journal.get("started", "?")
    if running(journal):
        return (f"{what} is running (process {journal['owner']['pid']}, started {started}, {journal['reason']}): "
                "check again once it has ended")
    if journal["state"] == "staging":
        return (f"{what} was interrupted (started {started}, {journal['reason']}) before it showed anything; "
                "the next kb restore, kb import or kb serve removes what it staged")
    return (f"{what} was interrupted (started {started}, {journal['reason']}) while replacing what is shown: "
            "the store holds part of it; the next kb restore, kb import or kb serve completes it")


def finish(db: Neo4jConnection) -> str | None:
    """Complete or undo what the journal says is unfinished; say what was done (None: nothing was)."""
    journal = read_journal(db)
    if journal is None or running(journal):
        return None
    if journal["op"] == "restore":
        if journal["state"] == "staging":
            _drop_staged(db, journal["token"])
            _set_journal(db, None)
            return f"removed what an interrupted restore had staged ({journal['reason']})"
        _continue_restore(db, journal)
        return f"completed an interrupted restore ({journal['reason']})"
    complete_import(db, journal)
    return f"completed an interrupted import ({journal['reason']})"


def _loop(db: Neo4jConnection, query: str, point: str | None = None, **params) -> None:
    """Run a batched query, one transaction per batch, until it reports no more rows touched."""
    def once(tx):
        return tx.run(query, dict(params, batch=BATCH)).single()["c"]

    while db.run(once, write=True):
        if point:
            crashpoints.reached(point)


def _drop_staged(db: Neo4jConnection, token: str) -> None:
    for kind in ("CommonGroundStaged", "CommonGroundStagedChange", "CommonGroundChangeItems",
                 "CommonGroundBulkPending"):
        _loop(db, f"MATCH (n:{kind} {{_staging: $token}}) WITH n LIMIT $batch DETACH DELETE n "
              "RETURN count(*) AS c", token=token)


def relabel_staged(db: Neo4jConnection, token: str, point: str | None = None) -> None:
    """Give the nodes staged under ``token`` their Entity and kind labels, batch by batch (idempotent)."""
    for kind in sorted(schema.NODE_KINDS):
        _loop(db, "MATCH (n:CommonGroundStaged {_staging: $token}) WHERE n.kind = $kind WITH n LIMIT $batch "
              f"SET n:Entity:{label(kind)} REMOVE n:CommonGroundStaged, n._staging, n._staged_at "
              "RETURN count(*) AS c", point, token=token, kind=kind)


# -- restores ------------------------------------------------------------------------------
def replace_all(db: Neo4jConnection, nodes: list[Node], edges: list[Edge], changes: list[dict],
                accounts: list[dict] | None, note: ChangeNote) -> int:
    """Replace graph, change log and accounts under a journal (see the module); return the restore's seq."""
    finish(db)
    token, now = uuid.uuid4().hex, time.time()
    node_rows, node_items = node_changes(nodes, {})
    edge_rows, edge_items = edge_changes(edges, {}, {n.id for n in nodes})
    # Without a history of its own (a version 1 backup), the restore records every node and edge as created.
    own = [] if changes else node_items + edge_items
    _set_journal(db, {"op": "restore", "token": token, "state": "staging", "actor": note.actor,
                      "reason": note.reason, "code": note.code, "params": note.params, "at": change_time(note), "accounts": accounts,
                      "own_items": len(own), "owner": owner(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    element_ids: dict[str, str] = {}
    for (_kind, _known), rows in sorted(node_rows.items()):
        for i in range(0, len(rows), BATCH):
            made = db.run(_create_staged, rows[i: i + BATCH], token, now, write=True)
            element_ids.update((m["id"], m["e"]) for m in made)
            crashpoints.reached("neo4j.restore.staging")
    for (rel, _fresh), rows in sorted(edge_rows.items()):
        for i in range(0, len(rows), BATCH):
            chunk = [dict(row, a=element_ids[row["s"]], b=element_ids[row["t"]]) for row in rows[i: i + BATCH]]
            db.run(_run, "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row.a MATCH (b) WHERE elementId(b) = row.b "
                   f"CREATE (a)-[r:{rel}]->(b) SET r = row.props", {"rows": chunk}, write=True)
    heads = [{"seq": c["seq"], "at": c["at"], "actor": c["actor"], "reason": c["reason"],
              "code": c.get("code") or "", "params": encode_params(c["params"]) if c.get("params") else None,
              "item_count": len(c["items"])} for c in changes]
    for i in range(0, len(heads), BATCH):
        db.run(_run, "UNWIND $rows AS row CREATE (c:CommonGroundStagedChange) SET c = row, "
               "c._staging = $token, c._staged_at = $now", {"rows": heads[i: i + BATCH], "token": token, "now": now},
               write=True)
    chunks = [dict(row, _seq=c["seq"]) for c in changes
              for row in change_item_rows([ChangeRow.from_record(*item) for item in c["items"]])]
    chunks += [dict(row, _seq=0) for row in change_item_rows(own)]  # 0: the restore's own change
    for i in range(0, len(chunks), CHUNK_ROWS_PER_TX):
        db.run(_run, "UNWIND $rows AS row CREATE (i:CommonGroundChangeItems {seq: -1, chunk: row.chunk, "
               "nodes: row.nodes, items: row.items, _seq: row._seq, _staging: $token, _staged_at: $now})",
               {"rows": chunks[i: i + CHUNK_ROWS_PER_TX], "token": token, "now": now}, write=True)
    crashpoints.reached("neo4j.restore.staged")
    journal = read_journal(db)
    journal["state"] = "clearing"
    _set_journal(db, journal)
    return _continue_restore(db, journal)


def _create_staged(tx, rows: list[dict], token: str, now: float) -> list[dict]:
    return tx.run("UNWIND $rows AS row CREATE (n:CommonGroundStaged) SET n = row, n._staging = $token, "
                  "n._staged_at = $now RETURN collect({id: n.id, e: elementId(n)}) AS made",
                  rows=rows, token=token, now=now).single()["made"]


def _run(tx, query: str, params: dict):
    return tx.run(query, params).consume()


def _continue_restore(db: Neo4jConnection, journal: dict) -> int:
    token = journal["token"]
    if journal["state"] == "clearing":
        # Everything shown before, and its history; never what this restore (or an import) staged.
        _loop(db, "MATCH (n) WHERE n:Entity OR n:CommonGroundChange "
              "OR (n:CommonGroundChangeItems AND n._staging IS NULL) "
              "WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS c", "neo4j.restore.clearing")
        journal["state"] = "publishing"
        _set_journal(db, journal)
    relabel_staged(db, token, "neo4j.restore.publishing")
    _loop(db, "MATCH (c:CommonGroundStagedChange {_staging: $token}) WITH c LIMIT $batch "
          "SET c:CommonGroundChange REMOVE c:CommonGroundStagedChange, c._staging, c._staged_at "
          "RETURN count(*) AS c", "neo4j.restore.publishing", token=token)
    _loop(db, "MATCH (i:CommonGroundChangeItems {_staging: $token}) WHERE i._seq > 0 WITH i LIMIT $batch "
          "SET i.seq = i._seq REMOVE i._seq, i._staging, i._staged_at RETURN count(*) AS c",
          "neo4j.restore.publishing", token=token)
    if journal.get("accounts") is not None:
        from .accounts import Neo4jAccountStore  # argon2 only when accounts are restored

        Neo4jAccountStore(db).replace_rows(journal["accounts"])  # replacing twice gives the same rows
    crashpoints.reached("neo4j.restore.finishing")

    def last(tx):
        # Under the meta node's lock: if another run completed it meanwhile, it is not recorded twice.
        current = tx.run("MATCH (m:CommonGroundMeta {id: 'meta'}) SET m._lock = true REMOVE m._lock "
                         "RETURN m.journal AS j, m.generation AS g").single()
        if not current or not current["j"] or json.loads(current["j"]).get("token") != token:
            return current["g"] if current else 0
        highest = tx.run("MATCH (c:CommonGroundChange) RETURN coalesce(max(c.seq), 0) AS s").single()["s"]
        seq = tx.run("MERGE (m:CommonGroundMeta {id: 'meta'}) "
                     "SET m.generation = CASE WHEN coalesce(m.generation, 0) > $h THEN coalesce(m.generation, 0) "
                     "ELSE $h END + $gap RETURN m.generation AS g", h=highest, gap=RESTORE_GAP).single()["g"]
        params = journal.get("params")
        tx.run("CREATE (:CommonGroundChange {seq: $seq, at: $at, actor: $actor, reason: $reason, item_count: $n, "
               "code: $code, params: $params})",
               seq=seq, at=journal["at"], actor=journal["actor"], reason=journal["reason"],
               n=journal["own_items"], code=journal.get("code") or "",
               params=encode_params(params) if params else None).consume()
        tx.run("MATCH (i:CommonGroundChangeItems {_staging: $token}) WHERE i._seq = 0 "
               "SET i.seq = $seq REMOVE i._seq, i._staging, i._staged_at", token=token, seq=seq).consume()
        # What was said of the old graph (such as its seed digest) is forgotten, as by clear().
        tx.run("MATCH (m:CommonGroundMeta {id: 'meta'}) SET m = {id: m.id, generation: m.generation, "
               "search_format: m.search_format, schema_version: m.schema_version}").consume()
        return seq

    return db.run(last, write=True)


# -- bulk imports ----------------------------------------------------------------------------
def begin_import(db: Neo4jConnection, token: str, note: ChangeNote, at: str, item_count: int,
                 updates: dict, edges: dict, existed: list[str]) -> None:
    """Before a bulk write publishes: keep what it will change of existing nodes, then the journal."""
    now = time.time()
    pending = [{"what": "nodes", "name": kind, "rows": json.dumps(rows[i: i + BATCH])}
               for (kind, known), rows in sorted(updates.items()) if known for i in range(0, len(rows), BATCH)]
    pending += [{"what": "edges", "name": rel, "rows": json.dumps(rows[i: i + BATCH])}
                for (rel, fresh), rows in sorted(edges.items()) if not fresh for i in range(0, len(rows), BATCH)]
    pending.append({"what": "existed", "name": "", "rows": json.dumps(existed)})
    for row in pending:
        db.run(_run, "CREATE (p:CommonGroundBulkPending) SET p = $row, p._staging = $token, p._staged_at = $now",
               {"row": row, "token": token, "now": now}, write=True)
    _set_journal(db, {"op": "import", "token": token, "state": "publishing", "actor": note.actor,
                      "reason": note.reason, "code": note.code, "params": note.params, "at": at, "item_count": item_count, "owner": owner(),
                      "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})


def finish_import(tx, token: str, seq: int, at: str, note: ChangeNote, item_count: int, existed: list[str]) -> None:
    """The last transaction of a bulk import: its change record, its nodes' newest change, no journal."""
    tx.run("CREATE (:CommonGroundChange {seq: $seq, at: $at, actor: $actor, reason: $reason, "
           "item_count: $count, code: $code, params: $params})", seq=seq, at=at, actor=note.actor,
           reason=note.reason, count=item_count, code=note.code,
           params=encode_params(note.params) if note.params else None).consume()
    tx.run("MATCH (i:CommonGroundChangeItems {_staging: $token}) "
           "SET i.seq = $seq REMOVE i._staging, i._staged_at", token=token, seq=seq).consume()
    tx.run("UNWIND $ids AS id MATCH (n:Entity {id: id}) SET n._last_change = $seq", ids=existed, seq=seq).consume()
    tx.run("MATCH (p:CommonGroundBulkPending {_staging: $token}) DELETE p", token=token).consume()
    write_journal(tx, None)


def complete_import(db: Neo4jConnection, journal: dict) -> None:
    """Complete a bulk import killed while publishing, from what it staged and kept (idempotent steps)."""
    token = journal["token"]
    relabel_staged(db, token)

    def apply(tx, what: str):
        pending = tx.run("MATCH (p:CommonGroundBulkPending {_staging: $token, what: $what}) "
                         "RETURN elementId(p) AS e, p.name AS name, p.rows AS rows LIMIT 1",
                         token=token, what=what).single()
        if pending is None:
            return False
        rows = json.loads(pending["rows"])
        if what == "nodes":
            tx.run("UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n = row", rows=rows).consume()
        else:
            rel = schema.rel_type(pending["name"]).name
            tx.run("UNWIND $rows AS row MATCH (a:Entity {id: row.s}) MATCH (b:Entity {id: row.t}) "
                   f"MERGE (a)-[r:{rel}]->(b) SET r = row.props", rows=rows).consume()
        tx.run("MATCH (p) WHERE elementId(p) = $e DELETE p", e=pending["e"]).consume()
        return True

    for what in ("nodes", "edges"):
        while db.run(apply, what, write=True):
            pass
    existed = db.read("MATCH (p:CommonGroundBulkPending {_staging: $token, what: 'existed'}) RETURN p.rows AS rows",
                      token=token)
    ids = json.loads(existed[0]["rows"]) if existed else []
    note = ChangeNote(journal["actor"], journal["reason"], code=journal.get("code") or "",
                      params=journal.get("params") or {})

    def last(tx):
        # Under the meta node's lock: if another run completed it meanwhile, it is not recorded twice.
        current = tx.run("MATCH (m:CommonGroundMeta {id: 'meta'}) SET m._lock = true REMOVE m._lock "
                         "RETURN m.journal AS j").single()
        if not current or not current["j"] or json.loads(current["j"]).get("token") != token:
            return
        seq = tx.run("MERGE (m:CommonGroundMeta {id: 'meta'}) SET m.generation = coalesce(m.generation, 0) + 1 "
                     "RETURN m.generation AS g").single()["g"]
        finish_import(tx, token, seq, journal["at"], note, journal["item_count"], ids)

    db.run(last, write=True)

