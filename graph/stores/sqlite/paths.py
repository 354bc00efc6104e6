"""Shortest paths in the embedded store: breadth-first from both ends over the edge indexes."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ...model import Edge
from .rows import ids_param

MAX_PATHS = 500

def neighbours(conn, frontier: set[str]) -> dict[str, set[str]]:
    """Return, for each node of ``frontier``, the nodes one edge away (either direction)."""
    found: dict[str, set[str]] = {n: set() for n in frontier}
    rows = conn.execute(
        "SELECT source, target FROM edges WHERE source IN (SELECT value FROM json_each(?1)) "
        "UNION ALL SELECT target, source FROM edges WHERE target IN (SELECT value FROM json_each(?1))",
        (ids_param(frontier),))
    for here, there in rows:
        if here != there:
            found[here].add(there)
    return found


def shortest_node_paths(conn, a: str, b: str, max_hops: int) -> list[list[str]]:
    """Return every shortest node path from a to b (up to MAX_PATHS), ignoring direction."""
    # parents[side][node] = the nodes one step closer to that side's start.
    parents = ({a: set()}, {b: set()})
    frontiers = ({a}, {b})
    depth = 0
    meeting: set[str] = set()
    while depth < max_hops and all(frontiers):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        seen, fresh = parents[side], {}
        for here, theres in neighbours(conn, frontiers[side]).items():
            for there in theres:
                if there in seen:
                    continue
                fresh.setdefault(there, set()).add(here)
        for node, before in fresh.items():
            seen[node] = before
        frontiers = (set(fresh), frontiers[1]) if side == 0 else (frontiers[0], set(fresh))
        depth += 1
        meeting = set(parents[0]) & set(parents[1])
        if meeting:
            break
    if not meeting:
        return []

    def walks(node: str, side: int) -> Iterator[list[str]]:
        before = parents[side][node]
        if not before:
            yield [node]
            return
        for p in sorted(before):
            for walk in walks(p, side):
                yield [*walk, node]

    paths = []
    for middle in sorted(meeting):
        for left in walks(middle, 0):
            for right in walks(middle, 1):
                paths.append(left + right[::-1][1:])
                if len(paths) >= MAX_PATHS:
                    return paths
    return paths


def hop_edges(conn, x: str, y: str) -> list[Edge]:
    rows = conn.execute(
        "SELECT source, type, target, props FROM edges WHERE source = ?1 AND target = ?2 "
        "UNION ALL SELECT source, type, target, props FROM edges WHERE source = ?2 AND target = ?1",
        (x, y))
    return sorted((Edge(s, k, t, json.loads(p)) for s, k, t, p in rows), key=lambda e: e.key)


