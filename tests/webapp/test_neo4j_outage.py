"""Neo4j stops while gunicorn serves requests: every answer is a 503 with Retry-After within the
configured timeout (never a 500, never a hang), and pages come back once Neo4j is up again.

The test runs its own Neo4j (scripts/neo4j.sh, a free port, its own state directory), because it
stops it; the shared test database is left alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from conftest import skip_or_fail  # tests/conftest.py
from webhelpers import free_port

from graph import open_store
from graph.ingest.seeds import seed
from graph.resources import CHECKOUT

pytestmark = pytest.mark.outage

TIMEOUT_S = 3.0  # NEO4J_TIMEOUT_S given to the app
# What an answer may take beyond the store's timeout: rendering, and a busy CI machine.
SLACK_S = 2.0
CLIENTS = 6
PAGES = ("/en/sdgs", "/nl/search.json?q=water", "/fr/search?q=herent", "/es/municipalities.json",
         "/en/sdgs/6.json", "/ready")


@dataclass
class Answer:
    path: str
    started: float
    seconds: float
    status: int  # 0: no answer (connection refused or the client gave up)
    retry_after: str | None


class Neo4jServer:
    """A Neo4j of this test's own, started and stopped with scripts/neo4j.sh."""

    def __init__(self, state_dir):
        self.port = free_port()
        self.env = {**os.environ, "NEO4J_PORT": str(self.port), "NEO4J_STATE_DIR": str(state_dir),
                    "NEO4J_JAVA_OPTS": "-Xmx512m", "NEO4J_PAGECACHE": "64m"}
        self.uri = f"bolt://127.0.0.1:{self.port}"

    def run(self, command: str) -> None:
        done = subprocess.run([str(CHECKOUT / "scripts" / "neo4j.sh"), command], env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture
def neo4j_server(tmp_path):
    if not (shutil.which("java") and shutil.which("mvn")):
        skip_or_fail("java and mvn are needed to start a Neo4j of the test's own")
    server = Neo4jServer(tmp_path / "neo4j")
    server.run("start")
    try:
        with open_store({"NEO4J_URI": server.uri}) as store:
            seed(store)
        yield server
    finally:
        server.run("stop")


@pytest.fixture
def gunicorn(neo4j_server, tmp_path):
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_TIMEOUT_S": str(TIMEOUT_S),
           "SECRET_KEY": "test-outage", "KB_ACCESS_LOG": "/dev/null", "KB_RATELIMIT_ENABLED": "false",
           "KB_PAGE_CACHE_BYTES": "0"}
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below, read on failure
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "webapp:create_app()"],
        cwd=CHECKOUT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while fetch(port, "/ready").status != 200:
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def fetch(port: int, path: str) -> Answer:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=TIMEOUT_S + 30) as response:
            response.read()
            status, retry = response.status, response.headers.get("Retry-After")
    except urllib.error.HTTPError as exc:
        exc.read()
        status, retry = exc.code, exc.headers.get("Retry-After")
    except OSError:
        status, retry = 0, None
    return Answer(path, started, time.monotonic() - started, status, retry)


class Clients:
    """CLIENTS threads that request PAGES in turn until stopped, keeping every answer."""

    def __init__(self, port: int):
        self.port, self.answers, self.stopping = port, [], threading.Event()
        self.threads = [threading.Thread(target=self.loop, args=(i,)) for i in range(CLIENTS)]

    def loop(self, offset: int) -> None:
        i = offset
        while not self.stopping.is_set():
            self.answers.append(fetch(self.port, PAGES[i % len(PAGES)]))
            i += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=TIMEOUT_S + 40)


def summary(answers: list[Answer]) -> str:
    return ", ".join(f"{a.path} {a.status} in {a.seconds:.1f}s" for a in answers[:20])


def test_a_neo4j_outage_gives_503_with_retry_after_within_the_timeout_then_pages_again(neo4j_server, gunicorn):
    with Clients(gunicorn) as clients:
        time.sleep(2)
        before_stop = time.monotonic()
        neo4j_server.run("stop")
        stopped = time.monotonic()
        time.sleep(3 * TIMEOUT_S)  # well past every timeout: whatever was in flight has answered
        down_from = time.monotonic()
        time.sleep(2 * TIMEOUT_S)
        down_until = time.monotonic()
        neo4j_server.run("start")
        restarted = time.monotonic()
        deadline = restarted + 60
        while not any(a.started > restarted and a.status == 200 and a.path == "/en/sdgs" for a in clients.answers):
            assert time.monotonic() < deadline, "no page after Neo4j came back"
            time.sleep(0.5)
        recovered = time.monotonic()
        time.sleep(2)
    answers = clients.answers

    up = [a for a in answers if a.started + a.seconds < before_stop]
    assert up and all(a.status == 200 for a in up), summary([a for a in up if a.status != 200])

    # From the stop until the restart: a page (if Neo4j still answered it) or a 503 with Retry-After,
    # never a 500 or no answer, and never later than the timeout allows.
    outage = [a for a in answers if before_stop <= a.started and a.started + a.seconds <= restarted]
    wrong = [a for a in outage if a.status not in (200, 503) or (a.status == 503 and a.retry_after != "30")]
    assert not wrong, summary(wrong)
    # Neo4j shuts down cleanly, so a request it was serving may wait for that; once it is gone,
    # every request ends within the timeout.
    # (A page Neo4j still answered while it shut down may have been slow on a busy machine too, but
    # it is a page, not a hang: the client's own timeout bounds it.)
    slow = [a for a in outage if a.status != 200
            and a.started + a.seconds > max(a.started, stopped) + TIMEOUT_S + SLACK_S]
    assert not slow, summary(slow)
    # Neo4j was down for the whole of this window: every store page was a 503.
    down = [a for a in outage if down_from <= a.started and a.started + a.seconds <= down_until]
    assert len(down) >= CLIENTS and all(a.status == 503 for a in down), summary(down)
    assert max(a.seconds for a in down) <= TIMEOUT_S + SLACK_S, summary(sorted(down, key=lambda a: -a.seconds))

    # Back up: no 500 while it recovered, and pages again from then on.
    after = [a for a in answers if a.started >= restarted]
    assert all(a.status in (200, 503) for a in after), summary([a for a in after if a.status not in (200, 503)])
    settled = [a for a in answers if a.started >= recovered + 1]
    assert settled and all(a.status == 200 for a in settled), summary([a for a in settled if a.status != 200])
