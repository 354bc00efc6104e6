"""Shared fixtures: one ``store`` fixture runs the contract suite on every backend.

Which tests run on which store, and where (pytest-xdist):

* Tests of the domain (contract, changes, matching, network, ingest, backup, ...) run on both stores.
* A web test (one that reaches the store only through ``app`` or ``client``) runs on the embedded store;
  the web layer is the same code over either store, and everything it asks of a store is checked on both
  by the domain tests. Web tests marked ``both_stores`` are the smoke set that still runs on Neo4j too.
* Every test that touches the shared Neo4j database runs on one xdist worker (group ``neo4j``), since all
  workers would share that one database (Neo4j Community has no second one). Tests that start processes
  or a browser are grouped likewise (``subprocess``, ``browser``): they are heavy and some time their
  answers, so they must not compete with each other for the two cores.
"""

from __future__ import annotations

import os

# Before anything imports graph.accounts: argon2id at its cheapest parameters for the accounts that the
# fixtures make by the dozen (production keeps the full cost; see graph/accounts.py). Subprocesses inherit it.
os.environ["KB_TEST_CHEAP_PASSWORD_HASHES"] = "1"

import pytest  # noqa: E402

from graph.stores.sqlite.store import EmbeddedStore  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_sessionstart(session):
    """Compile the checkout's catalogs, as `make translations-compile` does (the app never writes them).

    Under xdist only the controller compiles, before it starts the workers: a worker writing the same
    files while another reads them could load half a catalog.
    """
    if hasattr(session.config, "workerinput"):
        return
    from babel.messages.frontend import CommandLineInterface

    from graph.resources import CHECKOUT

    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(CHECKOUT / "translations")])


# Fixtures through which a test reaches the store only by HTTP or the CLI of the app.
WEB_FIXTURES = {"app", "client", "runner"}
# Modules whose tests start processes (writers, gunicorn, a wheel's virtual environment, a Neo4j of its own).
SUBPROCESS_MODULES = {"test_crash", "test_embedded_store", "test_serving", "test_fuzz", "test_package",
                      "test_form_races", "test_private_files", "test_catalogs_compiled",
                      "test_neo4j_outage", "test_html_valid"}


def pytest_generate_tests(metafunc):
    """Give ``seeded_store`` its backends: both, but the embedded one only for a pure web test outside the smoke set."""
    names = set(metafunc.fixturenames)
    if "seeded_store" not in names:
        return
    pure_web = names & WEB_FIXTURES and metafunc.definition.get_closest_marker("both_stores") is None
    metafunc.parametrize("seeded_store", ["embedded"] if pure_web else ["embedded", "neo4j"], indirect=True)


def uses_neo4j(item) -> bool:
    """Whether a test reads or writes the shared Neo4j database (directly, through the app or a subprocess)."""
    callspec = getattr(item, "callspec", None)
    return ((callspec is not None and "neo4j" in callspec.params.values())
            or "neo4j_store" in getattr(item, "fixturenames", ())
            or item.get_closest_marker("neo4j") is not None
            or item.get_closest_marker("package") is not None)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """Put the tests that must not run beside each other on one xdist worker each (``--dist loadgroup``)."""
    for item in items:
        if uses_neo4j(item):
            group = "neo4j"
        elif item.module.__name__.rsplit(".", 1)[-1] in SUBPROCESS_MODULES:
            group = "subprocess"
        elif item.get_closest_marker("browser") is not None:
            group = "browser"
        else:
            continue
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session):
    """Refuse to run when xdist dropped a group: the Neo4j tests of two workers would clobber one database."""
    if os.environ.get("PYTEST_XDIST_WORKER") and session.config.getvalue("loadgroup"):
        lost = [item.nodeid for item in session.items
                if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid]
        if lost:
            raise pytest.UsageError(f"pytest-xdist did not group {len(lost)} tests (first: {lost[0]}); "
                                    "see the pytest pin in pyproject.toml")


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


@pytest.fixture(scope="session")
def shared_seeded_store(seeded_dir, tmp_path_factory):
    """One embedded store holding the seeds, shared by the tests marked ``reads_only`` (its caches stay warm)."""
    import shutil

    path = tmp_path_factory.mktemp("shared-seeded") / "kb"
    shutil.copytree(seeded_dir, path)
    store = EmbeddedStore(path)
    yield store
    store.close()


@pytest.fixture
def seeded_store(request, seeded_dir, tmp_path):
    """A store of each backend holding exactly the seeds (pytest_generate_tests says which backends)."""
    import shutil

    from graph.ingest.seeds import seed

    if request.param == "embedded":
        if request.node.get_closest_marker("reads_only") and not request.node.get_closest_marker("writes"):
            shared = request.getfixturevalue("shared_seeded_store")
            before = shared.version()
            yield shared
            # A write would leak into every later test of the session: say so where it happened.
            assert shared.version() == before, "a test marked reads_only wrote to the shared seeded store"
            return
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
