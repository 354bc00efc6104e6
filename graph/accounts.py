"""Editor accounts: who may change the knowledge base, kept beside the graph, never in it.

Accounts are not nodes of the graph.  The embedded store keeps them in their
own SQLite file (``accounts.sqlite3`` in the data directory); Neo4j keeps them
as ``CommonGroundAccount`` nodes, a label that is never ``Entity``, so no graph
read, export, search or graph view can reach them.  Passwords are kept only as
argon2id hashes (argon2-cffi's defaults, which follow RFC 9106).

Roles:
  * ``editor``: may change what belongs to the municipalities and organisations in ``scopes``
    (see :mod:`graph.permissions`);
  * ``staff``: an association's staff; may change everything;
  * ``admin``: may change everything and manages accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import schema
from .errors import GraphError, StoreUnavailable

ROLES = ("editor", "staff", "admin")
ACCOUNT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_DISPLAY_NAME = 120
ACCOUNTS_FILE = "accounts.sqlite3"
# The kinds an editor can work for.
SCOPE_KINDS = ("Municipality", "Organisation")

# Set only by the test suite (tests/conftest.py): argon2id at its cheapest parameters, because the fixtures make
# several accounts per test and each full-cost hash takes a noticeable fraction of a second on a busy machine.
# Unset (always, outside the tests) the hasher keeps argon2-cffi's defaults; a hash made with the cheap
# parameters does not meet them, so check_needs_rehash replaces it at full cost at its next sign-in.
CHEAP_HASHES_ENV = "KB_TEST_CHEAP_PASSWORD_HASHES"
_hasher = (PasswordHasher.from_parameters(profiles.CHEAPEST) if os.environ.get(CHEAP_HASHES_ENV) == "1"
           else PasswordHasher())  # argon2id
# A hash to verify against when the account does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(GraphError):
    """A refused account operation; ``code`` says which rule it broke (for translated messages)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Account:
    """An editor's account.  ``password_hash`` is never shown anywhere (repr included)."""

    id: str
    role: str
    display_name: str = ""
    scopes: tuple[str, ...] = ()
    active: bool = True
    created_at: str = ""
    password_hash: str = field(default="", repr=False)

    @property
    def actor(self) -> str:
        """What change notes name this account as."""
        return f"user:{self.id}"

    @property
    def session_key(self) -> str:
        """A token that changes with the password, so a reset ends every open session."""
        return hashlib.blake2b(self.password_hash.encode(), digest_size=8).hexdigest()

    @property
    def edits_everything(self) -> bool:
        return self.role in ("staff", "admin")

    def public(self) -> dict:
        """What may be shown of the account (to itself and to admins): no hash."""
        return {"id": self.id, "role": self.role, "display_name": self.display_name,
                "scopes": list(self.scopes), "active": self.active, "created_at": self.created_at}

    def to_row(self) -> dict:
        return {**self.public(), "password_hash": self.password_hash}

    @classmethod
    def from_row(cls, row: dict) -> Account:
        return cls(row["id"], row["role"], row.get("display_name") or "", tuple(row.get("scopes") or ()),
                   bool(row.get("active", True)), row.get("created_at") or "", row.get("password_hash") or "")


def check_account_id(account_id: str) -> str:
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        raise AccountError("bad_id", f"account names are 2 to 63 characters a-z, 0-9, '.', '_' or '-', "
                                     f"starting with a letter or digit: {schema.shown(account_id)}")
    return account_id


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError("bad_role", f"unknown role {schema.shown(role)}; roles are {', '.join(ROLES)}")
    return role


def check_scopes(role: str, scopes) -> tuple[str, ...]:
    scopes = tuple(dict.fromkeys(scopes or ()))
    for scope in scopes:
        try:
            kind = schema.kind_of_id(scope)
        except schema.SchemaError:
            kind = None
        if kind not in SCOPE_KINDS:
            raise AccountError("bad_scope", f"an editor works for municipalities or organisations, "
                                            f"not {schema.shown(scope)}")
    if role == "editor" and not scopes:
        raise AccountError("no_scope", "an editor needs at least one municipality or organisation")
    return scopes


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError("bad_password", f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password`` (checked for length first)."""
    return _hasher.hash(check_password(password))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AccountStore(ABC):
    """Accounts beside a graph store.  Backends keep rows; the rules live here, once."""

    # -- what a backend provides ----------------------------------------------
    @abstractmethod
    def _get(self, account_id: str) -> dict | None:
        """Return the stored row of one account, or None."""

    @abstractmethod
    def _all(self) -> list[dict]:
        """Return every stored row, ordered by id."""

    @abstractmethod
    def _insert(self, row: dict) -> bool:
        """Store a new row; return False (storing nothing) if the id is taken."""

    @abstractmethod
    def _update(self, row: dict) -> None:
        """Replace an existing row."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every account (tests and `kb clear` do not call this: accounts outlive the graph)."""

    def close(self) -> None:
        """Release files and connections."""

    # -- the rules ---------------------------------------------------------------
    def get(self, account_id: str) -> Account | None:
        """Return an account, or None (a malformed id is simply not found)."""
        if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
            return None
        row = self._get(account_id)
        return Account.from_row(row) if row else None

    def all(self) -> list[Account]:
        return [Account.from_row(r) for r in self._all()]

    def add(self, account_id: str, password: str, role: str = "editor", scopes=(),
            display_name: str = "") -> Account:
        """Create an account; refuse a taken id, an unknown role or a short password."""
        check_account_id(account_id)
        check_role(role)
        scopes = check_scopes(role, scopes)
        if len(display_name) > MAX_DISPLAY_NAME or schema.NAME_FORBIDDEN.search(display_name):
            raise AccountError("bad_name", f"a display name has at most {MAX_DISPLAY_NAME} characters")
        account = Account(account_id, role, display_name, scopes, True, _now(), hash_password(password))
        if not self._insert(account.to_row()):
            raise AccountError("taken", f"there is already an account {account_id!r}")
        return account

    def _existing(self, account_id: str) -> Account:
        account = self.get(account_id)
        if account is None:
            raise AccountError("unknown", f"no account {schema.shown(account_id)}")
        return account

    def set_role(self, account_id: str, role: str, scopes=None) -> Account:
        """Change an account's role (and, given, the municipalities and organisations it works for)."""
        account = self._existing(account_id)
        check_role(role)
        scopes = check_scopes(role, account.scopes if scopes is None else scopes)
        account = replace(account, role=role, scopes=scopes)
        self._update(account.to_row())
        return account

    def set_active(self, account_id: str, active: bool) -> Account:
        """Disable (or enable again) an account; a disabled account cannot sign in."""
        account = replace(self._existing(account_id), active=active)
        self._update(account.to_row())
        return account

    def set_password(self, account_id: str, password: str) -> Account:
        """Set a new password, which also ends every session of the account."""
        account = replace(self._existing(account_id), password_hash=hash_password(password))
        self._update(account.to_row())
        return account

    def authenticate(self, account_id: str, password: str) -> Account | None:
        """Return the active account whose password this is, or None; rehash when parameters changed."""
        account = self.get(account_id) if isinstance(account_id, str) else None
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            return None
        try:
            _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if account is None or not account.active:
            return None
        if _hasher.check_needs_rehash(account.password_hash):
            account = replace(account, password_hash=_hasher.hash(password))
            self._update(account.to_row())
        return account


class SQLiteAccountStore(AccountStore):
    """Accounts in their own SQLite file in the embedded store's data directory."""

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / ACCOUNTS_FILE
        self._lock = threading.Lock()
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        except sqlite3.DatabaseError as exc:
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


class Neo4jAccountStore(AccountStore):
    """Accounts as ``CommonGroundAccount`` nodes: not ``Entity``, so invisible to every graph read."""

    CONSTRAINT = ("CREATE CONSTRAINT account_id IF NOT EXISTS "
                  "FOR (a:CommonGroundAccount) REQUIRE a.id IS UNIQUE")

    def __init__(self, store):
        self.store = store
        self._ready = False

    def _run(self, query: str, write: bool = False, **params) -> list:
        if not self._ready:
            self.store.execute(lambda tx: tx.run(self.CONSTRAINT).consume(), write=True)
            self._ready = True
        return self.store.execute(lambda tx: [r.data() for r in tx.run(query, **params)], write=write)

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


def open_accounts(store) -> AccountStore:
    """Return the account store that lives beside ``store``."""
    if store.backend == "neo4j":
        return Neo4jAccountStore(store)
    return SQLiteAccountStore(store.dir)
