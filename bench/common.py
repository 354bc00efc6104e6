"""Helpers shared by the benchmark scripts: timing, medians, opening a fresh store."""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TWIN_CITIES = ROOT / "seeds" / "data" / "twin_cities.csv"


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """Return (seconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def percentile(values: list[float], pct: float) -> float:
    """Return the pct-th percentile (nearest rank: the smallest value with pct% of values at or below it).

    An earlier formula rounded half to even, so whenever pct% of the count was a whole number
    (p95 of 20 writes) it returned the next value up: the maximum, not the 19th of 20.
    """
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(round(pct / 100 * len(ordered), 9))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def fresh_store(backend: str):
    """Return an empty store of the backend ('embedded' in a temp dir, or 'neo4j' on NEO4J_URI)."""
    from graph import open_store

    if backend == "embedded":
        return open_store({"KB_DATA_DIR": tempfile.mkdtemp(prefix="kb-bench-"), "NEO4J_URI": None})
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        raise SystemExit("set NEO4J_URI to benchmark the neo4j backend (scripts/neo4j.sh start)")
    store = open_store({"NEO4J_URI": uri})
    store.clear()
    return store
