"""Benchmark seeding and the full twin-cities import on each store.

    python bench/bench_store.py [--backend embedded|neo4j|both] [--repeat 3]

Each round starts from an empty store.  The baseline, measured in the same
run, is the cost of merely parsing the CSV with the standard library's csv
module, so ratios stay comparable on a noisy shared machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import TWIN_CITIES, fresh_store, median, timed  # noqa: E402
from graph.ingest.seeds import seed  # noqa: E402
from graph.ingest.twinnings import import_twinnings  # noqa: E402


def parse_only(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def bench(backend: str, repeat: int, csv_path: Path) -> dict:
    seeds, imports, reimports, baselines = [], [], [], []
    for _ in range(repeat):
        baselines.append(timed(parse_only, csv_path)[0])
        store = fresh_store(backend)
        seeds.append(timed(seed, store)[0])
        seconds, report = timed(import_twinnings, store, csv_path)
        imports.append(seconds)
        reimports.append(timed(import_twinnings, store, csv_path)[0])
        counts = store.count_by_kind()
        store.close()
    base = median(baselines)
    return {
        "backend": backend,
        "seed_s": median(seeds),
        "import_s": median(imports),
        "reimport_s": median(reimports),
        "baseline_csv_parse_s": base,
        "import_ratio": median(imports) / base,
        "municipalities": counts.get("Municipality"),
        "partnerships": counts.get("Partnership"),
        "skipped_rows": len(report.skipped),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", type=Path, default=TWIN_CITIES)
    args = parser.parse_args()
    backends = ["embedded", "neo4j"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not os.environ.get("NEO4J_URI"):
        print("NEO4J_URI not set: benchmarking the embedded store only", file=sys.stderr)
        backends = ["embedded"]
    print(f"{'backend':10} {'seed s':>8} {'import s':>9} {'re-import s':>12} {'csv parse s':>12} {'ratio':>7}")
    for backend in backends:
        r = bench(backend, args.repeat, args.csv)
        print(f"{r['backend']:10} {r['seed_s']:8.2f} {r['import_s']:9.2f} {r['reimport_s']:12.2f} "
              f"{r['baseline_csv_parse_s']:12.3f} {r['import_ratio']:7.0f}x   "
              f"({r['municipalities']} municipalities, {r['partnerships']} partnerships, "
              f"{r['skipped_rows']} rows skipped; medians of {args.repeat})")


if __name__ == "__main__":
    main()
