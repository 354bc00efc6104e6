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
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from graph.operations.private_files import private_dir, private_file

from . import schema, text
from .errors import DataError, NotFound, SchemaError, StaleWrite, StoreUnavailable
from .model import Change, ChangeItem, ChangeNote, Edge, ListQuery, Node, Page, edge_item, fold_repeats
from .store import GraphStore, RecentVersion, property_names

DATABASE = "graph.sqlite3"
LEGACY_SNAPSHOT = "graph.json"
LEGACY_FORMAT = "common-ground-embedded"
SCHEMA_VERSION = 1
MAX_PATHS = 500
SEARCH_CAP = 5000  # candidates ranked per search at most
CHUNK = 2000  # rows per query when streaming all nodes or edges
BUSY_TIMEOUT_S = 30.0
CACHE_KIB = 16 * 1024  # page cache per connection; the OS page cache is shared on top of it
BULK_ROWS = 10000  # a write of more nodes and edges than this gets BULK_CACHE_KIB for its duration
BULK_CACHE_KIB = 512 * 1024
INDEXED_KEYS = frozenset({"match_key"})  # properties with an expression index (see DDL)

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nodes (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_by_kind ON nodes (kind, id);
CREATE INDEX IF NOT EXISTS nodes_by_match_key ON nodes (json_extract(props, '$.match_key'));
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    target TEXT NOT NULL,
    props TEXT NOT NULL,
    PRIMARY KEY (source, type, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (target, type, source);
CREATE INDEX IF NOT EXISTS edges_by_type ON edges (type, source, target);
CREATE VIRTUAL TABLE IF NOT EXISTS node_text USING fts5 (
    words, tokenize = 'unicode61', prefix = '1 2 3', detail = 'none'
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    item_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS change_items (
    seq INTEGER NOT NULL REFERENCES changes (seq),
    n INTEGER NOT NULL,
    item TEXT NOT NULL,
    kind TEXT NOT NULL,
    before TEXT,
    after TEXT,
    PRIMARY KEY (seq, n)
) WITHOUT ROWID;
-- No query looked change items up by item (a node's history goes through change_ends), so the
-- index of earlier versions only slowed every change's inserts.
DROP INDEX IF EXISTS change_items_by_item;
CREATE TABLE IF NOT EXISTS change_ends (
    node TEXT NOT NULL,
    seq INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (node, seq, n)
) WITHOUT ROWID;
"""


# One encoder, made once: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _dumps(value) -> str:
    try:
        return _ENCODER.encode(value)
    except ValueError as exc:  # NaN or Infinity, which the schema refuses; nothing is written
        raise SchemaError(f"not a finite number: {exc}") from exc


def _path(key: str) -> str:
    """Return the JSON path of a property; the schema allows only [a-z][a-z0-9_]* as keys."""
    schema.check_properties({key: ""})
    return f"$.{key}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _ids_param(ids: Iterable[str]) -> str:
    """Pass many values as one JSON parameter (read with json_each), whatever their number."""
    return _dumps(list(ids))


class EmbeddedStore(GraphStore):
    """A :class:`GraphStore` in one SQLite database file in ``data_dir``."""

    backend = "embedded"

    def __init__(self, data_dir: str | os.PathLike):
        self.dir = Path(data_dir)
        try:
            private_dir(self.dir)
            self.path = private_file(self.dir / DATABASE)
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
            raise _store_error(self.path, exc) from exc
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
                raise _store_error(self.path, exc) from exc

    @contextmanager
    def _write(self):
        """Run statements in one write transaction, committed only if the block succeeds."""
        with self._connection() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise _store_error(self.path, exc) from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise _store_error(self.path, exc) from exc
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
            _check_legacy(legacy)  # a foreign file is refused before anything is created
        try:
            with self._write() as conn:
                for statement in DDL.split(";\n"):
                    if statement.strip():
                        conn.execute(statement)
                known = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                if known is None:
                    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                        ("schema", str(SCHEMA_VERSION)), ("lineage", uuid.uuid4().hex[:12]),
                        ("generation", "0")])
                    if legacy.exists():
                        self._migrate(conn, legacy)
                elif known[0] != str(SCHEMA_VERSION):
                    raise DataError(str(self.path), None, "schema",
                                    f"database schema {known[0]}, this version reads {SCHEMA_VERSION}")
                _reindex_if_stale(conn)
        except sqlite3.DatabaseError as exc:
            raise _store_error(self.path, exc) from exc

    def _migrate(self, conn: sqlite3.Connection, legacy: Path) -> None:
        """Copy a JSON snapshot of the earlier format in, as one recorded change, and set it aside."""
        data = _check_legacy(legacy)
        nodes = [Node(i, kind, props) for i, kind, props in data["nodes"]]
        edges = [Edge(s, rel, t, props) for s, rel, t, props in data["edges"]]
        items, encoded = _upsert(conn, nodes, edges)
        _record(conn, items, ChangeNote("kb migrate", f"migrated from {legacy.name}"), encoded)
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
            _check_expected(conn, expect)
            big = len(nodes) + len(edges) >= BULK_ROWS
            if big:  # a large write touches index pages all over each table: keep them in memory meanwhile
                conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            try:
                items, encoded = _upsert(conn, nodes, edges)
                items += _delete_items(conn, doomed, doomed_edges)
                return _record(conn, items, change, encoded)
            finally:
                if big:
                    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

    def delete(self, node_ids: Iterable[str] = (), edges: Iterable[tuple[str, str, str]] = (),
               change: ChangeNote | None = None, expect: Mapping[str, int] | None = None) -> Change | None:
        node_ids, edge_keys = sorted(set(node_ids)), sorted({tuple(k) for k in edges})
        with self._write() as conn:
            _check_expected(conn, expect)
            return _record(conn, _delete_items(conn, node_ids, edge_keys), change)

    def clear(self) -> None:
        with self._write() as conn:
            for table in ("nodes", "edges", "node_text", "changes", "change_items", "change_ends"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are the constants above
            conn.execute("DELETE FROM meta WHERE key LIKE 'app.%'")  # what was said of the old graph
            _bump(conn)

    # -- change log and metadata ----------------------------------------------------
    def changes(self, node_id: str | None = None, limit: int = 50,
                before_seq: int | None = None, max_items: int = 100, after_seq: int | None = None) -> list[Change]:
        with self._read() as conn:
            if node_id is None:
                heads = conn.execute(
                    "SELECT seq, at, actor, reason, item_count FROM changes "
                    "WHERE seq < coalesce(?, 9223372036854775807) AND seq > coalesce(?, -1) "
                    "ORDER BY seq DESC LIMIT ?", (before_seq, after_seq, limit)).fetchall()
                return [_change(head, conn.execute(
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
                head = conn.execute("SELECT seq, at, actor, reason, item_count FROM changes WHERE seq = ?",
                                    (seq,)).fetchone()
                items = conn.execute(
                    "SELECT item, kind, before, after FROM change_items WHERE seq = ? "
                    "AND n IN (SELECT value FROM json_each(?)) ORDER BY n", (seq, _dumps(ns))).fetchall()
                found.append(_change(head, items))
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
            rows = _node_rows(conn, ids)
        return {i: Node(i, kind, props) for i, (_, kind, props) in rows.items()}

    def edges_of(self, node_id: str, types: Iterable[str] | None = None) -> list[Edge]:
        with self._read() as conn:
            found = _edges_of(conn, node_id)
        wanted = set(types) if types is not None else None
        return [e for e in found if wanted is None or e.type in wanted]

    def edges_of_many(self, node_ids: Iterable[str], types: Iterable[str] | None = None) -> list[Edge]:
        names = None if types is None else _dumps(sorted({schema.rel_type(t).name for t in types}))
        with self._read() as conn:
            rows = conn.execute(
                "WITH wanted(id) AS (SELECT value FROM json_each(?1)) "
                "SELECT source, type, target, props FROM edges WHERE source IN wanted "
                "AND (?2 IS NULL OR type IN (SELECT value FROM json_each(?2))) "
                "UNION SELECT source, type, target, props FROM edges WHERE target IN wanted "
                "AND (?2 IS NULL OR type IN (SELECT value FROM json_each(?2))) ORDER BY 1, 2, 3",
                (_ids_param(node_ids), names)).fetchall()
        return [Edge(s, k, t, json.loads(p)) for s, k, t, p in rows]

    def nodes(self, kind: str | None = None, only: Iterable[str] | None = None) -> Iterator[Node]:
        label = schema.node_kind(kind).label if kind else None
        # Two statements: "(? IS NULL OR kind = ?)" would keep SQLite from using nodes_by_kind, and
        # reading the few themes would scan every node.
        where = "kind = :kind AND id > :last" if label else "id > :last"
        keys = None if only is None else _dumps(sorted(property_names(only)))
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
                    (None if names is None else _dumps(names), *last, CHUNK)).fetchall()
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
        path, label = _path(key), schema.node_kind(kind).label
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
                (_dumps(scalars), label)).fetchall() if scalars else []
            if lists:
                rows += conn.execute(
                    f"SELECT id, kind, props FROM nodes WHERE kind = ? AND json_type(props, '{path}') = 'array' "
                    f"AND json_extract(props, '{path}') IN (SELECT value FROM json_each(?))",
                    (label, _dumps([_dumps(v) for v in lists]))).fetchall()
        found = {i: Node(i, k, json.loads(p)) for i, k, p in rows}
        # json_each reads JSON true as 1: keep only values equal in type as well.
        kept = {_typed(v) for v in wanted}
        return [n for i, n in sorted(found.items()) if _typed(n.props.get(key)) in kept]

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
                "LIMIT ?3", (match, _dumps(sorted(kinds)) if kinds else None, max(limit, SEARCH_CAP))).fetchall()
        hits = [Node(i, k, json.loads(p)) for i, k, p in rows]
        return text.rank_hits(hits, tokens)[:limit]

    # -- listings ----------------------------------------------------------------------
    def list_nodes(self, query: ListQuery) -> Page:
        label = schema.node_kind(query.kind).label
        conditions, params = ["kind = ?"], [label]
        for key, value in query.where:
            if isinstance(value, list):
                return Page(0, [])
            conditions.append(f"json_extract(props, '{_path(key)}') = ? AND json_type(props, '{_path(key)}') "
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
            sort_value = "py_lower(coalesce(" + ", ".join(f"json_extract(props, '{_path(k)}')" for k in keys) + "))"
        else:
            sort_value = f"json_extract(props, '{_path(query.sort)}')"
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
        path, label = _path(key), schema.node_kind(kind).label
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
            found = _node_rows(conn, [a, b])
            for end in (a, b):
                if end not in found:
                    raise NotFound(end)
            if a == b:
                return []
            node_paths = _shortest_node_paths(conn, a, b, max_hops)
            paths = []
            for node_path in node_paths:
                hops = [_hop_edges(conn, x, y) for x, y in itertools.pairwise(node_path)]
                paths.extend(list(p) for p in itertools.product(*hops))
        paths.sort(key=lambda path: tuple(e.key for e in path))
        return paths[:limit]


# -- helpers on a connection (inside a transaction) ------------------------------------

def _store_error(path: Path, exc: sqlite3.DatabaseError) -> Exception:
    if isinstance(exc, sqlite3.OperationalError):
        return StoreUnavailable(f"{path}: {exc}")
    return DataError(str(path), None, None, f"damaged database: {exc}")


def _check_legacy(path: Path) -> dict:
    """Read a JSON snapshot of the earlier format; refuse anything else without touching it."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataError(str(path), None, None, f"unreadable snapshot: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != LEGACY_FORMAT or data.get("version") != 1:
        raise DataError(str(path), None, "format", "not a Common Ground snapshot")
    return data


def _reindex_if_stale(conn) -> None:
    """Rebuild the search index when it was made by another version of text.search_text."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'search_format'").fetchone()
    if row is not None and row[0] == text.SEARCH_FORMAT:
        return
    conn.execute("DELETE FROM node_text")
    last = 0
    while True:
        rows = conn.execute("SELECT rowid, props FROM nodes WHERE rowid > ? ORDER BY rowid LIMIT ?",
                            (last, CHUNK)).fetchall()
        conn.executemany("INSERT INTO node_text (rowid, words) VALUES (?, ?)",
                         [(rowid, text.search_text(json.loads(props))) for rowid, props in rows])
        if len(rows) < CHUNK:
            break
        last = rows[-1][0]
    conn.execute("INSERT INTO meta (key, value) VALUES ('search_format', ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (text.SEARCH_FORMAT,))


def _node_rows(conn, ids: Iterable[str]) -> dict[str, tuple[int, str, dict]]:
    rows = conn.execute("SELECT rowid, id, kind, props FROM nodes WHERE id IN (SELECT value FROM json_each(?))",
                        (_ids_param(ids),))
    return {i: (rowid, kind, json.loads(props)) for rowid, i, kind, props in rows}


def _edges_of(conn, node_id: str) -> list[Edge]:
    rows = conn.execute(
        "SELECT source, type, target, props FROM edges WHERE source = ?1 "
        "UNION SELECT source, type, target, props FROM edges WHERE target = ?1 "
        "ORDER BY 1, 2, 3", (node_id,))
    return [Edge(s, k, t, json.loads(p)) for s, k, t, p in rows]


def _bump(conn) -> None:
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")


def _check_expected(conn, expect: Mapping[str, int] | None) -> None:
    """Refuse the write if a node changed after the change its caller saw (inside the write lock)."""
    for node_id, seen in sorted((expect or {}).items()):
        latest = conn.execute("SELECT coalesce(max(seq), 0) FROM change_ends WHERE node = ?", (node_id,)).fetchone()[0]
        if latest > seen:
            raise StaleWrite(node_id, seen, latest)


def _delete_items(conn, node_ids: list[str], edge_keys: list[tuple]) -> list[tuple]:
    """Delete nodes (with their edges) and edges inside the caller's transaction; return the change items."""
    found = _node_rows(conn, node_ids)
    for node_id in node_ids:
        if node_id not in found:
            raise NotFound(node_id)
    items = []
    doomed = set(edge_keys)
    for node_id in node_ids:
        doomed.update(e.key for e in _edges_of(conn, node_id))
    for key in sorted(doomed):
        row = conn.execute("SELECT props FROM edges WHERE source = ? AND type = ? AND target = ?", key).fetchone()
        if row is not None:
            conn.execute("DELETE FROM edges WHERE source = ? AND type = ? AND target = ?", key)
            items.append(("edge", key, json.loads(row[0]), None))
    for node_id in node_ids:
        rowid, _, props = found[node_id]
        conn.execute("DELETE FROM nodes WHERE rowid = ?", (rowid,))
        conn.execute("DELETE FROM node_text WHERE rowid = ?", (rowid,))
        items.append(("node", node_id, props, None))
    return items


def _upsert(conn, nodes: list[Node], edges: list[Edge]) -> tuple[list[tuple], dict]:
    """Check and write ``nodes`` and ``edges`` inside the caller's transaction.

    Returns the change items and the JSON written for each, for :func:`_record`.
    """
    existing = _node_rows(conn, [n.id for n in nodes])
    new_ids = {n.id for n in nodes}
    ends = {x for e in edges for x in (e.source, e.target)} - new_ids
    present = set(_node_rows(conn, ends)) if ends else set()
    for e in edges:  # everything is checked before anything is written
        for end in (e.source, e.target):
            if end not in new_ids and end not in present:
                raise NotFound(end)
    items = []
    inserts, updates, texts = [], [], []
    encoded: dict = {}  # what was written, reused for the change record
    for n in nodes:
        old = existing.get(n.id)
        merged = {**old[2], **n.props} if old else dict(n.props)
        if old and merged == old[2]:
            continue
        props = _dumps(merged)
        encoded[n.id] = props
        if old:
            updates.append((props, old[0]))
            texts.append((old[0], text.search_text(merged)))
        else:
            inserts.append((n.id, n.kind, props, text.search_text(merged)))
        items.append(("node", n.id, old[2] if old else None, merged))
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
    old_edges = _edge_props(conn, [e.key for e in edges if e.source not in created and e.target not in created])
    edge_rows = []
    for e in edges:
        old = old_edges.get(e.key)
        merged = {**old, **e.props} if old is not None else dict(e.props)
        if old is not None and merged == old:
            continue
        encoded[e.key] = _dumps(merged)
        edge_rows.append((*e.key, encoded[e.key]))
        items.append(("edge", e.key, old, merged))
    edge_rows.sort()
    conn.executemany("INSERT INTO edges (source, type, target, props) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (source, type, target) DO UPDATE SET props = excluded.props", edge_rows)
    return items, encoded


def _edge_props(conn, keys: list[tuple[str, str, str]]) -> dict[tuple, dict]:
    if not keys:
        return {}
    rows = conn.execute(
        "SELECT e.source, e.type, e.target, e.props FROM json_each(?) AS k "
        "JOIN edges e ON e.source = json_extract(k.value, '$[0]') AND e.type = json_extract(k.value, '$[1]') "
        "AND e.target = json_extract(k.value, '$[2]')", (_dumps(keys),))
    return {(s, k, t): json.loads(p) for s, k, t, p in rows}


def _record(conn, items: list[tuple], change: ChangeNote | None, encoded: dict | None = None) -> Change | None:
    """Write the change record of ``items`` (kind, key, before, after) and bump the version.

    ``encoded`` may hold the JSON of each item's ``after``, already made for the write itself.
    """
    encoded = encoded or {}
    if not items:
        return None
    change = change or ChangeNote()
    at = change.at or _now()
    # The change takes the generation it creates as its number, so a reader holding an older
    # version knows exactly which changes it has not seen (see graph.matching.index).
    _bump(conn)
    seq = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    conn.execute("INSERT INTO changes (seq, at, actor, reason, item_count) VALUES (?, ?, ?, ?, ?)",
                 (seq, at, change.actor, change.reason, len(items)))
    rows, ends, recorded = [], [], []
    for n, (kind, key, before, after) in enumerate(items):
        name = key if kind == "node" else edge_item(key)
        rows.append((seq, n, name, kind, None if before is None else _dumps(before),
                     None if after is None else encoded.get(key) or _dumps(after)))
        for end in ([key] if kind == "node" else {key[0], key[2]}):
            ends.append((end, seq, n))
        if n < 100:
            recorded.append(ChangeItem(name, kind, before, after))
    conn.executemany("INSERT INTO change_items (seq, n, item, kind, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                     rows)
    ends.sort()
    conn.executemany("INSERT INTO change_ends (node, seq, n) VALUES (?, ?, ?)", ends)
    return Change(seq, at, change.actor, change.reason, tuple(recorded), len(items))


def _change(head, items) -> Change:
    seq, at, actor, reason, count = head
    return Change(seq, at, actor, reason, tuple(
        ChangeItem(item, kind, None if before is None else json.loads(before),
                   None if after is None else json.loads(after))
        for item, kind, before, after in items), count)


def _typed(value):
    """Return a key under which values are equal as the stores compare them: 1 == 1.0, True != 1."""
    if isinstance(value, list):
        return ("list", tuple(_typed(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    return ("text", value)


# -- shortest paths: breadth-first from both ends over the edge indexes ---------------------

def _neighbours(conn, frontier: set[str]) -> dict[str, set[str]]:
    """Return, for each node of ``frontier``, the nodes one edge away (either direction)."""
    found: dict[str, set[str]] = {n: set() for n in frontier}
    rows = conn.execute(
        "SELECT source, target FROM edges WHERE source IN (SELECT value FROM json_each(?1)) "
        "UNION ALL SELECT target, source FROM edges WHERE target IN (SELECT value FROM json_each(?1))",
        (_ids_param(frontier),))
    for here, there in rows:
        if here != there:
            found[here].add(there)
    return found


def _shortest_node_paths(conn, a: str, b: str, max_hops: int) -> list[list[str]]:
    """Return every shortest node path from a to b (up to MAX_PATHS), ignoring direction."""
    # parents[side][node] = the nodes one step closer to that side's start.
    parents = ({a: set()}, {b: set()})
    frontiers = ({a}, {b})
    depth = 0
    meeting: set[str] = set()
    while depth < max_hops and all(frontiers):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        seen, fresh = parents[side], {}
        for here, theres in _neighbours(conn, frontiers[side]).items():
            for there in theres:
                if there in seen:
                    continue
                fresh.setdefault(there, set()).add(here)
        for node, before in fresh.items():
            seen[node] = before
        frontiers = (set(fresh), frontiers[1]) if side == 0 else (frontiers[0], set(fresh))
        depth += 1
        meeting = set(parents[0]) & set(parents[1])
        if meeting:
            break
    if not meeting:
        return []

    def walks(node: str, side: int) -> Iterator[list[str]]:
        before = parents[side][node]
        if not before:
            yield [node]
            return
        for p in sorted(before):
            for walk in walks(p, side):
                yield [*walk, node]

    paths = []
    for middle in sorted(meeting):
        for left in walks(middle, 0):
            for right in walks(middle, 1):
                paths.append(left + right[::-1][1:])
                if len(paths) >= MAX_PATHS:
                    return paths
    return paths


def _hop_edges(conn, x: str, y: str) -> list[Edge]:
    rows = conn.execute(
        "SELECT source, type, target, props FROM edges WHERE source = ?1 AND target = ?2 "
        "UNION ALL SELECT source, type, target, props FROM edges WHERE source = ?2 AND target = ?1",
        (x, y))
    return sorted((Edge(s, k, t, json.loads(p)) for s, k, t, p in rows), key=lambda e: e.key)
