"""Rows of the embedded store's tables as values: JSON in and out, nodes and edges by key."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from ... import schema
from ...errors import DataError, SchemaError, StoreUnavailable
from ...model import Edge

# One encoder, made once: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value) -> str:
    try:
        return _ENCODER.encode(value)
    except ValueError as exc:  # NaN or Infinity, which the schema refuses; nothing is written
        raise SchemaError(f"not a finite number: {exc}") from exc


def json_path(key: str) -> str:
    """Return the JSON path of a property; the schema allows only [a-z][a-z0-9_]* as keys."""
    schema.check_properties({key: ""})
    return f"$.{key}"


def ids_param(ids: Iterable[str]) -> str:
    """Pass many values as one JSON parameter (read with json_each), whatever their number."""
    return dumps(list(ids))


def store_error(path: Path, exc: sqlite3.DatabaseError) -> Exception:
    """The domain error for a database error: unavailable (locked, unreadable) or damaged."""
    if isinstance(exc, sqlite3.OperationalError):
        return StoreUnavailable(f"{path}: {exc}")
    return DataError(str(path), None, None, f"damaged database: {exc}")


def node_rows(conn, ids: Iterable[str]) -> dict[str, tuple[int, str, dict]]:
    """Return (rowid, kind, properties) of each of the nodes ``ids`` that exists, by id."""
    rows = conn.execute("SELECT rowid, id, kind, props FROM nodes WHERE id IN (SELECT value FROM json_each(?))",
                        (ids_param(ids),))
    return {i: (rowid, kind, json.loads(props)) for rowid, i, kind, props in rows}


def edges_of(conn, node_id: str) -> list[Edge]:
    """Return the edges from or to ``node_id``, in key order."""
    rows = conn.execute(
        "SELECT source, type, target, props FROM edges WHERE source = ?1 "
        "UNION SELECT source, type, target, props FROM edges WHERE target = ?1 "
        "ORDER BY 1, 2, 3", (node_id,))
    return [Edge(s, k, t, json.loads(p)) for s, k, t, p in rows]


def typed(value):
    """Return a key under which values are equal as the stores compare them: 1 == 1.0, True != 1."""
    if isinstance(value, list):
        return ("list", tuple(typed(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    return ("text", value)
