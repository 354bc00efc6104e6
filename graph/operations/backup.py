"""Dated, verified backups (the node-link export of graph.ingest.exchange) and all-or-nothing restores.

A backup (format version 2) holds the graph, the whole change log (each change under its own
number, so that an old change can still be reverted after a restore) and the accounts (argon2id
hashes, never a password); it is created readable by its owner only.  Version 1 backups (the
graph alone) still restore, leaving the accounts as they are.

A backup is written beside its final name, synced, read back, checked record by record as a
load would, and compared with the store (node and edge counts) and with what was written (a
SHA-256 digest, also kept in a ``.sha256`` file beside it, in ``sha256sum`` format).  Only then
does it get its dated name, and only then are backups beyond the last N removed.

A restore reads and checks the whole file before it touches the store, then hands everything to
:meth:`GraphStore.replace_all`, which keeps the old contents visible until the new ones are
complete, also when the process is killed (SQLite: one transaction; Neo4j: a journal that
``kb check`` reports and the next run completes or undoes).  With ``replace``, the store's
current contents are also saved first as a backup of their own.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, GraphError, StoreConflict
from ..ingest.exchange import MAX_LOAD_BYTES, MAX_LOAD_RECORDS, Contents, export_bytes, read_contents
from ..model import ChangeNote
from ..stores.base import GraphStore
from ..stores.private_files import private_dir

PREFIX = "common-ground-"
# common-ground-20261126T143000Z.json, or ...Z-2.json for a second backup within the same second.
NAME = re.compile(r"^common-ground-(\d{8}T\d{6}Z)(?:-(\d+))?\.json$")
DIGEST_SUFFIX = ".sha256"
# A write between reading the nodes and the edges would give an inconsistent export: try again.
ATTEMPTS = 3


@dataclass
class Backup:
    """A verified backup file and what it holds."""

    path: Path
    nodes: int
    edges: int
    digest: str
    changes: int = 0
    accounts: int = 0
    removed: list[Path] = field(default_factory=list)


def default_backup_dir(data_dir: str | Path) -> Path:
    """Where backups go unless told otherwise: ``backups`` in the data directory."""
    return Path(data_dir) / "backups"


def backups_in(directory: str | Path) -> list[Path]:
    """Return the backups in ``directory``, oldest first (the names sort by date)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(NAME.match(p.name), p) for p in directory.iterdir() if p.is_file()]
    return [p for m, p in sorted(((m, p) for m, p in found if m), key=lambda mp: (mp[0][1], int(mp[0][2] or 0)))]


def write_backup(store: GraphStore, directory: str | Path, keep: int | None = None) -> Backup:
    """Write a dated, verified backup of ``store`` into ``directory``; then keep only the last ``keep``."""
    if keep is not None and keep < 1:
        raise ValueError("keep at least one backup")
    directory = Path(directory)
    private_dir(directory)  # backups hold the whole graph: a folder only its owner can read
    for _ in range(ATTEMPTS):
        version = store.version()
        data = export_bytes(store, backup=True)
        nodes, edges = sum(store.count_by_kind().values()), store.count_edges()
        if store.version() == version:
            break
    else:
        raise StoreConflict(f"the store changed during each of {ATTEMPTS} attempts to back it up; try again")
    digest = hashlib.sha256(data).hexdigest()
    final = _free_name(directory)
    partial = directory / f".{final.name}.partial"
    try:
        _write_synced(partial, data)
        contents = _verify(partial, digest, nodes, edges)
        os.replace(partial, final)
        _write_synced(directory / (final.name + DIGEST_SUFFIX), f"{digest}  {final.name}\n".encode())
        _sync_dir(directory)
    finally:
        partial.unlink(missing_ok=True)
    backup = Backup(final, nodes, edges, digest, len(contents.changes or ()), len(contents.accounts or ()))
    if keep is not None:
        for old in backups_in(directory)[:-keep]:
            old.unlink()
            Path(str(old) + DIGEST_SUFFIX).unlink(missing_ok=True)
            backup.removed.append(old)
    return backup


def verify_backup(path: str | Path, max_bytes: int = MAX_LOAD_BYTES,
                  max_records: int = MAX_LOAD_RECORDS, require_digest: bool = False) -> tuple[Contents, str]:
    """Read a backup whole and check it: its digest (if a ``.sha256`` file is beside it) and every record.

    With ``require_digest``, a backup without a readable ``.sha256`` file beside it is refused:
    without one, nothing tells a changed file from the one that was written.
    Returns what it holds and its digest; raises DataError naming the first fault.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(str(path), None, None, f"cannot read file: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    recorded = _recorded_digest(path)
    if recorded is None and require_digest:
        raise DataError(str(path), None, None, f"there is no readable checksum file {path.name}{DIGEST_SUFFIX} "
                        "beside it, so nothing shows that it is the file kb backup wrote; restore it anyway "
                        "only if you know where it comes from (kb restore --force)")
    if recorded is not None and recorded != digest:
        raise DataError(str(path), None, None, f"its SHA-256 is {digest}, not {recorded} as "
                        f"{path.name}{DIGEST_SUFFIX} says: the file was changed or damaged")
    return read_contents(path, max_bytes, max_records), digest


def restore_backup(store: GraphStore, path: str | Path, replace: bool = False,
                   safety_dir: str | Path | None = None, max_bytes: int = MAX_LOAD_BYTES,
                   max_records: int = MAX_LOAD_RECORDS, force: bool = False) -> dict:
    """Restore a backup, all or nothing: into an empty store, or with ``replace`` instead of what it holds.

    The file is read and checked whole first, against the ``.sha256`` file beside it, which
    must be there unless ``force`` is given (every record is checked either way).  With ``replace`` and a non-empty store, the current
    contents are saved into ``safety_dir`` (a verified backup) before the store is cleared.
    """
    path = Path(path)
    contents, digest = verify_backup(path, max_bytes, max_records, require_digest=not force)
    nodes, edges = contents.graph
    store.finish_interrupted()  # an earlier restore or import killed halfway is completed first
    held = sum(store.count_by_kind().values()) + store.count_edges()
    saved = None
    if held:
        if not replace:
            raise StoreConflict("the store is not empty: restore into an empty store, or replace what it holds "
                                "with --replace")
        if safety_dir is None:
            raise ValueError("a replacing restore needs a directory for the backup of the current contents")
        saved = write_backup(store, safety_dir).path
    note = ChangeNote("kb restore", code="restore", params={"file": path.name, "digest": digest[:12]})
    try:
        store.replace_all(nodes, edges, contents.changes or [], contents.accounts, note)
    except GraphError as exc:
        where = f"; the previous contents are in {saved}" if saved else ""
        raise GraphError(f"the restore of {path.name} failed: {exc}{where}") from exc
    restored = (sum(store.count_by_kind().values()), store.count_edges())
    if restored != (len(nodes), len(edges)):
        raise StoreConflict(f"after the restore the store holds {restored[0]} nodes and {restored[1]} edges, "
                            f"not {len(nodes)} and {len(edges)}" + (f"; the previous contents are in {saved}"
                                                                    if saved else ""))
    return {"nodes": len(nodes), "edges": len(edges), "digest": digest, "saved": saved,
            "changes": len(contents.changes or ()), "accounts": None if contents.accounts is None
            else len(contents.accounts)}


def _verify(path: Path, digest: str, nodes: int, edges: int) -> Contents:
    """Check a just-written backup against what was written and what the store holds; return its contents."""
    contents, found_digest = verify_backup(path, max_bytes=1 << 62, max_records=1 << 62)
    found_nodes, found_edges = contents.graph
    if found_digest != digest:
        raise DataError(str(path), None, None, "what was read back differs from what was written")
    if (len(found_nodes), len(found_edges)) != (nodes, edges):
        raise DataError(str(path), None, None, f"holds {len(found_nodes)} nodes and {len(found_edges)} edges, "
                        f"the store {nodes} and {edges}")
    return contents


def _recorded_digest(path: Path) -> str | None:
    try:
        line = Path(str(path) + DIGEST_SUFFIX).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    digest = line.split(" ", 1)[0].strip().lower()
    return digest if re.fullmatch(r"[0-9a-f]{64}", digest) else None


def _free_name(directory: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    candidate, n = directory / f"{PREFIX}{stamp}.json", 1
    while candidate.exists():
        n += 1
        candidate = directory / f"{PREFIX}{stamp}-{n}.json"
    return candidate


def _write_synced(path: Path, data: bytes) -> None:
    # Backups hold the whole graph: readable by their owner only, like the store itself.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
