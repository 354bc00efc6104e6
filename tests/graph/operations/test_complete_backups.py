"""A backup holds the graph, the change log and the accounts (hashes only), and a restore brings all three back.

So an edit made before a backup can still be reverted after restoring it into an empty directory, on
each store and across them (SQLite to Neo4j and back) with the full twin-town data.
"""

from __future__ import annotations

import json
import os

import pytest

from graph import Node
from graph.editing.edits import revert
from graph.ingest.exchange import FORMAT, export_data
from graph.ingest.seeds import SEEDS_DIR, seed
from graph.ingest.twinnings import import_twinnings
from graph.model import ChangeNote
from graph.operations.backup import restore_backup, write_backup
from graph.stores.sqlite.store import EmbeddedStore

PASSWORD = "vlinder-kompas-42-Zout"
EDITED = "theme:water"


def graph_of(store) -> tuple[list, list]:
    data = export_data(store)
    return data["nodes"], data["edges"]


def edit(store) -> int:
    """Rename a theme, as an editor would; return the change's seq."""
    node = store.get_node(EDITED)
    change = store.write([Node(node.id, node.kind, dict(node.props, name_en="Water (edited)"))],
                         change=ChangeNote("user:herent-editor", "an edit to revert after a restore"))
    return change.seq


def prepare(store) -> int:
    store.accounts().clear()  # Neo4j's accounts outlive clear(), and the session's store is shared
    seed(store)
    store.accounts().add("herent-editor", PASSWORD, "editor", ["municipality:herent-belgium"], "Editor of Herent")
    return edit(store)


def check_restored(store, original_changes: list[dict], seq: int) -> None:
    """The change log came back whole, the account can sign in, and the old edit can be reverted."""
    restored = list(store.export_changes())
    assert restored[:-1] == original_changes
    assert restored[-1]["actor"] == "kb restore" and restored[-1]["seq"] > original_changes[-1]["seq"]
    account = store.accounts().authenticate("herent-editor", PASSWORD)
    assert account is not None and account.scopes == ("municipality:herent-belgium",)
    assert store.get_node(EDITED).props["name_en"] == "Water (edited)"
    revert(store, seq, "user:admin")
    assert store.get_node(EDITED).props["name_en"] != "Water (edited)"


def test_a_backup_holds_graph_history_and_account_hashes_and_is_private(store, tmp_path):
    prepare(store)
    backup = write_backup(store, tmp_path / "b")
    assert oct(backup.path.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "b").stat().st_mode & 0o777) == "0o700"
    data = json.loads(backup.path.read_text())
    assert data["format"] == FORMAT and data["version"] == 2
    assert [c["seq"] for c in data["changes"]] == [c["seq"] for c in store.export_changes()]
    assert backup.changes == len(data["changes"]) >= 2
    [row] = data["accounts"]
    assert row["id"] == "herent-editor" and row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in backup.path.read_text() and "password" not in {k for k in row if k != "password_hash"}


def test_a_restore_into_an_empty_directory_brings_history_and_accounts_back(store, tmp_path):
    seq = prepare(store)
    original = list(store.export_changes())
    backup = write_backup(store, tmp_path / "b")
    graph = graph_of(store)
    if store.backend == "embedded":
        target = EmbeddedStore(tmp_path / "empty")
    else:  # the same Neo4j, emptied (accounts too): as a fresh database would be
        store.clear()
        store.accounts().clear()
        target = store
    restore_backup(target, backup.path)
    assert graph_of(target) == graph
    check_restored(target, original, seq)


def test_a_version_1_backup_still_restores_and_keeps_the_accounts(store, tmp_path):
    prepare(store)
    graph = graph_of(store)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(export_data(store)))  # version 1: the graph only
    assert json.loads(old.read_text())["version"] == 1
    store.write([Node("theme:added-later", "Theme", {"name": "Added later"})], change=ChangeNote("test", "later"))
    restore_backup(store, old, replace=True, safety_dir=tmp_path / "safety", force=True)
    assert graph_of(store) == graph
    assert store.accounts().get("herent-editor") is not None  # a version 1 file says nothing of accounts
    [restore] = list(store.export_changes())  # its history was not in the file: the restore records it all
    assert restore["actor"] == "kb restore" and len(restore["items"]) == len(graph[0]) + len(graph[1])


def test_a_backup_with_a_plain_password_is_refused(tmp_path):
    store = EmbeddedStore(tmp_path / "kb")
    prepare(store)
    backup = write_backup(store, tmp_path / "b")
    data = json.loads(backup.path.read_text())
    data["accounts"][0]["password"] = PASSWORD
    backup.path.write_text(json.dumps(data))
    os.unlink(str(backup.path) + ".sha256")
    fresh = EmbeddedStore(tmp_path / "fresh")
    with pytest.raises(Exception, match="plain password"):
        restore_backup(fresh, backup.path, force=True)
    assert fresh.accounts().all() == [] and not fresh.count_by_kind()


def test_the_full_twin_town_data_goes_from_sqlite_to_neo4j_and_back_with_history_and_accounts(
        neo4j_store, tmp_path):
    sqlite = EmbeddedStore(tmp_path / "sqlite")
    seq = prepare(sqlite)
    import_twinnings(sqlite, SEEDS_DIR / "data" / "twin_cities.csv")
    original = list(sqlite.export_changes())
    graph = graph_of(sqlite)
    assert len(graph[0]) > 40_000
    first = write_backup(sqlite, tmp_path / "from-sqlite")

    neo4j_store.clear()
    neo4j_store.accounts().clear()
    restore_backup(neo4j_store, first.path)
    assert graph_of(neo4j_store) == graph
    assert list(neo4j_store.export_changes())[:-1] == original
    second = write_backup(neo4j_store, tmp_path / "from-neo4j")

    back = EmbeddedStore(tmp_path / "back")
    restore_backup(back, second.path)
    assert graph_of(back) == graph
    history = list(back.export_changes())
    assert history[:len(original)] == original and [c["actor"] for c in history[len(original):]] == ["kb restore"] * 2
    check_restored_twice = back.accounts().authenticate("herent-editor", PASSWORD)
    assert check_restored_twice is not None
    revert(back, seq, "user:admin")
    assert back.get_node(EDITED).props["name_en"] != "Water (edited)"
    # And on Neo4j, from the first backup: the same edit reverts there too.
    revert(neo4j_store, seq, "user:admin")
    assert neo4j_store.get_node(EDITED).props["name_en"] != "Water (edited)"
    neo4j_store.clear()
    neo4j_store.accounts().clear()
