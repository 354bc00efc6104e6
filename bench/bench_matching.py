"""Benchmark thematic matching on the seeds plus the full twin-town import.

    .venv/bin/python bench/bench_matching.py                      # embedded, temporary directory
    NEO4J_URI=bolt://localhost:7687 .venv/bin/python bench/bench_matching.py --backend neo4j --clear

Builds the store (seeds + twin towns), times the first match (which builds
the index) on its own, then N matches with varied requests, and a trivial
baseline (``store.get_node`` of one id) in the same run.  Prints medians,
95th percentiles and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import TWIN_CITIES, median, percentile  # noqa: E402
from graph.ingest.seeds import seed  # noqa: E402
from graph.ingest.twinnings import import_twinnings  # noqa: E402
from graph.matching import MatchRequest, Profile, match, match_index  # noqa: E402
from graph.records import make_edge  # noqa: E402

DEFAULT_CSV = TWIN_CITIES
REGIONS = (None, None, None, "latin-america", "europe", "africa")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("embedded", "neo4j"), default="embedded")
    parser.add_argument("--csv", type=Path, default=None,
                        help=f"twin-town CSV (default {DEFAULT_CSV.relative_to(ROOT)})")
    parser.add_argument("-n", "--runs", type=int, default=300, help="timed matches (default 300)")
    parser.add_argument("--limit", type=int, default=10, help="candidates per match (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the requests")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="embedded store directory (default: a new temporary one)")
    parser.add_argument("--themed", type=int, default=0,
                        help="also give N random twin towns random OFFERS/SEEKS/WORKS_ON edges "
                             "(a what-if for when many municipalities describe themselves)")
    parser.add_argument("--clear", action="store_true",
                        help="neo4j: empty the database first (it must be empty otherwise)")
    return parser.parse_args(argv)


def open_backend(args):
    if args.backend == "embedded":
        from graph.stores.sqlite.store import EmbeddedStore

        return EmbeddedStore(args.data_dir or tempfile.mkdtemp(prefix="bench-matching-"))
    from graph import open_store

    if not os.environ.get("NEO4J_URI"):
        sys.exit("--backend neo4j needs NEO4J_URI (and NEO4J_USER/NEO4J_PASSWORD if auth is on)")
    store = open_store({"NEO4J_URI": os.environ["NEO4J_URI"]})
    if args.clear:
        store.clear()
    elif store.count_edges():
        sys.exit("the Neo4j database is not empty; pass --clear to empty it first")
    return store


def csv_path(args) -> Path:
    for path in ([args.csv or DEFAULT_CSV]):
        if path.exists():
            return path
    sys.exit(f"no twin-town CSV at {args.csv or DEFAULT_CSV}")


def add_random_themes(store, rng: random.Random, n: int) -> int:
    """Give ``n`` random municipalities 1-3 offered and sought themes and 0-3 SDGs."""
    themes = [t.id for t in store.nodes("Theme")]
    sdgs = [s.id for s in store.nodes("SDG")]
    munis = rng.sample([m.id for m in store.nodes("Municipality")], n)
    edges = []
    for m in munis:
        edges += [make_edge(m, "OFFERS", t) for t in rng.sample(themes, rng.randint(1, 3))]
        edges += [make_edge(m, "SEEKS", t) for t in rng.sample(themes, rng.randint(1, 3))]
        edges += [make_edge(m, "WORKS_ON", s) for s in rng.sample(sdgs, rng.randint(0, 3))]
    store.write((), edges)
    return len(edges)


def requests(store, rng: random.Random, n: int, limit: int) -> list[MatchRequest]:
    """Varied requests: origins with themes and without, options on and off, some profiles."""
    index = match_index(store)
    themes = sorted(index.themes)
    thematic = sorted(set(index.offers) | set(index.seeks) | set(index.works_on))
    linked = sorted(m for m in index.memberships if m in index.places)
    hubs = sorted(linked, key=lambda m: (-len(index.memberships[m]), m))[:20]
    out = []
    for i in range(n):
        kind = i % 10
        picked = tuple(rng.sample(themes, rng.choice((1, 1, 2, 3))))
        options = dict(exclude_partners=rng.random() < 0.8, region=rng.choice(REGIONS),
                       require_shared_language=rng.random() < 0.25, limit=limit)
        if kind == 0:
            profile = Profile(country=rng.choice(("Bolivia", "Peru", "Belgium", "Senegal")),
                              offers=tuple(rng.sample(themes, 2)), seeks=tuple(rng.sample(themes, 2)))
            out.append(MatchRequest(profile=profile, themes=picked, **options))
            continue
        pool = thematic if kind in (1, 2, 3) and thematic else hubs if kind == 4 else linked
        out.append(MatchRequest(municipality=rng.choice(pool), themes=picked, **options))
    return out


def timed(fn, items):
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times):
    return median(times), percentile(times, 95), max(times)


def main(argv=None) -> None:
    args = parse_args(argv)
    store = open_backend(args)
    path = csv_path(args)
    start = time.perf_counter()
    seed(store)
    report = import_twinnings(store, path)
    load_s = time.perf_counter() - start
    counts = store.count_by_kind()
    print(f"backend {store.backend}; loaded seeds + {path} in {load_s:.1f} s: "
          f"{counts.get('Municipality', 0)} municipalities, {counts.get('Partnership', 0)} partnerships, "
          f"{store.count_edges()} edges ({report.partnerships_created} twinnings imported)")

    rng = random.Random(args.seed)
    if args.themed:
        added = add_random_themes(store, rng, args.themed)
        print(f"what-if: {args.themed} random municipalities given {added} OFFERS/SEEKS/WORKS_ON edges")
    first = MatchRequest(municipality="municipality:herent-belgium", themes=("theme:water",))
    if store.get_node(first.municipality) is None:
        first = None
    start = time.perf_counter()
    index = match_index(store)
    build_ms = (time.perf_counter() - start) * 1000
    print(f"index build (first call): {build_ms:.0f} ms; "
          f"{sum(1 for m in index.places if m in index.offers or m in index.seeks)} municipalities "
          f"with themes, {len(index.memberships)} with partnerships")
    if first:
        start = time.perf_counter()
        result = match(store, first)
        print(f"first match after the build (Herent, water): {(time.perf_counter() - start) * 1000:.1f} ms, "
              f"top: {', '.join(c.id.split(':')[1] for c in result.candidates[:3])}")

    batch = requests(store, rng, args.runs, args.limit)
    match(store, batch[0])  # warm
    match_times = timed(lambda r: match(store, r), batch)
    ids = [r.municipality for r in batch if r.municipality] or ["municipality:herent-belgium"]
    base_times = timed(store.get_node, ids)
    m_med, m_p95, m_max = summary(match_times)
    b_med, b_p95, b_max = summary(base_times)
    print(f"match (top {args.limit}), {len(batch)} runs: median {m_med:.2f} ms, p95 {m_p95:.2f} ms, "
          f"max {m_max:.2f} ms")
    print(f"baseline store.get_node, {len(ids)} runs: median {b_med:.3f} ms, p95 {b_p95:.3f} ms, "
          f"max {b_max:.3f} ms")
    print(f"ratio match/baseline: median {m_med / b_med:.1f}x, p95 {m_p95 / b_p95:.1f}x")
    store.close()


if __name__ == "__main__":
    main()
