"""kb backup writes dated, verified exports and keeps the last N; kb restore is all or nothing.

The full twin-town graph (the seeds and 25,917 twinnings) is backed up and restored on both
stores: the embedded store's backup, restored into an empty Neo4j and backed up there, gives the
very same bytes.  Replacing restores and refused files run on both stores with the seeds.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from click.testing import CliRunner

from graph import Node
from graph.errors import DataError, StoreConflict
from graph.ingest.exchange import export_bytes, export_data
from graph.ingest.seeds import SEEDS_DIR, seed
from graph.ingest.twinnings import import_twinnings
from graph.model import ChangeNote
from graph.operations.backup import DIGEST_SUFFIX, backups_in, restore_backup, verify_backup, write_backup
from graph.stores.sqlite.store import EmbeddedStore
from webapp.cli import main


@pytest.fixture(scope="module")
def twin_backup(tmp_path_factory):
    """A backup of the embedded store holding the seeds and the whole twin-town file."""
    path = tmp_path_factory.mktemp("twins")
    store = EmbeddedStore(path / "kb")
    seed(store)
    import_twinnings(store, SEEDS_DIR / "data" / "twin_cities.csv")
    backup = write_backup(store, path / "backups")
    store.close()
    return backup


def held(store) -> tuple[int, int]:
    return sum(store.count_by_kind().values()), store.count_edges()


def graph_in(backup_path) -> tuple[list, list]:
    """The nodes and edges of a backup file, as export_data gives them."""
    data = json.loads(backup_path.read_text(encoding="utf-8"))
    return data["nodes"], data["edges"]


def graph_of_bytes(export: bytes) -> tuple[list, list]:
    data = json.loads(export)
    return data["nodes"], data["edges"]


def graph_of(store) -> tuple[list, list]:
    data = export_data(store)
    return data["nodes"], data["edges"]


# -- the full twin-town graph, on both stores ------------------------------------------------------

def test_a_backup_of_the_full_twin_town_graph_is_dated_verified_and_restores_to_the_same_bytes(twin_backup, tmp_path):
    assert twin_backup.nodes > 40_000 and twin_backup.edges > 50_000
    data = twin_backup.path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == twin_backup.digest
    with open(str(twin_backup.path) + DIGEST_SUFFIX) as sidecar:
        assert sidecar.read() == f"{twin_backup.digest}  {twin_backup.path.name}\n"
    assert oct(twin_backup.path.stat().st_mode & 0o777) == "0o600"
    store = EmbeddedStore(tmp_path / "kb")
    restored = restore_backup(store, twin_backup.path)
    assert (restored["nodes"], restored["edges"]) == (twin_backup.nodes, twin_backup.edges)
    assert graph_of(store) == graph_in(twin_backup.path)
    # The history comes back too (the seed and the import), and the restore is one more change.
    assert [c["seq"] for c in store.export_changes()][:-1] == [c["seq"] for c in json.loads(data)["changes"]]


def test_the_full_twin_town_backup_restores_into_neo4j_and_backs_up_the_same_graph_and_history(
        twin_backup, neo4j_store, tmp_path):
    neo4j_store.clear()
    restore_backup(neo4j_store, twin_backup.path)
    assert held(neo4j_store) == (twin_backup.nodes, twin_backup.edges)
    again = write_backup(neo4j_store, tmp_path / "neo4j-backups")
    assert graph_in(again.path) == graph_in(twin_backup.path)
    before, after = (json.loads(p.read_text())["changes"] for p in (twin_backup.path, again.path))
    assert after[:-1] == before and after[-1]["actor"] == "kb restore"
    neo4j_store.clear()


# -- backups ---------------------------------------------------------------------------------------

def test_only_the_last_n_backups_are_kept(store, tmp_path):
    seed(store)
    made = [write_backup(store, tmp_path / "b", keep=2) for _ in range(3)]
    assert backups_in(tmp_path / "b") == [made[1].path, made[2].path]
    assert made[2].removed == [made[0].path]
    assert not os.path.exists(str(made[0].path) + DIGEST_SUFFIX)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(
        n for m in made[1:] for n in (m.path.name, m.path.name + DIGEST_SUFFIX))
    # Other files in the directory are never touched.
    (tmp_path / "b" / "notes.txt").write_text("keep me")
    write_backup(store, tmp_path / "b", keep=1)
    assert (tmp_path / "b" / "notes.txt").read_text() == "keep me"


def test_a_backup_that_reads_back_wrong_is_not_kept(tmp_path, monkeypatch):
    store = EmbeddedStore(tmp_path / "kb")
    seed(store)
    first = write_backup(store, tmp_path / "b")
    # A disk that changes what it was given: the read back differs.
    monkeypatch.setattr("graph.operations.backup._write_synced",
                        lambda path, data: path.write_bytes(data.replace(b'"Brasschaat"', b'"Brasschaet"')))
    with pytest.raises(DataError, match="differs from what was written"):
        write_backup(store, tmp_path / "b", keep=1)
    assert backups_in(tmp_path / "b") == [first.path]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [first.path.name, first.path.name + DIGEST_SUFFIX]


# -- restores --------------------------------------------------------------------------------------

def test_restore_needs_an_empty_store_or_replace_which_saves_the_current_contents_first(store, tmp_path):
    seed(store)
    backup = write_backup(store, tmp_path / "b")
    before = export_bytes(store)
    store.delete(["municipality:brasschaat-belgium"], change=ChangeNote("test", "a change after the backup"))
    store.write([Node("theme:added-later", "Theme", {"name": "Added later"})], change=ChangeNote("test", "idem"))
    changed = export_bytes(store)
    with pytest.raises(StoreConflict, match="--replace"):
        restore_backup(store, backup.path, safety_dir=tmp_path / "safety")
    assert export_bytes(store) == changed
    restored = restore_backup(store, backup.path, replace=True, safety_dir=tmp_path / "safety")
    assert export_bytes(store) == before
    # What the store held before is a verified backup of its own.
    assert graph_in(restored["saved"]) == graph_of_bytes(changed)
    assert backups_in(tmp_path / "safety") == [restored["saved"]]


@pytest.mark.parametrize("damage", ["digest", "record", "json"])
def test_a_damaged_backup_is_refused_before_the_store_is_touched(store, tmp_path, damage):
    seed(store)
    backup = write_backup(store, tmp_path / "b")
    store.write([Node("theme:added-later", "Theme", {"name": "Added later"})], change=ChangeNote("test", "change"))
    current = export_bytes(store)
    data = json.loads(backup.path.read_bytes())
    if damage == "digest":  # a valid file, but not the one that was written
        data["nodes"] = data["nodes"][:-1]
        data["edges"] = [e for e in data["edges"] if e["source"] != data["nodes"][-1]["id"]]
        backup.path.write_text(json.dumps(data))
        expected = "SHA-256"
    elif damage == "record":  # the last node is broken, and no digest says so
        data["nodes"][-1]["properties"]["name"] = "x" * 1000
        backup.path.write_text(json.dumps(data))
        os.unlink(str(backup.path) + DIGEST_SUFFIX)
        expected = "nodes"
    else:  # cut off, as a full disk would leave it
        backup.path.write_bytes(backup.path.read_bytes()[: backup.path.stat().st_size // 2])
        os.unlink(str(backup.path) + DIGEST_SUFFIX)
        expected = "invalid JSON"
    with pytest.raises(DataError, match=expected):
        # force: the records are checked even when no checksum file is there to be believed.
        restore_backup(store, backup.path, replace=True, safety_dir=tmp_path / "safety", force=True)
    assert export_bytes(store) == current
    assert backups_in(tmp_path / "safety") == []


@pytest.mark.parametrize("checksum", ["missing", "garbled"])
def test_a_backup_without_its_checksum_is_refused_unless_forced(store, tmp_path, checksum):
    seed(store)
    backup = write_backup(store, tmp_path / "b")
    digest_file = str(backup.path) + DIGEST_SUFFIX
    data = json.loads(backup.path.read_bytes())
    data["nodes"][0]["properties"]["name"] = "Tampered"  # a valid file, but not the one kb backup wrote
    backup.path.write_text(json.dumps(data))
    if checksum == "missing":
        os.unlink(digest_file)
    else:
        with open(digest_file, "w") as fh:
            fh.write("not a digest\n")
    store.write([Node("theme:added-later", "Theme", {"name": "Added later"})], change=ChangeNote("test", "change"))
    current = export_bytes(store)
    with pytest.raises(DataError, match="--force"):
        restore_backup(store, backup.path, replace=True, safety_dir=tmp_path / "safety")
    assert export_bytes(store) == current and backups_in(tmp_path / "safety") == []
    restored = restore_backup(store, backup.path, replace=True, safety_dir=tmp_path / "safety", force=True)
    assert restored["nodes"] == len(data["nodes"])


def test_verify_backup_names_the_file_and_the_fault(tmp_path):
    store = EmbeddedStore(tmp_path / "kb")
    seed(store)
    backup = write_backup(store, tmp_path / "b")
    contents, digest = verify_backup(backup.path)
    assert (len(contents.nodes), len(contents.edges), digest) == (backup.nodes, backup.edges, backup.digest)
    (tmp_path / "b" / "empty.json").write_text("")
    with pytest.raises(DataError, match="empty.json"):
        verify_backup(tmp_path / "b" / "empty.json")


# -- the commands ----------------------------------------------------------------------------------

def test_kb_backup_and_kb_restore(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("KB_BACKUP_DIR", raising=False)
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "kb"))
    runner = CliRunner()
    assert runner.invoke(main, ["seed"]).exit_code == 0
    results = [runner.invoke(main, ["backup", "--keep", "2"]) for _ in range(3)]
    assert all(r.exit_code == 0 for r in results), results[-1].output
    assert "verified, sha256" in results[0].output and "removed" in results[2].output
    kept = backups_in(tmp_path / "kb" / "backups")  # the default: backups in the data directory
    assert len(kept) == 2
    refused = runner.invoke(main, ["restore", str(kept[-1])])
    assert refused.exit_code == 1 and "--replace" in refused.output
    replaced = runner.invoke(main, ["restore", "--replace", "--dir", str(tmp_path / "safety"), str(kept[-1])])
    assert replaced.exit_code == 0, replaced.output
    assert "previous contents were saved to" in replaced.output and "restored" in replaced.output
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "fresh"))
    into_empty = runner.invoke(main, ["restore", str(kept[0])])
    assert into_empty.exit_code == 0 and "saved" not in into_empty.output
    assert graph_of(EmbeddedStore(tmp_path / "fresh")) == graph_in(kept[0])
    # A copy without its checksum file: refused, with what to do, unless --force.
    copy = tmp_path / "copy.json"
    copy.write_bytes(kept[0].read_bytes())
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "fresh-2"))
    unchecked = runner.invoke(main, ["restore", str(copy)])
    assert unchecked.exit_code == 1 and "copy.json.sha256" in unchecked.output and "--force" in unchecked.output
    assert runner.invoke(main, ["restore", "--force", str(copy)]).exit_code == 0
