"""The match index of each store, kept current: built in the background, following writes.

:func:`match_index` answers from the index of the store's current version,
following a small change (:mod:`.updates`) or rebuilding in the background when
a change is too large to follow; :func:`follow_match_index` does that from a
background thread as well, so that a search seldom has to.
"""

from __future__ import annotations

import logging
import threading
import weakref

from ..stores.base import GraphStore
from .index import MatchIndex, build_index
from .updates import newer, update_index

log = logging.getLogger(__name__)


# Keyed weakly so that an index lives no longer than its store.  One thread at
# a time builds for a store (single flight); requests never wait for a build
# longer than STALE_WAIT_S when an older index exists: they answer from it
# and the new index takes over as soon as it is built.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BUILDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# One update at a time per store: a request that arrives while the follower (or another request)
# splices a change waits for that splice, which takes a few small reads, instead of repeating it;
# but no longer than it would wait for a build (STALE_WAIT_S), and then it answers from its index.
_UPDATING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FOLLOWERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
STALE_WAIT_S = 0.1


class _Build(threading.Thread):
    """Builds the index of a store's current version in the background."""

    def __init__(self, store: GraphStore):
        super().__init__(name="match-index-build", daemon=True)
        self.store = weakref.ref(store)
        self.error: BaseException | None = None

    def run(self) -> None:
        store = self.store()
        if store is None:
            return
        try:
            index = build_index(store, store.version())
            with _LOCK:
                current = _CACHE.get(store)
                if current is None or not newer(current.version, index.version):
                    _CACHE[store] = index
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for this build
            self.error = exc


def _start_build(store: GraphStore) -> _Build:
    """Return the running build for ``store``, starting one if none runs (call with _LOCK held)."""
    build = _BUILDS.get(store)
    if build is None or not build.is_alive():
        build = _BUILDS[store] = _Build(store)
        build.start()
    return build


def warm_match_index(store: GraphStore) -> None:
    """Start building the index in the background, so that the first search finds it ready."""
    with _LOCK:
        if store not in _CACHE:
            _start_build(store)


class _Follower(threading.Thread):
    """Brings a store's index up to the store's version every ``every_s`` seconds, in the background.

    So the first partner search after a write, here or in another process,
    finds the change already spliced in instead of splicing it itself.  It
    stops when its store is closed or gone; a failed look (the database
    down) is tried again at the next tick, and requests still follow changes
    themselves.
    """

    def __init__(self, store: GraphStore, every_s: float):
        super().__init__(name="match-index-follow", daemon=True)
        self.store = weakref.ref(store)
        self.every_s = every_s
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()
        self.join()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            store = self.store()
            if store is None:
                return
            try:
                match_index(store, wait=0)
            except Exception:  # noqa: BLE001 - a request will meet the same error and report it
                log.debug("following the match index failed", exc_info=True)
            del store  # hold no reference while asleep, so the store can go


def follow_match_index(store: GraphStore, every_s: float) -> _Follower | None:
    """Keep ``store``'s index following its writes from a background thread; return that thread.

    One thread per store however often it is asked; none when ``every_s`` is 0.
    """
    if every_s <= 0:
        return None
    with _LOCK:
        follower = _FOLLOWERS.get(store)
        if follower is None or not follower.is_alive():
            follower = _FOLLOWERS[store] = _Follower(store, every_s)
            follower.start()
            store.on_close(follower.stopped.set)  # a closed store is not woken up again
        return follower


def match_index(store: GraphStore, wait: float | None = None) -> MatchIndex:
    """Return the index of the store's current version, or the previous one while it is built.

    With no previous index, wait for the first build.  Otherwise wait at most
    ``wait`` seconds (default STALE_WAIT_S) and then answer from the previous
    index, whose ``version`` says which graph it reflects.
    """
    version = store.version()
    with _LOCK:
        index = _CACHE.get(store)
        if index is not None and index.version == version:
            return index
    if index is not None:
        with _LOCK:
            updating = _UPDATING.setdefault(store, threading.Lock())
        # Wait for a splice under way no longer than for a build: then answer from the index we have.
        if not updating.acquire(timeout=STALE_WAIT_S if wait is None else wait):
            return index
        try:
            with _LOCK:
                index = _CACHE.get(store, index)
            if index.version == version or newer(index.version, version):
                return index  # spliced meanwhile, by whoever held the lock
            updated = update_index(store, index, version)  # a few small reads after a small write
            if updated is not None:
                with _LOCK:
                    current = _CACHE.get(store)
                    if current is None or not newer(current.version, updated.version):
                        _CACHE[store] = updated
                return updated
        finally:
            updating.release()
    with _LOCK:
        build = _start_build(store)
    build.join(None if index is None else (STALE_WAIT_S if wait is None else wait))
    with _LOCK:
        newest = _CACHE.get(store)
    if newest is None:
        if build.error is not None:
            raise build.error
        raise RuntimeError("the matching index build stopped without a result")
    return newest
