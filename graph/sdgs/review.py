"""A person's verdict on suggested SDGs: accepting one adds the tag, rejecting one keeps it from coming back.

Nothing is tagged without a person: ``accept`` writes one CONCERNS (or CONTRIBUTES_TO) edge whose change
record says that it was suggested, and by which suggester version.  Rights are the caller's to check
(``graph.editing.may_link``), as for every other link.

A rejection is remembered per node and per text (a hash of the folded text): when the text changes, its
suggestions are worth a fresh look.  Rejections live in the store's application metadata
(``get_meta``/``set_meta``), so both stores keep them without a schema change.
"""

from __future__ import annotations

import hashlib
import json

from graph.errors import SchemaError
from graph.model import ChangeNote
from graph.records import make_edge
from graph.schema import LANGUAGES, REL_TYPES, editable_fields, kind_of_id
from graph.text import fold

from .suggest import SUGGESTER_VERSION, Suggestions, default_suggester

# How many texts of one node keep their rejections: an old text's verdicts matter no more.
KEPT_TEXTS = 20
TAG_KINDS = ("SDG", "SDGTarget")
TAG_TYPES = ("CONCERNS", "CONTRIBUTES_TO")


def text_hash(text: str) -> str:
    """The same for texts that differ only in case, accents or spacing."""
    return hashlib.sha256(" ".join(fold(text or "").split()).encode("utf-8")).hexdigest()[:16]


def tag_relation(kind: str) -> str | None:
    """The relationship that tags a node of ``kind`` with an SDG: CONCERNS where the schema allows it."""
    for rel in TAG_TYPES:
        rt = REL_TYPES[rel]
        if kind in rt.sources and set(TAG_KINDS) <= set(rt.targets):
            return rel
    return None


def text_of(kind: str, props: dict, prefer: str | None = None) -> tuple[str, str | None]:
    """The text of a node (or of its form's values) to suggest from, and its language.

    The translated text fields in ``prefer`` (the original language) when it has any, else in the language
    with the most text; the language-neutral ones (proper names) come along.  Language None: none given.
    """
    by_lang: dict[str, list[str]] = {}
    neutral: list[str] = []
    for spec in editable_fields(kind):
        if spec.type != "text":
            continue
        for key in (spec.key, *(f"{spec.key}_{lang}" for lang in LANGUAGES)):
            value = props.get(key)
            if not isinstance(value, str) or not value.strip():
                continue
            lang = key.rsplit("_", 1)[1] if key != spec.key else None
            (by_lang.setdefault(lang, []) if lang else neutral).append(value.strip())
    if prefer in by_lang:
        lang = prefer
    else:
        lang = max(by_lang, key=lambda code: sum(len(t) for t in by_lang[code]), default=None)
    return "\n".join(neutral + by_lang.get(lang, [])), lang


def _meta_key(node_id: str) -> str:
    return f"sdg_rejections.{node_id}"


def _load(store, node_id: str) -> dict[str, list[str]]:
    raw = store.get_meta(_meta_key(node_id))
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def rejected(store, node_id: str, text: str) -> set[str]:
    """The ids a person rejected for this node and this text."""
    return set(_load(store, node_id).get(text_hash(text), []))


def reject(store, node_id: str, text: str, suggestion_id: str) -> None:
    """Remember that ``suggestion_id`` is not to be offered again for this node and text."""
    _check_tag_id(suggestion_id)
    data = _load(store, node_id)
    key = text_hash(text)
    ids = [i for i in data.pop(key, []) if i != suggestion_id] + [suggestion_id]
    data[key] = ids  # re-inserted last: the most recent texts are the ones kept
    while len(data) > KEPT_TEXTS:
        data.pop(next(iter(data)))
    store.set_meta(_meta_key(node_id), json.dumps(data, sort_keys=False))


def tagged(store, node_id: str) -> set[str]:
    """The SDGs and targets the node is already tagged with."""
    return {e.target for e in store.edges_of(node_id, types=TAG_TYPES) if e.source == node_id}


def suggest_for_node(store, node_id: str | None, text: str, lang: str | None = None) -> Suggestions:
    """Suggestions for a node's text, without its tags nor what a person rejected for this text."""
    exclude = (tagged(store, node_id) | rejected(store, node_id, text)) if node_id else set()
    return default_suggester().suggest(text, lang=lang, exclude=exclude)


def accept_note(actor: str, suggestion_id: str, reason: str = "") -> ChangeNote:
    """The change note of one suggested tag accepted on its own: which tag, which suggester, and why."""
    return ChangeNote(actor, reason.strip(), code="suggestion_accepted",
                      params={"tag": suggestion_id, "suggester": SUGGESTER_VERSION})


def accept(store, node_id: str, suggestion_id: str, actor: str):
    """Tag the node with a suggested SDG or target; return the change record (None if already tagged)."""
    _check_tag_id(suggestion_id)
    node = store.get_node(node_id)
    if node is None:
        raise SchemaError(f"no node {node_id}", "source")
    rel = tag_relation(node.kind)
    if rel is None:
        raise SchemaError(f"a {node.kind} cannot be tagged with an SDG", "source")
    if store.get_node(suggestion_id) is None:
        raise SchemaError(f"no {suggestion_id} in the graph", "target")
    if suggestion_id in tagged(store, node_id):
        return None
    return store.write(edges=[make_edge(node_id, rel, suggestion_id)], change=accept_note(actor, suggestion_id))


def _check_tag_id(suggestion_id: str) -> None:
    if kind_of_id(suggestion_id) not in TAG_KINDS:
        raise SchemaError(f"{suggestion_id} is not an SDG or a target", "target")


def verdicts_of(fields) -> tuple[list[str], list[str]]:
    """(accepted, rejected) ids from a form's ``verdict-<id>`` fields (values ``accept`` / ``reject``)."""
    accepted, rejected_ids = [], []
    for name, value in fields.items():
        if not isinstance(name, str) or not name.startswith("verdict-") or value not in ("accept", "reject"):
            continue
        chosen = name.removeprefix("verdict-")
        try:
            _check_tag_id(chosen)
        except SchemaError:
            continue
        (accepted if value == "accept" else rejected_ids).append(chosen)
    return sorted(set(accepted)), sorted(set(rejected_ids))


def accepted_edges(store, node_id: str, kind: str, ids: list[str]) -> list:
    """The tag edges for suggestions a person accepted in a form (ids of SDGs and targets that exist)."""
    rel = tag_relation(kind)
    if rel is None or not ids:
        return []
    present = store.get_nodes(ids)
    return [make_edge(node_id, rel, i) for i in ids if i in present]


def with_accepted(note: ChangeNote, ids: list[str]) -> ChangeNote:
    """``note`` (an edit, a creation, a questionnaire import) saying which suggested tags a person accepted,
    and by which suggester version: the change record keeps that it was suggested."""
    if not ids:
        return note
    return ChangeNote(note.actor, note.reason, code=f"{note.code}_with_suggestions",
                      params={**note.params, "tags": ",".join(ids), "suggester": SUGGESTER_VERSION})
