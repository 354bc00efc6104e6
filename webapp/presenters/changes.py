"""Change records as readers see them: who, when, what and why, and each item's diff.

A change says what it did as a code with parameters (``graph.model.CHANGE_CODES``);
:data:`CHANGE_SENTENCES` tells each code in the reader's language.  The editor's own
typed reason is shown as typed, and a record made before codes keeps its text.
Property changes are shown with the property's translated label and human values
(yes/no, language and node names, enumerated values).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from flask import g, url_for
from flask_babel import format_date, format_datetime, gettext
from flask_babel import lazy_gettext as _l

from graph import workspace
from graph.editing.edits import diff
from graph.model import Change
from graph.schema import LANGUAGES, TEXT_FIELDS, kind_of_id

from ..auth import get_accounts
from ..db import get_store
from ..i18n import current_language as current_lang
from ..labels import PROPERTIES, VALUES, language_name, province_name, relation_name
from . import nodes as present

# What each change code (graph.model.CHANGE_CODES) says, by its parameters.  Node ids are shown as
# the node's name, ``rel`` as the relation's label, ``to`` as the language's name (Babel, in the
# reader's language), ``held_on`` as a date.  A code that arrives from another branch adds its line
# here; tests/test_history_language.py checks that every code has one.
CHANGE_SENTENCES = {
    "create": _l("Created"),
    "edit": _l("Edited"),
    "delete": _l("Deleted"),
    "profile": _l("Profile saved"),
    "add_link": _l("Link added: %(source)s %(relation)s %(target)s"),
    "remove_link": _l("Link removed: %(source)s %(relation)s %(target)s"),
    "translate": _l("%(field)s translated into %(language)s"),
    "revert": _l("Change #%(seq)s undone"),
    "suggestion_accepted": _l("Suggested SDG tag accepted: %(tags)s (suggester %(suggester)s)"),
    "edit_with_suggestions": _l("Edited, with suggested SDG tags accepted: %(tags)s (suggester %(suggester)s)"),
    "create_with_suggestions": _l("Created, with suggested SDG tags accepted: %(tags)s (suggester %(suggester)s)"),
    "questionnaire_import_with_suggestions": _l(
        "Questionnaire imported from the file %(file)s, with suggested SDGs accepted: %(tags)s "
        "(suggester %(suggester)s)"),
    "start_run": _l("Session of %(exercise)s started for %(date)s"),
    "adapt_exercise": _l("Exercise adapted: %(exercise)s"),
    "answers": _l("Answers of %(side)s saved in %(session)s"),
    "translate_answer": _l("Answer “%(item)s” in %(session)s translated into %(language)s"),
    "publish": _l("Results of %(session)s published"),
    "seed": _l("Knowledge base filled from the seed files (version %(digest)s)"),
    "load": _l("Data loaded from the file %(file)s"),
    "import_twinnings": _l("Twin towns imported from the file %(file)s"),
    "fold_duplicates": _l("Towns recorded twice merged after importing %(file)s"),
    "questionnaire_import": _l("Questionnaire imported from the file %(file)s"),
    "reconcile_places": _l("Belgian places reconciled with the gazetteer before importing %(file)s"),
    "fold_closed_values": _l("Values typed by hand folded onto the lists of allowed values"),
    "restore": _l("Backup %(file)s restored (checksum %(digest)s)"),
    "migrate_snapshot": _l("Data copied over from the earlier storage format (%(file)s)"),
    "migrate_ids": _l("Identifiers made from transliterated names: %(step)s"),
}
MIGRATE_ID_STEPS = {"new_ids": _l("new identifiers written"), "old_ids": _l("old identifiers removed")}
# The parameters that name a node, shown by its name.
NODE_PARAMS = ("source", "target", "run", "side", "template")

# Labels of the properties a change may show that the node pages never do (webapp.labels.PROPERTIES).
HISTORY_PROPERTIES = {
    "name": _l("Name"),
    "title": _l("Title"),
    "description": _l("Description"),
    "summary": _l("Summary"),
    "period_label": _l("Period"),
    "contact_role": _l("Contact (department or role)"),
    "source_section": _l("Section of the source"),
    "profile_public": _l("Profile public"),
    "match_key": _l("Search key"),
    "source": _l("Source"),
    "original_lang": _l("Original language"),
    "original_name": _l("Name in the original language"),
    "printed_title": _l("Title as printed"),
    "publication_language": _l("Language of the publication"),
    "order": _l("Order"),
    "items": _l("Items"),
    "colour": _l("Colour"),
    "highlight": _l("Highlighted"),
    "notions_min": _l("Fewest key ideas"),
    "notions_max": _l("Most key ideas"),
    "notions_suggested": _l("Suggested number of key ideas"),
    "coordinates_source": _l("Source of the coordinates"),
    "contributors": _l("Contributors"),
    "design_and_editing": _l("Design and editing"),
    "former_ids": _l("Former identifiers"),
    "hidden_items": _l("Hidden items"),
    "adapted_at": _l("Adapted on"),
    "adapted_by": _l("Adapted by"),
    "exercise": _l("Exercise"),
    "partnership": _l("Partnership"),
    "published": _l("Published"),
    "published_at": _l("Published on"),
    "published_by": _l("Published by"),
    "answer_saves": _l("Answers saved"),
    # one-off facts of single seed records
    "ended_for_these_partnerships": _l("Ended for these partnerships"),
    "explicit_list": _l("Listed by name in the source"),
    "extended_by_years": _l("Extended by (years)"),
    "extension_years": _l("Years of the extension"),
    "facilitates_federal_programme_since": _l("Facilitates the federal programme since"),
    "heroes_named_in_tarija": _l("Heroes after whom places in Tarija are named"),
}
# Properties whose values name an actor ("user:ana"), shown as the person's name.
ACTOR_VALUES = frozenset({"published_by", "adapted_by"})
# Properties whose values are a time or a day, shown in the reader's format.
TIME_VALUES = frozenset({"published_at", "adapted_at"})
DAY_VALUES = frozenset({"held_on", "date", "start_date", "end_date"})
# An exercise item's own properties, kept flat on a template or session: item_<key>_<part>[_<lang>].
ITEM_PARTS = {"label": _l("%(item)s: question"), "help": _l("%(item)s: explanation"),
              "type": _l("%(item)s: kind of answer"), "max": _l("%(item)s: most choices")}
ITEM_PROPERTY = re.compile(r"item_(?P<item>.+)_(?P<part>label|help|type|max)(?:_(?P<lang>[a-z]{2,3}))?")
# The kinds of answer an exercise item asks for (graph.workspace.files.ITEM_TYPES).
ITEM_TYPE_NAMES = {"score": _l("a score"), "text": _l("a text"), "themes": _l("themes"),
                   "sdgs": _l("SDGs"), "stakeholders": _l("stakeholders, one a line"),
                   "ambitions": _l("ambitions, one a line")}
# Properties whose values are an exercise's item keys, shown by the items' questions.
ITEM_LISTS = frozenset({"items", "hidden_items"})
# Properties whose values are language codes, shown by the language's name.
LANGUAGE_VALUES = frozenset({"languages", "available_languages", "lang", "original_lang", "publication_language"})
# A value this long or longer is a text: its row says it was added or changed, not what it says.
SHORT_VALUE = 60


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
    if account_id == actor:  # a process such as "kb seed": the command stays, for those who run it
        return gettext("System (%(command)s)", command=actor)
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


def _text_field(key: str) -> tuple[str, str] | None:
    """Split a translated text's key (``description_es``, ``contact_role_nl``) into (field, language)."""
    field, _, code = key.rpartition("_")
    if code in LANGUAGES and (field in TEXT_FIELDS or field in HISTORY_PROPERTIES or field in PROPERTIES):
        return field, code
    return None


def _base_label(key: str) -> str | None:
    label = PROPERTIES.get(key) or HISTORY_PROPERTIES.get(key)
    return str(label) if label else None


def _own_item_label(props: dict, key: str, lang: str) -> str:
    """The question of the exercise item ``key`` as a template or session keeps it, in ``lang`` if it can."""
    return next((props[f"item_{key}_label_{code}"] for code in (lang, *LANGUAGES)
                 if props.get(f"item_{key}_label_{code}")), None) or key.replace("_", " ")


def property_label(key: str, props: dict, lang: str) -> str:
    """A property's name as a reader of the history sees it."""
    if key in PROPERTIES:
        return str(PROPERTIES[key])
    if key in HISTORY_PROPERTIES and not ("run" in props and "side" in props and key in ANSWER_FIELDS):
        return str(HISTORY_PROPERTIES[key])
    translated = _text_field(key)
    if translated:
        field, code = translated
        return gettext("%(field)s (%(language)s)", field=_base_label(field), language=language_name(code, lang))
    item = ITEM_PROPERTY.fullmatch(key)
    if item:
        label = str(ITEM_PARTS[item["part"]]) % {"item": _own_item_label(props, item["item"], lang)}
        return gettext("%(field)s (%(language)s)", field=label, language=language_name(item["lang"], lang)) \
            if item["lang"] else label
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
    return key.replace("_", " ")  # a one-off property of a seed record, named as the record names it


def _answer_value(key: str, value, props: dict, nodes: dict, lang: str):
    """A property's value as a reader sees it: participants by role with their count, yes/no,
    languages, countries, nodes and exercise items by name, enumerated values translated."""
    if key == "participants" and isinstance(value, list):
        names = {role.key: role.label(current_lang()) for role in workspace.roles()}
        counts = Counter(value)
        return ", ".join(f"{counts[k]} × {names.get(k, k)}" for k in sorted(counts, key=value.index))
    if isinstance(value, list):
        return ", ".join(str(_human(key, v, props, nodes, lang)) for v in value)
    return _human(key, value, props, nodes, lang)


def _human(key: str, value, props: dict, nodes: dict, lang: str):
    if value is None:
        return None
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if not isinstance(value, str):
        return value
    if key in LANGUAGE_VALUES:
        return language_name(value, lang)
    if key == "province":
        return province_name(value)
    if key == "country":
        return present.country({"country": value}, lang) or value
    if key in ACTOR_VALUES:
        return actor_name(value)
    if key in TIME_VALUES:
        return _when(value)
    if key in DAY_VALUES:
        return _day(value)
    if key in ITEM_LISTS:
        return _own_item_label(props, value, lang)
    item = ITEM_PROPERTY.fullmatch(key)
    if item and item["part"] == "type" and value in ITEM_TYPE_NAMES:
        return str(ITEM_TYPE_NAMES[value])
    if value in nodes:
        return nodes[value].label(lang)
    label = VALUES.get(value)
    return str(label) if label else value


def _row(key: str, before, after, props: dict, nodes: dict, lang: str) -> dict:
    """One property's change: its label, its values before and after, and a line that says it."""
    label = property_label(key, props, lang)
    shown_before = _answer_value(key, before, props, nodes, lang)
    shown_after = _answer_value(key, after, props, nodes, lang)
    if shown_after is None:
        said = gettext("%(field)s removed", field=label)
    elif len(str(shown_after)) < SHORT_VALUE and "\n" not in str(shown_after):
        said = gettext("%(field)s: %(value)s", field=label, value=shown_after)
    elif shown_before is None:
        said = gettext("%(field)s added", field=label)
    else:
        said = gettext("%(field)s changed", field=label)
    return {"key": key, "label": label, "before": shown_before, "after": shown_after, "text": said}


def _node_name(node_id, nodes: dict, lang: str) -> str:
    node = nodes.get(node_id)
    return node.label(lang) if node else str(node_id)


def change_text(change: Change, nodes: dict, lang: str) -> str | None:
    """What a change did, in the reader's language; None for a record made before codes."""
    sentence = CHANGE_SENTENCES.get(change.code)
    if sentence is None:
        return None
    p = change.params
    values = {name: _node_name(p[name], nodes, lang) for name in NODE_PARAMS if name in p}
    if "rel" in p:
        values["relation"] = relation_name(p["rel"], "out")
    if "to" in p:
        values["language"] = language_name(p["to"], lang)
    if "field" in p:
        values["field"] = _base_label(p["field"]) or p["field"]
    if "template" in p:
        values["exercise"] = values.pop("template")
    if "run" in p:
        values["session"] = values.pop("run")
    if "held_on" in p:
        values["date"] = _day(p["held_on"])
    if "item" in p:
        values["item"] = _item_label(p["run"], p["item"], lang) or p["item"].replace("_", " ")
    if "step" in p:
        step = MIGRATE_ID_STEPS.get(p["step"])
        values["step"] = str(step) if step else p["step"]
    if "tag" in p or "tags" in p:
        # The tags by name (an SDG's or a target's title in the reader's language).
        ids = [p["tag"]] if "tag" in p else [i for i in p["tags"].split(",") if i]
        values["tags"] = ", ".join(_node_name(i, nodes, lang) for i in ids)
    values.update({name: p[name] for name in ("seq", "digest", "file", "suggester") if name in p})
    return str(sentence) % values


def _day(value: str) -> str:
    try:
        return format_date(dt.date.fromisoformat(value), "long")
    except ValueError:
        return value


def present_change(change: Change, nodes: dict, lang: str) -> dict:
    """Return a change with each item's action and property diff, ready for a page and its JSON twin.

    ``text`` says what the change did in the reader's language (from its code and parameters);
    ``reason`` is the editor's own words as typed, or the text of a record made before codes.
    """
    items = []
    for item in change.items:
        action = "created" if item.before is None else "deleted" if item.after is None else "changed"
        props = item.after or item.before or {}
        rows = [_row(r["key"], r["before"], r["after"], props, nodes, lang) for r in diff(item.before, item.after)]
        items.append({"item": item.item, "kind": item.kind, "action": action,
                      "ref": _item_ref(item.item, item.kind, nodes, lang), "diff": rows})
    return {"seq": change.seq, "at": change.at, "at_display": _when(change.at), "actor": change.actor.removeprefix("user:"),
            "actor_name": actor_name(change.actor), "code": change.code or None, "params": change.params,
            "text": change_text(change, nodes, lang),
            "reason": change.reason, "item_count": change.item_count, "items": items,
            "url": url_for("history.change", seq=change.seq)}


def _when(at: str) -> str:
    try:
        return format_datetime(dt.datetime.fromisoformat(at.replace("Z", "+00:00")), "medium")
    except ValueError:
        return at


def nodes_of(store, changes) -> dict:
    """Return the nodes the changes name (those that still exist), for their labels: each item's,
    the nodes a change's parameters name, and those its items' values name (a profile's themes)."""
    ids = set()
    for change in changes:
        ids.update(str(change.params[name]) for name in NODE_PARAMS if name in change.params)
        for item in change.items:
            ends = [item.item] if item.kind == "node" else item.item.split("|")[::2]
            ids.update(ends)
            for props in (item.before, item.after):
                for value in (props or {}).values():
                    for one in value if isinstance(value, list) else [value]:
                        if isinstance(one, str) and ":" in one and len(one) < 200:
                            ids.add(one)
    return store.get_nodes(sorted(i for i in ids if _is_node_id(i)))


def _is_node_id(value: str) -> bool:
    try:
        kind_of_id(value)
    except Exception:  # noqa: BLE001 - an old record may name anything
        return False
    return True

