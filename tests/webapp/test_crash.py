"""Edits survive a SIGKILL of the server in the middle of a burst: every acknowledged edit is in the store
with its history entry, and the store opens cleanly afterwards (embedded store, a real server process)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from graph.model import ChangeNote
from graph.operations.integrity import check_store
from graph.records import make_node
from graph.stores.sqlite.accounts import SQLiteAccountStore
from graph.stores.sqlite.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import sys
from werkzeug.serving import make_server
from webapp import create_app
app = create_app({"SECRET_KEY": "crash-test", "KB_DATA_DIR": sys.argv[1], "NEO4J_URI": None,
                  "RATELIMIT_ENABLED": False, "PAGE_CACHE_BYTES": 0})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""
PASSWORD = "correct horse battery"


def _client(base: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(path, payload=None, token=None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(base + path, data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json", **(
                                             {"X-CSRFToken": token} if token else {})})
        with opener.open(request, timeout=10) as response:
            return json.loads(response.read())

    return call


def test_acknowledged_edits_survive_sigkill(tmp_path):
    data = tmp_path / "kb"
    store = EmbeddedStore(data)
    store.write([make_node("theme:water", {"name": {"en": "Water"}, "description": {"en": "start"},
                                           "original_lang": "en"})], change=ChangeNote("test", "setup"))
    store.close()
    SQLiteAccountStore(data).add("staffer", PASSWORD, "staff")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NEO4J_URI", None)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(data)], stdout=subprocess.PIPE, env=env, cwd=ROOT)
    acknowledged: list[str] = []
    try:
        port = int(server.stdout.readline())
        call = _client(f"http://127.0.0.1:{port}")
        token = call("/en/sign-in.json")["csrf_token"]
        token = call("/en/sign-in.json", {"account": "staffer", "password": PASSWORD}, token)["csrf_token"]
        stop = threading.Event()

        def burst():
            version = call("/en/edit/themes/water.json")["version"]
            for i in range(10_000):
                if stop.is_set():
                    return
                text = f"edit {i}"
                try:
                    answer = call("/en/edit/themes/water.json", {
                        "name_en": "Water", "description_en": text, "original_lang": "en",
                        "version": str(version)}, token)
                except OSError:
                    return  # the server is gone: this edit was never acknowledged
                acknowledged.append(text)
                version = answer["version"]

        writer = threading.Thread(target=burst)
        writer.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 15 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        writer.join(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
    assert len(acknowledged) >= 15
    reopened = EmbeddedStore(data)
    try:
        assert check_store(reopened).ok
        history = reopened.changes(node_id="theme:water", limit=100_000)
        written = [c.items[0].after["description_en"] for c in history if c.actor == "user:staffer"]
        assert set(acknowledged) <= set(written), "an acknowledged edit was lost"
        final = reopened.get_node("theme:water").props["description_en"]
        assert final in written[:1] and final in (acknowledged[-1], f"edit {len(acknowledged)}")
    finally:
        reopened.close()
