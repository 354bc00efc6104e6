"""What an operator relies on: probes, a required secret, headers on every response, and a
translated 503 with Retry-After when the store is down or damaged.

The damaged store is a real one: its database file is overwritten with garbage.
"""

from __future__ import annotations

import re
import shutil

import pytest

from graph.stores.sqlite.store import DATABASE, EmbeddedStore
from webapp import create_app

UNREACHABLE = {"NEO4J_URI": "bolt://127.0.0.1:9"}


def embedded_app(data_dir, **config):
    """An app that opens the embedded store in ``data_dir`` itself, as a server does."""
    return create_app({"TESTING": True, "SECRET_KEY": "test", "KB_DATA_DIR": str(data_dir),
                       "NEO4J_URI": None, **config})


@pytest.fixture
def data_dir(seeded_dir, tmp_path):
    shutil.copytree(seeded_dir, tmp_path / "kb")
    EmbeddedStore(tmp_path / "kb").close()  # the last connection folds the write-ahead log in
    return tmp_path / "kb"


def damage(data_dir) -> None:
    """Overwrite the database as a failing disk would; a process that opens it finds garbage."""
    for extra in ("-wal", "-shm"):
        (data_dir / (DATABASE + extra)).unlink(missing_ok=True)
    (data_dir / DATABASE).write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 500)


# -- probes -----------------------------------------------------------------------------------

def test_health_answers_without_the_store_and_ready_says_it_is_down():
    client = create_app({"TESTING": True, "RETRY_AFTER": 7, **UNREACHABLE}).test_client()
    health = client.get("/health")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.headers["Retry-After"] == "7"
    assert ready.get_json()["status"] == "unavailable"
    assert ready.headers["Cache-Control"] == "no-store"


def test_ready_follows_the_store_and_is_never_cached(data_dir):
    client = embedded_app(data_dir).test_client()
    assert client.get("/ready").get_json() == {"status": "ready", "backend": "embedded"}
    good = (data_dir / DATABASE).read_bytes()
    damage(data_dir)
    assert embedded_app(data_dir).test_client().get("/ready").status_code == 503  # a worker starting now
    (data_dir / DATABASE).write_bytes(good)
    assert embedded_app(data_dir).test_client().get("/ready").status_code == 200


# -- graceful failure -------------------------------------------------------------------------

def test_a_damaged_database_gives_a_translated_503_with_retry_after(data_dir):
    assert embedded_app(data_dir).test_client().get("/nl").status_code == 200
    good = (data_dir / DATABASE).read_bytes()
    damage(data_dir)
    client = embedded_app(data_dir, RETRY_AFTER=12).test_client()
    for url in ("/nl", "/nl/partnerships/brasschaat-tarija", "/nl/search?q=water", "/nl/match?themes=x"):
        page = client.get(url)
        assert page.status_code == 503, url
        assert page.headers["Retry-After"] == "12"
        html = page.get_data(as_text=True)
        assert "De kennisbank is momenteel niet beschikbaar" in html and str(data_dir) not in html
    twin = client.get("/fr/sdgs.json")
    assert twin.status_code == 503 and twin.headers["Retry-After"] == "12"
    assert twin.get_json()["error"]["title"] == "La base de connaissances est momentanément indisponible"
    (data_dir / DATABASE).write_bytes(good)  # restored from a backup
    restored = embedded_app(data_dir).test_client()
    assert restored.get("/nl/partnerships/brasschaat-tarija").status_code == 200


def test_a_store_damaged_before_the_first_request_gives_503_not_500(data_dir):
    damage(data_dir)
    app = embedded_app(data_dir)
    page = app.test_client().get("/es/sdgs")
    assert page.status_code == 503 and '<html lang="es">' in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "30"


def test_an_unreachable_neo4j_gives_503_with_retry_after():
    page = create_app({"TESTING": True, **UNREACHABLE}).test_client().get("/en/search.json?q=water")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert page.get_json()["error"]["status"] == 503


# -- the secret key ---------------------------------------------------------------------------

def test_the_app_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({})
    assert create_app({"DEBUG": True}).config["SECRET_KEY"]
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app({}).config["SECRET_KEY"] == "from-the-environment"


# -- headers ----------------------------------------------------------------------------------

def assert_security_headers(response, url):
    headers = response.headers
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), url
    assert "unsafe-inline" not in headers["Content-Security-Policy"], url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "same-origin", url


def test_every_response_carries_the_security_headers(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    client = app.test_client()
    for url, status in (("/nl", 200), ("/nl.json", 200), ("/", 302), ("/nl/nowhere/x", 404),
                        ("/nl/paths?hops=99", 400), ("/boom", 500), ("/static/style.css", 200),
                        ("/health", 200), ("/ready", 200)):
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(response, url)
    assert_security_headers(client.post("/nl"), "POST /nl")
    down = create_app({"TESTING": True, **UNREACHABLE}).test_client().get("/nl")
    assert down.status_code == 503
    assert_security_headers(down, "503")


def test_html_pages_say_how_to_cache_them(client):
    page = client.get("/nl/sdgs")
    assert page.headers["Cache-Control"] == "no-cache" and page.headers["ETag"]
    again = client.get("/nl/sdgs", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/nl/nowhere/x").headers["Cache-Control"] == "no-store"
    # A static file asked for without its fingerprint is revalidated; with it, kept a year
    # (webapp/static_files.py; tests/webapp/test_static_files.py).
    assert client.get("/vendor/cytoscape/dist/cytoscape.min.js").headers["Cache-Control"] == "no-cache"


def test_hsts_only_over_tls_and_forwarded_proto_only_behind_a_configured_proxy(seeded_store):
    plain = create_app({"TESTING": True, "STORE": seeded_store}).test_client()
    assert "Strict-Transport-Security" not in plain.get("/nl").headers
    assert "max-age=" in plain.get("/nl", base_url="https://kb.example").headers["Strict-Transport-Security"]
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in plain.get("/nl", headers=forwarded).headers
    proxied = create_app({"TESTING": True, "STORE": seeded_store, "PROXY_FIX": 1}).test_client()
    assert "Strict-Transport-Security" in proxied.get("/nl", headers=forwarded).headers


def test_who_may_frame_the_pages_is_configurable(seeded_store):
    app = create_app({"TESTING": True, "STORE": seeded_store, "FRAME_ANCESTORS": "https://vvsg.be"})
    csp = app.test_client().get("/nl").headers["Content-Security-Policy"]
    assert "frame-ancestors https://vvsg.be" in csp


PAGES = ("/nl", "/nl/partnerships", "/nl/partnerships/brasschaat-tarija", "/nl/sdgs/13", "/nl/lessons",
         "/nl/search?q=water", "/nl/paths?from=Herent&to=Tarija", "/nl/match", "/nl/nowhere/x")


def test_pages_need_no_inline_script_or_style(client):
    for url in PAGES:
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), url


# -- Neo4j timeouts (tests/webapp/test_neo4j_outage.py stops a real Neo4j under load) -------------------

@pytest.mark.parametrize("budget", [3.0, 4.5, 10.0, 25.0])
def test_the_neo4j_driver_timeouts_keep_one_call_within_the_configured_timeout(budget):
    from graph.stores.neo4j.store import Neo4jStore

    settings = Neo4jStore("bolt://127.0.0.1:9", timeout_s=budget).driver_settings()
    attempt, retry = settings["connection_acquisition_timeout"], settings["max_transaction_retry_time"]
    assert settings["connection_timeout"] <= attempt
    # The first attempt, the retries while less than `retry` has passed (the driver's delays start at
    # 0.8-1.2 s and double), and the last attempt.
    last_sleep = 1.2 if retry < 0.8 else 1.5 * retry + 1.2
    assert 2 * attempt + retry + last_sleep <= budget


def test_the_neo4j_timeout_is_configured_and_stays_below_gunicorns(monkeypatch):
    from graph import open_store
    from graph.stores.neo4j.store import DEFAULT_TIMEOUT_S
    from webapp import gunicorn_conf

    assert gunicorn_conf.timeout >= DEFAULT_TIMEOUT_S * 3
    assert open_store({**UNREACHABLE, "NEO4J_TIMEOUT_S": "4"}).timeout_s == 4.0
    monkeypatch.setenv("NEO4J_TIMEOUT_S", "7.5")
    assert open_store(UNREACHABLE).timeout_s == 7.5
    for wrong in ("soon", "1", "-5"):
        with pytest.raises(ValueError, match="NEO4J_TIMEOUT_S"):
            open_store({**UNREACHABLE, "NEO4J_TIMEOUT_S": wrong})


def test_threads_waiting_for_a_failed_neo4j_connection_fail_at_once():
    import threading
    import time

    from graph import StoreUnavailable, open_store

    store = open_store({**UNREACHABLE, "NEO4J_TIMEOUT_S": "3"})
    times = []

    def call():
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.version()
        times.append(time.monotonic() - started)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(times) == 8 and max(times) <= 3.5


def test_a_method_the_address_does_not_take_gets_405_with_allow(client):
    for path in ("/en/sdgs.json", "/nl/sdgs"):
        answer = client.open(path, method="TRACE")
        assert answer.status_code == 405 and set(answer.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
