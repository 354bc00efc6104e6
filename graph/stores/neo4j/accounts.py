"""Neo4j's accounts: ``CommonGroundAccount`` nodes beside the graph.

The rules (ids, roles, scopes, passwords) are :class:`graph.accounts.model.AccountStore`'s;
this keeps the rows only.
"""

from __future__ import annotations

import json

from ...accounts.model import AccountStore
from .connection import Neo4jConnection


class Neo4jAccountStore(AccountStore):
    """Accounts as ``CommonGroundAccount`` nodes: not ``Entity``, so invisible to every graph read."""

    CONSTRAINT = ("CREATE CONSTRAINT account_id IF NOT EXISTS "
                  "FOR (a:CommonGroundAccount) REQUIRE a.id IS UNIQUE")

    def __init__(self, connection: Neo4jConnection):
        self.connection = connection
        self._ready = False

    def _run(self, query: str, write: bool = False, **params) -> list:
        if not self._ready:
            self.connection.run(lambda tx: tx.run(self.CONSTRAINT).consume(), write=True)
            self._ready = True
        return self.connection.run(lambda tx: [r.data() for r in tx.run(query, **params)], write=write)

    def _get(self, account_id):
        rows = self._run("MATCH (a:CommonGroundAccount {id: $id}) RETURN a.data AS data", id=account_id)
        return json.loads(rows[0]["data"]) if rows else None

    def _all(self):
        return [json.loads(r["data"]) for r in
                self._run("MATCH (a:CommonGroundAccount) RETURN a.data AS data ORDER BY a.id")]

    def _insert(self, row):
        created = self._run("MERGE (a:CommonGroundAccount {id: $id}) "
                            "ON CREATE SET a.data = $data, a.created = true "
                            "WITH a, a.created AS fresh REMOVE a.created RETURN fresh",
                            write=True, id=row["id"], data=json.dumps(row))
        return bool(created and created[0]["fresh"])

    def _update(self, row):
        self._run("MATCH (a:CommonGroundAccount {id: $id}) SET a.data = $data",
                  write=True, id=row["id"], data=json.dumps(row))

    def clear(self):
        self._run("MATCH (a:CommonGroundAccount) DETACH DELETE a", write=True)

    def _replace_all(self, rows):
        self._run("MATCH (a:CommonGroundAccount) DETACH DELETE a WITH count(*) AS gone "
                  "UNWIND $rows AS row CREATE (:CommonGroundAccount {id: row.id, data: row.data})",
                  write=True, rows=[{"id": r["id"], "data": json.dumps(r)} for r in rows])
