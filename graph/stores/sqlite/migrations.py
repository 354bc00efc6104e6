"""The embedded store's schema, as numbered steps from an empty file to today's tables.

SQLite's ``PRAGMA user_version`` holds the number of the last step a database
has taken.  Opening a store runs the steps after it, in order, in the set-up
transaction, so a database of any earlier version is brought up to date in
one go, or not at all.  A step, once released, never changes: a new schema
change is a new step at the end of :data:`STEPS`.

Databases made before the steps were numbered have ``user_version`` 0 and
``schema`` = 1 in their ``meta`` table: they took step 1.  A data directory
holding only the JSON snapshot of the first embedded store (``graph.json``)
is copied into a new database (see :class:`~graph.stores.sqlite.store.EmbeddedStore`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ... import text
from ...errors import DataError

LEGACY_FORMAT = "common-ground-embedded"
CHUNK = 2000  # nodes per statement when rebuilding the search index

# 1: nodes, edges, the search index, the change record and the meta table.
STEP_1 = """
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
CREATE INDEX IF NOT EXISTS change_items_by_item ON change_items (item, seq);
CREATE TABLE IF NOT EXISTS change_ends (
    node TEXT NOT NULL,
    seq INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (node, seq, n)
) WITHOUT ROWID;
"""

# 2: no query looked change items up by item (a node's history goes through change_ends), so the
# index only slowed every change's inserts.
STEP_2 = """
DROP INDEX IF EXISTS change_items_by_item;
"""

# 3: a change says what it did as a code and its parameters (graph.model.CHANGE_CODES), so history
# can be told in the reader's language; records made before keep their free-text reason.
STEP_3 = """
ALTER TABLE changes ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN params TEXT
"""

STEPS = (STEP_1, STEP_2, STEP_3)
SCHEMA_VERSION = len(STEPS)


def schema_version(conn) -> int:
    """Return the number of the last step the database took (0 for an empty one)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version:
        return version
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if not has_meta:
        return 0
    known = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if known is None:
        return 0
    if not known[0].isdigit():
        raise DataError("", None, "schema", f"database schema {known[0]!r} is not a number")
    return int(known[0])  # numbered before user_version was used


def migrate(conn, path: Path) -> int:
    """Take the steps after the database's version inside the caller's transaction; return the version before.

    A database newer than this code is refused untouched.
    """
    found = schema_version(conn)
    if found > SCHEMA_VERSION:
        raise DataError(str(path), None, "schema", f"database schema {found}, this version reads {SCHEMA_VERSION}")
    for step in STEPS[found:]:
        for statement in step.split(";\n"):
            if statement.strip():
                conn.execute(statement)
    if found != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # an int constant: PRAGMA takes no parameter
        # The meta row lets a program of before numbered steps refuse a newer database.
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema', ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),))
    return found


def check_legacy(path: Path) -> dict:
    """Read a JSON snapshot of the earlier format; refuse anything else without touching it."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataError(str(path), None, None, f"unreadable snapshot: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != LEGACY_FORMAT or data.get("version") != 1:
        raise DataError(str(path), None, "format", "not a Common Ground snapshot")
    return data


def reindex_if_stale(conn) -> None:
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
