"""Benchmark the network page's data and each export of the whole member network, on each store.

    python bench/bench_network.py [--backend embedded|neo4j|both] [--repeat 5]

For each backend the store gets the seeds (with VVSG's 285 members) and the
full twin-town import, then each step is timed ``--repeat`` times and the
median reported, in milliseconds:

- ``read (baseline)``: reading the selection from the store (``read_network``):
  the store reads every figure needs, measured in the same run;
- ``figures``: reading, the graph, centrality, communities, gaps (``network_summary``);
- ``page data``: the page's JSON twin as the app serves it with the page cache off;
- ``export gexf|graphml|csv|json``: reading and writing each export of the whole selection.

Each line also gives its ratio to the baseline.  Aims: page data under 1 s
and each export under 3 s on the embedded store, within 2x of that on Neo4j.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import TWIN_CITIES, fresh_store, median, timed  # noqa: E402
from graph.ingest.seeds import seed  # noqa: E402
from graph.ingest.twinnings import import_twinnings  # noqa: E402
from graph.network.analysis import network_summary  # noqa: E402
from graph.network.export import (  # noqa: E402
    edges_csv,
    export_graph,
    node_link_json,
    nodes_csv,
    write_gexf,
    write_graphml,
)
from graph.network.selection import NetworkFilter, read_network  # noqa: E402

SELECTION = NetworkFilter("organisation:vvsg")


def _export(store, fmt: str) -> int:
    graph = export_graph(read_network(store, SELECTION), "nl")
    if fmt in ("gexf", "graphml"):
        out = io.BytesIO()
        (write_gexf if fmt == "gexf" else write_graphml)(graph, out)
        return len(out.getvalue())
    if fmt == "csv":
        return len(nodes_csv(graph)) + len(edges_csv(graph))
    return len(node_link_json(graph))


def _page_data(client) -> int:
    response = client.get("/nl/network.json")
    assert response.status_code == 200, response.status_code
    return len(response.data)


def bench(backend: str, repeat: int) -> list[tuple[str, float, float]]:
    from webapp import create_app

    store = fresh_store(backend)
    seconds, _ = timed(seed, store)
    print(f"[{backend}] seeded in {seconds:.1f} s", file=sys.stderr)
    seconds, _ = timed(import_twinnings, store, TWIN_CITIES)
    print(f"[{backend}] imported the twin towns in {seconds:.1f} s", file=sys.stderr)
    app = create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "bench", "PAGE_CACHE_BYTES": 0})
    client = app.test_client()
    steps = {
        "read (baseline)": lambda: read_network(store, SELECTION),
        "figures": lambda: network_summary(store, SELECTION),
        "page data (JSON twin)": lambda: _page_data(client),
        **{f"export {fmt}": (lambda fmt=fmt: _export(store, fmt)) for fmt in ("gexf", "graphml", "csv", "json")},
    }
    for step in steps.values():  # warm caches and the app once
        step()
    net, graph, _ = network_summary(store, SELECTION)
    print(f"[{backend}] selection: {len(net.members)} members, {len(net.partnerships)} partnerships, "
          f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges", file=sys.stderr)
    results = {name: median([timed(step)[0] for _ in range(repeat)]) for name, step in steps.items()}
    store.close()
    base = results["read (baseline)"]
    return [(name, value, value / base) for name, value in results.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="embedded")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    backends = ["embedded", "neo4j"] if args.backend == "both" else [args.backend]
    print("| store | step | median (ms) | ratio to read |\n|---|---|---|---|")
    for backend in backends:
        for name, seconds, ratio in bench(backend, args.repeat):
            print(f"| {backend} | {name} | {seconds * 1000:,.0f} | {ratio:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
