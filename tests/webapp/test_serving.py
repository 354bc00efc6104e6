"""gunicorn with the project's settings keeps answering while slow clients hold connections open."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from webhelpers import free_port

from graph.resources import CHECKOUT

SLOW_CLIENTS = 4


@pytest.fixture
def serve(seeded_dir, tmp_path):
    """Start gunicorn with webapp.gunicorn_conf and extra options; stop it afterwards."""
    shutil.copytree(seeded_dir, tmp_path / "kb")
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_URI"}
    env.update(KB_DATA_DIR=str(tmp_path / "kb"), SECRET_KEY="test-serving", KB_ACCESS_LOG="/dev/null")
    started = []

    def start(*options: str) -> int:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
             *options, "webapp:create_app()"],
            cwd=CHECKOUT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        started.append(process)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert response.status == 200
                    return port
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
                time.sleep(0.2)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def slow_clients(port: int) -> list[socket.socket]:
    """Connections that send half a request and then nothing."""
    sockets = []
    for _ in range(SLOW_CLIENTS):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /nl HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        sockets.append(s)
    time.sleep(0.5)
    return sockets


def answered_within(port: int, seconds: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/nl", timeout=seconds) as response:
            return response.status == 200
    except OSError:
        return False


def test_threaded_workers_answer_while_slow_clients_hold_connections(serve):
    port = serve("--workers", "1", "--threads", str(SLOW_CLIENTS + 2))
    held = slow_clients(port)
    try:
        started = time.monotonic()
        assert answered_within(port, 10)
        assert time.monotonic() - started < 5
    finally:
        for s in held:
            s.close()


def test_sync_workers_are_what_slow_clients_block(serve):
    """The contrast: gunicorn's default sync worker waits on a slow client (why the settings use gthread)."""
    port = serve("--workers", "1", "--worker-class", "sync", "--threads", "1")
    held = slow_clients(port)
    try:
        assert not answered_within(port, 2)
    finally:
        for s in held:
            s.close()


def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", 414),
    (b"GET /nl HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
    (b"GET /nl HTTP/1.1\r\nHost: localhost\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431),
    (b"NOT A REQUEST\r\n\r\n", 400),
    (b"GET /nl HTTP/1.1\r\nHost: localhost\r\nBad Header <script>: x\r\n\r\n", 400),
])
def test_gunicorns_own_error_pages_carry_the_security_headers(serve, request_bytes, status):
    port = serve()
    head, _, body = raw_request(port, request_bytes).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} ")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
    assert int(headers["Content-Length"]) == len(body) and b"<script>" not in body
