"""What every workspace action checks first: the limits of an answer, who may act, and stale work.

A refusal raises :class:`~graph.workspace.errors.WorkspaceError` with a code the
web layer translates; nothing has been written then.
"""

from __future__ import annotations

import datetime as dt

from .. import schema
from ..editing import edits as editing
from ..errors import StaleWrite
from ..schema import LANGUAGES
from .errors import WorkspaceError

# Limits of what one answer may hold (the schema's own limits are larger).
MAX_TEXT = 5000            # characters in one text answer or translation
MAX_LABEL = 120            # characters in a notion's or prompt's label
MAX_LINE = 200             # characters in one stakeholder or ambition line
MAX_LINES = 30             # lines in one stakeholders or ambitions answer
MAX_CHOICES = 20           # themes or SDGs in one answer, unless the item says fewer
MAX_PARTICIPANTS = 500
# Saves planned again when the other side saved in between (see answers._save).
SAVE_TRIES = 5
EARLIEST, LATEST_YEARS_AHEAD = dt.date(1950, 1, 1), 5


def may_start(store, account, partnership_id: str) -> bool:
    """Whether ``account`` may start a run for the partnership (its municipalities' and facilitators' editors)."""
    return editing.may_edit(store, account, partnership_id)


def may_answer(account, municipality_id: str) -> bool:
    """Whether ``account`` may answer for ``municipality_id`` (its editors; staff and admins)."""
    return account is not None and account.active and (
        account.edits_everything or municipality_id in account.scopes)


def may_translate(store, account, run_id: str) -> bool:
    """Whether ``account`` may add translations to the run's answers: whoever may work on the run."""
    return editing.may_edit(store, account, run_id)


def refuse(code: str, message: str, **params):
    raise WorkspaceError(code, message, **params)


def check_text(key: str, text, limit: int, lang: str | None = None) -> str:
    if not isinstance(text, str):
        refuse("bad_text", f"{key}: text expected", key=key)
    text = text.strip()
    if len(text) > limit:
        refuse("text_too_long", f"{key}: longer than {limit} characters", key=key, max=limit, value=len(text))
    bad = schema.TEXT_FORBIDDEN.search(text)
    if bad:
        refuse("bad_text", f"{key}: control character U+{ord(bad.group()):04X}", key=key)
    return text


def check_lang(lang, key: str = "lang") -> str:
    if lang not in LANGUAGES:
        refuse("unknown_language", f"unknown language {lang!r}", key=key, value=str(lang))
    return lang


def held_date(held_on) -> dt.date:
    if isinstance(held_on, str):
        try:
            held_on = dt.date.fromisoformat(held_on)
        except ValueError:
            refuse("bad_date", f"not a date: {held_on!r}", value=held_on)
    if isinstance(held_on, dt.datetime) or not isinstance(held_on, dt.date):
        refuse("bad_date", f"not a date: {held_on!r}", value=str(held_on))
    latest = dt.date.today().replace(year=dt.date.today().year + LATEST_YEARS_AHEAD)
    if not EARLIEST <= held_on <= latest:
        refuse("bad_date", f"{held_on} is not between {EARLIEST} and {latest}", value=held_on.isoformat(),
                min=EARLIEST.isoformat(), max=latest.isoformat())
    return held_on


def refuse_stale(store, node_id: str, based_on: int):
    try:
        editing.check_version(store, node_id, based_on)
    except editing.StaleEdit as exc:
        refuse("stale", f"{node_id} {exc}", changes=exc.changes, value=node_id)


def write_expecting(store, node_id: str, based_on: int, **write):
    """Write once; a concurrent save between our check and the write is refused as stale too."""
    try:
        return store.write(**write, expect={node_id: based_on})
    except StaleWrite:
        newer = [c for c in store.changes(node_id=node_id, limit=20) if c.seq > based_on]
        refuse("stale", f"{node_id} changed meanwhile", changes=newer, value=node_id)


def folded(text: str) -> str:
    from ..text import fold

    return fold(text)
