"""Export the whole graph as node-link JSON and load such an export back.

The export is canonical (sorted nodes, edges and keys), so that
export -> load -> export gives the same bytes on either store.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import DataError, SchemaError, StoreConflict
from ..model import ChangeNote, Edge, Node, check_change_code
from ..records import make_edge, make_node
from ..schema import shown
from ..stores.base import GraphStore

FORMAT = "common-ground/node-link"
FORMAT_VERSION = 1  # the graph only: what `kb export` writes and `kb load` reads
# A backup: the graph, its change log (each change whole, under its own number) and the accounts
# (argon2id hashes, never a password).  Version 1 files still load: they hold the graph only.
BACKUP_VERSION = 2
READABLE_VERSIONS = (1, 2)
# The largest export `kb load` accepts: it is parsed and checked in memory whole before one write
# (the full twin-town graph exports to about 20 MB).
MAX_LOAD_BYTES = 200 * 1024 * 1024
MAX_LOAD_RECORDS = 2_000_000


def export_data(store: GraphStore, leave_out=None, backup: bool = False) -> dict:
    """Return the graph as a node-link mapping.

    ``leave_out`` (a graph.workspace.Visibility) leaves out what it hides: unpublished workspace
    runs, their answers and what they yielded.  Backups never pass it: they hold everything,
    and with ``backup`` the change log and the accounts too (format version 2).
    """
    nodes = store.nodes() if leave_out is None else (n for n in store.nodes() if not leave_out.hides_node(n))
    edges = store.edges() if leave_out is None else (e for e in store.edges() if not leave_out.hides_edge(e))
    extra = {"changes": list(store.export_changes()), "accounts": store.accounts().export_rows()} if backup else {}
    return {
        **extra,
        "format": FORMAT,
        "version": BACKUP_VERSION if backup else FORMAT_VERSION,
        "directed": True,
        "multigraph": True,
        "nodes": [{"id": n.id, "kind": n.kind, "properties": n.props} for n in nodes],
        "edges": [
            {"source": e.source, "target": e.target, "type": e.type, "properties": e.props}
            for e in edges
        ],
    }


def export_json(store: GraphStore, out: IO[str], leave_out=None) -> None:
    """Write the canonical JSON export to ``out`` (``leave_out``: as for export_data)."""
    # allow_nan=False: an export never holds NaN or Infinity, which strict JSON parsers refuse.
    json.dump(export_data(store, leave_out), out, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False)
    out.write("\n")


def export_bytes(store: GraphStore, backup: bool = False) -> bytes:
    """Return the canonical JSON export, as :func:`export_json` writes it, in UTF-8 (``backup``: version 2)."""
    out = io.StringIO()
    json.dump(export_data(store, backup=backup), out, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False)
    out.write("\n")
    return out.getvalue().encode("utf-8")


def load_json(store: GraphStore, path: str | Path, max_bytes: int = MAX_LOAD_BYTES,
              max_records: int = MAX_LOAD_RECORDS) -> dict[str, int]:
    """Restore an export into an empty store, all or nothing."""
    nodes, edges = read_export(path, max_bytes, max_records)
    if store.count_edges() or store.count_by_kind():
        raise StoreConflict("the store is not empty: load restores into an empty store only")
    store.write(nodes, edges, ChangeNote("kb load", code="load", params={"file": Path(path).name}))
    return {"nodes": len(nodes), "edges": len(edges)}


def read_export(path: str | Path, max_bytes: int = MAX_LOAD_BYTES,
                max_records: int = MAX_LOAD_RECORDS) -> tuple[list[Node], list[Edge]]:
    """Read an export and check every record of it; raise DataError naming the first fault."""
    return read_contents(path, max_bytes, max_records).graph


@dataclass
class Contents:
    """What an export or a backup holds; ``changes`` and ``accounts`` are None in a version 1 file."""

    nodes: list[Node]
    edges: list[Edge]
    changes: list[dict] | None = None
    accounts: list[dict] | None = None

    @property
    def graph(self) -> tuple[list[Node], list[Edge]]:
        return self.nodes, self.edges


def read_contents(path: str | Path, max_bytes: int = MAX_LOAD_BYTES,
                  max_records: int = MAX_LOAD_RECORDS) -> Contents:
    """Read an export or a backup and check every record of it; raise DataError naming the first fault."""
    name = str(path)
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise DataError(name, None, None, f"cannot read file: {exc}") from exc
    if size > max_bytes:
        raise DataError(name, None, None, f"{size} bytes, more than the {max_bytes} bytes a load may hold")
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(name, None, None, f"cannot read file: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DataError(name, f"line {exc.lineno}", None, f"invalid JSON: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, nesting too deep
        raise DataError(name, None, None, f"invalid JSON: {shown(str(exc), 120)}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DataError(name, None, "format", f"not a {FORMAT} export")
    version = data.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise DataError(name, None, "version", f"unsupported version {version!r}")
    records = len(_records(name, data, "nodes")) + len(_records(name, data, "edges"))
    changes = accounts = None
    if version >= 2:
        changes = _changes(name, _records(name, data, "changes"))
        # Imported here: the account rules hash a dummy password on import, which exports need not pay.
        from ..accounts.model import AccountError, check_rows

        accounts = _records(name, data, "accounts")
        try:
            accounts = check_rows(accounts)
        except AccountError as exc:
            raise DataError(name, None, "accounts", str(exc)) from exc
        records += sum(len(c["items"]) for c in changes) + len(accounts)
    if records > max_records:
        raise DataError(name, None, None, f"{records} nodes and edges, more than the {max_records} a load may hold")
    nodes, edges = [], []
    for i, record in enumerate(_records(name, data, "nodes")):
        where = f"nodes[{i}]" + (f" ({shown(record['id'])})" if isinstance(record.get("id"), str) else "")
        try:
            nodes.append(make_node(record.get("id"), _properties(name, where, record)))
        except SchemaError as exc:
            raise DataError(name, where, _field(exc), str(exc)) from exc
        if record.get("kind") != nodes[-1].kind:
            raise DataError(name, where, "kind", f"{record.get('kind')!r} does not match id {nodes[-1].id}")
    ids = {n.id for n in nodes}
    for i, record in enumerate(_records(name, data, "edges")):
        where = f"edges[{i}]"
        try:
            edge = make_edge(record.get("source"), record.get("type"), record.get("target"),
                             _properties(name, where, record))
        except SchemaError as exc:
            raise DataError(name, where, _field(exc), str(exc)) from exc
        for field, end in (("source", edge.source), ("target", edge.target)):
            if end not in ids:
                raise DataError(name, where, field, f"unknown node {end!r}")
        edges.append(edge)
    if len(ids) != len(nodes):
        raise DataError(name, "nodes", "id", "an id occurs twice")
    return Contents(nodes, edges, changes, accounts)


def _changes(name: str, records: list[dict]) -> list[dict]:
    """Check the change records of a backup: numbered upwards, each item named and typed."""
    checked, last = [], 0
    for i, record in enumerate(records):
        where = f"changes[{i}]"
        seq = record.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq <= last:
            raise DataError(name, where, "seq", "change numbers must be whole numbers going up")
        last = seq
        for key in ("at", "actor", "reason"):
            if record.get(key) is not None and not isinstance(record.get(key), str):
                raise DataError(name, where, key, "must be text")
        code, params = record.get("code") or "", record.get("params") or {}
        try:
            check_change_code(code, params)  # what the change did, told in the reader's language
        except ValueError as exc:
            raise DataError(name, where, "code", str(exc)) from None
        items = record.get("items")
        if not isinstance(items, list):
            raise DataError(name, where, "items", "must be a list")
        for n, item in enumerate(items):
            if not (isinstance(item, list) and len(item) == 4 and isinstance(item[0], str)
                    and item[1] in ("node", "edge") and all(v is None or isinstance(v, dict) for v in item[2:])
                    and (item[1] == "node" or item[0].count("|") == 2)):
                raise DataError(name, f"{where}.items[{n}]", None,
                                "must be [node id or source|TYPE|target, 'node' or 'edge', before, after]")
        checked.append({"seq": seq, "at": record.get("at"), "actor": record.get("actor"),
                        "reason": record.get("reason"), "code": code, "params": params, "items": items})
    return checked


def _records(name: str, data: dict, key: str) -> list[dict]:
    records = data.get(key)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DataError(name, None, key, "must be a list of objects")
    return records


def _properties(name: str, where: str, record: dict) -> dict:
    props = record.get("properties", {})
    if not isinstance(props, dict):
        raise DataError(name, where, "properties", "must be an object")
    return props


def _field(exc: SchemaError) -> str | None:
    """Name the field of an export record that a schema error is about."""
    if exc.field in (None, "id", "kind", "type", "source", "target"):
        return exc.field
    return f"properties.{exc.field}"
