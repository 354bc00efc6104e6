"""Writing the workspace: start a run, adapt a template (a side's answers: :mod:`.answers`).

Every action checks everything first and then makes ONE store write, so a refusal
writes nothing and a save is one change in the history (attributed, revertible).
A save passes ``expect={node: version}`` to the store, which checks it again inside
its own transaction: two editors cannot both win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from .. import schema
from ..editing import edits as editing
from ..errors import NotFound
from ..model import ChangeNote
from ..records import make_edge, make_node
from ..schema import LANGUAGES
from .checks import (
    MAX_LABEL,
    MAX_TEXT,
    check_lang,
    check_text,
    folded,
    held_date,
    may_start,
    refuse,
    refuse_stale,
    write_expecting,
)
from .files import ITEM_TYPES, KEY, MAX_KEY_LENGTH
from .model import Item, Run, Template
from .read import run as read_run
from .read import template as read_template

# -- starting a run -------------------------------------------------------------------------

def start_run(store, account, partnership_id: str, template_id: str, held_on, notions: Iterable[str] | None = None,
              own_notions: Iterable[tuple[str, str]] = (), actor: str | None = None) -> Run:
    """Start a dated run of an exercise for a partnership and return it.

    ``notions`` are the template's notion keys the run keeps, in the order given
    (default: all it suggests); ``own_notions`` are ``(label, language)`` pairs of
    notions the group chose itself (keys ``own_1``, ``own_2``...).  Prompts
    exercises take neither.
    """
    if not isinstance(partnership_id, str) or store.get_node(partnership_id) is None \
            or schema.kind_of_id(partnership_id) != "Partnership":
        refuse("unknown_partnership", f"no partnership {partnership_id!r}", value=str(partnership_id))
    try:
        template = read_template(store, template_id)
    except NotFound:
        refuse("unknown_exercise", f"no exercise {template_id!r}", value=str(template_id))
    if not may_start(store, account, partnership_id):
        refuse("not_an_editor", f"may not start a run for {partnership_id}", value=partnership_id)
    held_on = held_date(held_on)
    items = [i for i in template.items if i.type != "score"] + _run_notions(template, notions, list(own_notions))
    run_id = _free_id(store, f"run:{partnership_id.split(':', 1)[1]}-{template.key}-{held_on.isoformat()}")
    props = {
        "held_on": held_on.isoformat(), "exercise": template.id, "partnership": partnership_id,
        "exercise_kind": template.kind, "items": [i.key for i in items],
        **{f"name_{lang}": f"{template.name(lang)} {held_on.isoformat()}" for lang in LANGUAGES},
    }
    for item in items:
        props.update(item.props())
    if template.kind == "radar":
        props.update(scale_min=template.scale[0], scale_max=template.scale[1], highlight=template.highlight)
    node = make_node(run_id, props)
    edges = [make_edge(run_id, "RUN_OF", template.id), make_edge(run_id, "RUN_FOR", partnership_id)]
    store.write([node], edges, ChangeNote(actor or account.actor, code="start_run",
                                          params={"template": template.id, "held_on": held_on.isoformat()}))
    return read_run(store, run_id)


def _run_notions(template: Template, notions, own: list) -> list[Item]:
    if template.kind != "radar":
        if notions or own:
            refuse("unknown_notion", f"{template.id} has no notions", value=str((list(notions or []) + own)[0]))
        return []
    keys = [i.key for i in template.notion_items] if notions is None else list(notions)
    chosen, labels = [], {}
    for key in keys:
        item = template.item(key) if isinstance(key, str) else None
        if item is None or item.type != "score":
            refuse("unknown_notion", f"{template.id} has no notion {key!r}", key=str(key), value=str(key))
        if item in chosen:
            refuse("duplicate_notion", f"notion {key!r} is chosen twice", key=key, value=key)
        chosen.append(item)
        for lang, text in item.label.items():
            labels[(lang, folded(text))] = key
    for n, pair in enumerate(own, 1):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            refuse("bad_text", "an own notion is a (label, language) pair", key=f"own_{n}")
        label, lang = check_text(f"own_{n}", pair[0], MAX_LABEL), check_lang(pair[1], f"own_{n}")
        if not label:
            refuse("bad_text", f"own notion {n} has no label", key=f"own_{n}")
        if (lang, folded(label)) in labels:
            refuse("duplicate_notion", f"notion {label!r} is chosen twice", key=f"own_{n}", value=label)
        labels[(lang, folded(label))] = f"own_{n}"
        chosen.append(Item(f"own_{n}", "score", {lang: label}, {}, None, lang))
    low, high = template.notions[0], template.notions[1]
    if len(chosen) < low:
        refuse("too_few_notions", f"a run needs at least {low} notions", min=low, max=high, value=len(chosen))
    if len(chosen) > high:
        refuse("too_many_notions", f"a run has at most {high} notions", min=low, max=high, value=len(chosen))
    return chosen


def _free_id(store, base: str) -> str:
    candidate, n = base, 1
    while store.get_node(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# -- adapting a template --------------------------------------------------------------------

def adapt_template(store, account, template_id: str, *, labels: Mapping[tuple[str, str], str] | None = None,
                   add: Iterable[Item] = (), hide: Iterable[str] = (), based_on: int = 0,
                   actor: str | None = None) -> Template:
    """Adapt a template (staff and admins): relabel, add items, hide items; past runs keep their copy.

    ``labels`` maps ``(item key, language)`` to a new label; the keys ``name`` and
    ``description`` rename the exercise itself.  Added items need a label in every
    language.  Hidden items stay on the node (``hidden_items``) for the record.
    """
    try:
        template = read_template(store, template_id)
    except NotFound:
        refuse("unknown_exercise", f"no exercise {template_id!r}", value=str(template_id))
    if account is None or not account.active or not account.edits_everything:
        refuse("not_an_editor", "only association staff and administrators adapt exercises", value=template_id)
    items = {i.key: i for i in template.items}
    props: dict = {}
    for pair, text in dict(labels or {}).items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            refuse("unknown_item", f"a label is keyed by (item, language), not {pair!r}", value=str(pair))
        key, lang = pair
        check_lang(lang, str(key))
        limit = MAX_TEXT if key == "description" else MAX_LABEL
        text = check_text(str(key), text, limit)
        if not text:
            refuse("bad_text", f"{key}: a label cannot be empty", key=str(key))
        if key in ("name", "description"):
            props[f"{key}_{lang}"] = text
        elif key in items:
            props[f"item_{key}_label_{lang}"] = text
        else:
            refuse("unknown_item", f"{template_id} has no item {key!r}", key=str(key), value=str(key))
    order = list(items)
    hidden = list(i.key for i in template.hidden)
    for key in hide:
        if key not in items:
            refuse("unknown_item", f"{template_id} has no item {key!r}", key=str(key), value=str(key))
        order.remove(key)
        hidden.append(key)
    for item in add:
        _check_new_item(template, item, items, hidden)
        props.update(item.props())
        order.append(item.key)
        items[item.key] = item
    if template.kind == "radar":
        count = sum(1 for k in order if items[k].type == "score")
        low, high, _ = template.notions
        if count < low:
            refuse("too_few_notions", f"a radar needs at least {low} notions", min=low, max=high, value=count)
        if count > high:
            refuse("too_many_notions", f"a radar has at most {high} notions", min=low, max=high, value=count)
        props["notions_suggested"] = count
    elif any(items[k].type == "score" for k in order):
        refuse("unknown_item", "only a radar has notions", value="score")
    props.update(items=order, hidden_items=hidden or "", adapted_at=dt.datetime.now(dt.UTC)
                 .strftime("%Y-%m-%dT%H:%M:%SZ"), adapted_by=actor or account.actor)
    refuse_stale(store, template_id, based_on)
    write_expecting(store, template_id, based_on, nodes=[editing.build_node(template_id, props)],
           change=ChangeNote(actor or account.actor, code="adapt_exercise", params={"template": template.id}))
    return read_template(store, template_id)


def _check_new_item(template: Template, item, items: dict, hidden: list) -> None:
    if not isinstance(item, Item) or not isinstance(item.key, str) or not KEY.match(item.key) \
            or len(item.key) > MAX_KEY_LENGTH or item.own:
        refuse("unknown_item", f"not a valid new item: {item!r}", value=str(getattr(item, "key", item)))
    if item.key in items or item.key in hidden:
        refuse("duplicate_notion", f"{template.id} already has an item {item.key!r}", key=item.key,
                value=item.key)
    if item.type not in ITEM_TYPES:
        refuse("unknown_item", f"unknown item type {item.type!r}", key=item.key, value=str(item.type))
    for lang in LANGUAGES:
        label = check_text(item.key, item.label.get(lang, ""), MAX_LABEL)
        if not label:
            refuse("unknown_language", f"{item.key}: a new item needs a label in every language", key=item.key,
                    value=lang)
        check_text(item.key, item.help.get(lang, ""), MAX_TEXT)


__all__ = ["adapt_template", "start_run"]
