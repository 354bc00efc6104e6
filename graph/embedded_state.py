"""One published version of the embedded graph, with the indexes derived from it.

A :class:`GraphState` is never changed once the store has published it:
a write works on :meth:`GraphState.copy` and publishes the copy with one
assignment.  So a reader that took a state at the start of a call sees one
consistent graph to the end of it, whatever other threads do meanwhile.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

import networkx as nx

from . import text
from .model import Edge, Node


@dataclass
class GraphState:
    """A graph (MultiDiGraph, edge key = relationship type) and what is derived from it."""

    graph: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)
    by_kind: dict[str, set[str]] = field(default_factory=dict)
    lineage: str = ""
    generation: int = 0
    # Indexes built on first use (search words, sort orders, value sets, edges by type).
    derived: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def version(self) -> str:
        # The lineage tells a snapshot recreated from scratch from the one it replaced.
        return f"{self.lineage}-{self.generation}"

    def copy(self) -> GraphState:
        """Return a state a write may change: same data, own containers, no derived indexes.

        Property dicts are shared; writes replace them instead of updating them.
        """
        return GraphState(self.graph.copy(), {k: set(v) for k, v in self.by_kind.items()},
                          self.lineage, self.generation)

    def add_node(self, node_id: str, kind: str, props: dict) -> None:
        self.graph.add_node(node_id, kind=kind, props=props)
        self.by_kind.setdefault(kind, set()).add(node_id)

    def node(self, node_id: str) -> Node:
        a = self.graph.nodes[node_id]
        return Node(node_id, a["kind"], dict(a["props"]))

    def props(self, node_id: str) -> dict:
        return self.graph.nodes[node_id]["props"]

    def cached(self, key, build):
        """Return the derived index ``key``, building it once."""
        with self.lock:
            if key not in self.derived:
                self.derived[key] = build()
            return self.derived[key]

    # -- derived indexes ---------------------------------------------------------
    def words(self) -> tuple[list[str], dict[str, set[str]]]:
        """Return the sorted vocabulary of folded words and, for each, the nodes using it."""

        def build():
            postings: dict[str, set[str]] = {}
            for node_id, a in self.graph.nodes(data=True):
                for word in text.search_text(a["props"]).split():
                    postings.setdefault(word, set()).add(node_id)
            return sorted(postings), postings

        return self.cached("words", build)

    def prefix_matches(self, token: str) -> set[str]:
        """Return the nodes having a word that starts with ``token``."""
        vocabulary, postings = self.words()
        found: set[str] = set()
        i = bisect.bisect_left(vocabulary, token)
        while i < len(vocabulary) and vocabulary[i].startswith(token):
            found |= postings[vocabulary[i]]
            i += 1
        return found

    def values(self, kind: str, key: str) -> dict:
        """Map each value of ``key`` among nodes of ``kind`` to the ids holding it."""

        def build():
            by_value: dict = {}
            for node_id in self.by_kind.get(kind, ()):
                value = self.props(node_id).get(key)
                if value is not None and not isinstance(value, list):
                    by_value.setdefault(value, set()).add(node_id)
            return by_value

        return self.cached(("values", kind, key), build)

    def order(self, kind: str, sort: str, lang: str, descending: bool) -> list[str]:
        """Return the ids of ``kind`` in listing order; ties and missing values as Neo4j orders them."""

        def build():
            rows = [(text.sort_value(self.props(i), sort, lang), i) for i in sorted(self.by_kind.get(kind, ()))]
            present = [r for r in rows if r[0] is not None]
            missing = [i for v, i in rows if v is None]
            present.sort(key=lambda r: r[0], reverse=descending)  # stable: ids stay ascending within ties
            ordered = [i for _, i in present]
            return missing + ordered if descending else ordered + missing

        return self.cached(("order", kind, sort, lang, descending), build)

    def edge_keys(self) -> dict[str, list[tuple[str, str, str]]]:
        """Return (source, type, target) of every edge, by type, sorted."""

        def build():
            by_type: dict[str, list] = {}
            for s, t, k in self.graph.edges(keys=True):
                by_type.setdefault(k, []).append((s, k, t))
            return {k: sorted(keys) for k, keys in by_type.items()}

        return self.cached("edges", build)

    def edge(self, source: str, rel: str, target: str) -> Edge:
        return Edge(source, rel, target, dict(self.graph.edges[source, target, rel]["props"]))
