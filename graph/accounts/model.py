"""Editor accounts: who may change the knowledge base, kept beside the graph, never in it.

Accounts are not nodes of the graph.  Each store keeps them beside itself
(:meth:`graph.stores.base.GraphStore.accounts`): the embedded store in their own
SQLite file (:mod:`graph.stores.sqlite.accounts`), Neo4j as ``CommonGroundAccount``
nodes (:mod:`graph.stores.neo4j.accounts`), a label that is never ``Entity``, so
no graph read, export, search or graph view can reach them.  The rules are here,
once; a backend only keeps rows.  Passwords are kept only as
argon2id hashes (argon2-cffi's defaults, which follow RFC 9106).

Sessions: each account keeps a session version with its row.  A signed-in
session holds a key derived from the password hash and that version
(:attr:`Account.session_key`), and the web app compares it on every request.
Signing out, a new password, disabling and enabling an account each move the
version on (:meth:`AccountStore.end_sessions`), so every session opened
before, a copied cookie included, stops working at once, in every worker.

Roles:
  * ``editor``: may change what belongs to the municipalities and organisations in ``scopes``
    (see :mod:`graph.permissions`);
  * ``staff``: an association's staff; may change everything;
  * ``admin``: may change everything and manages accounts.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from .. import schema
from ..errors import GraphError

ROLES = ("editor", "staff", "admin")
ACCOUNT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# zxcvbn's scores: 0 too guessable ... 4 very unguessable; 3 is "safely unguessable" (about 10^10 guesses),
# beyond an online attack and slow to find offline against argon2id hashes.
MIN_PASSWORD_SCORE = 3
# zxcvbn's time grows fast with length; a password this long is judged on its start (72: its default).
ZXCVBN_MAX_LENGTH = 72
MAX_DISPLAY_NAME = 120
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

    def __init__(self, code: str, message: str, reason: str | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason  # a finer cause within the code (weak_password: a key of WEAKNESSES)


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
    # Moved on by end_sessions(): part of session_key, so that a cookie from before stops working.
    session_version: int = 0

    @property
    def actor(self) -> str:
        """What change notes name this account as."""
        return f"user:{self.id}"

    @property
    def session_key(self) -> str:
        """A token that changes with the password and the session version: either ends every open session."""
        key = f"{self.session_version}|{self.password_hash}".encode()
        return hashlib.blake2b(key, digest_size=8).hexdigest()

    @property
    def edits_everything(self) -> bool:
        return self.role in ("staff", "admin")

    def public(self) -> dict:
        """What may be shown of the account (to itself and to admins): no hash."""
        return {"id": self.id, "role": self.role, "display_name": self.display_name,
                "scopes": list(self.scopes), "active": self.active, "created_at": self.created_at}

    def to_row(self) -> dict:
        return {**self.public(), "password_hash": self.password_hash, "session_version": self.session_version}

    @classmethod
    def from_row(cls, row: dict) -> Account:
        return cls(row["id"], row["role"], row.get("display_name") or "", tuple(row.get("scopes") or ()),
                   bool(row.get("active", True)), row.get("created_at") or "", row.get("password_hash") or "",
                   int(row.get("session_version") or 0))


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


def check_password(password: str, context: Iterable[str] = ()) -> str:
    """Refuse a password that is too short or long, a common one, or one too easy to guess (NIST SP 800-63B 3.1.1.2).

    Common passwords are the 30,000 of the list zxcvbn ships (MIT licence), compared without
    case; "too easy" is a zxcvbn score below MIN_PASSWORD_SCORE, where ``context`` (the
    account's name and display name) counts as known to whoever guesses.  There is no rule on
    kinds of characters: NIST advises against them, length and unpredictability are what count.
    """
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError("bad_password", f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    if password.strip().lower() in _common_passwords():
        raise AccountError("common_password", "this password is on a list of common passwords")
    guessed = zxcvbn(password, user_inputs=[c for c in context if c], max_length=ZXCVBN_MAX_LENGTH)
    if guessed["score"] < MIN_PASSWORD_SCORE:
        reason = _weakness(guessed["sequence"])
        raise AccountError("weak_password", f"this password is too easy to guess: {WEAKNESSES[reason]}",
                           reason=reason)
    return password


# Why zxcvbn finds a password easy, by the kind of pattern that covers most of it (translated in webapp/).
WEAKNESSES = {
    "repeat": "it repeats characters or groups of characters",
    "sequence": "it holds a sequence such as abcd or 1234",
    "keyboard": "it follows keys next to each other on a keyboard",
    "words": "it is made of common words, names or passwords, or of the account's name",
    "date": "it holds a date or a year",
    "simple": "it is short or simple",
}
_PATTERN_WEAKNESS = {"repeat": "repeat", "sequence": "sequence", "spatial": "keyboard", "dictionary": "words",
                     "date": "date", "regex": "date"}


def _weakness(matches: list[dict]) -> str:
    """The WEAKNESSES key for the pattern covering most of the password (zxcvbn's regex match is years)."""
    found = [m for m in matches if m.get("pattern") in _PATTERN_WEAKNESS]
    if not found:
        return "simple"
    widest = max(found, key=lambda m: len(m.get("token", "")))
    return _PATTERN_WEAKNESS[widest["pattern"]]


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def hash_password(password: str, *context: str) -> str:
    """Return the argon2id hash of ``password`` (checked by check_password() first)."""
    return _hasher.hash(check_password(password, context))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_rows(rows) -> list[dict]:
    """Check account rows read from a backup; return them in the stored form, or raise AccountError."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise AccountError("bad_rows", "accounts must be a list of objects")
    checked, seen = [], set()
    for row in rows:
        if "password" in row:
            raise AccountError("bad_rows", "an account row holds a plain password; backups hold hashes only")
        try:
            account = Account.from_row(row)
        except (KeyError, TypeError, ValueError) as exc:
            raise AccountError("bad_rows", f"an account row lacks or spoils a field: {exc}") from exc
        check_account_id(account.id)
        check_role(account.role)
        if account.password_hash and not account.password_hash.startswith("$argon2"):
            raise AccountError("bad_rows", f"account {account.id}: the password hash is not an argon2 hash")
        if account.id in seen:
            raise AccountError("bad_rows", f"account {account.id} occurs twice")
        seen.add(account.id)
        checked.append(account.to_row())
    return checked


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

    @abstractmethod
    def _replace_all(self, rows: list[dict]) -> None:
        """Replace every stored row by ``rows``, in one transaction."""

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

    # -- backups -------------------------------------------------------------------
    def export_rows(self) -> list[dict]:
        """Every account as a plain row for a backup: argon2id hashes, never a password."""
        return [Account.from_row(r).to_row() for r in self._all()]

    def replace_rows(self, rows: list[dict]) -> None:
        """Replace every account by ``rows`` (checked first as :func:`check_rows` does), in one transaction."""
        self._replace_all(check_rows(rows))

    def add(self, account_id: str, password: str, role: str = "editor", scopes=(),
            display_name: str = "") -> Account:
        """Create an account; refuse a taken id, an unknown role or a short password."""
        check_account_id(account_id)
        check_role(role)
        scopes = check_scopes(role, scopes)
        if len(display_name) > MAX_DISPLAY_NAME or schema.NAME_FORBIDDEN.search(display_name):
            raise AccountError("bad_name", f"a display name has at most {MAX_DISPLAY_NAME} characters")
        account = Account(account_id, role, display_name, scopes, True, _now(),
                          hash_password(password, account_id, display_name))
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
        """Disable (or enable again) an account; a disabled account cannot sign in.

        Either ends every session of the account: enabling it again does not bring back
        the sessions it had before it was disabled.
        """
        account = self._existing(account_id)
        account = replace(account, active=active, session_version=account.session_version + 1)
        self._update(account.to_row())
        return account

    def set_password(self, account_id: str, password: str) -> Account:
        """Set a new password, which also ends every session of the account."""
        account = self._existing(account_id)
        account = replace(account, password_hash=hash_password(password, account_id, account.display_name),
                          session_version=account.session_version + 1)
        self._update(account.to_row())
        return account

    def end_sessions(self, account_id: str) -> Account:
        """End every session of the account (signing out): the cookies it had stop working everywhere."""
        account = self._existing(account_id)
        account = replace(account, session_version=account.session_version + 1)
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


def open_accounts(store) -> AccountStore:
    """Return the account store that lives beside ``store``."""
    return store.accounts()
