"""Load test: concurrent clients on node, search, list and match pages, alone and beside a writer.

    python bench/load_test.py [--backend embedded|neo4j] [--clients 32] [--editors 1] [--duration 60] [--twins]

Serves the app on loopback with gunicorn and ``webapp/gunicorn_conf.py``
(threaded workers), then runs ``--clients`` clients for ``--duration``
seconds, twice: alone, and while a writer changes the graph every half second
(every write changes the store's version, so every page renders again).  Each
client keeps its connection alive and requests a mix of pages with varied
parameters.  The report gives p50, p95 and p99 in milliseconds per kind of
page, and the errors: any status but 200, and failed connections.  The script
exits 1 on any error, so a shortened run can gate CI.  The rate limits are off:
every client comes from 127.0.0.1.  A fresh store is used (on Neo4j, the
database at NEO4J_URI is cleared).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_pages import free_port  # noqa: E402
from bench.common import ROOT, TWIN_CITIES, fresh_store, percentile  # noqa: E402
from graph.ingest.seeds import seed  # noqa: E402
from graph.ingest.twinnings import import_twinnings  # noqa: E402
from graph.records import make_node

SEARCHES = ["water", "jeronimo", "herent", "tarija", "partner", "gemeente", "ciudad", "brass", "eau", "school"]
WRITER_NODE = "organisation:load-test-writer"


def page_mix(store) -> dict[str, list[str]]:
    """URLs per kind of page, drawn from what the store holds."""
    municipalities = [n.id.split(":", 1)[1] for n in store.nodes("Municipality")][:200]
    themes = [n.id for n in store.nodes("Theme")]
    langs = ("nl", "fr", "es", "en")
    pages = min(5, -(-store.count_by_kind()["Municipality"] // 25))  # 25 a page, the app's PAGE_SIZE
    return {
        "node": [f"/{lang}/municipalities/{m}" for m in municipalities for lang in langs],
        "search": [f"/{lang}/search?q={q}" for q in SEARCHES for lang in langs],
        "list": [f"/{lang}/municipalities?page={p}" for p in range(1, pages + 1) for lang in langs]
        + [f"/{lang}/partnerships?sort=name" for lang in langs],
        "match": [f"/{lang}/match?municipality=Herent&themes={t}" for t in themes for lang in langs],
    }


def start_server(env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--log-level", "warning", "webapp:create_app()"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def client(port: int, mix: dict[str, list[str]], until: float, results: dict, lock: threading.Lock) -> None:
    """Request random pages until ``until``; record (kind, ms) or an error."""
    rng = random.Random()
    kinds = list(mix)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < until:
        kind = rng.choice(kinds)
        url = rng.choice(mix[kind])
        start = time.perf_counter()
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            if status == 200:
                results["times"][kind].append(elapsed)
            else:
                results["errors"][f"{kind} {status}"] += 1
    conn.close()


def writer(store, until: float, counter: list[int], node_id: str = WRITER_NODE) -> None:
    """Change one node every half second, as an editor or an import would."""
    while time.monotonic() < until:
        counter[0] += 1
        store.write([make_node(node_id, {"name": "Load test writer", "description": f"write {counter[0]}"})])
        time.sleep(0.5)


def run_phase(port: int, mix, clients: int, duration: float, store=None, editors: int = 1) -> dict:
    results = {"times": defaultdict(list), "errors": defaultdict(int), "writes": [0]}
    lock = threading.Lock()
    until = time.monotonic() + duration
    threads = [threading.Thread(target=client, args=(port, mix, until, results, lock)) for _ in range(clients)]
    if store is not None:
        # Each editor writes its own node, so two editors make two changes every half second.
        threads += [threading.Thread(target=writer, args=(store, until, results["writes"], f"{WRITER_NODE}-{n}"))
                    for n in range(editors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def report(title: str, results: dict, duration: float) -> None:
    total = sum(len(v) for v in results["times"].values())
    errors = sum(results["errors"].values())
    print(f"\n{title}: {total} requests in {duration:.0f} s ({total / duration:.0f}/s), {errors} errors"
          + (f", {results['writes'][0]} writes" if results["writes"][0] else ""))
    print(f"{'page':<8} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, times in sorted(results["times"].items()):
        print(f"{kind:<8} {len(times):>9} {percentile(times, 50):>8.1f} {percentile(times, 95):>8.1f} "
              f"{percentile(times, 99):>8.1f}")
    for what, count in sorted(results["errors"].items()):
        print(f"  error: {what} x{count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["embedded", "neo4j"], default="embedded")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--editors", type=int, default=1, help="writers in the second phase")
    parser.add_argument("--duration", type=float, default=60, help="seconds per phase (two phases)")
    parser.add_argument("--twins", action="store_true", help="import the 25,917 twin-town pairs as well")
    args = parser.parse_args()

    store = fresh_store(args.backend)
    seed(store)
    if args.twins:
        import_twinnings(store, TWIN_CITIES)
    mix = page_mix(store)
    env = dict(os.environ, PYTHONPATH=str(ROOT), SECRET_KEY="load-test-only", KB_RATELIMIT_ENABLED="false")
    if args.backend == "embedded":
        env["KB_DATA_DIR"] = str(store.dir)
        env.pop("NEO4J_URI", None)
    proc, port = start_server(env)
    try:
        # Unmeasured: each worker opens the store and builds its matching index on first use.
        run_phase(port, mix, args.clients, min(5.0, args.duration / 4))
        alone = run_phase(port, mix, args.clients, args.duration)
        with_writer = run_phase(port, mix, args.clients, args.duration, store=store, editors=args.editors)
    finally:
        proc.terminate()
        proc.wait()
        store.close()
    print(f"{args.backend} store, {'seeds and twin towns' if args.twins else 'seeds'}, "
          f"{args.clients} clients, {args.editors} editors, gunicorn gthread ({os.cpu_count()} CPUs)")
    report("alone", alone, args.duration)
    report("beside a writer", with_writer, args.duration)
    if alone["errors"] or with_writer["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
