"""The one cycle every edit form runs: check the version it was opened on, write with ``expect``,
and, when someone saved meanwhile, answer 409 with what changed; on success, flash and redirect.

Views keep only what is their own (their form, their domain call, their page); the conflict
message, the diff and the redirect are written here once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask_babel import gettext

from graph import StaleWrite
from graph.editing.edits import StaleEdit, check_version

from ..presenters.changes import nodes_of, present_change

#: What a write refused as stale raises: the check before the write, the store's check inside it,
#: and a version that is not a number (a form tampered with or from before versions).
CONFLICTS = (StaleEdit, StaleWrite, ValueError)


def stale_message() -> str:
    """The one sentence a person reads when their save lost a race."""
    return gettext("Someone else changed this after you opened it. Your text is still in "
                   "the form; compare it with what changed meanwhile, then save again.")


def outside_message() -> str:
    """The refusal of an edit to something the account does not work for."""
    return gettext("This belongs to municipalities or organisations your account does not work for. "
                   "Nothing was changed.")


def changed_since(store, node_id: str, based_on: int, lang: str) -> list[dict]:
    """The changes to ``node_id`` after version ``based_on``, as the 409 page shows them."""
    newer = [c for c in store.changes(node_id=node_id, limit=20) if c.seq > based_on]
    return [present_change(c, nodes_of(store, newer), lang) for c in newer]


def write_expecting(store, node_id: str, based_on: int, write: Callable[[int], None]) -> None:
    """Check that ``node_id`` is still at ``based_on`` and run ``write(based_on)``, which passes
    ``expect={node_id: based_on}`` to the store: another worker may save between check and write.

    Raises one of :data:`CONFLICTS` when the edit is stale; the caller maps it with :func:`conflict`.
    """
    check_version(store, node_id, based_on)
    write(based_on)


def conflict(store, node_id: str, based_on: int, lang: str, form=None) -> list[dict]:
    """Map a stale write to its 409: the message on the form's version field (if a form) and the diff."""
    if form is not None:
        form.version.errors = [stale_message()]
    return changed_since(store, node_id, based_on, lang)


def saved(url: str, message: str | None = None, status: int = 303):
    """Redirect after a successful POST, with a flashed message (``Saved.`` unless told)."""
    flash(message if message is not None else gettext("Saved."))
    return redirect(url, status)
