"""Change records as readers see them: who, when, why, and each item's diff."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import g, url_for
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l

from graph import workspace
from graph.editing.edits import diff
from graph.model import Change
from graph.schema import LANGUAGES, kind_of_id

from ..auth import get_accounts
from ..db import get_store
from ..i18n import current_language as current_lang
from ..labels import PROPERTIES, language_name, relation_name
from . import nodes as present


def _item_ref(item_id: str, kind: str, nodes: dict, lang: str) -> dict:
    if kind == "node":
        node = nodes.get(item_id)
        if node is not None:
            return present.ref(node, lang)
        return {"id": item_id, "label": item_id, "url": None}
    source, rel, target = item_id.split("|")
    return {"id": item_id, "label": f"{_end_label(source, nodes, lang)} — {relation_name(rel, 'out')} → "
                                    f"{_end_label(target, nodes, lang)}", "url": None}


def _end_label(node_id: str, nodes: dict, lang: str) -> str:
    node = nodes.get(node_id)
    return node.label(lang) if node else node_id


def _value(value):
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def actor_name(actor: str) -> str:
    """Show a change's actor: a person's display name (their account id if they gave none), the process otherwise."""
    account_id = actor.removeprefix("user:")
    if account_id == actor:
        return actor  # a process such as "kb seed"
    names = g.setdefault("actor_names", {})  # one lookup per account and request, however many changes
    if account_id not in names:
        account = get_accounts().get(account_id)
        names[account_id] = account.display_name if account and account.display_name else account_id
    return names[account_id]


# A workspace answer keeps each item's answer as flat properties (workspace.answer_property). History
# names them by the item's label in the reader's language, which the session (the answer's "run") holds.
ANSWER_FIELDS = {"participants": _l("Participants"), "lang": _l("Language of the answers"),
                 "side": _l("Side"), "run": _l("Session"), "answer_saves": _l("Answers saved")}


def _item_label(run_id, item_key: str, lang: str) -> str | None:
    """The label of ``item_key`` in the session ``run_id``, in ``lang`` or else any language it has."""
    runs = g.setdefault("history_runs", {})  # one read per session and request
    if run_id not in runs:
        node = get_store().get_node(run_id) if isinstance(run_id, str) and run_id.startswith("run:") else None
        runs[run_id] = node.props if node else {}
    props = runs[run_id]
    return next((props[f"item_{item_key}_label_{code}"] for code in (lang, *LANGUAGES)
                 if props.get(f"item_{item_key}_label_{code}")), None)


def property_label(key: str, props: dict, lang: str) -> str:
    """A property's name as a reader of the history sees it."""
    if key in PROPERTIES:
        return str(PROPERTIES[key])
    if "run" in props and "side" in props:  # one side's answers to a workspace session
        if key in ANSWER_FIELDS:
            return str(ANSWER_FIELDS[key])
        found = workspace.answer_property(key)
        if found:
            kind, item_key, into = found
            name = _item_label(props["run"], item_key, lang) or item_key.replace("_", " ")
            if into:
                return gettext("%(item)s (translation into %(language)s)", item=name,
                               language=language_name(into, lang))
            return gettext("Score: %(item)s", item=name) if kind == "score" else name
    return key


def _answer_value(key: str, value):
    """Participants are kept one role key per person; history shows each role's name with its count."""
    if key == "participants" and isinstance(value, list):
        names = {role.key: role.label(current_lang()) for role in workspace.roles()}
        counts = Counter(value)
        return ", ".join(f"{counts[k]} × {names.get(k, k)}" for k in sorted(counts, key=value.index))
    return _value(value)


def present_change(change: Change, nodes: dict, lang: str) -> dict:
    """Return a change with each item's action and property diff, ready for a page and its JSON twin."""
    items = []
    for item in change.items:
        action = "created" if item.before is None else "deleted" if item.after is None else "changed"
        props = item.after or item.before or {}
        rows = [{"key": r["key"], "label": property_label(r["key"], props, lang),
                 "before": _answer_value(r["key"], r["before"]), "after": _answer_value(r["key"], r["after"])}
                for r in diff(item.before, item.after)]
        items.append({"item": item.item, "kind": item.kind, "action": action,
                      "ref": _item_ref(item.item, item.kind, nodes, lang), "diff": rows})
    return {"seq": change.seq, "at": change.at, "at_display": _when(change.at), "actor": change.actor.removeprefix("user:"),
            "actor_name": actor_name(change.actor),
            "reason": change.reason, "item_count": change.item_count, "items": items,
            "url": url_for("history.change", seq=change.seq)}


def _when(at: str) -> str:
    try:
        return format_datetime(dt.datetime.fromisoformat(at.replace("Z", "+00:00")), "medium")
    except ValueError:
        return at


def nodes_of(store, changes) -> dict:
    """Return the nodes the changes' items name (those that still exist), for their labels."""
    ids = set()
    for change in changes:
        for item in change.items:
            ends = [item.item] if item.kind == "node" else item.item.split("|")[::2]
            ids.update(e for e in ends if _is_node_id(e))
    return store.get_nodes(sorted(ids))


def _is_node_id(value: str) -> bool:
    try:
        kind_of_id(value)
    except Exception:  # noqa: BLE001 - an old record may name anything
        return False
    return True

