"""The embedded store: networkx in process, persisted as one JSON snapshot.

Durability and sharing rest on two rules:

* a write builds the complete new snapshot in a temporary file, fsyncs it and
  renames it over the old one, so a crash at any moment leaves either the old
  or the new graph on disk, never half of one;
* writers hold an exclusive ``flock`` and reload the snapshot first when
  another process has replaced it, so two processes (say two gunicorn
  workers) never lose each other's writes.  Readers need no lock: renaming
  is atomic, and each read checks the snapshot's identity (inode, mtime, size)
  and reloads when it changed.
"""

from __future__ import annotations

import bisect
import fcntl
import itertools
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import networkx as nx

from . import schema, text
from .errors import DataError, NotFound, StoreUnavailable
from .model import Edge, ListQuery, Node, Page
from .store import PATH_STOP_KINDS, GraphStore

FORMAT = "common-ground-embedded"
FORMAT_VERSION = 1
SNAPSHOT = "graph.json"
MAX_PATHS = 500


class EmbeddedStore(GraphStore):
    """A :class:`GraphStore` kept in a networkx MultiDiGraph (edge key = type)."""

    backend = "embedded"

    def __init__(self, data_dir: str | os.PathLike):
        self.dir = Path(data_dir)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot create data directory {self.dir}: {exc}") from exc
        self.path = self.dir / SNAPSHOT
        self._lock_path = self.dir / "graph.lock"
        self._mutex = threading.RLock()
        self._stamp: tuple | None = None
        self._reset()
        self._refresh()

    # -- snapshot handling ---------------------------------------------------
    def _reset(self) -> None:
        self._g = nx.MultiDiGraph()
        self._by_kind: dict[str, set[str]] = {}
        self._generation = 0
        # Indexes derived from the graph (search words, sort orders, value
        # sets), built on first use and dropped whenever the graph changes.
        self._derived: dict = {}

    def _current_stamp(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _refresh(self) -> None:
        """Reload the snapshot if another process (or a failed write) changed it."""
        with self._mutex:
            stamp = self._current_stamp()
            if stamp == self._stamp:
                return
            self._reset()
            if stamp is not None:
                self._load_snapshot()
            self._stamp = stamp

    def _load_snapshot(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise DataError(str(self.path), None, None, f"unreadable snapshot: {exc}") from exc
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise DataError(str(self.path), None, "format", "not a Common Ground snapshot")
        self._generation = data["generation"]
        g = self._g
        for node_id, kind, props in data["nodes"]:
            g.add_node(node_id, kind=kind, props=props)
            self._by_kind.setdefault(kind, set()).add(node_id)
        for source, rel, target, props in data["edges"]:
            g.add_edge(source, target, key=rel, props=props)

    def _save_snapshot(self) -> None:
        g = self._g
        data = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generation": self._generation,
            "nodes": [[n, a["kind"], a["props"]] for n, a in g.nodes(data=True)],
            "edges": [[s, k, t, a["props"]] for s, t, k, a in g.edges(keys=True, data=True)],
        }
        fd, tmp = tempfile.mkstemp(prefix=".graph-", suffix=".tmp", dir=self.dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._stamp = self._current_stamp()

    @contextmanager
    def _writing(self):
        """Hold the cross-process write lock on a fresh copy; persist or roll back."""
        with self._mutex, open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._refresh()
                try:
                    yield self._g
                    self._generation += 1
                    self._derived = {}
                    self._save_snapshot()
                except BaseException:
                    # Forget the in-memory changes; the snapshot on disk is intact.
                    self._reset()
                    self._stamp = object()
                    self._refresh()
                    raise
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- writing ---------------------------------------------------------------
    def write(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = ()) -> None:
        nodes, edges = list(nodes), list(edges)
        with self._writing() as g:
            new_ids = {n.id for n in nodes}
            for e in edges:  # check everything before changing anything
                for end in (e.source, e.target):
                    if end not in new_ids and end not in g:
                        raise NotFound(end)
            for n in nodes:
                if n.id in g:
                    g.nodes[n.id]["props"].update(n.props)
                else:
                    g.add_node(n.id, kind=n.kind, props=dict(n.props))
                    self._by_kind.setdefault(n.kind, set()).add(n.id)
            for e in edges:
                if g.has_edge(e.source, e.target, key=e.type):
                    g.edges[e.source, e.target, e.type]["props"].update(e.props)
                else:
                    g.add_edge(e.source, e.target, key=e.type, props=dict(e.props))

    def clear(self) -> None:
        with self._writing():
            generation = self._generation
            self._reset()
            self._generation = generation

    # -- reading ---------------------------------------------------------------
    def _node(self, node_id: str) -> Node:
        a = self._g.nodes[node_id]
        return Node(node_id, a["kind"], dict(a["props"]))

    def version(self) -> str:
        self._refresh()
        return str(self._generation)

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        self._refresh()
        return {i: self._node(i) for i in ids if isinstance(i, str) and i in self._g}

    def edges_of(self, node_id: str, types: Iterable[str] | None = None) -> list[Edge]:
        self._refresh()
        g = self._g
        if node_id not in g:
            return []
        wanted = set(types) if types is not None else None
        found = [
            Edge(s, k, t, dict(a["props"]))
            for s, t, k, a in itertools.chain(
                g.out_edges(node_id, keys=True, data=True),
                g.in_edges(node_id, keys=True, data=True),
            )
            if wanted is None or k in wanted
        ]
        return sorted(found, key=lambda e: e.key)

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        self._refresh()
        ids = self._by_kind.get(kind, ()) if kind else self._g.nodes
        for node_id in sorted(ids):
            yield self._node(node_id)

    def _edge_keys(self) -> dict[str, list[tuple[str, str, str]]]:
        by_type: dict[str, list] = {}
        for s, t, k in self._g.edges(keys=True):
            by_type.setdefault(k, []).append((s, k, t))
        return {k: sorted(keys) for k, keys in by_type.items()}

    def edges(self, types: Iterable[str] | None = None) -> Iterator[Edge]:
        self._refresh()
        by_type = self._cached("edges", self._edge_keys)
        names = sorted(by_type) if types is None else sorted({schema.rel_type(t).name for t in types})
        chosen = [by_type.get(t, []) for t in names]
        if not chosen:
            return
        keys = chosen[0] if len(chosen) == 1 else sorted(k for keys in chosen for k in keys)
        g = self._g
        for s, k, t in keys:
            yield Edge(s, k, t, dict(g.edges[s, t, k]["props"]))

    def count_by_kind(self) -> dict[str, int]:
        self._refresh()
        return {k: len(ids) for k, ids in sorted(self._by_kind.items()) if ids}

    def count_edges(self) -> int:
        self._refresh()
        return self._g.number_of_edges()

    def find_by_property(self, kind: str, key: str, values: Iterable) -> list[Node]:
        self._refresh()
        wanted = set(values)
        g = self._g
        return [
            self._node(i)
            for i in sorted(self._by_kind.get(kind, ()))
            if g.nodes[i]["props"].get(key) in wanted
        ]

    def _cached(self, key, build):
        with self._mutex:
            if key not in self._derived:
                self._derived[key] = build()
            return self._derived[key]

    # -- search ------------------------------------------------------------------
    def _word_index(self) -> tuple[list[str], dict[str, set[str]]]:
        postings: dict[str, set[str]] = {}
        for node_id, a in self._g.nodes(data=True):
            for word in text.search_text(a["props"]).split():
                postings.setdefault(word, set()).add(node_id)
        return sorted(postings), postings

    def search(self, query: str, kinds: Iterable[str] | None = None, limit: int = 50) -> list[Node]:
        tokens = text.query_tokens(query)
        if not tokens:
            return []
        self._refresh()
        vocabulary, postings = self._cached("words", self._word_index)
        found: set[str] | None = None
        for token in tokens:  # every token must prefix some word of the node
            matches: set[str] = set()
            i = bisect.bisect_left(vocabulary, token)
            while i < len(vocabulary) and vocabulary[i].startswith(token):
                matches |= postings[vocabulary[i]]
                i += 1
            found = matches if found is None else found & matches
            if not found:
                return []
        wanted = set(kinds) if kinds else None
        g = self._g
        hits = [self._node(n) for n in found if wanted is None or g.nodes[n]["kind"] in wanted]
        return text.rank_hits(hits, tokens)[:limit]

    # -- listings --------------------------------------------------------------
    def _values(self, kind: str, key: str) -> dict:
        """Map each value of ``key`` among nodes of ``kind`` to the ids holding it."""
        by_value: dict = {}
        for node_id in self._by_kind.get(kind, ()):
            value = self._g.nodes[node_id]["props"].get(key)
            if value is not None and not isinstance(value, list):
                by_value.setdefault(value, set()).add(node_id)
        return by_value

    def _order(self, kind: str, sort: str, lang: str, descending: bool) -> list[str]:
        """Return the ids of ``kind`` in listing order; ties and missing values as Neo4j orders them."""
        g = self._g
        rows = [(text.sort_value(g.nodes[i]["props"], sort, lang), i) for i in sorted(self._by_kind.get(kind, ()))]
        present = [r for r in rows if r[0] is not None]
        missing = [i for v, i in rows if v is None]
        present.sort(key=lambda r: r[0], reverse=descending)  # stable: ids stay ascending within ties
        ordered = [i for _, i in present]
        return missing + ordered if descending else ordered + missing

    def list_nodes(self, query: ListQuery) -> Page:
        self._refresh()
        g = self._g
        order = self._cached(("order", query.kind, query.sort, query.lang, query.descending),
                             lambda: self._order(query.kind, query.sort, query.lang, query.descending))
        keep: set[str] | None = None
        for key, value in query.where:
            ids = self._cached(("values", query.kind, key), lambda key=key: self._values(query.kind, key))
            keep = set(ids.get(value, ())) if keep is None else keep & ids.get(value, set())
        for r in query.related:
            linked = set(nx.all_neighbors(g, r)) if r in g else set()
            keep = linked if keep is None else keep & linked
        rows = order if keep is None else [i for i in order if i in keep]
        if query.year is not None:
            rows = [i for i in rows if _spans(g.nodes[i]["props"], query.year)]
        window = rows[query.offset : query.offset + query.limit]
        return Page(len(rows), [self._node(i) for i in window])

    def property_values(self, kind: str, key: str) -> dict:
        self._refresh()
        by_value = self._cached(("values", kind, key), lambda: self._values(kind, key))
        return dict(sorted(((v, len(ids)) for v, ids in by_value.items()), key=lambda kv: (-kv[1], str(kv[0]))))

    # -- paths -------------------------------------------------------------------
    def shortest_paths(self, a: str, b: str, max_hops: int = 4, limit: int = 5) -> list[list[Edge]]:
        self._refresh()
        g = self._g
        for end in (a, b):
            if end not in g:
                raise NotFound(end)
        if a == b:
            return []
        undirected = nx.subgraph_view(
            g.to_undirected(as_view=True),
            filter_node=lambda n: n in (a, b) or g.nodes[n]["kind"] not in PATH_STOP_KINDS,
        )
        try:
            node_paths = list(itertools.islice(nx.all_shortest_paths(undirected, a, b), MAX_PATHS))
        except nx.NetworkXNoPath:
            return []
        if not node_paths or len(node_paths[0]) - 1 > max_hops:
            return []
        paths = []
        for node_path in node_paths:
            hops = [self._hop_edges(x, y) for x, y in itertools.pairwise(node_path)]
            paths.extend(list(p) for p in itertools.product(*hops))
        paths.sort(key=_path_sort_key)
        return paths[:limit]

    def _hop_edges(self, x: str, y: str) -> list[Edge]:
        g = self._g
        hop = [Edge(x, k, y, dict(a["props"])) for k, a in g.get_edge_data(x, y, default={}).items()]
        hop += [Edge(y, k, x, dict(a["props"])) for k, a in g.get_edge_data(y, x, default={}).items()]
        return sorted(hop, key=lambda e: e.key)


def _spans(props: dict, year: int) -> bool:
    start, end = props.get("start_year"), props.get("end_year")
    return isinstance(start, int) and start <= year and (end is None or end >= year)


def _path_sort_key(path: list[Edge]) -> tuple:
    return tuple(e.key for e in path)

