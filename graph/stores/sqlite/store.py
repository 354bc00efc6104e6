"""The embedded store: SQLite from the standard library, shared by every process.

No server is needed, and the guarantees come from SQLite itself:

* each write is one transaction in WAL mode with ``synchronous=FULL``, so a
  crash at any moment loses no acknowledged write and never leaves half of
  one; the change record (who, when, why, each item's before and after) is
  written in the same transaction;
* writers serialise on SQLite's write lock (``BEGIN IMMEDIATE``), so two
  processes (say two gunicorn workers) never lose each other's writes;
* readers run in their own snapshot and never see half a write.  They read
  indexed tables instead of holding a private copy of the graph, so every
  worker shares the operating system's page cache, and sees another
  worker's write as soon as it commits.

A node is a row (id, kind, JSON properties); an edge is a row keyed by
(source, type, target).  Search runs on an FTS5 table of each node's folded
text.  The path finder walks the edge indexes breadth-first from both ends.
A data directory in the earlier JSON snapshot format is migrated on open.

The tables and their versions are :mod:`.migrations`; what a write does inside its
transaction is :mod:`.writes`; the path finder is :mod:`.paths`.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ... import schema, text
from ...errors import NotFound, StoreUnavailable
from ...model import Change, ChangeNote, Edge, ListQuery, Node, Page, fold_repeats
from .. import crashpoints
from ..base import GraphStore, RecentVersion, property_names
from ..changes import decode_params
from ..private_files import private_dir, private_file
from .migrations import check_legacy, migrate, reindex_if_stale
from .paths import hop_edges, shortest_node_paths
from .rows import dumps, edges_of, ids_param, json_path, node_rows, store_error, typed
from .writes import (
    bump,
    check_expected,
    delete_items,
    read_change,
    record,
    record_head,
    upsert,
    write_history,
)

DATABASE = "graph.sqlite3"
LEGACY_SNAPSHOT = "graph.json"
SEARCH_CAP = 5000  # candidates ranked per search at most
CHUNK = 2000  # rows per query when streaming all nodes or edges
BUSY_TIMEOUT_S = 30.0
CACHE_KIB = 16 * 1024  # page cache per connection; the OS page cache is shared on top of it
BULK_ROWS = 10000  # a write of more nodes and edges than this gets BULK_CACHE_KIB for its duration
BULK_CACHE_KIB = 512 * 1024
EXPORT_CHANGES_PAGE = 200  # change heads read per snapshot by export_changes
# The accounts of a restore whose graph is committed, until they are in their own file (replace_all).
PENDING_ACCOUNTS = "restore.pending_accounts"
INDEXED_KEYS = frozenset({"match_key"})  # properties with an expression index (see migrations)


class EmbeddedStore(GraphStore):
    """A :class:`GraphStore` in one SQLite database file in ``data_dir``."""

    backend = "embedded"

    def __init__(self, data_dir: str | os.PathLike):
        self.dir = Path(data_dir)
        try:
            private_dir(self.dir)
            self.path = self.dir / DATABASE
        except OSError as exc:
            raise StoreUnavailable(f"cannot create data directory {self.dir}: {exc}") from exc
        self._pool: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._recent = RecentVersion()
        self._pid = os.getpid()
        self._setup()

    # -- connections -----------------------------------------------------------
    @contextmanager
    def _connection(self):
        """Lend a connection of this process's pool: one per concurrent caller, reused after."""
        if self._pid != os.getpid():  # a forked child never uses its parent's connections
            self._pool, self._pid = [], os.getpid()
        with self._pool_lock:
            conn = self._pool.pop() if self._pool else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            with self._pool_lock:
                self._pool.append(conn)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            # No mmap: a file damaged or truncated under a mapping kills the process with SIGBUS,
            # where read() gives an error the app can answer with a 503.  Reads still share the
            # operating system's page cache; each connection keeps only CACHE_KIB of its own.
            conn.execute("PRAGMA mmap_size = 0")
            conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc) from exc
        # Python's lower() matches Cypher's toLower() beyond ASCII; SQLite's does not.
        conn.create_function("py_lower", 1, lambda v: v.lower() if isinstance(v, str) else v,
                             deterministic=True)
        return conn

    @contextmanager
    def _read(self):
        """Run statements in one read snapshot."""
        with self._connection() as conn:
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise store_error(self.path, exc) from exc

    @contextmanager
    def _write(self):
        """Run statements in one write transaction, committed only if the block succeeds."""
        with self._connection() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise store_error(self.path, exc) from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise store_error(self.path, exc) from exc
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._recent.forget()

    def close(self) -> None:
        self._run_close_hooks()
        with self._pool_lock:
            pool, self._pool = self._pool, []
        if self._pid == os.getpid():
            for conn in pool:
                conn.close()

    # -- set-up and migration ----------------------------------------------------
    def _setup(self) -> None:
        legacy = self.dir / LEGACY_SNAPSHOT
        if legacy.exists() and not self.path.exists():
            check_legacy(legacy)  # a foreign file is refused before anything is created
        try:
            private_file(self.path)  # created 0600 before SQLite creates it with the umask's mode
        except OSError as exc:
            raise StoreUnavailable(f"cannot create {self.path}: {exc}") from exc
        try:
            with self._write() as conn:
                if migrate(conn, self.path) == 0:
                    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                        ("lineage", uuid.uuid4().hex[:12]), ("generation", "0")])
                    if legacy.exists():
                        self._migrate(conn, legacy)
                reindex_if_stale(conn)
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc) from exc

    def _migrate(self, conn: sqlite3.Connection, legacy: Path) -> None:
        """Copy a JSON snapshot of the earlier format in, as one recorded change, and set it aside."""
        data = check_legacy(legacy)
        nodes = [Node(i, kind, props) for i, kind, props in data["nodes"]]
        edges = [Edge(s, rel, t, props) for s, rel, t, props in data["edges"]]
        items, encoded = upsert(conn, nodes, edges)
        record(conn, items, ChangeNote("kb migrate", code="migrate_snapshot", params={"file": legacy.name}), encoded)
        legacy.rename(legacy.with_name(f"{legacy.name}.migrated"))

    # -- writing -------------------------------------------------------------------
    def write(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (),
              change: ChangeNote | None = None, delete: Iterable[str] = (),
              expect: Mapping[str, int] | None = None,
              delete_edges: Iterable[tuple[str, str, str]] = ()) -> Change | None:
        nodes, edges = fold_repeats(list(nodes), list(edges))
        doomed = sorted(set(delete))
        doomed_edges = sorted({tuple(k) for k in delete_edges})
        with self._write() as conn:
            check_expected(conn, expect)
            big = len(nodes) + len(edges) >= BULK_ROWS
            if big:  # a large write touches index pages all over each table: keep them in memory meanwhile
                conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            try:
                items, encoded = upsert(conn, nodes, edges)
                items += delete_items(conn, doomed, doomed_edges)
                return record(conn, items, change, encoded)
            finally:
                if big:
                    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

    def delete(self, node_ids: Iterable[str] = (), edges: Iterable[tuple[str, str, str]] = (),
               change: ChangeNote | None = None, expect: Mapping[str, int] | None = None) -> Change | None:
        node_ids, edge_keys = sorted(set(node_ids)), sorted({tuple(k) for k in edges})
        with self._write() as conn:
            check_expected(conn, expect)
            return record(conn, delete_items(conn, node_ids, edge_keys), change)

    def clear(self) -> None:
        with self._write() as conn:
            for table in ("nodes", "edges", "node_text", "changes", "change_items", "change_ends"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are the constants above
            conn.execute("DELETE FROM meta WHERE key LIKE 'app.%'")  # what was said of the old graph
            bump(conn)

    # -- whole stores ------------------------------------------------------------------
    def export_changes(self) -> Iterator[dict]:
        last = 0
        while True:  # pages of heads, each read whole in one snapshot
            with self._read() as conn:
                heads = conn.execute("SELECT seq, at, actor, reason, code, params FROM changes WHERE seq > ? "
                                     "ORDER BY seq LIMIT ?", (last, EXPORT_CHANGES_PAGE)).fetchall()
                page = [{"seq": seq, "at": at, "actor": actor, "reason": reason, "code": code or "",
                         "params": decode_params(params), "items": [
                    [item, kind, None if before is None else json.loads(before),
                     None if after is None else json.loads(after)]
                    for item, kind, before, after in conn.execute(
                        "SELECT item, kind, before, after FROM change_items WHERE seq = ? ORDER BY n", (seq,))]}
                    for seq, at, actor, reason, code, params in heads]
            yield from page
            if len(heads) < EXPORT_CHANGES_PAGE:
                return
            last = heads[-1][0]

    def replace_all(self, nodes, edges, changes, accounts, note) -> int:
        nodes, edges = fold_repeats(list(nodes), list(edges))
        # One transaction: readers (a served app's workers included) see the old contents until the
        # commit, then the new ones; a kill before the commit leaves the old ones, as if never started.
        # The accounts live in a file of their own, which no transaction spans: they are kept in the
        # graph's meta table in the same transaction and copied across afterwards (finish_interrupted).
        with self._write() as conn:
            generation = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
            for table in ("nodes", "edges", "node_text", "changes", "change_items", "change_ends"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are the constants above
            conn.execute("DELETE FROM meta WHERE key LIKE 'app.%'")
            items, encoded = upsert(conn, nodes, edges)
            highest = write_history(conn, changes)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(max(generation, highest)),))
            # A new lineage: whoever followed the old graph change by change (the match index) starts over.
            conn.execute("UPDATE meta SET value = ? WHERE key = 'lineage'", (uuid.uuid4().hex[:12],))
            seq = record_head(conn, note) if changes or not items else record(conn, items, note, encoded).seq
            if accounts is not None:
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                             "SET value = excluded.value", (PENDING_ACCOUNTS, dumps(accounts)))
            crashpoints.reached("sqlite.replace.written")
        crashpoints.reached("sqlite.replace.committed")
        self.finish_interrupted()
        return seq

    def interrupted(self) -> str | None:
        with self._read() as conn:
            pending = conn.execute("SELECT 1 FROM meta WHERE key = ?", (PENDING_ACCOUNTS,)).fetchone()
        return ("a restore was interrupted: the graph is restored, its accounts are not yet "
                "(the next kb restore, kb import or kb serve completes it)") if pending else None

    def finish_interrupted(self) -> str | None:
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (PENDING_ACCOUNTS,)).fetchone()
        if row is None:
            return None
        self.accounts().replace_rows(json.loads(row[0]))  # replacing twice gives the same rows
        with self._write() as conn:
            conn.execute("DELETE FROM meta WHERE key = ?", (PENDING_ACCOUNTS,))
        return "completed an interrupted restore: its accounts are in place"

    def accounts(self):
        # Imported when asked: the account rules hash a dummy password with argon2 on import,
        # which a process that only reads the graph (or a crash test's writer) should not pay.
        from .accounts import SQLiteAccountStore

        return SQLiteAccountStore(self.dir)

    # -- change log and metadata ----------------------------------------------------
    def changes(self, node_id: str | None = None, limit: int = 50,
                before_seq: int | None = None, max_items: int = 100, after_seq: int | None = None) -> list[Change]:
        with self._read() as conn:
            if node_id is None:
                heads = conn.execute(
                    "SELECT seq, at, actor, reason, item_count, code, params FROM changes "
                    "WHERE seq < coalesce(?, 9223372036854775807) AND seq > coalesce(?, -1) "
                    "ORDER BY seq DESC LIMIT ?", (before_seq, after_seq, limit)).fetchall()
                return [read_change(head, conn.execute(
                    "SELECT item, kind, before, after FROM change_items WHERE seq = ? ORDER BY n LIMIT ?",
                    (head[0], max_items)).fetchall()) for head in heads]
            rows = conn.execute(
                "SELECT seq, n FROM change_ends WHERE node = ? AND seq < coalesce(?, 9223372036854775807) "
                "AND seq > coalesce(?, -1) ORDER BY seq DESC, n", (node_id, before_seq, after_seq)).fetchall()
            found = []
            for seq, group in itertools.groupby(rows, key=lambda r: r[0]):
                if len(found) == limit:
                    break
                ns = [n for _, n in group][:max_items]
                head = conn.execute("SELECT seq, at, actor, reason, item_count, code, params FROM changes WHERE seq = ?",
                                    (seq,)).fetchone()
                items = conn.execute(
                    "SELECT item, kind, before, after FROM change_items WHERE seq = ? "
                    "AND n IN (SELECT value FROM json_each(?)) ORDER BY n", (seq, dumps(ns))).fetchall()
                found.append(read_change(head, items))
            return found

    def get_meta(self, key: str) -> str | None:
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"app.{key}",)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (f"app.{key}", value))

    # -- reading -------------------------------------------------------------------
    def recent_version(self, max_age_s: float) -> str:
        return self._recent.get(self.version, max_age_s)

    def version(self) -> str:
        with self._read() as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('lineage', 'generation')"))
        return f"{meta['lineage']}-{meta['generation']}"

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        ids = [i for i in ids if isinstance(i, str)]
        with self._read() as conn:
            rows = node_rows(conn, ids)
        return {i: Node(i, kind, props) for i, (_, kind, props) in rows.items()}

    def edges_of(self, node_id: str, types: Iterable[str] | None = None) -> list[Edge]:
        with self._read() as conn:
            found = edges_of(conn, node_id)
        wanted = set(types) if types is not None else None
        return [e for e in found if wanted is None or e.type in wanted]

    def edges_of_many(self, node_ids: Iterable[str], types: Iterable[str] | None = None) -> list[Edge]:
        names = None if types is None else dumps(sorted({schema.rel_type(t).name for t in types}))
        with self._read() as conn:
            rows = conn.execute(
                "WITH wanted(id) AS (SELECT value FROM json_each(?1)) "
                "SELECT source, type, target, props FROM edges WHERE source IN wanted "
                "AND (?2 IS NULL OR type IN (SELECT value FROM json_each(?2))) "
                "UNION SELECT source, type, target, props FROM edges WHERE target IN wanted "
                "AND (?2 IS NULL OR type IN (SELECT value FROM json_each(?2))) ORDER BY 1, 2, 3",
                (ids_param(node_ids), names)).fetchall()
        return [Edge(s, k, t, json.loads(p)) for s, k, t, p in rows]

    def nodes(self, kind: str | None = None, only: Iterable[str] | None = None) -> Iterator[Node]:
        label = schema.node_kind(kind).label if kind else None
        # Two statements: "(? IS NULL OR kind = ?)" would keep SQLite from using nodes_by_kind, and
        # reading the few themes would scan every node.
        where = "kind = :kind AND id > :last" if label else "id > :last"
        keys = None if only is None else dumps(sorted(property_names(only)))
        # With only, SQLite picks the properties out of the JSON, so Python decodes just those.  The
        # -> operator (SQLite 3.38) gives each one's JSON text as stored; a real taken as an SQL value
        # would come back with 15 digits.  Older SQLite decodes everything and picks in Python.
        picked = only is not None and sqlite3.sqlite_version_info >= (3, 38)
        props = "props" if not picked else (
            "(SELECT json_group_object(key, json(props -> fullkey)) FROM json_each(props) "
            "WHERE key IN (SELECT value FROM json_each(:only)))")
        query = f"SELECT id, kind, {props} FROM nodes WHERE {where} ORDER BY id LIMIT :limit"
        wanted = None if only is None or picked else set(json.loads(keys))
        last = ""
        while True:  # keyset pages: no transaction stays open while the caller works
            with self._read() as conn:
                rows = conn.execute(query, {"kind": label, "last": last, "limit": CHUNK, "only": keys}).fetchall()
            if wanted is None:
                yield from (Node(i, k, json.loads(p)) for i, k, p in rows)
            else:
                yield from (Node(i, k, {key: v for key, v in json.loads(p).items() if key in wanted})
                            for i, k, p in rows)
            if len(rows) < CHUNK:
                return
            last = rows[-1][0]

    def edges(self, types: Iterable[str] | None = None) -> Iterator[Edge]:
        names = None if types is None else sorted({schema.rel_type(t).name for t in types})
        if names == []:
            return
        last = ("", "", "")
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    "SELECT source, type, target, props FROM edges "
                    "WHERE (?1 IS NULL OR type IN (SELECT value FROM json_each(?1))) "
                    "AND (source, type, target) > (?2, ?3, ?4) ORDER BY source, type, target LIMIT ?5",
                    (None if names is None else dumps(names), *last, CHUNK)).fetchall()
            yield from (Edge(s, k, t, json.loads(p)) for s, k, t, p in rows)
            if len(rows) < CHUNK:
                return
            last = rows[-1][:3]

    def count_by_kind(self) -> dict[str, int]:
        with self._read() as conn:
            return dict(conn.execute("SELECT kind, count(*) FROM nodes GROUP BY kind ORDER BY kind"))

    def count_edges(self) -> int:
        with self._read() as conn:
            return conn.execute("SELECT count(*) FROM edges").fetchone()[0]

    def find_by_property(self, kind: str, key: str, values: Iterable) -> list[Node]:
        path, label = json_path(key), schema.node_kind(kind).label
        wanted = list(values)
        scalars = [v for v in wanted if not isinstance(v, list)]
        lists = [v for v in wanted if isinstance(v, list)]
        # An indexed key is looked up by its index, not by scanning the kind ("+kind").
        kind_test = "+kind = ?" if key in INDEXED_KEYS else "kind = ?"
        with self._read() as conn:
            # The path is a schema-checked key, written out so that the expression index applies.
            rows = conn.execute(
                f"SELECT id, kind, props FROM nodes WHERE json_extract(props, '{path}') IN "
                f"(SELECT value FROM json_each(?)) AND {kind_test} ORDER BY id",
                (dumps(scalars), label)).fetchall() if scalars else []
            if lists:
                rows += conn.execute(
                    f"SELECT id, kind, props FROM nodes WHERE kind = ? AND json_type(props, '{path}') = 'array' "
                    f"AND json_extract(props, '{path}') IN (SELECT value FROM json_each(?))",
                    (label, dumps([dumps(v) for v in lists]))).fetchall()
        found = {i: Node(i, k, json.loads(p)) for i, k, p in rows}
        # json_each reads JSON true as 1: keep only values equal in type as well.
        kept = {typed(v) for v in wanted}
        return [n for i, n in sorted(found.items()) if typed(n.props.get(key)) in kept]

    # -- search ----------------------------------------------------------------------
    def search(self, query: str, kinds: Iterable[str] | None = None, limit: int = 50) -> list[Node]:
        tokens = text.query_tokens(query)
        if not tokens:
            return []
        # Tokens are [0-9a-z]+ only, so quoting them is enough to keep FTS5 syntax out.
        match = " ".join(f'"{t}"*' for t in tokens)
        with self._read() as conn:
            # A one-letter query can match most of the graph: rank a bounded set, as Neo4j does.
            rows = conn.execute(
                "SELECT n.id, n.kind, n.props FROM node_text JOIN nodes n ON n.rowid = node_text.rowid "
                "WHERE node_text MATCH ?1 AND (?2 IS NULL OR n.kind IN (SELECT value FROM json_each(?2))) "
                "LIMIT ?3", (match, dumps(sorted(kinds)) if kinds else None, max(limit, SEARCH_CAP))).fetchall()
        hits = [Node(i, k, json.loads(p)) for i, k, p in rows]
        return text.rank_hits(hits, tokens)[:limit]

    # -- listings ----------------------------------------------------------------------
    def list_nodes(self, query: ListQuery) -> Page:
        label = schema.node_kind(query.kind).label
        conditions, params = ["kind = ?"], [label]
        for key, value in query.where:
            if isinstance(value, list):
                return Page(0, [])
            conditions.append(f"json_extract(props, '{json_path(key)}') = ? AND json_type(props, '{json_path(key)}') "
                              f"{'IN (?, ?)' if isinstance(value, bool) else 'NOT IN (?, ?)'}")
            params += [value, "true", "false"]
        for related in query.related:
            conditions.append("id IN (SELECT target FROM edges WHERE source = ? "
                              "UNION SELECT source FROM edges WHERE target = ?)")
            params += [related, related]
        if query.year is not None:
            conditions.append("json_type(props, '$.start_year') = 'integer' "
                              "AND json_extract(props, '$.start_year') <= ? "
                              "AND coalesce(json_extract(props, '$.end_year'), ?) >= ?")
            params += [query.year] * 3
        if query.sort in schema.TEXT_FIELDS:
            keys = text.sort_keys(query.sort, query.lang)
            sort_value = "py_lower(coalesce(" + ", ".join(f"json_extract(props, '{json_path(k)}')" for k in keys) + "))"
        else:
            sort_value = f"json_extract(props, '{json_path(query.sort)}')"
        # As Neo4j orders: missing values last going up, first going down.
        order = "DESC NULLS FIRST" if query.descending else "ASC NULLS LAST"
        where = " AND ".join(conditions)
        with self._read() as conn:
            total = conn.execute(f"SELECT count(*) FROM nodes WHERE {where}", params).fetchone()[0]
            rows = conn.execute(
                f"SELECT id, kind, props FROM nodes WHERE {where} ORDER BY {sort_value} {order}, id "
                "LIMIT ? OFFSET ?", [*params, query.limit, query.offset]).fetchall()
        return Page(total, [Node(i, k, json.loads(p)) for i, k, p in rows])

    def property_values(self, kind: str, key: str) -> dict:
        path, label = json_path(key), schema.node_kind(kind).label
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT json_type(props, '{path}') AS t, json_extract(props, '{path}') AS v, count(*) "
                "FROM nodes WHERE kind = ? AND t IS NOT NULL AND t NOT IN ('array', 'object', 'null') "
                "GROUP BY t, v", (label,)).fetchall()
        counts: dict = {}
        for kind_of_value, value, count in rows:
            value = {"true": True, "false": False}.get(kind_of_value, value)
            counts[value] = counts.get(value, 0) + count
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))

    # -- paths -------------------------------------------------------------------------
    def _shortest_paths(self, a: str, b: str, max_hops: int, limit: int) -> list[list[Edge]]:
        with self._read() as conn:
            found = node_rows(conn, [a, b])
            for end in (a, b):
                if end not in found:
                    raise NotFound(end)
            if a == b:
                return []
            node_paths = shortest_node_paths(conn, a, b, max_hops)
            paths = []
            for node_path in node_paths:
                hops = [hop_edges(conn, x, y) for x, y in itertools.pairwise(node_path)]
                paths.extend(list(p) for p in itertools.product(*hops))
        paths.sort(key=lambda path: tuple(e.key for e in path))
        return paths[:limit]
