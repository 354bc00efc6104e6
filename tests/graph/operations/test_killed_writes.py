"""kill -9 during `kb restore --replace` and during a Neo4j bulk import loses nothing and shows no half.

A subprocess runs the command and is killed (SIGKILL, no cleanup) at named points inside it
(graph.stores.crashpoints: after N batches, while clearing, while publishing, before the last
transaction) and after random delays.  Then `kb check` must either pass with the old contents
still shown, or report the interrupted work; the command is run again, and the store must hold
exactly what an uninterrupted run gives, with its change record.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys

import pytest

from graph import Node
from graph.ingest.exchange import export_data
from graph.ingest.seeds import SEEDS_DIR, seed
from graph.ingest.twinnings import import_twinnings
from graph.model import ChangeNote
from graph.operations.backup import write_backup
from graph.stores.crashpoints import ENV
from graph.stores.sqlite.store import EmbeddedStore

THEMES = 10_000  # two Neo4j batches and more
TWIN_ROWS = 6000  # enough twinnings for a bulk write on Neo4j (above BULK_THRESHOLD items)
PASSWORD = "vlinder-kompas-42-Zout"


def graph_of(store) -> tuple[list, list]:
    data = export_data(store)
    return data["nodes"], data["edges"]


def kb(env: dict, *args: str, kill_at: str | None = None, kill_after_s: float | None = None):
    """Run `kb ARGS`; with kill_at, it kills itself there; with kill_after_s, it is killed then."""
    env = dict(env, **({ENV: kill_at} if kill_at else {}))
    proc = subprocess.Popen([sys.executable, "-c", "from webapp.cli import main; main()", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if kill_after_s is not None:
        try:
            proc.wait(kill_after_s)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=600)
    return proc.returncode, out


def environment(store, tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_URI", "KB_DATA_DIR", ENV)}
    if store.backend == "embedded":
        env["KB_DATA_DIR"] = str(store.dir)
    else:
        env["NEO4J_URI"] = store.uri
    env["KB_BACKUP_DIR"] = str(tmp_path / "safety")
    return env


@pytest.fixture(scope="module")
def big_backup(tmp_path_factory):
    """A backup of the seeds, THEMES themes more, its history and one account."""
    path = tmp_path_factory.mktemp("big")
    store = EmbeddedStore(path / "kb")
    seed(store)
    store.write([Node(f"theme:bulk-{i:05d}", "Theme", {"name": f"Bulk theme {i}"}) for i in range(THEMES)],
                change=ChangeNote("test", "many themes"))
    store.accounts().add("restored-admin", PASSWORD, "admin", (), "Restored admin")
    backup = write_backup(store, path / "backups")
    expected = graph_of(store), list(store.export_changes())
    store.close()
    return backup, expected


def old_contents(store) -> tuple[list, list]:
    """What the store holds before the restore: the seeds, an edit, another account."""
    store.accounts().clear()
    store.clear()
    seed(store)
    store.write([Node("theme:only-before", "Theme", {"name": "Only before the restore"})],
                change=ChangeNote("test", "an edit of the old contents"))
    store.accounts().add("old-editor", PASSWORD, "staff", (), "Old editor")
    return graph_of(store)


def assert_restored(store, expected) -> None:
    graph, history = expected
    assert graph_of(store) == graph
    changes = list(store.export_changes())
    assert changes[:-1] == history and changes[-1]["actor"] == "kb restore"
    assert [a.id for a in store.accounts().all()] == ["restored-admin"]
    assert store.interrupted() is None


SQLITE_POINTS = ["sqlite.replace.written", "sqlite.replace.committed"]
NEO4J_POINTS = ["neo4j.restore.staging:2", "neo4j.restore.staged", "neo4j.restore.clearing:1",
                "neo4j.restore.publishing:2", "neo4j.restore.finishing"]


@pytest.mark.parametrize("how", ["points", "timed"])
def test_a_restore_killed_at_any_moment_keeps_the_old_contents_or_is_reported_and_completed(
        store, tmp_path, big_backup, how):
    backup, expected = big_backup
    env = environment(store, tmp_path)
    if how == "points":
        kills = [dict(kill_at=p) for p in (SQLITE_POINTS if store.backend == "embedded" else NEO4J_POINTS)]
    else:
        rng = random.Random(19)
        kills = [dict(kill_after_s=rng.uniform(0.5, 6.0)) for _ in range(3)]
    for kill in kills:
        before = old_contents(store)
        code, out = kb(env, "restore", "--replace", str(backup.path), **kill)
        if "kill_at" in kill:
            assert code == -signal.SIGKILL, out
        checked, report = kb(env, "check")
        if checked == 0:  # nothing reported: then the old contents, or the new ones whole, are shown
            if graph_of(store) == before:
                assert [a.id for a in store.accounts().all()] == ["old-editor"]
            else:
                assert_restored(store, expected)
        else:
            assert "interrupted" in report, report
        code, out = kb(env, "restore", "--replace", str(backup.path))
        assert code == 0, out
        assert_restored(store, expected)
        assert kb(env, "check")[0] == 0


@pytest.fixture(scope="module")
def twins_file(tmp_path_factory):
    """The first TWIN_ROWS rows of the twin-town file, and the graph a whole import of them gives."""
    path = tmp_path_factory.mktemp("twins")
    lines = (SEEDS_DIR / "data" / "twin_cities.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    part = path / "twins.csv"
    part.write_text("".join(lines[: TWIN_ROWS + 1]), encoding="utf-8")
    store = EmbeddedStore(path / "kb")
    import_twinnings(store, part)
    expected = graph_of(store), [(c["actor"], c["reason"], len(c["items"])) for c in store.export_changes()]
    store.close()
    return part, expected


@pytest.mark.parametrize("kill", ["neo4j.bulk.staging:2", "neo4j.bulk.journaled", "neo4j.bulk.publishing:1",
                                  "neo4j.bulk.publishing:3", "neo4j.bulk.finishing", 3.0])
def test_a_neo4j_import_killed_at_any_moment_shows_nothing_or_is_reported_and_completed(
        neo4j_store, tmp_path, twins_file, kill):
    part, (graph, history) = twins_file
    neo4j_store.clear()
    env = environment(neo4j_store, tmp_path)
    if isinstance(kill, str):
        code, out = kb(env, "import-twinnings", "--no-show-skipped", str(part), kill_at=kill)
        assert code == -signal.SIGKILL, out
    else:
        kb(env, "import-twinnings", "--no-show-skipped", str(part), kill_after_s=kill)
    checked, report = kb(env, "check")
    if checked == 0:  # nothing reported: nothing of it is shown, or all of it with its change record
        shown = graph_of(neo4j_store)
        assert shown == ([], []) or (shown == graph and len(list(neo4j_store.export_changes())) == 1), report
    else:
        assert "an import was interrupted" in report, report
        assert neo4j_store.interrupted() is not None
    # The rerun: the same import, which completes the interrupted one first.
    code, out = kb(env, "import-twinnings", "--no-show-skipped", str(part))
    assert code == 0, out
    assert graph_of(neo4j_store) == graph
    changes = [(c["actor"], c["reason"], len(c["items"])) for c in neo4j_store.export_changes()]
    assert changes == history, changes  # one change record, whole, whichever run wrote it
    assert kb(env, "check")[0] == 0
    assert neo4j_store.interrupted() is None
    neo4j_store.clear()


def test_gunicorn_completes_an_interrupted_restore_before_its_workers_start(tmp_path, big_backup, monkeypatch):
    import logging
    from types import SimpleNamespace

    from webapp import gunicorn_conf

    backup, expected = big_backup
    store = EmbeddedStore(tmp_path / "kb")
    env = environment(store, tmp_path)
    code, out = kb(env, "restore", str(backup.path), kill_at="sqlite.replace.committed")
    assert code == -signal.SIGKILL, out
    assert "a restore was interrupted" in kb(env, "check")[1]
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("KB_DATA_DIR", str(store.dir))
    gunicorn_conf.on_starting(SimpleNamespace(log=logging.getLogger("gunicorn.error")))
    assert_restored(store, expected)
