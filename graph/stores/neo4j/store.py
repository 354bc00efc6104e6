"""The Neo4j store: the official driver, managed transactions, parameters only.

Every node carries the label ``Entity`` (unique ``id``, full-text index) and
the label of its kind.  Labels and relationship types are put into query text
only after :mod:`graph.schema` has looked them up, never from input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from ... import schema, text
from ...errors import NotFound, SchemaError
from ...model import Change, ChangeItem, ChangeNote, Edge, ListQuery, Node, Page, fold_repeats
from ..base import GraphStore, RecentVersion, property_names
from ..changes import decode_params
from . import cypher, journal
from .bulk import bulk_write
from .connection import DEFAULT_TIMEOUT_S, Neo4jConnection
from .cypher import (
    BUMP_VERSION,
    DISTINCT_EDGES,
    EDGE_ROWS,
    HIDDEN,
    NODE_FIELDS,
    NODE_ROWS,
    edge_of,
    id_range,
    label,
    node_of,
)
from .migrations import migrate
from .writes import delete, newest_changes, write_batch

BATCH = cypher.BATCH
# A write with more items than this is committed in bounded transactions (see .bulk).
BULK_THRESHOLD = 20000
SEARCH_CAP = 2000
EXPORT_CHANGES_PAGE = 200  # change heads read per transaction by export_changes
MAX_PATHS = 500
# (kind, property) pairs with an index (see migrations), which find_by_property seeks by value.
INDEXED_PROPERTIES = frozenset({("Municipality", "match_key")})


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` in Neo4j 5 (Community, Enterprise, Aura or a cluster)."""

    backend = "neo4j"

    def __init__(self, uri: str, auth=None, database: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S):
        self.connection = Neo4jConnection(uri, auth, database, timeout_s,
                                          prepare=lambda driver: migrate(driver, database or None))
        self.uri, self.database, self.timeout_s = uri, self.connection.database, self.connection.timeout_s
        self._recent = RecentVersion()

    def driver_settings(self) -> dict:
        """The driver's settings (see :meth:`Neo4jConnection.driver_settings`)."""
        return self.connection.driver_settings()

    def _execute(self, work, *args, write: bool = False):
        return self.connection.run(work, *args, write=write)

    def _read(self, query: str, **params) -> list:
        return self.connection.read(query, **params)

    def _read_rows(self, query: str, **params) -> list:
        return self.connection.read_rows(query, **params)

    def close(self) -> None:
        self._run_close_hooks()
        self.connection.close()

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
            return bulk_write(self.connection, nodes, edges, change or ChangeNote())
        return self._execute(write_batch, nodes, edges, change or ChangeNote(), doomed, dict(expect or {}),
                             doomed_edges, write=True)

    def delete(self, node_ids: Iterable[str] = (), edges: Iterable[tuple[str, str, str]] = (),
               change: ChangeNote | None = None, expect: Mapping[str, int] | None = None) -> Change | None:
        node_ids, edge_keys = sorted(set(node_ids)), sorted({tuple(k) for k in edges})
        try:
            return self._execute(delete, node_ids, edge_keys, change or ChangeNote(), dict(expect or {}),
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
                   "SET m = {id: m.id, generation: m.generation, search_format: m.search_format, "
                   "schema_version: m.schema_version}").consume()

        # Batches keep a large graph within the server's transaction memory.
        while self._execute(delete_some, write=True):
            pass
        self._execute(forget_meta, write=True)

    # -- whole stores ----------------------------------------------------------------
    def export_changes(self) -> Iterator[dict]:
        last = 0
        while True:  # pages of heads, each read with its items in one transaction
            def page(tx, after=last):
                heads = list(tx.run("MATCH (c:CommonGroundChange) WHERE c.seq > $after RETURN c ORDER BY c.seq "
                                    "LIMIT $limit", after=after, limit=EXPORT_CHANGES_PAGE))
                found = []
                for head in heads:
                    c = head["c"]
                    items = [item for chunk in tx.run("MATCH (i:CommonGroundChangeItems {seq: $seq}) "
                                                      "RETURN i.items AS items ORDER BY i.chunk", seq=c["seq"])
                             for item in json.loads(chunk["items"])]
                    found.append({"seq": c["seq"], "at": c["at"], "actor": c["actor"], "reason": c["reason"],
                                  "code": c.get("code") or "", "params": decode_params(c.get("params")),
                                  "items": items})
                return found

            found = self._execute(page)
            yield from found
            if len(found) < EXPORT_CHANGES_PAGE:
                return
            last = found[-1]["seq"]

    def replace_all(self, nodes, edges, changes, accounts, note) -> int:
        try:
            nodes, edges = fold_repeats(list(nodes), list(edges))
            return journal.replace_all(self.connection, nodes, edges, changes, accounts, note)
        finally:
            self._recent.forget()

    def interrupted(self) -> str | None:
        return journal.describe(journal.read_journal(self.connection))

    def finish_interrupted(self) -> str | None:
        try:
            return journal.finish(self.connection)
        finally:
            self._recent.forget()

    def accounts(self):
        # Imported when asked: the account rules hash a dummy password with argon2 on import,
        # which a process that only reads the graph (or a crash test's writer) should not pay.
        from .accounts import Neo4jAccountStore

        return Neo4jAccountStore(self.connection)

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
                                    seq=newest_changes(tx, [node_id])[node_id]))
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
                # A record made before codes has neither code nor params (graph.model.CHANGE_CODES).
                found.append(Change(c["seq"], c["at"], c["actor"], c["reason"], tuple(items[:max_items]),
                                    c["item_count"], c.get("code") or "", decode_params(c.get("params"))))
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
        return {r["id"]: node_of(r) for r in rows}

    def edges_of(self, node_id: str, types: Iterable[str] | None = None) -> list[Edge]:
        rows = self._read_rows(
            "MATCH (n:Entity {id: $id})-[r]-(:Entity) "
            f"WHERE $types IS NULL OR type(r) IN $types {DISTINCT_EDGES}RETURN {EDGE_ROWS}",
            id=node_id, types=list(types) if types is not None else None,
        )
        return [edge_of(r) for r in rows]

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
        return [edge_of(r) for r in rows]

    def nodes(self, kind: str | None = None, only: Iterable[str] | None = None) -> Iterator[Node]:
        # Keyset pages over the id index, each one list (see NODE_ROWS): a kind's ids share its
        # prefix, so its nodes are one range of that index, read in order without a sort.
        first, upper = ("", None) if kind is None else id_range(schema.node_kind(kind).prefix)
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
                yield from (node_of(r) for r in rows)
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
        rows = self.connection.stream(
            f"MATCH (a:Entity)-[r{pattern}]->(b:Entity) "
            "RETURN a.id AS s, type(r) AS type, b.id AS t, properties(r) AS props "
            "ORDER BY s, type, t", fetch_size=BATCH,
        )
        yield from (edge_of(r) for r in rows)

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
                f"UNWIND $values AS v MATCH (n:{label(kind)} {{{key}: v}}) "
                f"WITH DISTINCT n ORDER BY n.id RETURN {NODE_ROWS}", values=list(set(values)))
            return [node_of(r) for r in rows]
        rows = self._read_rows(
            f"MATCH (n:{label(kind)}) WHERE n[$key] IN $values WITH n ORDER BY n.id RETURN {NODE_ROWS}",
            key=key, values=list(values),
        )
        return [node_of(r) for r in rows]

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
        return text.rank_hits([node_of(r) for r in rows], tokens)[:limit]

    def list_nodes(self, query: ListQuery) -> Page:
        sort_keys = text.sort_keys(query.sort, query.lang) if query.sort in schema.TEXT_FIELDS else [query.sort]
        # Direction cannot be a parameter; it picks one of two fixed texts, never input.
        order = "DESC" if query.descending else "ASC"
        sort_expr = "reduce(v = null, k IN $sort_keys | coalesce(v, n[k]))"
        if query.sort in schema.TEXT_FIELDS:
            sort_expr = f"toLower({sort_expr})"
        match = (
            f"MATCH (n:{label(query.kind)}) "
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
        return Page(total, [node_of(r) for r in rows])

    def property_values(self, kind: str, key: str) -> dict:
        schema.check_properties({key: ""})
        rows = self._read(
            f"MATCH (n:{label(kind)}) WHERE n[$key] IS NOT NULL RETURN n[$key] AS v, count(*) AS c",
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


