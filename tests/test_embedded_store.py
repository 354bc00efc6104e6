"""What only the embedded store must prove: crashes and concurrent processes lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import graph.embedded
from graph.embedded import EmbeddedStore
from graph.model import make_node

WRITER = textwrap.dedent("""
    import sys
    from graph.embedded import EmbeddedStore
    from graph.model import make_node
    store = EmbeddedStore(sys.argv[1])
    prefix, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    for i in range(count):
        store.write([make_node(f"theme:{prefix}-{i}-{j}", {"name": f"{prefix} {i} {j}"}) for j in range(size)])
""")


def run_writer(data_dir, prefix, count, size):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir), prefix, str(count), str(size)],
                            cwd=os.getcwd())


def test_a_failed_save_leaves_the_old_graph(tmp_path, monkeypatch):
    store = EmbeddedStore(tmp_path)
    store.write([make_node("theme:kept", {"name": "kept"})])

    def broken_fsync(fd):
        raise OSError("disk full")

    # The new snapshot is written but cannot be made durable: the old one must stay.
    monkeypatch.setattr(graph.embedded.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        store.write([make_node("theme:lost", {"name": "lost"})])
    monkeypatch.undo()
    assert [n.id for n in store.nodes()] == ["theme:kept"]
    assert [n.id for n in EmbeddedStore(tmp_path).nodes()] == ["theme:kept"]
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


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
    first = EmbeddedStore(tmp_path)
    first.write([make_node("theme:a", {"name": "a"})])
    seen = first.version()
    (tmp_path / "graph.json").unlink()
    again = EmbeddedStore(tmp_path)
    again.write([make_node("theme:b", {"name": "b"})])
    assert again.version() != seen and first.version() == again.version()
