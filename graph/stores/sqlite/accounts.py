"""The embedded store's accounts: their own SQLite file in its data directory.

The rules (ids, roles, scopes, passwords) are :class:`graph.accounts.model.AccountStore`'s;
this keeps the rows only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from ...accounts.model import AccountStore
from ...errors import StoreUnavailable
from ..private_files import private_dir, private_file

ACCOUNTS_FILE = "accounts.sqlite3"


class SQLiteAccountStore(AccountStore):
    """Accounts in their own SQLite file in the embedded store's data directory."""

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / ACCOUNTS_FILE
        self._lock = threading.Lock()
        try:
            private_dir(data_dir)
            private_file(self.path)
            with self._connect() as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreUnavailable(f"cannot open the accounts in {self.path}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    def _run(self, statement: str, params=()) -> list:
        try:
            conn = self._connect()
            try:
                with conn:
                    return conn.execute(statement, params).fetchall()
            finally:
                conn.close()
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"cannot read the accounts in {self.path}: {exc}") from exc

    def _get(self, account_id):
        rows = self._run("SELECT data FROM accounts WHERE id = ?", (account_id,))
        return json.loads(rows[0][0]) if rows else None

    def _all(self):
        return [json.loads(r[0]) for r in self._run("SELECT data FROM accounts ORDER BY id")]

    def _insert(self, row):
        try:
            self._run("INSERT INTO accounts (id, data) VALUES (?, ?)", (row["id"], json.dumps(row)))
        except sqlite3.IntegrityError:
            return False
        return True

    def _update(self, row):
        self._run("UPDATE accounts SET data = ? WHERE id = ?", (json.dumps(row), row["id"]))

    def clear(self):
        self._run("DELETE FROM accounts")

    def _replace_all(self, rows):
        try:
            conn = self._connect()
            try:
                with conn:  # one transaction: every account replaced, or none
                    conn.execute("DELETE FROM accounts")
                    conn.executemany("INSERT INTO accounts (id, data) VALUES (?, ?)",
                                     [(row["id"], json.dumps(row)) for row in rows])
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"cannot write the accounts in {self.path}: {exc}") from exc
