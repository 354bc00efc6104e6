"""Writes to the embedded store inside the caller's transaction, and their change record.

The rules of a change (merging, no-ops, the items a write returns, the
timestamp) are :mod:`graph.stores.changes`; here is only how SQLite keeps
them: a ``changes`` row per change, a ``change_items`` row per item and a
``change_ends`` row per node an item touches (for a node's history).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ... import text
from ...errors import NotFound, StaleWrite
from ...model import Change, ChangeItem, ChangeNote, Edge, Node
from ..changes import ChangeRow, change_time, decode_params, deleted, encode_params, returned_change, written
from .rows import dumps, edges_of, node_rows


def bump(conn) -> None:
    """Count one more change: the store's version moves on."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")


def check_expected(conn, expect: Mapping[str, int] | None) -> None:
    """Refuse the write if a node changed after the change its caller saw (inside the write lock)."""
    for node_id, seen in sorted((expect or {}).items()):
        latest = conn.execute("SELECT coalesce(max(seq), 0) FROM change_ends WHERE node = ?", (node_id,)).fetchone()[0]
        if latest > seen:
            raise StaleWrite(node_id, seen, latest)


def delete_items(conn, node_ids: list[str], edge_keys: list[tuple]) -> list[ChangeRow]:
    """Delete nodes (with their edges) and edges inside the caller's transaction; return the change items."""
    found = node_rows(conn, node_ids)
    for node_id in node_ids:
        if node_id not in found:
            raise NotFound(node_id)
    items = []
    doomed = set(edge_keys)
    for node_id in node_ids:
        doomed.update(e.key for e in edges_of(conn, node_id))
    for key in sorted(doomed):
        row = conn.execute("SELECT props FROM edges WHERE source = ? AND type = ? AND target = ?", key).fetchone()
        if row is not None:
            conn.execute("DELETE FROM edges WHERE source = ? AND type = ? AND target = ?", key)
            items.append(deleted("edge", key, json.loads(row[0])))
    for node_id in node_ids:
        rowid, _, props = found[node_id]
        conn.execute("DELETE FROM nodes WHERE rowid = ?", (rowid,))
        conn.execute("DELETE FROM node_text WHERE rowid = ?", (rowid,))
        items.append(deleted("node", node_id, props))
    return items


def upsert(conn, nodes: list[Node], edges: list[Edge]) -> tuple[list[ChangeRow], dict]:
    """Check and write ``nodes`` and ``edges`` inside the caller's transaction.

    Returns the change items and the JSON written for each, for :func:`record`.
    """
    existing = node_rows(conn, [n.id for n in nodes])
    new_ids = {n.id for n in nodes}
    ends = {x for e in edges for x in (e.source, e.target)} - new_ids
    present = set(node_rows(conn, ends)) if ends else set()
    for e in edges:  # everything is checked before anything is written
        for end in (e.source, e.target):
            if end not in new_ids and end not in present:
                raise NotFound(end)
    items = []
    inserts, updates, texts = [], [], []
    encoded: dict = {}  # what was written, reused for the change record
    for n in nodes:
        old = existing.get(n.id)
        item = written("node", n.id, old[2] if old else None, n.props)
        if item is None:
            continue
        props = dumps(item.after)
        encoded[n.id] = props
        if old:
            updates.append((props, old[0]))
            texts.append((old[0], text.search_text(item.after)))
        else:
            inserts.append((n.id, n.kind, props, text.search_text(item.after)))
        items.append(item)
    conn.executemany("UPDATE nodes SET props = ? WHERE rowid = ?", updates)
    conn.executemany("DELETE FROM node_text WHERE rowid = ?", [(rowid,) for rowid, _ in texts])
    # Row ids are given, not fetched one insert at a time: the write lock is ours.
    first = conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM nodes").fetchone()[0]
    inserts.sort()  # in key order, each index grows at its end instead of all over
    conn.executemany("INSERT INTO nodes (rowid, id, kind, props) VALUES (?, ?, ?, ?)",
                     [(first + i, node_id, kind, props) for i, (node_id, kind, props, _) in enumerate(inserts)])
    texts += [(first + i, words) for i, (_, _, _, words) in enumerate(inserts)]
    conn.executemany("INSERT INTO node_text (rowid, words) VALUES (?, ?)", texts)
    created = {node_id for node_id, *_ in inserts}
    # An edge touching a node created just now cannot exist yet: look up only the others.
    old_edges = edge_props(conn, [e.key for e in edges if e.source not in created and e.target not in created])
    edge_rows = []
    for e in edges:
        item = written("edge", e.key, old_edges.get(e.key), e.props)
        if item is None:
            continue
        encoded[e.key] = dumps(item.after)
        edge_rows.append((*e.key, encoded[e.key]))
        items.append(item)
    edge_rows.sort()
    conn.executemany("INSERT INTO edges (source, type, target, props) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (source, type, target) DO UPDATE SET props = excluded.props", edge_rows)
    return items, encoded


def edge_props(conn, keys: list[tuple[str, str, str]]) -> dict[tuple, dict]:
    """Return the properties of those edges of ``keys`` that exist, by key."""
    if not keys:
        return {}
    rows = conn.execute(
        "SELECT e.source, e.type, e.target, e.props FROM json_each(?) AS k "
        "JOIN edges e ON e.source = json_extract(k.value, '$[0]') AND e.type = json_extract(k.value, '$[1]') "
        "AND e.target = json_extract(k.value, '$[2]')", (dumps(keys),))
    return {(s, k, t): json.loads(p) for s, k, t, p in rows}


def record(conn, items: list[ChangeRow], change: ChangeNote | None, encoded: dict | None = None) -> Change | None:
    """Write the change record of ``items`` and bump the version; None if nothing changed.

    ``encoded`` may hold the JSON of each item's ``after``, already made for the write itself.
    """
    encoded = encoded or {}
    if not items:
        return None
    change = change or ChangeNote()
    at = change_time(change)
    # The change takes the generation it creates as its number, so a reader holding an older
    # version knows exactly which changes it has not seen (see graph.matching.index).
    bump(conn)
    seq = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    conn.execute("INSERT INTO changes (seq, at, actor, reason, item_count, code, params) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (seq, at, change.actor, change.reason, len(items), change.code,
                  encode_params(change.params) if change.params else None))
    rows, ends = [], []
    for n, item in enumerate(map(ChangeRow._make, items)):
        rows.append((seq, n, item.name, item.kind, None if item.before is None else dumps(item.before),
                     None if item.after is None else encoded.get(item.key) or dumps(item.after)))
        ends.extend((end, seq, n) for end in item.ends)
    conn.executemany("INSERT INTO change_items (seq, n, item, kind, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                     rows)
    ends.sort()
    conn.executemany("INSERT INTO change_ends (node, seq, n) VALUES (?, ?, ?)", ends)
    return returned_change(seq, at, change, items)


def record_head(conn, change: ChangeNote) -> int:
    """Record a change without items (a restore that brought its own history back); return its seq."""
    bump(conn)
    seq = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    conn.execute("INSERT INTO changes (seq, at, actor, reason, item_count, code, params) VALUES (?, ?, ?, ?, 0, ?, ?)",
                 (seq, change_time(change), change.actor, change.reason, change.code,
                  encode_params(change.params) if change.params else None))
    return seq


def write_history(conn, changes: list[dict]) -> int:
    """Write change records read from a backup, keeping their numbers; return the highest (0 if none)."""
    highest = 0
    for change in changes:
        seq = change["seq"]
        highest = max(highest, seq)
        params = change.get("params")
        conn.execute("INSERT INTO changes (seq, at, actor, reason, item_count, code, params) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (seq, change["at"], change["actor"], change["reason"], len(change["items"]),
                      change.get("code") or "", encode_params(params) if params else None))
        rows, ends = [], []
        for n, (name, kind, before, after) in enumerate(change["items"]):
            rows.append((seq, n, name, kind, None if before is None else dumps(before),
                         None if after is None else dumps(after)))
            ends.extend((end, seq, n) for end in ChangeRow.from_record(name, kind, before, after).ends)
        conn.executemany("INSERT INTO change_items (seq, n, item, kind, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                         rows)
        conn.executemany("INSERT INTO change_ends (node, seq, n) VALUES (?, ?, ?)", sorted(ends))
    return highest


def read_change(head, items) -> Change:
    """Return a change from its ``changes`` row and the ``change_items`` rows read of it."""
    seq, at, actor, reason, count, code, params = head
    return Change(seq, at, actor, reason, tuple(
        ChangeItem(item, kind, None if before is None else json.loads(before),
                   None if after is None else json.loads(after))
        for item, kind, before, after in items), count, code, decode_params(params))
