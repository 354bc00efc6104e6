"""One process's way to a Neo4j database: the driver, its timeouts, and driver errors as domain errors.

The store (:mod:`.store`), its bulk writer (:mod:`.bulk`) and the account
storage (:mod:`.accounts`) all run their Cypher through a
:class:`Neo4jConnection`; none of them touches the driver otherwise.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator

import neo4j
from neo4j.exceptions import (
    AuthError,
    ConnectionPoolError,
    ConstraintError,
    DatabaseError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from ...errors import GraphError, StoreConflict, StoreUnavailable

# How long one store call may try before it raises StoreUnavailable (NEO4J_TIMEOUT_S).  It must stay
# well below gunicorn's worker timeout (webapp/gunicorn_conf.py, 60 s), so that a request during an
# outage ends in the app's translated 503 and not in a killed worker's bare 500.
DEFAULT_TIMEOUT_S = 10.0
# The driver waits about a second before its first retry; a shorter budget could not be kept.
MIN_TIMEOUT_S = 3.0
# Driver errors that mean "the database cannot answer now", not "this request is wrong": a stopped or
# unreachable server (a commit whose outcome is unknown included), no free connection within the
# timeout, bad credentials, and the server's own transient and internal failures.
UNAVAILABLE = (ServiceUnavailable, SessionExpired, ConnectionPoolError, AuthError, TransientError, DatabaseError,
               OSError)


class Neo4jConnection:
    """The driver of this process for one database, created on first use and again after a fork.

    ``prepare(driver)`` runs once on each new driver before it is kept (the
    store brings the schema up to date there); a failure is retried next call.
    """

    def __init__(self, uri: str, auth=None, database: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
                 prepare: Callable[[neo4j.Driver], None] | None = None):
        self.uri, self._auth, self.database = uri, auth, database or None
        if not timeout_s >= MIN_TIMEOUT_S:
            raise ValueError(f"NEO4J_TIMEOUT_S must be at least {MIN_TIMEOUT_S} seconds, not {timeout_s!r}")
        self.timeout_s = float(timeout_s)
        self._prepare = prepare
        self._driver: neo4j.Driver | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        # When the last attempt to open a driver failed, and why: threads that waited for that
        # attempt fail at once instead of each waiting out its own timeout in turn.
        self._failed_at = 0.0
        self._failure = ""

    def driver_settings(self) -> dict:
        """The driver's settings: timeouts chosen so that one store call gives up within ``timeout_s``.

        A managed transaction's first attempt waits at most A for a connection (acquisition,
        which includes opening one, itself bounded by connection_timeout).  While less than R
        has passed since that attempt, it sleeps and tries again; the driver's delays start at
        0.8-1.2 s and double, so the sleep that starts last lasts at most 1.5 R + 1.2 s.  A call
        thus ends within 2 A + 2.5 R + 1.2 s: with A = T/4 and R = (T/2 - 1.2) / 2.5, within T.
        (With R below 0.8 s there is exactly one retry: 2 A + 1.2 s.)
        """
        attempt = self.timeout_s / 4
        retry = max(0.0, (self.timeout_s / 2 - 1.2) / 2.5)
        return {"connection_acquisition_timeout": attempt, "connection_timeout": attempt,
                "max_transaction_retry_time": retry,
                # On a new database every property key is unknown until first written, and the
                # driver printed a warning for each query naming one; other notices still come.
                "notifications_disabled_classifications": [neo4j.NotificationDisabledClassification.UNRECOGNIZED]}

    def driver(self) -> neo4j.Driver:
        """Return this process's driver, creating it after any fork."""
        driver = self._driver
        if driver is not None and self._pid == os.getpid():
            return driver
        asked = time.monotonic()
        # Bounded: a thread never waits longer for another's connection attempt than for its own.
        if not self._lock.acquire(timeout=self.timeout_s):
            raise StoreUnavailable(f"cannot reach Neo4j at {self.uri}: still connecting")
        try:
            if self._driver is None or self._pid != os.getpid():
                if self._failed_at > asked:
                    raise StoreUnavailable(self._failure)
                driver = None
                try:
                    driver = neo4j.GraphDatabase.driver(self.uri, auth=self._auth, **self.driver_settings())
                    driver.verify_connectivity()
                    if self._prepare is not None:
                        self._prepare(driver)
                except GraphError:  # say, a database of a later schema: refused as it is, no driver left open
                    if driver is not None:
                        driver.close()
                    raise
                except (DriverError, Neo4jError, ValueError, OSError) as exc:
                    if driver is not None:
                        driver.close()
                    self._failed_at, self._failure = time.monotonic(), f"cannot reach Neo4j at {self.uri}: {exc}"
                    raise StoreUnavailable(self._failure) from exc
                # Only a prepared driver is kept; a failure is retried next call.
                self._driver, self._pid = driver, os.getpid()
            return self._driver
        finally:
            self._lock.release()

    def run(self, work, *args, write: bool = False):
        """Run ``work(tx, *args)`` as a managed transaction, with driver errors mapped to domain errors."""
        driver = self.driver()
        try:
            with driver.session(database=self.database) as session:
                execute = session.execute_write if write else session.execute_read
                return execute(work, *args)
        except ConstraintError as exc:
            raise StoreConflict(str(exc)) from exc
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri}: {type(exc).__name__}: {exc}") from exc

    def read(self, query: str, **params) -> list:
        """Return the records of a read query."""
        def work(tx):
            return list(tx.run(query, params))

        return self.run(work)

    def read_rows(self, query: str, **params) -> list:
        """Return the ``rows`` list of a read that collects its results into one (see cypher.NODE_ROWS)."""
        def work(tx):
            return tx.run(query, params).single()["rows"]

        return self.run(work)

    def stream(self, query: str, fetch_size: int, **params) -> Iterator:
        """Yield the records of a read as the server sends them, ``fetch_size`` at a time.

        For reads of a whole kind (every town at 10x), which a managed transaction
        would first collect into one list: a worker's memory then grew by the list's
        peak and never gave it back.  Not retried, since records may already be used.
        """
        driver = self.driver()
        try:
            with driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                fetch_size=fetch_size) as session, session.begin_transaction() as tx:
                yield from tx.run(query, params)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._driver is not None and self._pid == os.getpid():
                self._driver.close()
            self._driver = None
