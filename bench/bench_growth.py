"""Benchmark what changes as the graph grows: imports, small writes, serving after a write, start-up, memory.

    python bench/bench_growth.py [--backend embedded|neo4j|both] [--scales 1,10] [--writes 30]

For each backend and scale (1 = the seeds plus the shared twin-town file;
10 = the seeds plus bench/make_twins.py's file ten times its size) it
measures, each time with a baseline from the same run:

* the import into a seeded store and a second, idempotent import (wall clock, and the
  CPU seconds of this process, steadier on a shared machine); baseline:
  on Neo4j, ``LOAD CSV`` of the same rows into a throw-away label set
  (towns merged by name and country, one partnership and two edges a row);
  on the embedded store, parsing the CSV with the csv module;
* one small write (a node and an edge), p50 and p95 over ``--writes``;
  baseline: the cheapest durable write of the backend (an SQLite one-row
  commit with synchronous=FULL, or a one-node Cypher CREATE);
* after each write, the first node page and the first partner search served
  by gunicorn (2 sync workers, page cache on): the four requests that follow
  once the write must show (a worker may keep the store's version for
  KB_PAGE_VERSION_MAX_AGE_S, so they are sent after that), which reach both
  workers; baseline: a bare Flask endpoint served the same way;
* the cached node page (a repeat visit) as a multiple of the bare endpoint;
* ``kb serve`` on the already seeded and imported store: seconds from start
  to the first page;
* the resident memory of each gunicorn worker once it has served every page
  and built its matching index (the largest is reported).

Medians and percentiles only; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_pages import free_port  # noqa: E402
from bench.common import ROOT, TWIN_CITIES, fresh_store, median, percentile, timed  # noqa: E402
from bench.make_twins import write_scaled  # noqa: E402
from graph.ingest.seeds import seed  # noqa: E402
from graph.ingest.twinnings import import_twinnings  # noqa: E402
from graph.model import ChangeNote
from graph.records import make_edge, make_node

NODE_PAGE = "/nl/municipalities/tarija-bolivia"
# How long a worker may serve pages of the version it saw before a write (webapp/cache.py).
VERSION_MAX_AGE_S = 0.25
MATCH_PAGE = "/nl/match.json?municipality=Herent&themes=theme:water"
LOAD_CSV = """
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  WITH row WHERE row.city1 IS NOT NULL AND row.city2 IS NOT NULL AND row.country1 IS NOT NULL
             AND row.country2 IS NOT NULL
  MERGE (a:BenchTown {key: toLower(row.city1) + '|' + toLower(row.country1)})
    ON CREATE SET a.name = row.city1, a.country = row.country1, a.lat = toFloat(row.lat1), a.lng = toFloat(row.lng1)
  MERGE (b:BenchTown {key: toLower(row.city2) + '|' + toLower(row.country2)})
    ON CREATE SET b.name = row.city2, b.country = row.country2, b.lat = toFloat(row.lat2), b.lng = toFloat(row.lng2)
  CREATE (p:BenchPartnership {name: row.city1 + ' – ' + row.city2, partnership_type: 'twinning'})
  CREATE (a)-[:BENCH_PARTNER_IN]->(p), (b)-[:BENCH_PARTNER_IN]->(p)
} IN TRANSACTIONS OF 5000 ROWS
"""


def csv_for(scale: int, workdir: Path) -> Path:
    if scale == 1:
        return TWIN_CITIES
    path = workdir / f"twins-{scale}x.csv"
    if not path.exists():
        with open(path, "w", encoding="utf-8", newline="") as out:
            write_scaled(TWIN_CITIES, scale, out)
    return path


def parse_only(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def load_csv_baseline(store, path: Path) -> float:
    """Seconds for LOAD CSV of ``path`` on the Neo4j server, into labels removed again afterwards."""
    import_dir = Path(os.environ.get("NEO4J_IMPORT_DIR") or ROOT / ".neo4j" / "import")
    shutil.copy(path, import_dir / "bench.csv")
    driver = store.connection.driver()
    with driver.session(database=store.database) as session:
        session.run("CREATE CONSTRAINT bench_town IF NOT EXISTS FOR (t:BenchTown) REQUIRE t.key IS UNIQUE").consume()
        start = time.perf_counter()
        session.run(LOAD_CSV, url="file:///bench.csv").consume()
        seconds = time.perf_counter() - start
        session.run("MATCH (n) WHERE n:BenchTown OR n:BenchPartnership "
                    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        session.run("DROP CONSTRAINT bench_town IF EXISTS").consume()
    (import_dir / "bench.csv").unlink()
    return seconds


def durable_write_baseline(store, count: int) -> float:
    """Median seconds of the backend's cheapest durable write, measured beside the store."""
    times = []
    if store.backend == "embedded":
        conn = sqlite3.connect(Path(tempfile.mkdtemp()) / "baseline.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        for i in range(count):
            times.append(timed(lambda i=i: (conn.execute("BEGIN IMMEDIATE"),
                                            conn.execute("INSERT INTO t (v) VALUES (?)", (str(i),)),
                                            conn.execute("COMMIT")))[0])
        conn.close()
    else:
        driver = store.connection.driver()
        for _ in range(count):
            times.append(timed(lambda: driver.execute_query("CREATE (:BenchBaseline)", database_=store.database))[0])
        driver.execute_query("MATCH (n:BenchBaseline) DELETE n", database_=store.database)
    return median(times)


def small_write(store, i: int) -> None:
    store.write([make_node(f"theme:bench-{i}", {"name": {"en": f"Bench theme {i}"}})],
                [make_edge("municipality:tarija-bolivia", "OFFERS", f"theme:bench-{i}")],
                ChangeNote("bench", "small write"))


class Server:
    """gunicorn serving an app on loopback with ``workers`` sync workers."""

    def __init__(self, spec: str, env: dict, workers: int):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--timeout", "300", "--log-level", "warning", spec], cwd=ROOT, env=env)
        wait_for(self.port, "/bare.json" if "bare" in spec else "/nl", 300)

    def get(self, path: str) -> float:
        return get(self.port, path)

    def worker_rss_mb(self) -> list[float]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [rss_mb(int(pid)) for pid in children]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def get(port: int, path: str) -> float:
    """Return the milliseconds of one GET; fail on anything but 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status}")
    return (time.perf_counter() - start) * 1000


def wait_for(port: int, path: str, timeout: float) -> float:
    """Return seconds until ``path`` answers 200 on ``port``."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            get(port, path)
            return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    raise SystemExit(f"nothing answered {path} on port {port} within {timeout} s")


def cpu_seconds() -> float:
    """CPU seconds (user and system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def store_env(store) -> dict:
    # The benchmark measures the app, not the per-client rate limits it would hit at once.
    env = dict(os.environ, PYTHONPATH=str(ROOT), SECRET_KEY="bench", KB_RATELIMIT_ENABLED="false",
               KB_PAGE_VERSION_MAX_AGE_S=str(VERSION_MAX_AGE_S))
    if store.backend == "embedded":
        env["KB_DATA_DIR"] = str(store.dir)
        env.pop("NEO4J_URI", None)
    return env


def run(backend: str, scale: int, writes: int, workdir: Path, follow_s: float | None = None) -> dict:
    path = csv_for(scale, workdir)
    result = {"backend": backend, "scale": scale}
    store = fresh_store(backend)
    seed(store)
    # The 10x file is over the default import limits (graph/ingest/twinnings.py), which an operator raises so.
    limits = {"max_bytes": 1 << 30, "max_rows": 10_000_000}
    # CPU seconds too: on a shared machine they vary far less with the load than the wall clock.
    cpu = cpu_seconds()
    result["import_s"], report = timed(import_twinnings, store, path, **limits)
    cpu, result["import_cpu_s"] = cpu_seconds(), cpu_seconds() - cpu
    result["reimport_s"] = timed(import_twinnings, store, path, **limits)[0]
    result["reimport_cpu_s"] = cpu_seconds() - cpu
    result["towns"] = store.count_by_kind().get("Municipality")
    result["import_baseline"] = ("LOAD CSV", load_csv_baseline(store, path)) if backend == "neo4j" \
        else ("csv parse", timed(parse_only, path)[0])

    write_times = [timed(small_write, store, i)[0] for i in range(writes)]
    result["write_p50_ms"], result["write_p95_ms"] = (percentile(write_times, 50) * 1000,
                                                      percentile(write_times, 95) * 1000)
    result["durable_write_baseline_ms"] = durable_write_baseline(store, writes) * 1000

    env = store_env(store)
    if follow_s is not None:  # how often each worker splices writes into its matching index by itself
        env["KB_MATCH_INDEX_FOLLOW_S"] = str(follow_s)
    bare = Server("bench.bare_app:create_app()", env, 2)
    bare_times = [bare.get("/bare.json") for _ in range(200)]
    bare.stop()
    result["bare_p50_ms"] = percentile(bare_times, 50)

    app = Server("webapp:create_app()", env, 2)
    try:
        for _ in range(20):  # both workers open the store, render and build their matching index
            app.get(NODE_PAGE)
            app.get(MATCH_PAGE)
        warm_deadline = time.time() + 600
        while app.get(MATCH_PAGE) > 100 and time.time() < warm_deadline:
            time.sleep(0.5)
        cached = [app.get(NODE_PAGE) for _ in range(200)]
        result["cached_node_p50_ms"] = percentile(cached, 50)
        after = {"node": [], "match": []}
        for i in range(writes):
            small_write(store, writes + i)
            time.sleep(VERSION_MAX_AGE_S + 0.05)  # from here on, every worker must show the write
            for _ in range(2):  # sync workers take turns: these reach both
                after["node"].append(app.get(NODE_PAGE))
                after["match"].append(app.get(MATCH_PAGE))
        for name, times in after.items():
            result[f"after_write_{name}_p50_ms"] = percentile(times, 50)
            result[f"after_write_{name}_p95_ms"] = percentile(times, 95)
        for page in ("/nl/municipalities?sort=name", "/nl/search?q=water", "/nl/sdgs/6", "/nl/partnerships"):
            app.get(page)
        result["worker_rss_mb"] = max(app.worker_rss_mb())
    finally:
        app.stop()

    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result["serve_first_page_s"] = wait_for(port, "/nl", 600)
    finally:
        serve.terminate()
        serve.wait()
    result["skipped_rows"] = len(report.skipped)
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="both")
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--follow-s", type=float, help="KB_MATCH_INDEX_FOLLOW_S for the served app "
                        "(default: the app's; 0: every search after a write splices it itself)")
    args = parser.parse_args()
    backends = ["embedded", "neo4j"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not os.environ.get("NEO4J_URI"):
        print("NEO4J_URI not set: benchmarking the embedded store only", file=sys.stderr)
        backends = ["embedded"]
    workdir = Path(tempfile.mkdtemp(prefix="kb-growth-"))
    tempfile.tempdir = str(workdir)
    results = []
    for scale in (int(s) for s in args.scales.split(",")):
        for backend in backends:
            r = run(backend, scale, args.writes, workdir, args.follow_s)
            results.append(r)
            base_name, base_s = r["import_baseline"]
            print(f"\n== {backend}, {scale}x ({r['towns']} towns, {r['skipped_rows']} rows skipped)")
            print(f"import            {r['import_s']:8.2f} s   re-import {r['reimport_s']:.2f} s   "
                  f"{base_name} {base_s:.2f} s   ratio {r['import_s'] / base_s:.1f}x   "
                  f"(CPU: import {r['import_cpu_s']:.1f} s, re-import {r['reimport_cpu_s']:.1f} s)")
            print(f"small write       p50 {r['write_p50_ms']:7.1f} ms   p95 {r['write_p95_ms']:7.1f} ms   "
                  f"durable one-row write {r['durable_write_baseline_ms']:.1f} ms   "
                  f"p95 ratio {r['write_p95_ms'] / r['durable_write_baseline_ms']:.1f}x")
            print(f"after a write     node page p50 {r['after_write_node_p50_ms']:7.1f} ms   "
                  f"p95 {r['after_write_node_p95_ms']:7.1f} ms;  partner search p50 "
                  f"{r['after_write_match_p50_ms']:7.1f} ms   p95 {r['after_write_match_p95_ms']:7.1f} ms")
            print(f"cached node page  p50 {r['cached_node_p50_ms']:7.2f} ms   bare endpoint p50 "
                  f"{r['bare_p50_ms']:.2f} ms   ratio {r['cached_node_p50_ms'] / r['bare_p50_ms']:.1f}x")
            print(f"kb serve          first page after {r['serve_first_page_s']:.2f} s")
            print(f"worker memory     {r['worker_rss_mb']:.0f} MB resident (largest of 2 workers)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
