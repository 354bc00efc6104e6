"""The embedded store: networkx in process, persisted as one JSON snapshot.

Durability and sharing rest on three rules:

* a write builds the complete new snapshot in a temporary file, fsyncs it and
  renames it over the old one, so a crash at any moment leaves either the old
  or the new graph on disk, never half of one;
* writers hold an exclusive ``flock`` and reload the snapshot first when
  another process has replaced it, so two processes (say two gunicorn
  workers) never lose each other's writes.  Readers need no file lock:
  renaming is atomic, and each call checks the snapshot's identity (inode,
  mtime, size; writes keep mtime strictly increasing) and reloads when it
  changed;
* in memory, a version of the graph is a :class:`GraphState` that is never
  changed once published: writes change a copy and publish it with one
  assignment, so threads reading meanwhile see one consistent graph.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import networkx as nx

from . import schema, text
from .embedded_state import GraphState
from .errors import DataError, NotFound, StoreUnavailable
from .model import Edge, ListQuery, Node, Page
from .store import GraphStore

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
        self._state = GraphState()
        self._refresh()

    # -- snapshot handling ---------------------------------------------------
    def _current_stamp(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _refresh(self) -> GraphState:
        """Return the current state, reloading the snapshot if another process replaced it."""
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return self._state
        with self._mutex:
            stamp = self._current_stamp()
            if stamp != self._stamp:
                self._state = self._load_snapshot() if stamp is not None else GraphState()
                self._stamp = stamp
            return self._state

    def _load_snapshot(self) -> GraphState:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise DataError(str(self.path), None, None, f"unreadable snapshot: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise DataError(str(self.path), None, "format", "not a Common Ground snapshot")
        state = GraphState(lineage=data.get("lineage", ""), generation=data["generation"])
        for node_id, kind, props in data["nodes"]:
            state.add_node(node_id, kind, props)
        for source, rel, target, props in data["edges"]:
            state.graph.add_edge(source, target, key=rel, props=props)
        return state

    def _save_snapshot(self, state: GraphState) -> None:
        g = state.graph
        data = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "lineage": state.lineage,
            "generation": state.generation,
            "nodes": [[n, a["kind"], a["props"]] for n, a in g.nodes(data=True)],
            "edges": [[s, k, t, a["props"]] for s, t, k, a in g.edges(keys=True, data=True)],
        }
        fd, tmp = tempfile.mkstemp(prefix=".graph-", suffix=".tmp", dir=self.dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # dumps, not dump: only the one-shot encoder runs in C (about 4x faster here).
                fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
                fh.flush()
                os.fsync(fh.fileno())
            # An inode can be reused and two snapshots can have the same size: keep
            # mtime strictly increasing so every reader notices every write.
            if self._stamp is not None:
                mtime = max(os.stat(tmp).st_mtime_ns, self._stamp[1] + 1)
                os.utime(tmp, ns=(mtime, mtime))
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

    def _commit(self, change) -> None:
        """Apply ``change`` to a copy of the latest state under the write lock; save, then publish."""
        with self._mutex, open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = self._refresh()
                draft = change(current.copy())
                draft.lineage = current.lineage or uuid.uuid4().hex[:12]
                draft.generation = current.generation + 1
                self._save_snapshot(draft)  # if this fails, the published state is untouched
                self._state = draft
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- writing ---------------------------------------------------------------
    def write(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = ()) -> None:
        nodes, edges = list(nodes), list(edges)

        def change(state: GraphState) -> GraphState:
            g = state.graph
            new_ids = {n.id for n in nodes}
            for e in edges:  # check everything before changing anything
                for end in (e.source, e.target):
                    if end not in new_ids and end not in g:
                        raise NotFound(end)
            # Property dicts are shared with the published state: replace, never update.
            for n in nodes:
                if n.id in g:
                    g.nodes[n.id]["props"] = {**g.nodes[n.id]["props"], **n.props}
                else:
                    state.add_node(n.id, n.kind, dict(n.props))
            for e in edges:
                if g.has_edge(e.source, e.target, key=e.type):
                    data = g.edges[e.source, e.target, e.type]
                    data["props"] = {**data["props"], **e.props}
                else:
                    g.add_edge(e.source, e.target, key=e.type, props=dict(e.props))
            return state

        self._commit(change)

    def clear(self) -> None:
        self._commit(lambda state: GraphState())

    # -- reading ---------------------------------------------------------------
    def version(self) -> str:
        return self._refresh().version

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        st = self._refresh()
        return {i: st.node(i) for i in ids if isinstance(i, str) and i in st.graph}

    def edges_of(self, node_id: str, types: Iterable[str] | None = None) -> list[Edge]:
        st = self._refresh()
        g = st.graph
        if node_id not in g:
            return []
        wanted = set(types) if types is not None else None
        found = {
            (s, k, t): Edge(s, k, t, dict(a["props"]))
            for s, t, k, a in itertools.chain(
                g.out_edges(node_id, keys=True, data=True),
                g.in_edges(node_id, keys=True, data=True),
            )
            if wanted is None or k in wanted
        }
        return [found[key] for key in sorted(found)]

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        st = self._refresh()
        ids = st.by_kind.get(schema.node_kind(kind).label, ()) if kind else st.graph.nodes
        for node_id in sorted(ids):
            yield st.node(node_id)

    def edges(self, types: Iterable[str] | None = None) -> Iterator[Edge]:
        st = self._refresh()
        by_type = st.edge_keys()
        names = sorted(by_type) if types is None else sorted({schema.rel_type(t).name for t in types})
        chosen = [by_type.get(t, []) for t in names]
        if not chosen:
            return
        keys = chosen[0] if len(chosen) == 1 else sorted(k for keys in chosen for k in keys)
        for s, k, t in keys:
            yield st.edge(s, k, t)

    def count_by_kind(self) -> dict[str, int]:
        st = self._refresh()
        return {k: len(ids) for k, ids in sorted(st.by_kind.items()) if ids}

    def count_edges(self) -> int:
        return self._refresh().graph.number_of_edges()

    def find_by_property(self, kind: str, key: str, values: Iterable) -> list[Node]:
        schema.check_properties({key: ""})
        st = self._refresh()
        wanted = list(values)
        hashable = {v for v in wanted if not isinstance(v, list)}
        lists = [v for v in wanted if isinstance(v, list)]
        found = []
        for i in sorted(st.by_kind.get(schema.node_kind(kind).label, ())):
            value = st.props(i).get(key)
            if (value in lists) if isinstance(value, list) else (value in hashable):
                found.append(st.node(i))
        return found

    # -- search ------------------------------------------------------------------
    def search(self, query: str, kinds: Iterable[str] | None = None, limit: int = 50) -> list[Node]:
        tokens = text.query_tokens(query)
        if not tokens:
            return []
        st = self._refresh()
        found: set[str] | None = None
        for token in tokens:  # every token must prefix some word of the node
            matches = st.prefix_matches(token)
            found = matches if found is None else found & matches
            if not found:
                return []
        wanted = set(kinds) if kinds else None
        hits = [st.node(n) for n in found if wanted is None or st.graph.nodes[n]["kind"] in wanted]
        return text.rank_hits(hits, tokens)[:limit]

    # -- listings --------------------------------------------------------------
    def list_nodes(self, query: ListQuery) -> Page:
        st = self._refresh()
        order = st.order(query.kind, query.sort, query.lang, query.descending)
        keep: set[str] | None = None
        for key, value in query.where:
            ids = st.values(query.kind, key).get(value, set()) if not isinstance(value, list) else set()
            keep = set(ids) if keep is None else keep & ids
        for r in query.related:
            linked = set(nx.all_neighbors(st.graph, r)) if r in st.graph else set()
            keep = linked if keep is None else keep & linked
        rows = order if keep is None else [i for i in order if i in keep]
        if query.year is not None:
            rows = [i for i in rows if _spans(st.props(i), query.year)]
        window = rows[query.offset : query.offset + query.limit]
        return Page(len(rows), [st.node(i) for i in window])

    def property_values(self, kind: str, key: str) -> dict:
        schema.check_properties({key: ""})
        by_value = self._refresh().values(schema.node_kind(kind).label, key)
        return dict(sorted(((v, len(ids)) for v, ids in by_value.items()), key=lambda kv: (-kv[1], str(kv[0]))))

    # -- paths -------------------------------------------------------------------
    def _shortest_paths(self, a: str, b: str, max_hops: int, limit: int) -> list[list[Edge]]:
        st = self._refresh()
        g = st.graph
        for end in (a, b):
            if end not in g:
                raise NotFound(end)
        if a == b:
            return []
        undirected = g.to_undirected(as_view=True)
        try:
            node_paths = list(itertools.islice(nx.all_shortest_paths(undirected, a, b), MAX_PATHS))
        except nx.NetworkXNoPath:
            return []
        if not node_paths or len(node_paths[0]) - 1 > max_hops:
            return []
        paths = []
        for node_path in node_paths:
            hops = [_hop_edges(st, x, y) for x, y in itertools.pairwise(node_path)]
            paths.extend(list(p) for p in itertools.product(*hops))
        paths.sort(key=lambda path: tuple(e.key for e in path))
        return paths[:limit]


def _hop_edges(st: GraphState, x: str, y: str) -> list[Edge]:
    g = st.graph
    hop = [Edge(x, k, y, dict(a["props"])) for k, a in g.get_edge_data(x, y, default={}).items()]
    hop += [Edge(y, k, x, dict(a["props"])) for k, a in g.get_edge_data(y, x, default={}).items()]
    return sorted(hop, key=lambda e: e.key)


def _spans(props: dict, year: int) -> bool:
    start, end = props.get("start_year"), props.get("end_year")
    return isinstance(start, int) and start <= year and (end is None or end >= year)
