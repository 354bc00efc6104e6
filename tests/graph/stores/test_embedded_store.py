"""What only the embedded store must prove: crashes and concurrent processes lose nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

import graph
import graph.stores.sqlite.store
from graph import DataError
from graph.model import ChangeNote
from graph.records import make_node
from graph.stores.sqlite.store import EmbeddedStore

WRITER = textwrap.dedent("""
    import sys
    from graph.stores.sqlite.store import EmbeddedStore
    from graph.records import make_node
    store = EmbeddedStore(sys.argv[1])
    prefix, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    for i in range(count):
        store.write([make_node(f"theme:{prefix}-{i}-{j}", {"name": f"{prefix} {i} {j}"}) for j in range(size)])
""")


def run_writer(data_dir, prefix, count, size):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir), prefix, str(count), str(size)],
                            cwd=os.getcwd())


def test_a_failure_inside_a_write_leaves_the_old_graph(tmp_path, monkeypatch):
    store = EmbeddedStore(tmp_path)
    store.write([make_node("theme:kept", {"name": "kept"})])
    version = store.version()

    def broken_record(*args):
        raise OSError("disk full")

    # The nodes are written, then recording the change fails: the transaction must roll back whole.
    monkeypatch.setattr(graph.stores.sqlite.store, "record", broken_record)
    with pytest.raises(OSError):
        store.write([make_node("theme:lost", {"name": "lost"})])
    monkeypatch.undo()
    assert [n.id for n in store.nodes()] == ["theme:kept"]
    assert store.search("lost") == [] and store.version() == version
    assert [n.id for n in EmbeddedStore(tmp_path).nodes()] == ["theme:kept"]
    assert len(store.changes()) == 1


def test_killing_a_writer_never_corrupts_the_store(tmp_path):
    batch = 50
    for delay in (0.15, 0.3, 0.45, 0.6):
        writer = run_writer(tmp_path, f"k{int(delay * 100)}", 1000, batch)
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        count = sum(EmbeddedStore(tmp_path).count_by_kind().values())
        assert count % batch == 0, "a write is all or nothing"
    assert sum(EmbeddedStore(tmp_path).count_by_kind().values()) > 0


def test_two_processes_do_not_lose_each_others_writes(tmp_path):
    writers = [run_writer(tmp_path, name, 25, 2) for name in ("a", "b")]
    for w in writers:
        assert w.wait(timeout=120) == 0
    assert EmbeddedStore(tmp_path).count_by_kind() == {"Theme": 100}


def test_a_reader_sees_another_process_write(tmp_path):
    reader = EmbeddedStore(tmp_path)
    assert reader.count_by_kind() == {}
    assert run_writer(tmp_path, "x", 1, 3).wait(timeout=60) == 0
    assert reader.count_by_kind() == {"Theme": 3}
    assert reader.search("x 0 2")[0].id == "theme:x-0-2"


def test_a_foreign_file_is_refused_not_overwritten(tmp_path):
    (tmp_path / "graph.json").write_text('{"hello": "world"}', encoding="utf-8")
    with pytest.raises(graph.DataError):
        EmbeddedStore(tmp_path)
    assert (tmp_path / "graph.json").read_text(encoding="utf-8") == '{"hello": "world"}'
    assert not (tmp_path / "graph.sqlite3").exists()


def test_a_damaged_database_is_a_data_error(tmp_path):
    with EmbeddedStore(tmp_path) as store:
        store.write([make_node("theme:a", {"name": "a"})])
    (tmp_path / "graph.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(graph.DataError):
        EmbeddedStore(tmp_path).count_by_kind()


def test_a_snapshot_of_the_earlier_format_is_migrated(tmp_path):
    """A data directory written by the JSON-snapshot store opens with nothing lost, once."""
    snapshot = {
        "format": "common-ground-embedded", "version": 1, "lineage": "abc", "generation": 7,
        "nodes": [["municipality:herent", "Municipality", {"name": "Herent", "country": "Belgium"}],
                  ["theme:water", "Theme", {"name_nl": "Water", "name_es": "Agua"}]],
        "edges": [["municipality:herent", "SEEKS", "theme:water", {"source": "source:x"}]],
    }
    (tmp_path / "graph.json").write_text(json.dumps(snapshot), encoding="utf-8")
    store = EmbeddedStore(tmp_path)
    assert store.count_by_kind() == {"Municipality": 1, "Theme": 1}
    assert store.edges_of("theme:water")[0].props == {"source": "source:x"}
    assert store.search("agua")[0].id == "theme:water"
    [change] = store.changes()
    assert change.actor == "kb migrate" and change.item_count == 3
    assert not (tmp_path / "graph.json").exists() and (tmp_path / "graph.json.migrated").exists()
    assert EmbeddedStore(tmp_path).count_by_kind() == {"Municipality": 1, "Theme": 1}  # not twice


def _database_of_schema_1(path):
    """Make a database as the store of schema 1 left it: its tables, its meta rows, no user_version."""
    from graph.stores.sqlite import migrations

    conn = sqlite3.connect(path / "graph.sqlite3")
    conn.executescript(migrations.STEP_1)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [("schema", "1"), ("lineage", "abc123"), ("generation", "1")])
    conn.execute("INSERT INTO nodes (rowid, id, kind, props) VALUES (1, 'theme:water', 'Theme', ?)",
                 (json.dumps({"name_nl": "Water", "name_es": "Agua"}),))
    conn.execute("INSERT INTO changes VALUES (1, '2026-01-01T00:00:00Z', 'kb seed', 'seed', 1)")
    conn.execute("INSERT INTO change_items VALUES (1, 0, 'theme:water', 'node', NULL, ?)",
                 (json.dumps({"name_nl": "Water", "name_es": "Agua"}),))
    conn.execute("INSERT INTO change_ends VALUES ('theme:water', 1, 0)")
    conn.commit()
    conn.close()


def _user_version_and_indexes(path):
    conn = sqlite3.connect(path / "graph.sqlite3")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        schema_row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
    finally:
        conn.close()
    return version, indexes, schema_row


def test_every_earlier_schema_opens_and_is_brought_up_to_date(tmp_path):
    """Schema 0 (the JSON snapshot) is the test above; schema 1 takes step 2 and keeps everything."""
    from graph.stores.sqlite import migrations

    _database_of_schema_1(tmp_path)
    assert _user_version_and_indexes(tmp_path)[0] == 0 and "change_items_by_item" in _user_version_and_indexes(
        tmp_path)[1]
    store = EmbeddedStore(tmp_path)
    version, indexes, schema_row = _user_version_and_indexes(tmp_path)
    assert version == migrations.SCHEMA_VERSION == 3 and schema_row == "3"
    assert "change_items_by_item" not in indexes and "nodes_by_match_key" in indexes
    assert store.get_node("theme:water").props["name_es"] == "Agua"
    assert store.search("agua")[0].id == "theme:water"  # the search index was built on open
    assert store.version() == "abc123-1" and [c.actor for c in store.changes()] == ["kb seed"]
    [old] = store.changes()  # a record made before codes keeps its text and has no code (step 3)
    assert (old.reason, old.code, old.params) == ("seed", "", {})
    store.write([make_node("theme:water", {"name_fr": "Eau"})],
                change=ChangeNote("user:1", code="translate", params={"field": "name", "to": "fr"}))
    assert [c.seq for c in store.changes(node_id="theme:water")] == [2, 1]
    assert (store.changes()[0].code, store.changes()[0].params) == ("translate", {"field": "name", "to": "fr"})
    store.close()
    assert EmbeddedStore(tmp_path).count_by_kind() == {"Theme": 1}  # opened again: nothing left to do


def test_a_database_of_a_later_schema_is_refused_untouched(tmp_path):
    EmbeddedStore(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "graph.sqlite3")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DataError, match="database schema 99, this version reads 3"):
        EmbeddedStore(tmp_path)
    assert _user_version_and_indexes(tmp_path)[0] == 99


def test_readers_in_other_threads_never_see_a_half_built_graph(tmp_path):
    import threading

    store = EmbeddedStore(tmp_path)
    other = EmbeddedStore(tmp_path)  # another "process": its writes make `store` reload
    ids = [f"theme:t{i}" for i in range(200)]
    store.write([make_node(i, {"name": i}) for i in ids])
    errors, stop = [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                got = store.get_nodes(ids)
                assert len(got) == len(ids)
                assert store.count_by_kind()["Theme"] >= len(ids)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for r in readers:
        r.start()
    for n in range(30):
        other.write([make_node(f"theme:extra{n}", {"name": "x"})])
    stop.set()
    for r in readers:
        r.join()
    assert errors == []
    assert store.count_by_kind()["Theme"] == 230


def test_version_differs_after_the_store_is_recreated(tmp_path):
    first = EmbeddedStore(tmp_path / "one")
    first.write([make_node("theme:a", {"name": "a"})])
    seen = first.version()
    again = EmbeddedStore(tmp_path / "two")
    again.write([make_node("theme:b", {"name": "b"})])
    assert again.version() != seen


def test_killing_a_writer_keeps_every_acknowledged_write_with_its_record(tmp_path):
    """The writer prints each write after it returns; every printed write must be there, recorded."""
    script = textwrap.dedent("""
        import sys
        from graph.stores.sqlite.store import EmbeddedStore
        from graph.model import ChangeNote
        from graph.records import make_node
        store = EmbeddedStore(sys.argv[1])
        for i in range(10000):
            store.write([make_node(f"theme:w{i}", {"name": f"w {i}"})], change=ChangeNote("writer", f"w{i}"))
            print(i, flush=True)
    """)
    writer = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) == 40:
            writer.send_signal(signal.SIGKILL)
            break
    writer.wait()
    store = EmbeddedStore(tmp_path)
    present = {n.id for n in store.nodes("Theme")}
    assert {f"theme:w{i}" for i in acknowledged} <= present
    recorded = {c.reason for c in store.changes(limit=10000)}
    assert {f"w{i}" for i in acknowledged} <= recorded
    assert len(recorded) == len(present)  # never a write without its record, nor the reverse
    # A crash leaves no temporary files behind, only the database and its write-ahead log.
    assert {p.name for p in tmp_path.iterdir()} <= {"graph.sqlite3", "graph.sqlite3-wal", "graph.sqlite3-shm"}


def test_the_database_is_readable_by_its_owner_only(tmp_path):
    """`kb` and the web server run as one user (docs/deployment.md): no one else reads the graph."""
    import stat

    old = os.umask(0o022)
    try:
        EmbeddedStore(tmp_path / "kb").write([make_node("theme:a", {"name": "a"})])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "kb").stat().st_mode) == 0o700
    for name in ("graph.sqlite3", "graph.sqlite3-wal"):
        assert stat.S_IMODE((tmp_path / "kb" / name).stat().st_mode) == 0o600


def test_a_search_index_of_another_format_is_rebuilt_on_open(tmp_path, monkeypatch):
    """When text.search_text changes, an existing store re-indexes instead of missing new words."""
    import sqlite3

    store = EmbeddedStore(tmp_path)
    store.write([make_node("municipality:nimlahakok", {"name": "Nimlaha'kok", "country": "Guatemala"})])
    store.close()
    with sqlite3.connect(tmp_path / "graph.sqlite3") as conn:  # as an older version left it
        conn.execute("DELETE FROM node_text")
        conn.execute("UPDATE meta SET value = 'old' WHERE key = 'search_format'")
    assert [n.id for n in EmbeddedStore(tmp_path).search("nimlahakok")] == ["municipality:nimlahakok"]


def test_reading_some_properties_without_the_json_arrow_of_newer_sqlite(tmp_path, monkeypatch):
    """Before SQLite 3.38 nodes(only=...) decodes each node and picks in Python: the same result."""
    import sqlite3

    from graph.records import make_node

    store = EmbeddedStore(tmp_path)
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium", "lat": 50.88054912345679})])
    modern = list(store.nodes("Municipality", only=["name", "lat"]))
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 37, 2))
    assert list(store.nodes("Municipality", only=["name", "lat"])) == modern
    assert modern[0].props == {"name": "Herent", "lat": 50.88054912345679}
