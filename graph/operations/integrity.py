"""Check a whole store against the schema: what ``kb check`` reports.

A store only holds what the loaders validated, but a store written by an older
version (before a limit existed) or edited by hand may not.  Reading every
node and edge also proves that the store can be read at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import schema
from ..errors import SchemaError
from ..stores.base import GraphStore

# Problems listed before the report stops counting them one by one.
MAX_LISTED = 50


@dataclass
class Report:
    """What a check found."""

    nodes: int = 0
    edges: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted: int = 0

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)
        else:
            self.unlisted += 1

    @property
    def ok(self) -> bool:
        return not self.problems


def check_store(store: GraphStore) -> Report:
    """Read every node and edge of ``store`` and report what the schema would refuse, and unfinished work."""
    report = Report()
    unfinished = store.interrupted()
    if unfinished:  # a restore or import killed halfway: what is shown is not what anyone wrote
        report.add(unfinished)
    kinds: dict[str, str] = {}
    for node in store.nodes():
        report.nodes += 1
        kinds[node.id] = node.kind
        try:
            if schema.kind_of_id(node.id) != node.kind:
                report.add(f"node {node.id}: kind {node.kind} does not match its id")
            schema.check_properties(node.props)
        except SchemaError as exc:
            report.add(f"node {schema.shown(node.id)}: {exc}")
    for edge in store.edges():
        report.edges += 1
        where = f"edge {edge.source} {edge.type} {edge.target}"
        missing = [end for end in (edge.source, edge.target) if end not in kinds]
        if missing:
            report.add(f"{where}: no node {missing[0]}")
            continue
        try:
            schema.check_edge(kinds[edge.source], edge.type, kinds[edge.target])
            schema.check_properties(edge.props)
        except SchemaError as exc:
            report.add(f"{where}: {exc}")
    return report
