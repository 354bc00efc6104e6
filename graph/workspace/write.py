"""Writing the workspace: start a run, save a side's answers, add a translation, adapt a template.

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
from ..errors import NotFound, SchemaError, StaleWrite
from ..model import ChangeNote, Node
from ..records import make_edge, make_node
from ..schema import LANGUAGES
from . import derive
from .errors import WorkspaceError
from .files import ITEM_TYPES, KEY, MAX_KEY_LENGTH
from .model import Item, Response, Run, Template
from .read import role_keys
from .read import run as read_run
from .read import template as read_template

# Limits of what one answer may hold (the schema's own limits are larger).
MAX_TEXT = 5000            # characters in one text answer or translation
MAX_LABEL = 120            # characters in a notion's or prompt's label
MAX_LINE = 200             # characters in one stakeholder or ambition line
MAX_LINES = 30             # lines in one stakeholders or ambitions answer
MAX_CHOICES = 20           # themes or SDGs in one answer, unless the item says fewer
MAX_PARTICIPANTS = 500
# Saves planned again when the other side saved in between (see _save).
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


def _refuse(code: str, message: str, **params):
    raise WorkspaceError(code, message, **params)


def _check_text(key: str, text, limit: int, lang: str | None = None) -> str:
    if not isinstance(text, str):
        _refuse("bad_text", f"{key}: text expected", key=key)
    text = text.strip()
    if len(text) > limit:
        _refuse("text_too_long", f"{key}: longer than {limit} characters", key=key, max=limit, value=len(text))
    bad = schema.TEXT_FORBIDDEN.search(text)
    if bad:
        _refuse("bad_text", f"{key}: control character U+{ord(bad.group()):04X}", key=key)
    return text


def _check_lang(lang, key: str = "lang") -> str:
    if lang not in LANGUAGES:
        _refuse("unknown_language", f"unknown language {lang!r}", key=key, value=str(lang))
    return lang


def _date(held_on) -> dt.date:
    if isinstance(held_on, str):
        try:
            held_on = dt.date.fromisoformat(held_on)
        except ValueError:
            _refuse("bad_date", f"not a date: {held_on!r}", value=held_on)
    if isinstance(held_on, dt.datetime) or not isinstance(held_on, dt.date):
        _refuse("bad_date", f"not a date: {held_on!r}", value=str(held_on))
    latest = dt.date.today().replace(year=dt.date.today().year + LATEST_YEARS_AHEAD)
    if not EARLIEST <= held_on <= latest:
        _refuse("bad_date", f"{held_on} is not between {EARLIEST} and {latest}", value=held_on.isoformat(),
                min=EARLIEST.isoformat(), max=latest.isoformat())
    return held_on


def _stale(store, node_id: str, based_on: int):
    try:
        editing.check_version(store, node_id, based_on)
    except editing.StaleEdit as exc:
        _refuse("stale", f"{node_id} {exc}", changes=exc.changes, value=node_id)


def _write(store, node_id: str, based_on: int, **write):
    """Write once; a concurrent save between our check and the write is refused as stale too."""
    try:
        return store.write(**write, expect={node_id: based_on})
    except StaleWrite:
        newer = [c for c in store.changes(node_id=node_id, limit=20) if c.seq > based_on]
        _refuse("stale", f"{node_id} changed meanwhile", changes=newer, value=node_id)


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
        _refuse("unknown_partnership", f"no partnership {partnership_id!r}", value=str(partnership_id))
    try:
        template = read_template(store, template_id)
    except NotFound:
        _refuse("unknown_exercise", f"no exercise {template_id!r}", value=str(template_id))
    if not may_start(store, account, partnership_id):
        _refuse("not_an_editor", f"may not start a run for {partnership_id}", value=partnership_id)
    held_on = _date(held_on)
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
    store.write([node], edges, ChangeNote(actor or account.actor, f"start {template.key} run of {held_on}"))
    return read_run(store, run_id)


def _run_notions(template: Template, notions, own: list) -> list[Item]:
    if template.kind != "radar":
        if notions or own:
            _refuse("unknown_notion", f"{template.id} has no notions", value=str((list(notions or []) + own)[0]))
        return []
    keys = [i.key for i in template.notion_items] if notions is None else list(notions)
    chosen, labels = [], {}
    for key in keys:
        item = template.item(key) if isinstance(key, str) else None
        if item is None or item.type != "score":
            _refuse("unknown_notion", f"{template.id} has no notion {key!r}", key=str(key), value=str(key))
        if item in chosen:
            _refuse("duplicate_notion", f"notion {key!r} is chosen twice", key=key, value=key)
        chosen.append(item)
        for lang, text in item.label.items():
            labels[(lang, _folded(text))] = key
    for n, pair in enumerate(own, 1):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            _refuse("bad_text", "an own notion is a (label, language) pair", key=f"own_{n}")
        label, lang = _check_text(f"own_{n}", pair[0], MAX_LABEL), _check_lang(pair[1], f"own_{n}")
        if not label:
            _refuse("bad_text", f"own notion {n} has no label", key=f"own_{n}")
        if (lang, _folded(label)) in labels:
            _refuse("duplicate_notion", f"notion {label!r} is chosen twice", key=f"own_{n}", value=label)
        labels[(lang, _folded(label))] = f"own_{n}"
        chosen.append(Item(f"own_{n}", "score", {lang: label}, {}, None, lang))
    low, high = template.notions[0], template.notions[1]
    if len(chosen) < low:
        _refuse("too_few_notions", f"a run needs at least {low} notions", min=low, max=high, value=len(chosen))
    if len(chosen) > high:
        _refuse("too_many_notions", f"a run has at most {high} notions", min=low, max=high, value=len(chosen))
    return chosen


def _folded(text: str) -> str:
    from ..text import fold

    return fold(text)


def _free_id(store, base: str) -> str:
    candidate, n = base, 1
    while store.get_node(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# -- saving a side's answers ----------------------------------------------------------------

def response_id(run_id: str, municipality_id: str) -> str:
    """The id of a side's response to a run (the same every time, so a first save needs no lookup)."""
    return f"response:{run_id.split(':', 1)[1]}--{municipality_id.split(':', 1)[1]}"


def save_response(store, account, run_id: str, municipality_id: str, *, lang: str, participants: Iterable[str] = (),
                  scores: Mapping[str, int] | None = None, texts: Mapping[str, str] | None = None,
                  translations: Mapping[tuple[str, str], str] | None = None,
                  choices: Mapping[str, Iterable[str]] | None = None,
                  lines: Mapping[str, Iterable[str]] | None = None, based_on: int = 0,
                  actor: str | None = None) -> Response:
    """Save (create or replace) one side's answers to a run, with what they yield in the graph; return them.

    The answers replace the side's previous ones as a whole: an item not given is
    cleared.  A translation whose original text changed is dropped unless a new one
    is given.  Themes and SDGs chosen, stakeholders and ambitions named become
    edges of the partnership with the run as ``source`` (see :mod:`.derive`).
    ``based_on`` is the response's version the form was made from (0 for a first answer).
    """
    try:
        current_run = read_run(store, run_id)
    except NotFound:
        _refuse("unknown_run", f"no run {run_id!r}", value=str(run_id))
    if municipality_id not in current_run.sides:
        _refuse("not_a_partner", f"{municipality_id} is not a partner in {current_run.partnership}",
                municipality=str(municipality_id), value=str(municipality_id))
    if not may_answer(account, municipality_id):
        _refuse("not_an_editor", f"may not answer for {municipality_id}", municipality=municipality_id,
                value=municipality_id)
    lang = _check_lang(lang)
    with editing.EDIT_LOCK:  # the derived edges are worked out from what the run yields now: one save at a time
        return _save(store, account, current_run, municipality_id, lang, participants, scores, texts, translations,
                     choices, lines, based_on, actor)


def _save(store, account, current_run: Run, municipality_id: str, lang: str, participants, scores, texts,
          translations, choices, lines, based_on: int, actor: str | None) -> Response:
    run_id = current_run.id
    rid = response_id(run_id, municipality_id)
    _stale(store, rid, based_on)
    for _ in range(SAVE_TRIES):
        # What the save yields depends on the other side's answers, so it is planned from the run as it is now
        # and written only if the run is still so: every save touches the run (``answer_saves``) and expects
        # the run's version, which orders the two sides' saves across processes as EDIT_LOCK does within one.
        run_seen = editing.version_of(store, run_id)
        current_run = read_run(store, run_id)
        write = _planned_save(store, account, current_run, municipality_id, lang, participants, scores, texts,
                              translations, choices, lines, actor)
        try:
            store.write(**write, expect={rid: based_on, run_id: run_seen})
        except StaleWrite:
            newer = [c for c in store.changes(node_id=rid, limit=20) if c.seq > based_on]
            if newer:  # the side's own answers changed: the editor must see what changed
                _refuse("stale", f"{rid} changed meanwhile", changes=newer, value=rid)
            continue   # only the other side saved meanwhile: plan again from what the run yields now
        return read_run(store, run_id).responses[municipality_id]
    # The run kept changing under this save (many saves at once): say so as for any save in between.
    _refuse("stale", f"{run_id} kept changing while saving", value=rid,
            changes=[c for c in store.changes(node_id=run_id, limit=20) if c.seq > run_seen])


def _planned_save(store, account, current_run: Run, municipality_id: str, lang: str, participants, scores, texts,
                  translations, choices, lines, actor: str | None) -> dict:
    """Return the one write that saves the side's answers with what they yield (see :mod:`.derive`)."""
    run_id = current_run.id
    answers = _answers(store, current_run, lang, list(participants or ()), dict(scores or {}), dict(texts or {}),
                       dict(choices or {}), dict(lines or {}))
    rid = response_id(run_id, municipality_id)
    existing = store.get_node(rid)
    previous = Response.from_node(existing, current_run) if existing else None
    answers.update(_translations(current_run, lang, answers, dict(translations or {}), previous))
    side = store.get_node(municipality_id)
    # Named after its session and side in every language, so history and search show what it is.
    names = {f"name_{code}": f"{current_run.name(code)} — {side.label(code)}" for code in LANGUAGES}
    props = {"run": run_id, "side": municipality_id, "lang": lang, **names, **answers}
    if existing:  # clear what this save no longer holds
        props.update({k: "" for k in existing.props if k not in props and not editing.blank(existing.props[k])})
    node = editing.build_node(rid, props)
    after = Response.from_node(Node(rid, "ExerciseResponse", {k: v for k, v in props.items() if v != ""}),
                               current_run)
    plan = derive.plan(store, current_run, after)
    edges = [make_edge(rid, "RESPONSE_TO", run_id), make_edge(rid, "RESPONSE_BY", municipality_id)]
    run_node = store.get_node(run_id)
    saves = Node(run_id, "ExerciseRun", {"answer_saves": int(run_node.props.get("answer_saves") or 0) + 1})
    reason = f"{current_run.template_id.split(':', 1)[1]} {current_run.held_on}: answers of {side.label('en')}"
    return {"nodes": [node, saves, *plan.nodes], "edges": [*edges, *plan.edges],
            "change": ChangeNote(actor or account.actor, reason), "delete": plan.delete_nodes,
            "delete_edges": plan.delete_edges}


def _answers(store, run: Run, lang: str, participants: list, scores: dict, texts: dict, choices: dict,
             lines: dict) -> dict:
    """Check every answer against the run's items; return the response's answer properties."""
    known_roles = role_keys()
    if len(participants) > MAX_PARTICIPANTS:
        _refuse("too_many_lines", f"at most {MAX_PARTICIPANTS} participants", key="participants",
                max=MAX_PARTICIPANTS)
    for role in participants:
        if role not in known_roles:
            _refuse("unknown_role", f"unknown role {role!r}", key="participants", value=str(role))
    props = {"participants": list(participants) or ""}
    for key, value in scores.items():
        item = run.item(key) if isinstance(key, str) else None
        if item is None or item.type != "score":
            _refuse("unknown_notion", f"the run has no notion {key!r}", key=str(key), value=str(key))
        if value is None or value == "":
            continue
        low, high = run.scale
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            _refuse("score_out_of_range", f"{key}: {value!r} is not a score from {low} to {high}", key=key,
                    value=str(value), min=low, max=high)
        props[f"score_{key}"] = value
    for key, value in texts.items():
        _item(run, key, ("text",))
        text = _check_text(key, value if value is not None else "", MAX_TEXT)
        if text:
            props[f"text_{key}"] = text
    for key, ids in choices.items():
        item = _item(run, key, ("themes", "sdgs"))
        chosen = list(dict.fromkeys(ids or ()))
        limit = item.max or MAX_CHOICES
        if len(chosen) > limit:
            _refuse("too_many_choices", f"{key}: at most {limit}", key=key, max=limit, value=len(chosen))
        wanted = "Theme" if item.type == "themes" else "SDG"
        found = store.get_nodes([c for c in chosen if isinstance(c, str) and _is_kind(c, wanted)])
        for choice in chosen:
            if choice not in found:
                _refuse("unknown_theme" if wanted == "Theme" else "unknown_sdg", f"{key}: no {wanted} {choice!r}",
                        key=key, value=str(choice))
        if chosen:
            props[f"{item.type}_{key}"] = chosen
    for key, given in lines.items():
        _item(run, key, ("stakeholders", "ambitions"))
        kept = []
        for line in given or ():
            line = " ".join(_check_text(key, line, MAX_LINE).split())  # a line becomes a name: no tabs
            if line and _folded(line) not in {_folded(k) for k in kept}:
                kept.append(line)
        if len(kept) > MAX_LINES:
            _refuse("too_many_lines", f"{key}: at most {MAX_LINES} lines", key=key, max=MAX_LINES, value=len(kept))
        if kept:
            props[f"lines_{key}"] = kept
    return props


def _is_kind(node_id: str, kind: str) -> bool:
    try:
        return schema.kind_of_id(node_id) == kind
    except SchemaError:
        return False


def _item(run: Run, key, types: tuple[str, ...]) -> Item:
    item = run.item(key) if isinstance(key, str) else None
    if item is None or item.type not in types:
        _refuse("unknown_item", f"the run has no {'/'.join(types)} item {key!r}", key=str(key), value=str(key))
    return item


def _translations(run: Run, lang: str, answers: dict, given: dict, previous: Response | None) -> dict:
    """Translation properties: those given, and the previous ones whose original text did not change."""
    props = {}
    if previous:
        for (key, other), text in previous.translations.items():
            if answers.get(f"text_{key}") == previous.texts.get(key) and other != lang:
                props[f"text_{key}_{other}"] = text
    for pair, text in given.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            _refuse("unknown_item", f"a translation is keyed by (item, language), not {pair!r}", value=str(pair))
        key, other = pair
        _item(run, key, ("text",))
        _check_lang(other, key)
        if other == lang:
            _refuse("unknown_language", f"{key}: {other} is the answer's own language", key=key, value=other)
        text = _check_text(key, text if text is not None else "", MAX_TEXT)
        if text and not answers.get(f"text_{key}"):
            _refuse("unknown_item", f"{key}: there is no text to translate", key=key, value=key)
        props[f"text_{key}_{other}"] = text
    return {k: v for k, v in props.items() if v}


def add_translation(store, account, response_id_: str, key: str, lang: str, text: str, based_on: int,
                    actor: str | None = None) -> Response:
    """Add (or, with an empty text, remove) the translation of one text answer into ``lang``."""
    node = store.get_node(response_id_) if isinstance(response_id_, str) and _is_kind(
        response_id_, "ExerciseResponse") else None
    if node is None:
        _refuse("unknown_response", f"no response {response_id_!r}", value=str(response_id_))
    current_run = read_run(store, node.props["run"])
    if not may_translate(store, account, current_run.id):
        _refuse("not_an_editor", f"may not translate answers of {current_run.id}", value=current_run.id)
    response = Response.from_node(node, current_run)
    _item(current_run, key, ("text",))
    _check_lang(lang, key)
    if lang == response.lang:
        _refuse("unknown_language", f"{key}: {lang} is the answer's own language", key=key, value=lang)
    if not response.texts.get(key):
        _refuse("unknown_item", f"{key}: there is no text to translate", key=key, value=key)
    text = _check_text(key, text if text is not None else "", MAX_TEXT)
    _stale(store, node.id, based_on)
    change = ChangeNote(actor or account.actor, f"translation of {key} into {lang}")
    _write(store, node.id, based_on, nodes=[editing.build_node(node.id, {f"text_{key}_{lang}": text})],
           change=change)
    return read_run(store, current_run.id).responses[response.side]


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
        _refuse("unknown_exercise", f"no exercise {template_id!r}", value=str(template_id))
    if account is None or not account.active or not account.edits_everything:
        _refuse("not_an_editor", "only association staff and administrators adapt exercises", value=template_id)
    items = {i.key: i for i in template.items}
    props: dict = {}
    for pair, text in dict(labels or {}).items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            _refuse("unknown_item", f"a label is keyed by (item, language), not {pair!r}", value=str(pair))
        key, lang = pair
        _check_lang(lang, str(key))
        limit = MAX_TEXT if key == "description" else MAX_LABEL
        text = _check_text(str(key), text, limit)
        if not text:
            _refuse("bad_text", f"{key}: a label cannot be empty", key=str(key))
        if key in ("name", "description"):
            props[f"{key}_{lang}"] = text
        elif key in items:
            props[f"item_{key}_label_{lang}"] = text
        else:
            _refuse("unknown_item", f"{template_id} has no item {key!r}", key=str(key), value=str(key))
    order = list(items)
    hidden = list(i.key for i in template.hidden)
    for key in hide:
        if key not in items:
            _refuse("unknown_item", f"{template_id} has no item {key!r}", key=str(key), value=str(key))
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
            _refuse("too_few_notions", f"a radar needs at least {low} notions", min=low, max=high, value=count)
        if count > high:
            _refuse("too_many_notions", f"a radar has at most {high} notions", min=low, max=high, value=count)
        props["notions_suggested"] = count
    elif any(items[k].type == "score" for k in order):
        _refuse("unknown_item", "only a radar has notions", value="score")
    props.update(items=order, hidden_items=hidden or "", adapted_at=dt.datetime.now(dt.UTC)
                 .strftime("%Y-%m-%dT%H:%M:%SZ"), adapted_by=actor or account.actor)
    _stale(store, template_id, based_on)
    _write(store, template_id, based_on, nodes=[editing.build_node(template_id, props)],
           change=ChangeNote(actor or account.actor, f"adapt exercise {template.key}"))
    return read_template(store, template_id)


def _check_new_item(template: Template, item, items: dict, hidden: list) -> None:
    if not isinstance(item, Item) or not isinstance(item.key, str) or not KEY.match(item.key) \
            or len(item.key) > MAX_KEY_LENGTH or item.own:
        _refuse("unknown_item", f"not a valid new item: {item!r}", value=str(getattr(item, "key", item)))
    if item.key in items or item.key in hidden:
        _refuse("duplicate_notion", f"{template.id} already has an item {item.key!r}", key=item.key,
                value=item.key)
    if item.type not in ITEM_TYPES:
        _refuse("unknown_item", f"unknown item type {item.type!r}", key=item.key, value=str(item.type))
    for lang in LANGUAGES:
        label = _check_text(item.key, item.label.get(lang, ""), MAX_LABEL)
        if not label:
            _refuse("unknown_language", f"{item.key}: a new item needs a label in every language", key=item.key,
                    value=lang)
        _check_text(item.key, item.help.get(lang, ""), MAX_TEXT)


__all__ = ["add_translation", "adapt_template", "may_answer", "may_start", "may_translate", "response_id",
           "save_response", "start_run"]
