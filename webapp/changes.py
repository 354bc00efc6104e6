"""Change records as readers see them: who, when, why, and each item's diff."""

from __future__ import annotations

import datetime as dt

from flask import g, url_for
from flask_babel import format_datetime

from graph.editing import diff
from graph.model import Change
from graph.schema import kind_of_id

from . import present
from .auth import get_accounts
from .labels import PROPERTIES, relation_name


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


def present_change(change: Change, nodes: dict, lang: str) -> dict:
    """Return a change with each item's action and property diff, ready for a page and its JSON twin."""
    items = []
    for item in change.items:
        action = "created" if item.before is None else "deleted" if item.after is None else "changed"
        rows = [{"key": r["key"], "label": str(PROPERTIES.get(r["key"], r["key"])),
                 "before": _value(r["before"]), "after": _value(r["after"])}
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

