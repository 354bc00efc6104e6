"""Benchmark page latency: node, SDG, list and search pages on each store.

    python bench/bench_pages.py [--backend embedded|neo4j|both] [--requests 200]

For each backend and data size (the seeds; the seeds plus the full
twin-cities import) the app is served by gunicorn (one sync worker) exactly
like a bare Flask app with one JSON endpoint, which is measured in the same
run as the baseline.  Requests go one at a time over a kept-alive loopback
connection; the script reports p50 and p95 in milliseconds and each page's
p95 as a multiple of the bare endpoint's p95.  Each page is measured twice:
"(cached)" with the page cache on (a repeat visit while the graph is
unchanged) and plain with the cache off (every request renders).
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, TWIN_CITIES, fresh_store, percentile  # noqa: E402
from graph.ingest.seeds import seed  # noqa: E402
from graph.ingest.twinnings import import_twinnings  # noqa: E402

PAGES = {
    "node": "/nl/municipalities/tarija-bolivia",
    "node.json": "/nl/municipalities/tarija-bolivia.json",
    "sdg": "/nl/sdgs/6",
    "list": "/nl/municipalities?country=Belgium",
    "list-all": "/nl/partnerships?sort=name",
    "search": "/nl/search?q=jeronimo",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_spec: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         app_spec], cwd=ROOT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app_spec} did not start")


def measure(port: int, path: str, count: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for i in range(count + 10):
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}")
        if i >= 10:  # the first requests warm caches and open the store
            times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def run(backend: str, with_twins: bool, count: int) -> list[tuple[str, float, float]]:
    store = fresh_store(backend)
    seed(store)
    if with_twins:
        import_twinnings(store, TWIN_CITIES)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("SECRET_KEY", "bench-only")
    env["KB_RATELIMIT_ENABLED"] = "false"  # every request comes from 127.0.0.1
    if backend == "embedded":
        env["KB_DATA_DIR"] = str(store.dir)
        env.pop("NEO4J_URI", None)
    store.close()
    rows = []
    servers = (("bench.bare_app:create_app()", {"bare": "/bare.json"}, "1"),
               ("webapp:create_app()", {f"{k} (cached)": v for k, v in PAGES.items()}, str(32 * 2**20)),
               ("webapp:create_app()", PAGES, "0"))
    for spec, paths, cache_size in servers:
        proc, port = serve(spec, dict(env, KB_PAGE_CACHE_BYTES=cache_size))
        try:
            for name, path in paths.items():
                times = measure(port, path, count)
                rows.append((name, percentile(times, 50), percentile(times, 95)))
        finally:
            proc.terminate()
            proc.wait()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="both")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    backends = ["embedded", "neo4j"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not os.environ.get("NEO4J_URI"):
        print("NEO4J_URI not set: benchmarking the embedded store only", file=sys.stderr)
        backends = ["embedded"]
    tempfile.tempdir = tempfile.mkdtemp(prefix="kb-pages-")
    print(f"{'backend':9} {'data':14} {'page':20} {'p50 ms':>8} {'p95 ms':>8} {'p95 / bare p95':>15}")
    for backend in backends:
        for with_twins in (False, True):
            rows = run(backend, with_twins, args.requests)
            bare95 = rows[0][2]
            data = "seeds+twins" if with_twins else "seeds"
            for name, p50, p95 in rows:
                print(f"{backend:9} {data:14} {name:20} {p50:8.2f} {p95:8.2f} {p95 / bare95:15.1f}")


if __name__ == "__main__":
    main()
