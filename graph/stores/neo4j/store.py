"""The Neo4j store: the official driver, managed transactions, parameters only.

Every node carries the label ``Entity`` (unique ``id``, full-text index) and
the label of its kind.  Labels and relationship types are put into query text
only after :mod:`graph.schema` has looked them up, never from input.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping

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

from ... import schema, text
from ...errors import NotFound, SchemaError, StaleWrite, StoreConflict, StoreUnavailable
from ...model import Change, ChangeItem, ChangeNote, Edge, ListQuery, Node, Page, edge_item, fold_repeats
from ..base import GraphStore, RecentVersion, property_names

BATCH = 5000
# A write with more items than this is committed in bounded transactions (see _bulk_write).
BULK_THRESHOLD = 20000
CHANGE_CHUNK = 1000  # change items per CommonGroundChangeItems node
STAGED_MAX_AGE_S = 24 * 3600  # staged leftovers of a crashed bulk write older than this are swept
SEARCH_CAP = 2000
MAX_PATHS = 500
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
HIDDEN = frozenset({"id", "kind", "_search", "_staging", "_staged_at", "_last_change"})
# A node's _last_change is the seq of the newest change that touched it (itself or one of its edges),
# set by every write below BULK_THRESHOLD.  A bulk write sets it on the nodes that existed before it
# and leaves the nodes it creates without one; for those, and for nodes written before it existed,
# the change items are scanned (_newest_changes).

SCHEMA_STATEMENTS = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX municipality_match IF NOT EXISTS FOR (n:Municipality) ON (n.match_key)",
    # The indexed text is already folded into [0-9a-z ]+ by graph.text, so a whitespace analyzer
    # tokenises exactly as the embedded store does.  Eventually consistent: a commit hands its
    # updates to the index's own thread instead of refreshing Lucene itself (most of a small
    # write's commit, in a probe), and search() waits for what was committed before it reads.
    "CREATE FULLTEXT INDEX entity_search IF NOT EXISTS FOR (n:Entity) ON EACH [n._search] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace', `fulltext.eventually_consistent`: true}}",
    "CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:CommonGroundMeta) REQUIRE m.id IS UNIQUE",
    "CREATE CONSTRAINT change_seq IF NOT EXISTS FOR (c:CommonGroundChange) REQUIRE c.seq IS UNIQUE",
    "CREATE INDEX change_items_seq IF NOT EXISTS FOR (c:CommonGroundChangeItems) ON (c.seq)",
    # Staged nodes are found by element id (graph.stores.neo4j.bulk): the indexes of earlier versions go.
    "DROP INDEX staged_id IF EXISTS",
    "DROP INDEX staged_token IF EXISTS",
    "CREATE INDEX staged_items IF NOT EXISTS FOR (n:CommonGroundChangeItems) ON (n._staging)",
)
BUMP = "MERGE (m:CommonGroundMeta {id: 'meta'}) SET m.generation = coalesce(m.generation, 0) + 1"
BUMP_VERSION = BUMP + " RETURN m.generation AS g"
NODE_FIELDS = "n.id AS id, n.kind AS kind, properties(n) AS props"
# Reads that may return many rows return them as one list of maps, ``rows``: the driver handles each
# record as a Bolt message of its own, in Python, where a list arrives and is decoded at once (in
# the driver's Rust extension).  The maps have the same keys as the records had.
NODE_ROWS = "collect({id: n.id, kind: n.kind, props: properties(n)}) AS rows"
EDGE_ROWS = "collect({s: s, type: type, t: t, props: properties(r)}) AS rows"
# Every distinct relationship r that a MATCH found, in key order, as EDGE_ROWS expects it.
DISTINCT_EDGES = "WITH DISTINCT r WITH r, startNode(r).id AS s, type(r) AS type, endNode(r).id AS t ORDER BY s, type, t "
# (kind, property) pairs with an index (SCHEMA_STATEMENTS), which find_by_property seeks by value.
INDEXED_PROPERTIES = frozenset({("Municipality", "match_key")})


def _reindex(session) -> None:
    """Recompute every node's search text, made by another version of text.search_text."""
    last = ""
    while True:
        rows = list(session.run("MATCH (n:Entity) WHERE n.id > $last RETURN n.id AS id, properties(n) AS props "
                                "ORDER BY n.id LIMIT $batch", last=last, batch=BATCH))
        if not rows:
            break
        session.run("UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n._search = row.words",
                    rows=[{"id": r["id"], "words": text.search_text(_visible(r["props"]))} for r in rows]).consume()
        last = rows[-1]["id"]
    session.run("MERGE (m:CommonGroundMeta {id: 'meta'}) SET m.search_format = $f", f=text.SEARCH_FORMAT).consume()


def _drop_synchronous_search_index(session) -> None:
    """Drop a full-text index made before it was eventually consistent; SCHEMA_STATEMENTS remakes it."""
    found = session.run("SHOW FULLTEXT INDEXES YIELD name, options WHERE name = 'entity_search' "
                        "RETURN options.indexConfig AS config").single()
    if found is not None and not found["config"].get("fulltext.eventually_consistent"):
        session.run("DROP INDEX entity_search").consume()


def _id_range(prefix: str) -> tuple[str, str]:
    """Return the bounds, both excluded, of the ids that start with ``prefix`` and a colon."""
    return f"{prefix}:", f"{prefix};"  # ';' is the character after ':'


def _node(record) -> Node:
    props = {k: v for k, v in record["props"].items() if k not in HIDDEN}
    return Node(record["id"], record["kind"], props)


def _edge(record) -> Edge:
    return Edge(record["s"], record["type"], record["t"], dict(record["props"]))


def _label(kind: str) -> str:
    return schema.node_kind(kind).label


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` in Neo4j 5 (Community, Enterprise, Aura or a cluster)."""

    backend = "neo4j"

    def __init__(self, uri: str, auth=None, database: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S):
        self.uri, self._auth, self.database = uri, auth, database or None
        if not timeout_s >= MIN_TIMEOUT_S:
            raise ValueError(f"NEO4J_TIMEOUT_S must be at least {MIN_TIMEOUT_S} seconds, not {timeout_s!r}")
        self.timeout_s = float(timeout_s)
        self._driver: neo4j.Driver | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        # When the last attempt to open a driver failed, and why: threads that waited for that
        # attempt fail at once instead of each waiting out its own timeout in turn.
        self._failed_at = 0.0
        self._failure = ""
        self._recent = RecentVersion()

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

    # -- connection ------------------------------------------------------------
    def _get_driver(self) -> neo4j.Driver:
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
                    self._ensure_schema(driver)
                except (DriverError, Neo4jError, ValueError, OSError) as exc:
                    if driver is not None:
                        driver.close()
                    self._failed_at, self._failure = time.monotonic(), f"cannot reach Neo4j at {self.uri}: {exc}"
                    raise StoreUnavailable(self._failure) from exc
                # Only a driver whose schema is in place is kept; a failure is retried next call.
                self._driver, self._pid = driver, os.getpid()
            return self._driver
        finally:
            self._lock.release()

    def _ensure_schema(self, driver: neo4j.Driver) -> None:
        with driver.session(database=self.database) as session:
            _drop_synchronous_search_index(session)
            for statement in SCHEMA_STATEMENTS:
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
            stored = session.run("MATCH (m:CommonGroundMeta {id: 'meta'}) RETURN m.search_format AS f").single()
            if stored is None or stored["f"] != text.SEARCH_FORMAT:
                _reindex(session)

    def _execute(self, work, *args, write: bool = False):
        driver = self._get_driver()
        try:
            with driver.session(database=self.database) as session:
                run = session.execute_write if write else session.execute_read
                return run(work, *args)
        except ConstraintError as exc:
            raise StoreConflict(str(exc)) from exc
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri}: {type(exc).__name__}: {exc}") from exc

    def execute(self, work, *args, write: bool = False):
        """Run ``work(tx, *args)`` as a managed transaction, with driver errors mapped to domain errors.

        For other domain modules that keep their own data in this database
        under labels no graph read matches (graph.accounts.model).
        """
        return self._execute(work, *args, write=write)

    def _read(self, query: str, **params) -> list:
        def work(tx):
            return list(tx.run(query, params))

        return self._execute(work)

    def _read_rows(self, query: str, **params) -> list:
        """Return the ``rows`` list of a read that collects its results into one (see NODE_ROWS)."""
        def work(tx):
            return tx.run(query, params).single()["rows"]

        return self._execute(work)

    def close(self) -> None:
        self._run_close_hooks()
        with self._lock:
            if self._driver is not None and self._pid == os.getpid():
                self._driver.close()
            self._driver = None

    # -- writing -----------------------------------------------------------------
    def write(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (),
              change: ChangeNote | None = None, delete: Iterable[str] = (),
              expect: Mapping[str, int] | None = None,
              delete_edges: Iterable[tuple[str, str, str]] = ()) -> Change | None:
        try:
            return self._write(nodes, edges, change, delete, expect, delete_edges)
        finally:
            self._recent.forget()

    def _write(self, nodes, edges, change, delete, expect, delete_edges) -> Change | None:
        nodes, edges = fold_repeats(list(nodes), list(edges))
        doomed = sorted(set(delete))
        doomed_edges = sorted({tuple(k) for k in delete_edges})
        if len(nodes) + len(edges) > BULK_THRESHOLD:
            if doomed or doomed_edges or expect:
                raise SchemaError("a write that deletes must stay below BULK_THRESHOLD items to be atomic")
            from .bulk import bulk_write

            return bulk_write(self, nodes, edges, change or ChangeNote())
        return self._execute(_write_batch, nodes, edges, change or ChangeNote(), doomed, dict(expect or {}),
                             doomed_edges, write=True)

    def delete(self, node_ids: Iterable[str] = (), edges: Iterable[tuple[str, str, str]] = (),
               change: ChangeNote | None = None, expect: Mapping[str, int] | None = None) -> Change | None:
        node_ids, edge_keys = sorted(set(node_ids)), sorted({tuple(k) for k in edges})
        try:
            return self._execute(_delete, node_ids, edge_keys, change or ChangeNote(), dict(expect or {}),
                                 write=True)
        finally:
            self._recent.forget()

    def clear(self) -> None:
        try:
            self._clear()
        finally:
            self._recent.forget()

    def _clear(self) -> None:
        def delete_some(tx):
            deleted = tx.run(
                "MATCH (n) WHERE n:Entity OR n:CommonGroundChange OR n:CommonGroundChangeItems "
                "OR n:CommonGroundStaged WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c"
            ).single()["c"]
            tx.run(BUMP_VERSION).consume()  # each batch is a change others must notice
            return deleted

        def forget_meta(tx):  # what was said of the old graph, such as its seed digest
            tx.run("MATCH (m:CommonGroundMeta {id: 'meta'}) "
                   "SET m = {id: m.id, generation: m.generation, search_format: m.search_format}").consume()

        # Batches keep a large graph within the server's transaction memory.
        while self._execute(delete_some, write=True):
            pass
        self._execute(forget_meta, write=True)

    # -- change log and metadata ----------------------------------------------------
    def changes(self, node_id: str | None = None, limit: int = 50,
                before_seq: int | None = None, max_items: int = 100, after_seq: int | None = None) -> list[Change]:
        def work(tx):
            if node_id is None:
                heads = list(tx.run(
                    "MATCH (c:CommonGroundChange) WHERE ($before IS NULL OR c.seq < $before) "
                    "AND ($after IS NULL OR c.seq > $after) "
                    "RETURN c ORDER BY c.seq DESC LIMIT $limit", before=before_seq, after=after_seq, limit=limit))
            elif limit == 1 and before_seq is None and after_seq is None:
                heads = list(tx.run("MATCH (c:CommonGroundChange {seq: $seq}) RETURN c",
                                    seq=_newest_changes(tx, [node_id])[node_id]))
            else:
                heads = list(tx.run(
                    "MATCH (i:CommonGroundChangeItems) WHERE $id IN i.nodes "
                    "AND ($before IS NULL OR i.seq < $before) AND ($after IS NULL OR i.seq > $after) "
                    "WITH DISTINCT i.seq AS seq ORDER BY seq DESC LIMIT $limit "
                    "MATCH (c:CommonGroundChange {seq: seq}) RETURN c ORDER BY c.seq DESC",
                    id=node_id, before=before_seq, after=after_seq, limit=limit))
            found = []
            for head in heads:
                c = head["c"]
                # Only the chunks that list the node: a 10x import's change is ~1,000 chunks, and
                # parsing them all for one town's history took seconds.
                chunks = tx.run("MATCH (i:CommonGroundChangeItems {seq: $seq}) WHERE $id IS NULL OR $id IN i.nodes "
                                "RETURN i.items AS items ORDER BY i.chunk", seq=c["seq"], id=node_id)
                items = []
                for chunk in chunks:
                    for item, kind, before, after in json.loads(chunk["items"]):
                        ends = [item] if kind == "node" else item.split("|")[::2]
                        if node_id is None or node_id in ends:
                            items.append(ChangeItem(item, kind, before, after))
                found.append(Change(c["seq"], c["at"], c["actor"], c["reason"], tuple(items[:max_items]),
                                    c["item_count"]))
            return found

        return self._execute(work)

    def get_meta(self, key: str) -> str | None:
        rows = self._read("MATCH (m:CommonGroundMeta {id: 'meta'}) RETURN m[$key] AS v", key=f"app_{key}")
        return rows[0]["v"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        def work(tx):
            tx.run("MERGE (m:CommonGroundMeta {id: 'meta'}) SET m[$key] = $value", key=f"app_{key}",
                   value=value).consume()

        self._execute(work, write=True)

    # -- reading -----------------------------------------------------------------
    def version(self) -> str:
        rows = self._read("MATCH (m:CommonGroundMeta {id: 'meta'}) RETURN m.generation AS g")
        return str(rows[0]["g"] if rows else 0)

    def recent_version(self, max_age_s: float) -> str:
        return self._recent.get(self.version, max_age_s)

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        ids = [i for i in ids if isinstance(i, str)]
        rows = self._read_rows(f"UNWIND $ids AS id MATCH (n:Entity {{id: id}}) RETURN {NODE_ROWS}", ids=ids)
        return {r["id"]: _node(r) for r in rows}

    def edges_of(self, node_id: str, types: Iterable[str] | None = None) -> list[Edge]:
        rows = self._read_rows(
            "MATCH (n:Entity {id: $id})-[r]-(:Entity) "
            f"WHERE $types IS NULL OR type(r) IN $types {DISTINCT_EDGES}RETURN {EDGE_ROWS}",
            id=node_id, types=list(types) if types is not None else None,
        )
        return [_edge(r) for r in rows]

    def edges_of_many(self, node_ids: Iterable[str], types: Iterable[str] | None = None) -> list[Edge]:
        # A typed pattern reads only those relationships; the names come from the schema (an unknown
        # one raises SchemaError, as on the embedded store), never from input.
        pattern = "" if types is None else ":" + "|".join(sorted({schema.rel_type(t).name for t in types}))
        if pattern == ":":
            return []
        rows = self._read_rows(
            f"UNWIND $ids AS id MATCH (n:Entity {{id: id}})-[r{pattern}]-(:Entity) {DISTINCT_EDGES}RETURN {EDGE_ROWS}",
            ids=sorted(set(node_ids)),
        )
        return [_edge(r) for r in rows]

    def _stream(self, query: str, **params) -> Iterator:
        """Yield the records of a read as the server sends them, ``BATCH`` at a time.

        For reads of a whole kind (every town at 10x), which a managed transaction
        would first collect into one list: a worker's memory then grew by the list's
        peak and never gave it back.  Not retried, since records may already be used.
        """
        driver = self._get_driver()
        try:
            with driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                fetch_size=BATCH) as session, session.begin_transaction() as tx:
                yield from tx.run(query, params)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri}: {type(exc).__name__}: {exc}") from exc

    def nodes(self, kind: str | None = None, only: Iterable[str] | None = None) -> Iterator[Node]:
        # Keyset pages over the id index, each one list (see NODE_ROWS): a kind's ids share its
        # prefix, so its nodes are one range of that index, read in order without a sort.
        first, upper = ("", None) if kind is None else _id_range(schema.node_kind(kind).prefix)
        where = "n.id > $last" if upper is None else "n.id > $last AND n.id < $upper"
        fields = ("{id: x.id, kind: x.kind, props: properties(x)}" if only is None
                  else "{id: x.id, kind: x.kind, props: [k IN $keys WHERE x[k] IS NOT NULL | [k, x[k]]]}")
        query = (f"MATCH (n:Entity) WHERE {where} WITH n ORDER BY n.id LIMIT $batch WITH collect(n) AS page "
                 f"RETURN [x IN page | {fields}] AS rows")
        keys = None if only is None else sorted(property_names(only) - HIDDEN)
        last = first
        while True:  # no transaction stays open while the caller works
            rows = self._read_rows(query, last=last, upper=upper, batch=BATCH, keys=keys)
            if only is None:
                yield from (_node(r) for r in rows)
            else:
                yield from (Node(r["id"], r["kind"], dict(r["props"])) for r in rows)
            if len(rows) < BATCH:
                return
            last = rows[-1]["id"]

    def edges(self, types: Iterable[str] | None = None) -> Iterator[Edge]:
        # A typed pattern lets Neo4j read only those relationships; the type
        # names come from the schema, so nothing from input reaches the query.
        pattern = "" if types is None else ":" + "|".join(sorted({schema.rel_type(t).name for t in types}))
        if pattern == ":":
            return
        rows = self._stream(
            f"MATCH (a:Entity)-[r{pattern}]->(b:Entity) "
            "RETURN a.id AS s, type(r) AS type, b.id AS t, properties(r) AS props "
            "ORDER BY s, type, t"
        )
        yield from (_edge(r) for r in rows)

    def count_by_kind(self) -> dict[str, int]:
        rows = self._read("MATCH (n:Entity) RETURN n.kind AS kind, count(*) AS c ORDER BY kind")
        return {r["kind"]: r["c"] for r in rows}

    def count_edges(self) -> int:
        return self._read("MATCH (:Entity)-[r]->(:Entity) RETURN count(r) AS c")[0]["c"]

    def find_by_property(self, kind: str, key: str, values: Iterable) -> list[Node]:
        schema.check_properties({key: ""})
        if (kind, key) in INDEXED_PROPERTIES:
            # A literal property name lets the planner seek the index once per value; with n[$key]
            # it would read every node of the kind.  The name comes from the fixed set above.
            rows = self._read_rows(
                f"UNWIND $values AS v MATCH (n:{_label(kind)} {{{key}: v}}) "
                f"WITH DISTINCT n ORDER BY n.id RETURN {NODE_ROWS}", values=list(set(values)))
            return [_node(r) for r in rows]
        rows = self._read_rows(
            f"MATCH (n:{_label(kind)}) WHERE n[$key] IN $values WITH n ORDER BY n.id RETURN {NODE_ROWS}",
            key=key, values=list(values),
        )
        return [_node(r) for r in rows]

    def search(self, query: str, kinds: Iterable[str] | None = None, limit: int = 50) -> list[Node]:
        tokens = text.query_tokens(query)
        if not tokens:
            return []
        # Tokens are [0-9a-z]+ only, so they cannot carry Lucene syntax.
        lucene = " AND ".join(f"{t}*" for t in tokens)
        params = {"q": lucene, "cap": SEARCH_CAP, "kinds": list(kinds) if kinds else None}

        def work(tx):
            # The index is eventually consistent: first let it take in every write committed so far.
            tx.run("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()").consume()
            return tx.run("CALL db.index.fulltext.queryNodes('entity_search', $q, {limit: $cap}) "
                          "YIELD node AS n WHERE $kinds IS NULL OR n.kind IN $kinds "
                          f"RETURN {NODE_ROWS}", params).single()["rows"]

        rows = self._execute(work)
        return text.rank_hits([_node(r) for r in rows], tokens)[:limit]

    def list_nodes(self, query: ListQuery) -> Page:
        sort_keys = text.sort_keys(query.sort, query.lang) if query.sort in schema.TEXT_FIELDS else [query.sort]
        # Direction cannot be a parameter; it picks one of two fixed texts, never input.
        order = "DESC" if query.descending else "ASC"
        sort_expr = "reduce(v = null, k IN $sort_keys | coalesce(v, n[k]))"
        if query.sort in schema.TEXT_FIELDS:
            sort_expr = f"toLower({sort_expr})"
        match = (
            f"MATCH (n:{_label(query.kind)}) "
            "WHERE all(w IN $where WHERE n[w[0]] = w[1]) "
            "AND all(r IN $related WHERE EXISTS { MATCH (n)--(:Entity {id: r}) }) "
            "AND ($year IS NULL OR (n.start_year <= $year AND coalesce(n.end_year, $year) >= $year)) "
        )
        params = {"where": [[k, v] for k, v in query.where], "related": list(query.related),
                  "year": query.year, "sort_keys": sort_keys, "offset": query.offset, "limit": query.limit}

        def work(tx):
            total = tx.run(match + "RETURN count(n) AS c", params).single()["c"]
            # ORDER BY ... SKIP/LIMIT lets Neo4j keep only the top rows instead of sorting everything.
            rows = list(tx.run(match + f"WITH n, {sort_expr} AS sv ORDER BY sv {order}, n.id ASC "
                               f"SKIP $offset LIMIT $limit RETURN {NODE_FIELDS}", params))
            return total, rows

        total, rows = self._execute(work)
        return Page(total, [_node(r) for r in rows])

    def property_values(self, kind: str, key: str) -> dict:
        schema.check_properties({key: ""})
        rows = self._read(
            f"MATCH (n:{_label(kind)}) WHERE n[$key] IS NOT NULL RETURN n[$key] AS v, count(*) AS c",
            key=key,
        )
        counts = ((r["v"], r["c"]) for r in rows if not isinstance(r["v"], list))
        return dict(sorted(counts, key=lambda kv: (-kv[1], str(kv[0]))))

    def _shortest_paths(self, a: str, b: str, max_hops: int, limit: int) -> list[list[Edge]]:
        found = self.get_nodes([a, b])
        for end in (a, b):
            if end not in found:
                raise NotFound(end)
        if a == b:
            return []
        rows = self._read(
            "MATCH (a:Entity {id: $a}), (b:Entity {id: $b}) "
            "MATCH p = allShortestPaths((a)-[*..8]-(b)) "
            "WHERE length(p) <= $max_hops AND all(x IN nodes(p) WHERE x:Entity) "
            "RETURN [r IN relationships(p) | "
            "[startNode(r).id, type(r), endNode(r).id, properties(r)]] AS rels LIMIT $cap",
            a=a, b=b, max_hops=max_hops, cap=MAX_PATHS,
        )
        paths = {
            tuple(Edge(s, t, e, dict(p)) for s, t, e, p in row["rels"]) for row in rows
        }
        ordered = sorted(paths, key=lambda path: tuple(e.key for e in path))
        return [list(p) for p in ordered[:limit]]


def _check_expected(tx, expect: dict[str, int]) -> None:
    """Lock each expected node, then refuse the write if it changed after the change its caller saw.

    The lock (a property write) is held to commit, so a concurrent editor of the
    same node waits here and then sees this write's change.
    """
    if not expect:
        return
    newest = _newest_changes(tx, sorted(expect), lock=True)
    for node_id, seen in sorted(expect.items()):
        if newest[node_id] > seen:
            raise StaleWrite(node_id, seen, newest[node_id])


def _newest_changes(tx, node_ids: list[str], lock: bool = False) -> dict[str, int]:
    """Return the seq of the newest change that touched each node (0 if none), locking them if asked.

    One index seek for a node that carries its _last_change; a scan of the change
    items for the others (see HIDDEN).
    """
    # Two fixed texts: a statement that may write cannot run in a read transaction.
    locking = "SET n._lock = true REMOVE n._lock " if lock else ""
    newest = {r["id"]: r["seq"] for r in tx.run(
        f"UNWIND $ids AS id MATCH (n:Entity {{id: id}}) {locking}RETURN n.id AS id, n._last_change AS seq",
        ids=node_ids) if r["seq"] is not None}
    for node_id in node_ids:
        if node_id not in newest:
            newest[node_id] = tx.run("MATCH (i:CommonGroundChangeItems) WHERE $id IN i.nodes AND i.seq > 0 "
                                     "RETURN coalesce(max(i.seq), 0) AS s", id=node_id).single()["s"]
    return newest


def _write_batch(tx, nodes: list[Node], edges: list[Edge], change: ChangeNote,
                 delete: list[str] = (), expect: dict | None = None,
                 delete_edges: list[tuple] = ()) -> Change | None:
    """Upsert a batch in one transaction: check endpoints, merge nodes and edges, record the change."""
    _check_expected(tx, expect or {})
    new_ids = {n.id for n in nodes}
    ends = sorted({x for e in edges for x in (e.source, e.target)} - new_ids)
    # One statement reads the written nodes and checks the edges' other ends.  Writing a property
    # takes the node's write lock until commit, so a concurrent writer cannot change them between
    # this read and the SET below (the ends are locked too, as creating an edge would anyway).
    existing, present = {}, set()
    for r in tx.run("UNWIND $ids AS id MATCH (n:Entity {id: id}) SET n._lock = true REMOVE n._lock "
                    "RETURN collect({id: n.id, props: properties(n)}) AS rows",
                    ids=sorted(new_ids) + ends).single()["rows"]:
        if r["id"] in new_ids:
            existing[r["id"]] = _visible(r["props"])
        else:
            present.add(r["id"])
    missing = [x for x in ends if x not in present]
    if missing:
        raise NotFound(missing[0])
    node_rows, items = node_changes(nodes, existing)
    # New nodes are CREATEd and edges touching them too: MERGE would only
    # search for what cannot exist yet, which is most of a bulk import.
    for (kind, known), rows in sorted(node_rows.items()):
        query = (f"UNWIND $rows AS row MATCH (n:Entity {{id: row.id}}) SET n = row, n:{_label(kind)}" if known
                 else f"UNWIND $rows AS row CREATE (n:Entity:{_label(kind)}) SET n = row")
        for i in range(0, len(rows), BATCH):
            tx.run(query, rows=rows[i : i + BATCH]).consume()
    created = {n.id for n in nodes if n.id not in existing}
    old_edges = read_edge_props(tx, [e for e in edges if e.source not in created and e.target not in created])
    edge_rows, edge_items = edge_changes(edges, old_edges, created)
    for (rel, fresh), rows in sorted(edge_rows.items()):
        verb = "CREATE" if fresh else "MERGE"
        query = ("UNWIND $rows AS row MATCH (a:Entity {id: row.s}) MATCH (b:Entity {id: row.t}) "
                 f"{verb} (a)-[r:{rel}]->(b) SET r = row.props")
        for i in range(0, len(rows), BATCH):
            tx.run(query, rows=rows[i : i + BATCH]).consume()
    deleted = _delete_items(tx, list(delete), list(delete_edges)) if delete or delete_edges else []
    return record_change(tx, items + edge_items + deleted, change)


def _visible(props: dict) -> dict:
    return {k: v for k, v in props.items() if k not in HIDDEN}


def node_changes(nodes: list[Node], existing: dict[str, dict]) -> tuple[dict, list]:
    """Return the rows to write by (kind, already there) and the change items, skipping no-ops."""
    by_kind: dict[tuple[str, bool], list] = {}
    items = []
    for n in nodes:
        old = existing.get(n.id)
        merged = {**(old or {}), **n.props}
        if old is not None and merged == old:
            continue
        row = dict(merged, id=n.id, kind=n.kind, _search=text.search_text(merged))
        by_kind.setdefault((n.kind, old is not None), []).append(row)
        items.append(("node", n.id, old, merged))
    return by_kind, items


def read_edge_props(tx, edges: list[Edge]) -> dict[tuple, dict]:
    """Return the properties of those ``edges`` that exist, by key (typed patterns, batched)."""
    by_type: dict[str, list] = {}
    for e in edges:
        by_type.setdefault(schema.rel_type(e.type).name, []).append({"s": e.source, "t": e.target})
    found = {}
    for rel, rows in sorted(by_type.items()):
        for i in range(0, len(rows), BATCH):
            for r in tx.run(f"UNWIND $rows AS row MATCH (a:Entity {{id: row.s}})-[r:{rel}]->(b:Entity {{id: row.t}}) "
                            "RETURN collect({s: row.s, t: row.t, props: properties(r)}) AS rows",
                            rows=rows[i : i + BATCH]).single()["rows"]:
                found[(r["s"], rel, r["t"])] = dict(r["props"])
    return found


def edge_changes(edges: list[Edge], old_edges: dict[tuple, dict], created: set[str]) -> tuple[dict, list]:
    """Return the edge rows to write by (type, touches a new node) and their change items."""
    by_type: dict[tuple[str, bool], list] = {}
    items = []
    for e in edges:
        old = old_edges.get(e.key)
        merged = {**(old or {}), **e.props}
        if old is not None and merged == old:
            continue
        fresh = e.source in created or e.target in created
        by_type.setdefault((schema.rel_type(e.type).name, fresh), []).append(
            {"s": e.source, "t": e.target, "props": merged})
        items.append(("edge", e.key, old, merged))
    return by_type, items


def record_change(tx, items: list[tuple], change: ChangeNote) -> Change | None:
    """Bump the version and write the change record of ``items`` in ``tx``; None if nothing changed."""
    if not items:
        return None
    at = change_time(change)
    rows = change_item_rows(items)
    # One statement, not four: a small write is mostly round trips.  The nodes it touched that are
    # still there are already locked by this transaction, and learn their newest change.
    seq = tx.run(BUMP + " WITH m.generation AS seq "
                 "CREATE (:CommonGroundChange {seq: seq, at: $at, actor: $actor, reason: $reason, item_count: $count}) "
                 "WITH seq UNWIND $rows AS row CREATE (:CommonGroundChangeItems {seq: seq, chunk: row.chunk, "
                 "nodes: row.nodes, items: row.items}) WITH max(seq) AS seq "
                 "OPTIONAL MATCH (n:Entity) WHERE n.id IN $touched SET n._last_change = seq RETURN DISTINCT seq",
                 at=at, actor=change.actor, reason=change.reason, count=len(items), rows=rows,
                 touched=sorted(touched_nodes(items))).single()["seq"]
    return recorded_change(seq, at, change, items)


def change_time(change: ChangeNote) -> str:
    return change.at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def recorded_change(seq: int, at: str, change: ChangeNote, items: list[tuple]) -> Change:
    """The :class:`Change` a write returns: its first 100 items and their count."""
    recorded = tuple(ChangeItem(key if kind == "node" else edge_item(key), kind, before, after)
                     for kind, key, before, after in items[:100])
    return Change(seq, at, change.actor, change.reason, recorded, len(items))


def touched_nodes(items: list[tuple]) -> set[str]:
    """The ids of the nodes ``items`` touch: each node item's, and both ends of each edge item's."""
    return {x for kind, key, *_ in items for x in ([key] if kind == "node" else (key[0], key[2]))}


def change_item_rows(items: list[tuple], first_chunk: int = 0) -> list[dict]:
    """Return ``items`` as JSON chunks, each listing the nodes it touches (for node histories)."""
    rows = []
    for c in range(0, len(items), CHANGE_CHUNK):
        chunk = items[c : c + CHANGE_CHUNK]
        encoded = [[key if kind == "node" else edge_item(key), kind, before, after]
                   for kind, key, before, after in chunk]
        rows.append({"chunk": first_chunk + c // CHANGE_CHUNK, "nodes": sorted(touched_nodes(chunk)),
                     "items": json.dumps(encoded, ensure_ascii=False, separators=(",", ":"))})
    return rows


def write_change_items(tx, seq: int, items: list[tuple], first_chunk: int = 0, extra: dict | None = None) -> None:
    """Write ``items`` as change-item chunks of change ``seq`` (see change_item_rows)."""
    tx.run("UNWIND $rows AS row CREATE (i:CommonGroundChangeItems {seq: $seq, chunk: row.chunk, "
           "nodes: row.nodes, items: row.items}) SET i += $extra", seq=seq,
           rows=change_item_rows(items, first_chunk), extra=extra or {}).consume()


def _delete(tx, node_ids: list[str], edge_keys: list[tuple], change: ChangeNote,
            expect: dict | None = None) -> Change | None:
    _check_expected(tx, expect or {})
    return record_change(tx, _delete_items(tx, node_ids, edge_keys), change)


def _delete_items(tx, node_ids: list[str], edge_keys: list[tuple]) -> list[tuple]:
    """Delete nodes (with their edges) and edges in ``tx``; return the change items."""
    found = {r["id"]: _visible(r["props"]) for r in tx.run(
        "UNWIND $ids AS id MATCH (n:Entity {id: id}) SET n._lock = true REMOVE n._lock "
        "RETURN collect({id: n.id, props: properties(n)}) AS rows", ids=node_ids).single()["rows"]}
    for node_id in node_ids:
        if node_id not in found:
            raise NotFound(node_id)
    doomed = {}
    for r in tx.run(f"UNWIND $ids AS id MATCH (n:Entity {{id: id}})-[r]-(:Entity) {DISTINCT_EDGES}RETURN {EDGE_ROWS}",
                    ids=node_ids).single()["rows"]:
        doomed[(r["s"], r["type"], r["t"])] = dict(r["props"])
    named = [Edge(s, schema.rel_type(t).name, e) for s, t, e in edge_keys]
    doomed.update(read_edge_props(tx, [e for e in named if e.key not in doomed]))
    by_type: dict[str, list] = {}
    for s, t, e in doomed:
        by_type.setdefault(schema.rel_type(t).name, []).append({"s": s, "t": e})
    for rel, rows in sorted(by_type.items()):
        tx.run(f"UNWIND $rows AS row MATCH (a:Entity {{id: row.s}})-[r:{rel}]->(b:Entity {{id: row.t}}) DELETE r",
               rows=rows).consume()
    tx.run("UNWIND $ids AS id MATCH (n:Entity {id: id}) DETACH DELETE n", ids=node_ids).consume()
    items = [("edge", key, props, None) for key, props in sorted(doomed.items())]
    items += [("node", node_id, found[node_id], None) for node_id in node_ids]
    return items
