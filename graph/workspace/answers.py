"""Saving a side's answers to a run, and translations of them, each as one store write.

A save passes ``expect={node: version}`` to the store, which checks it again inside
its own transaction: two editors cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .. import schema
from ..editing import edits as editing
from ..errors import NotFound, SchemaError, StaleWrite
from ..model import ChangeNote, Node
from ..records import make_edge
from ..schema import LANGUAGES
from . import derive
from .checks import (
    MAX_CHOICES,
    MAX_LINE,
    MAX_LINES,
    MAX_PARTICIPANTS,
    MAX_TEXT,
    SAVE_TRIES,
    check_lang,
    check_text,
    folded,
    may_answer,
    may_translate,
    refuse,
    refuse_stale,
    write_expecting,
)
from .model import Item, Response, Run
from .read import role_keys
from .read import run as read_run

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
        refuse("unknown_run", f"no run {run_id!r}", value=str(run_id))
    if municipality_id not in current_run.sides:
        refuse("not_a_partner", f"{municipality_id} is not a partner in {current_run.partnership}",
                municipality=str(municipality_id), value=str(municipality_id))
    if not may_answer(account, municipality_id):
        refuse("not_an_editor", f"may not answer for {municipality_id}", municipality=municipality_id,
                value=municipality_id)
    lang = check_lang(lang)
    with editing.EDIT_LOCK:  # the derived edges are worked out from what the run yields now: one save at a time
        return _save(store, account, current_run, municipality_id, lang, participants, scores, texts, translations,
                     choices, lines, based_on, actor)


def _save(store, account, current_run: Run, municipality_id: str, lang: str, participants, scores, texts,
          translations, choices, lines, based_on: int, actor: str | None) -> Response:
    run_id = current_run.id
    rid = response_id(run_id, municipality_id)
    refuse_stale(store, rid, based_on)
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
                refuse("stale", f"{rid} changed meanwhile", changes=newer, value=rid)
            continue   # only the other side saved meanwhile: plan again from what the run yields now
        return read_run(store, run_id).responses[municipality_id]
    # The run kept changing under this save (many saves at once): say so as for any save in between.
    refuse("stale", f"{run_id} kept changing while saving", value=rid,
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
    return {"nodes": [node, saves, *plan.nodes], "edges": [*edges, *plan.edges],
            "change": ChangeNote(actor or account.actor, code="answers", params={"run": run_id, "side": municipality_id}), "delete": plan.delete_nodes,
            "delete_edges": plan.delete_edges}


def _answers(store, run: Run, lang: str, participants: list, scores: dict, texts: dict, choices: dict,
             lines: dict) -> dict:
    """Check every answer against the run's items; return the response's answer properties."""
    known_roles = role_keys()
    if len(participants) > MAX_PARTICIPANTS:
        refuse("too_many_lines", f"at most {MAX_PARTICIPANTS} participants", key="participants",
                max=MAX_PARTICIPANTS)
    for role in participants:
        if role not in known_roles:
            refuse("unknown_role", f"unknown role {role!r}", key="participants", value=str(role))
    props = {"participants": list(participants) or ""}
    for key, value in scores.items():
        item = run.item(key) if isinstance(key, str) else None
        if item is None or item.type != "score":
            refuse("unknown_notion", f"the run has no notion {key!r}", key=str(key), value=str(key))
        if value is None or value == "":
            continue
        low, high = run.scale
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            refuse("score_out_of_range", f"{key}: {value!r} is not a score from {low} to {high}", key=key,
                    value=str(value), min=low, max=high)
        props[f"score_{key}"] = value
    for key, value in texts.items():
        _item(run, key, ("text",))
        text = check_text(key, value if value is not None else "", MAX_TEXT)
        if text:
            props[f"text_{key}"] = text
    for key, ids in choices.items():
        item = _item(run, key, ("themes", "sdgs"))
        chosen = list(dict.fromkeys(ids or ()))
        limit = item.max or MAX_CHOICES
        if len(chosen) > limit:
            refuse("too_many_choices", f"{key}: at most {limit}", key=key, max=limit, value=len(chosen))
        wanted = "Theme" if item.type == "themes" else "SDG"
        found = store.get_nodes([c for c in chosen if isinstance(c, str) and _is_kind(c, wanted)])
        for choice in chosen:
            if choice not in found:
                refuse("unknown_theme" if wanted == "Theme" else "unknown_sdg", f"{key}: no {wanted} {choice!r}",
                        key=key, value=str(choice))
        if chosen:
            props[f"{item.type}_{key}"] = chosen
    for key, given in lines.items():
        _item(run, key, ("stakeholders", "ambitions"))
        kept = []
        for line in given or ():
            line = " ".join(check_text(key, line, MAX_LINE).split())  # a line becomes a name: no tabs
            if line and folded(line) not in {folded(k) for k in kept}:
                kept.append(line)
        if len(kept) > MAX_LINES:
            refuse("too_many_lines", f"{key}: at most {MAX_LINES} lines", key=key, max=MAX_LINES, value=len(kept))
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
        refuse("unknown_item", f"the run has no {'/'.join(types)} item {key!r}", key=str(key), value=str(key))
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
            refuse("unknown_item", f"a translation is keyed by (item, language), not {pair!r}", value=str(pair))
        key, other = pair
        _item(run, key, ("text",))
        check_lang(other, key)
        if other == lang:
            refuse("unknown_language", f"{key}: {other} is the answer's own language", key=key, value=other)
        text = check_text(key, text if text is not None else "", MAX_TEXT)
        if text and not answers.get(f"text_{key}"):
            refuse("unknown_item", f"{key}: there is no text to translate", key=key, value=key)
        props[f"text_{key}_{other}"] = text
    return {k: v for k, v in props.items() if v}


def add_translation(store, account, response_id_: str, key: str, lang: str, text: str, based_on: int,
                    actor: str | None = None) -> Response:
    """Add (or, with an empty text, remove) the translation of one text answer into ``lang``."""
    node = store.get_node(response_id_) if isinstance(response_id_, str) and _is_kind(
        response_id_, "ExerciseResponse") else None
    if node is None:
        refuse("unknown_response", f"no response {response_id_!r}", value=str(response_id_))
    current_run = read_run(store, node.props["run"])
    if not may_translate(store, account, current_run.id):
        refuse("not_an_editor", f"may not translate answers of {current_run.id}", value=current_run.id)
    response = Response.from_node(node, current_run)
    _item(current_run, key, ("text",))
    check_lang(lang, key)
    if lang == response.lang:
        refuse("unknown_language", f"{key}: {lang} is the answer's own language", key=key, value=lang)
    if not response.texts.get(key):
        refuse("unknown_item", f"{key}: there is no text to translate", key=key, value=key)
    text = check_text(key, text if text is not None else "", MAX_TEXT)
    refuse_stale(store, node.id, based_on)
    change = ChangeNote(actor or account.actor, code="translate_answer",
                        params={"run": current_run.id, "item": key, "to": lang})
    write_expecting(store, node.id, based_on, nodes=[editing.build_node(node.id, {f"text_{key}_{lang}": text})],
           change=change)
    return read_run(store, current_run.id).responses[response.side]
