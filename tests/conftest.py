"""Shared fixtures: one ``store`` fixture runs the contract suite on every backend."""

from __future__ import annotations

import os

import pytest

from graph.stores.sqlite.store import EmbeddedStore

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_sessionstart(session):
    """Compile the checkout's catalogs, as `make translations-compile` does (the app never writes them)."""
    from babel.messages.frontend import CommandLineInterface

    from graph.resources import CHECKOUT

    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(CHECKOUT / "translations")])


def skip_or_fail(reason: str) -> None:
    """Skip a test that cannot run here; under CI a skip would hide a gap, so fail."""
    if IN_CI:
        pytest.fail(f"CI=true and this test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def neo4j_store():
    """A Neo4jStore on NEO4J_URI, or a skip (a failure under CI) when none is configured."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        skip_or_fail("NEO4J_URI is not set (scripts/neo4j.sh start sets up a local Neo4j)")
    from graph import open_store
    from graph.errors import StoreUnavailable

    try:
        store = open_store({"NEO4J_URI": uri})
        store.version()
    except StoreUnavailable as exc:
        skip_or_fail(f"Neo4j at {uri} is unavailable: {exc}")
    yield store
    store.clear()
    store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request, tmp_path):
    """An empty store of each backend."""
    if request.param == "embedded":
        s = EmbeddedStore(tmp_path / "kb")
        yield s
        s.close()
    else:
        s = request.getfixturevalue("neo4j_store")
        s.clear()
        yield s


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory):
    """A data directory holding the embedded store with the real seeds, built once."""
    from graph.ingest.seeds import seed

    path = tmp_path_factory.mktemp("seeded")
    seed(EmbeddedStore(path))
    return path


@pytest.fixture(params=["embedded", "neo4j"])
def seeded_store(request, seeded_dir, tmp_path):
    """A store of each backend holding exactly the seeds."""
    import shutil

    from graph.ingest.seeds import seed

    if request.param == "embedded":
        shutil.copytree(seeded_dir, tmp_path / "kb")
        yield EmbeddedStore(tmp_path / "kb")
        return
    store = request.getfixturevalue("neo4j_store")
    # Reseed only when another test changed the database since the last seeding.
    if getattr(store, "seeded_version", None) != store.version():
        store.clear()
        seed(store)
        store.seeded_version = store.version()
    yield store


@pytest.fixture
def app(seeded_store):
    """The app over a seeded store."""
    from webapp import create_app

    return create_app({"TESTING": True, "STORE": seeded_store, "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def matching_sees_every_write(monkeypatch):
    """Tests write then match: let matching wait for the index of the latest write.

    In production a request answers from the previous index after STALE_WAIT_S;
    tests/graph/matching/test_matching.py checks that behaviour explicitly.
    """
    monkeypatch.setattr("graph.matching.cache.STALE_WAIT_S", 120.0)
