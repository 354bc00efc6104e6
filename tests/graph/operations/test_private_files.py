"""The data directory is 0700 and its files 0600, whatever the umask; forwarded headers are believed only
as KB_PROXY_FIX says, also under gunicorn (which believed X-Forwarded-Proto from 127.0.0.1 by default)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import urllib.request

import pytest
from webhelpers import free_port

from graph.accounts.model import open_accounts
from graph.ingest.seeds import seed
from graph.operations.backup import write_backup
from graph.resources import CHECKOUT
from graph.stores.sqlite.store import EmbeddedStore


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """A umask that lets everyone read what is created, as on many servers (022) and more."""
    old = os.umask(0o002)
    yield
    os.umask(old)


def test_a_new_data_directory_and_its_files_are_readable_by_their_owner_only(tmp_path, open_umask):
    data = tmp_path / "deep" / "kb"
    store = EmbeddedStore(data)
    seed(store)
    accounts = open_accounts(store)
    accounts.add("root", "correct horse battery", "admin")
    backup = write_backup(store, data / "backups")
    assert mode(data) == 0o700 and mode(data / "backups") == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"graph.sqlite3", "graph.sqlite3-wal", "accounts.sqlite3", backup.path.name,
                                       backup.path.name + ".sha256"}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    store.close()


def test_existing_files_keep_the_modes_an_operator_gave_them(tmp_path):
    data = tmp_path / "kb"
    EmbeddedStore(data).close()
    os.chmod(data, 0o750)
    os.chmod(data / "graph.sqlite3", 0o640)
    EmbeddedStore(data).close()
    assert mode(data) == 0o750 and mode(data / "graph.sqlite3") == 0o640


def _gunicorn(tmp_path, seeded_dir, proxy_fix: str | None):
    import shutil

    if not (tmp_path / "kb").exists():
        shutil.copytree(seeded_dir, tmp_path / "kb")
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_URI", "KB_PROXY_FIX", "FORWARDED_ALLOW_IPS")}
    env.update(KB_DATA_DIR=str(tmp_path / "kb"), SECRET_KEY="test-proxy", KB_ACCESS_LOG="/dev/null")
    if proxy_fix is not None:
        env["KB_PROXY_FIX"] = proxy_fix
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "webapp:create_app()"],
        cwd=CHECKOUT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return process, port
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.2)


def _headers_over_forwarded_https(port: int) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/en/sign-in",
                                     headers={"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(response.headers)


@pytest.mark.parametrize("proxy_fix, believed", [(None, False), ("0", False), ("1", True)])
def test_gunicorn_believes_x_forwarded_proto_only_as_kb_proxy_fix_says(tmp_path, seeded_dir, proxy_fix, believed):
    process, port = _gunicorn(tmp_path, seeded_dir, proxy_fix)
    try:
        headers = _headers_over_forwarded_https(port)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert ("Strict-Transport-Security" in headers) is believed
    assert ("Secure" in headers.get("Set-Cookie", "")) is believed
