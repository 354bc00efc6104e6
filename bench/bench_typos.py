"""Benchmark "did you mean" over every municipality name: is the intended town first, and how fast?

    .venv/bin/python bench/bench_typos.py                                   # embedded, temporary directory
    NEO4J_URI=bolt://127.0.0.1:7715 .venv/bin/python bench/bench_typos.py --backend neo4j --clear

Loads the seeds and the full twin-town import (~25,000 towns), then makes
``--typos`` one-edit misspellings (a letter deleted, inserted, replaced or
two neighbours swapped) of randomly chosen municipality names, and asks
:func:`graph.suggest.suggest` for each.  It reports:

- how often the intended town comes first; and, since several towns can share
  a name (there are many a Newtown), how often the first suggestion carries
  the intended name (no spelling can tell those towns apart);
- the time of a suggestion (the name index warm): median and 95th percentile;
- the cold build of the name index, and bringing it up to date after a small
  write (the change log followed);
- a baseline measured in the same run: ``store.get_node`` of one id, and the
  ratio of a suggestion's median to it.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import TWIN_CITIES, fresh_store, median, percentile, timed  # noqa: E402
from graph.ingest.seeds import seed  # noqa: E402
from graph.ingest.twinnings import import_twinnings  # noqa: E402
from graph.records import make_node  # noqa: E402
from graph.suggest import build_name_index, max_edits, name_index, suggest  # noqa: E402
from graph.text import fold  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("embedded", "neo4j"), default="embedded")
    parser.add_argument("--csv", type=Path, default=TWIN_CITIES, help="twin-town CSV")
    parser.add_argument("--typos", type=int, default=400, help="misspellings to try (default 400)")
    parser.add_argument("--seed", type=int, default=18, help="random seed")
    parser.add_argument("--clear", action="store_true", help="neo4j: empty the database first")
    return parser.parse_args(argv)


def misspell(name: str, rng: random.Random) -> str:
    """Return ``name`` with one edit: a letter deleted, inserted, replaced, or two neighbours swapped."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    while True:
        i = rng.choice(letters)
        op = rng.choice(("delete", "insert", "replace", "swap"))
        c = rng.choice(string.ascii_lowercase)
        if op == "delete":
            typo = name[:i] + name[i + 1:]
        elif op == "insert":
            typo = name[:i] + c + name[i:]
        elif op == "replace":
            typo = name[:i] + c + name[i + 1:]
        elif i + 1 < len(name):
            typo = name[:i] + name[i + 1] + name[i] + name[i + 2:]
        else:
            continue
        if fold(typo) != fold(name):
            return typo


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.backend == "neo4j" and not args.clear:
        sys.exit("--backend neo4j empties the database: pass --clear to agree")
    store = fresh_store(args.backend)
    seed(store)
    load_s, report = timed(import_twinnings, store, args.csv)
    towns = {n.id: n.props["name"] for n in store.nodes("Municipality", only=["name"])
             if isinstance(n.props.get("name"), str)}
    print(f"{args.backend}: {len(towns)} municipalities (twin-town import {load_s:.1f} s)")

    build_s, index = timed(build_name_index, store)
    name_index(store)  # cache it for the store, as a request would
    print(f"name index: {len(index)} named nodes, cold build {build_s * 1000:.0f} ms")

    rng = random.Random(args.seed)
    # Names the suggester may correct: at least 3 letters folded (shorter ones get no suggestion).
    eligible = sorted(i for i, name in towns.items() if max_edits(len(fold(name).replace(" ", ""))))
    chosen = rng.sample(eligible, min(args.typos, len(eligible)))
    first = same_name = found = 0
    times: list[float] = []
    for town in chosen:
        typo = misspell(towns[town], rng)
        start = time.perf_counter()
        near = suggest(store, typo, kinds=["Municipality"])
        times.append(time.perf_counter() - start)
        found += bool(near)
        if near and near[0].id == town:
            first += 1
        if near and (near[0].id == town or fold(towns.get(near[0].id, "")) == fold(towns[town])):
            same_name += 1

    probe = chosen[0]
    base = []
    for _ in range(len(chosen)):
        start = time.perf_counter()
        store.get_node(probe)
        base.append(time.perf_counter() - start)

    # A small write, then the first suggestion after it (which follows the change log).
    store.write([make_node("municipality:bench-typo-town", {"name": "Benchtypotown", "country": "Belgium"})])
    follow_s, _ = timed(suggest, store, "Benchtypotwn")

    n = len(chosen)
    ms = [t * 1000 for t in times]
    print(f"{n} one-edit misspellings: intended town first {first}/{n} = {first / n:.1%}; "
          f"a town of the intended name first {same_name}/{n} = {same_name / n:.1%}; "
          f"some suggestion {found}/{n}")
    print(f"suggestion: median {median(ms):.2f} ms, p95 {percentile(ms, 95):.2f} ms, max {max(ms):.2f} ms")
    print(f"baseline store.get_node: median {median(base) * 1000:.3f} ms; "
          f"suggestion median / baseline = {median(times) / median(base):.1f}x")
    print(f"first suggestion after a small write (index followed): {follow_s * 1000:.1f} ms")
    store.close()


if __name__ == "__main__":
    main()
