"""The one interface every backend implements.

Stores deal in validated :class:`~graph.model.Node` and
:class:`~graph.model.Edge` values.  Everything above them (seeding, imports,
exports, analytics, the web app) goes through these methods only, which is
what lets one contract suite run unchanged against every backend.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from ..errors import SchemaError
from ..model import Change, ChangeNote, Edge, ListQuery, Node, Page

if TYPE_CHECKING:  # the rules of accounts load argon2, which a store needs only once asked for them
    from ..accounts.model import AccountStore

# The longest path a search may ask for (the Neo4j query's fixed upper bound).
MAX_HOPS = 8


def property_names(only: Iterable[str]) -> set[str]:
    """Return the names in ``only`` (see :meth:`GraphStore.nodes`); one name alone is refused, not split."""
    if isinstance(only, str):
        raise TypeError("only takes a collection of property names, not one name")
    return set(only)


class RecentVersion:
    """A store object's last look at its version, for :meth:`GraphStore.recent_version`.

    The store calls :meth:`forget` after each of its writes; a version read
    while one of them committed is never kept.
    """

    def __init__(self):
        self._seen: tuple[float, str] | None = None  # (when it was asked, the version)
        self._own_writes = 0
        self._lock = threading.Lock()

    def forget(self) -> None:
        """The store object changed the graph: ask again next time."""
        with self._lock:
            self._own_writes += 1
            self._seen = None

    def get(self, read_version: Callable[[], str], max_age_s: float) -> str:
        seen, writes = self._seen, self._own_writes
        now = time.monotonic()
        if seen is not None and now - seen[0] < max_age_s:
            return seen[1]
        version = read_version()
        # Kept only if none of the object's writes ended meanwhile; its age counts from the asking.
        with self._lock:
            if writes == self._own_writes and max_age_s > 0:
                self._seen = (now, version)
        return version


class GraphStore(ABC):
    """A property graph of Common Ground nodes and edges."""

    backend: str = "abstract"

    # -- writing -----------------------------------------------------------
    @abstractmethod
    def write(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (),
              change: ChangeNote | None = None, delete: Iterable[str] = (),
              expect: Mapping[str, int] | None = None,
              delete_edges: Iterable[tuple[str, str, str]] = ()) -> Change | None:
        """Upsert nodes (by id) and edges (by source, type, target) all or nothing.

        ``expect`` maps node ids to the newest change seq the caller saw for
        each; if any of them has a newer change, nothing is written and
        :class:`~graph.errors.StaleWrite` is raised.  The check runs in the
        write's own transaction, so two editors in two processes cannot both
        win (no lost updates).

        Nodes named in ``delete`` are deleted with their edges in the same
        transaction, after the upserts (so that, say, folding one node into
        another never shows both or neither).  Edges named by key in
        ``delete_edges`` are deleted there too (one that is not there is
        ignored), so a save can add some edges and remove others at once.

        Properties given replace those of the same name; others are kept.
        Every edge endpoint must exist in the store or among ``nodes``;
        otherwise nothing is written and :class:`~graph.errors.NotFound` is raised.

        The write and its change record (``change`` says who and why; the store
        adds when and each item's before and after) commit together, so there
        is never one without the other.  Items the write leaves as they were
        are not recorded; a write that changes nothing records no change,
        leaves the version as it is and returns None.
        """

    @abstractmethod
    def delete(self, node_ids: Iterable[str] = (), edges: Iterable[tuple[str, str, str]] = (),
               change: ChangeNote | None = None, expect: Mapping[str, int] | None = None) -> Change | None:
        """Delete nodes (with every edge they have) and edges by key, all or nothing.

        A node id that is not in the store raises :class:`~graph.errors.NotFound`
        and deletes nothing; an edge that is not there is ignored.  Recorded
        like :meth:`write`.
        """

    @abstractmethod
    def clear(self) -> None:
        """Delete every node, edge, change record and meta value (accounts stay)."""

    # -- whole stores: backups, restores, interrupted work --------------------------
    @abstractmethod
    def export_changes(self) -> Iterator[dict]:
        """Yield every change record whole, oldest first, as plain values for a backup.

        Each is ``{"seq", "at", "actor", "reason", "items": [[item, kind, before, after], ...]}``.
        """

    @abstractmethod
    def replace_all(self, nodes: list[Node], edges: list[Edge], changes: list[dict],
                    accounts: list[dict] | None, note: ChangeNote) -> int:
        """Replace the graph, its change log and (unless None) the accounts by those given.

        All or nothing, also when the process is killed: until the new contents
        are complete, readers see the old ones (SQLite: one transaction), or the
        store is left in a state that :meth:`interrupted` reports and
        :meth:`finish_interrupted` completes (Neo4j: bounded transactions under a
        journal in the meta node).  ``changes`` keep their numbers, so each can
        still be reverted; the replacement itself is recorded as one more change
        (holding every node and edge as created when ``changes`` is empty).
        Returns the seq of that change.
        """

    def interrupted(self) -> str | None:
        """Say what a killed process left unfinished (a restore or a bulk import), or None."""
        return None

    def finish_interrupted(self) -> str | None:
        """Complete (or, where nothing is visible yet, undo) what :meth:`interrupted` reports; say what."""
        return None

    # -- accounts -------------------------------------------------------------
    @abstractmethod
    def accounts(self) -> AccountStore:
        """Return the editor accounts kept beside this graph, never in it (see :mod:`graph.accounts.model`)."""

    # -- change log and metadata ---------------------------------------------
    @abstractmethod
    def changes(self, node_id: str | None = None, limit: int = 50,
                before_seq: int | None = None, max_items: int = 100, after_seq: int | None = None) -> list[Change]:
        """Return committed changes, newest first.

        With ``node_id``, only changes that touched that node or one of its
        edges, each with those items only.  ``before_seq`` pages back in time;
        ``after_seq`` keeps only later changes.  A change's ``seq`` is the
        generation its commit made: the number ending :meth:`version` then.
        At most ``max_items`` items come with each change; ``item_count``
        gives how many it has.
        """

    @abstractmethod
    def get_meta(self, key: str) -> str | None:
        """Return a value the application keeps beside the graph (say, a seed digest)."""

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key``; not a change of the graph, so no version bump."""

    # -- reading -----------------------------------------------------------
    @abstractmethod
    def version(self) -> str:
        """Return a token that changes whenever the stored graph changes."""

    def recent_version(self, max_age_s: float) -> str:
        """Return :meth:`version` as this process saw it at most ``max_age_s`` seconds ago.

        For callers that may see another process's write a moment late (the
        page cache), where even a cheap version read is most of a cached
        page's cost.  Writes made through this store object show at once.
        This default asks every time; a backend keeps the version in a
        :class:`RecentVersion`.
        """
        return self.version()

    @abstractmethod
    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """Return the nodes among ``ids`` that exist, by id."""

    def get_node(self, node_id: str) -> Node | None:
        """Return one node, or None."""
        return self.get_nodes([node_id]).get(node_id)

    @abstractmethod
    def edges_of(self, node_id: str, types: Iterable[str] | None = None) -> list[Edge]:
        """Return every edge into or out of ``node_id``, optionally of some types only."""

    @abstractmethod
    def edges_of_many(self, node_ids: Iterable[str], types: Iterable[str] | None = None) -> list[Edge]:
        """Return every edge into or out of any of ``node_ids`` (of some types), sorted by key."""

    @abstractmethod
    def nodes(self, kind: str | None = None, only: Iterable[str] | None = None) -> Iterator[Node]:
        """Yield all nodes (of one kind), ordered by id.

        With ``only``, each node carries just those of its properties: for a
        scan of every town that needs two or three of them, most of whose
        cost is reading and decoding the rest.
        """

    @abstractmethod
    def edges(self, types: Iterable[str] | None = None) -> Iterator[Edge]:
        """Yield all edges (of some types), ordered by source, type, target."""

    @abstractmethod
    def count_by_kind(self) -> dict[str, int]:
        """Return how many nodes there are of each kind present."""

    @abstractmethod
    def count_edges(self) -> int:
        """Return how many edges there are."""

    @abstractmethod
    def find_by_property(self, kind: str, key: str, values: Iterable) -> list[Node]:
        """Return nodes of ``kind`` whose property ``key`` is one of ``values``."""

    @abstractmethod
    def search(self, query: str, kinds: Iterable[str] | None = None, limit: int = 50) -> list[Node]:
        """Return nodes whose texts contain every word of ``query`` as a word prefix.

        Matching ignores case and accents and looks at every language.
        Results come names-first, then by id.
        """

    @abstractmethod
    def list_nodes(self, query: ListQuery) -> Page:
        """Return one sorted, filtered page of nodes of one kind."""

    @abstractmethod
    def property_values(self, kind: str, key: str) -> dict:
        """Return how many nodes of ``kind`` have each value of property ``key``."""

    def shortest_paths(self, a: str, b: str, max_hops: int = 4, limit: int = 5) -> list[list[Edge]]:
        """Return up to ``limit`` shortest paths between two nodes, as edge lists from ``a``.

        Direction is ignored for reaching; each edge keeps its own direction.
        At most MAX_HOPS steps.  (Sources carry provenance as properties, never
        edges, so no path runs through one.)
        """
        if not (isinstance(max_hops, int) and 1 <= max_hops <= MAX_HOPS):
            raise SchemaError(f"max_hops must be between 1 and {MAX_HOPS}")
        if not (isinstance(limit, int) and 1 <= limit <= 100):
            raise SchemaError("limit must be between 1 and 100")
        return self._shortest_paths(a, b, max_hops, limit)

    @abstractmethod
    def _shortest_paths(self, a: str, b: str, max_hops: int, limit: int) -> list[list[Edge]]:
        """Find the paths for :meth:`shortest_paths`, whose arguments are already checked."""

    def close(self) -> None:
        """Release connections and files."""

    def on_close(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` (once) when this store object is closed: for background work that uses it."""
        self.__dict__.setdefault("_close_hooks", []).append(hook)

    def _run_close_hooks(self) -> None:
        for hook in self.__dict__.pop("_close_hooks", []):
            hook()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
