"""SDG suggestions for a text (graph/sdgs/): a JSON endpoint for the forms' script, and a person's verdict.

``POST /<lang>/sdg-suggestions.json`` suggests for ``text`` (and, with ``node``, leaves out the node's tags and
what was rejected for this text).  ``POST /<lang>/edit/<plural>/<local>/sdg-suggestions`` with ``accept`` or
``reject`` (an SDG or target id) and the ``text`` it was suggested for records the verdict; the page answers
by going back to the edit form.  Without JavaScript the edit form's "Suggest SDGs" button re-renders the
form with the suggestions (views/editing.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from graph import SchemaError
from graph.editing.edits import may_edit, may_link
from graph.schema import ID_PATTERN, LANGUAGES
from graph.sdgs.review import accept, reject, suggest_for_node, text_hash

from ..auth import current_account, signed_in
from ..db import get_store
from ..presenters import nodes as present
from ..render import page

bp = Blueprint("sdg_suggest", __name__)

# A suggestion reads this much of a text: more says nothing new about its goals and costs time.
MAX_TEXT = 20_000


class SuggestForm(FlaskForm):
    text = TextAreaField(validators=[Optional(), Length(max=200_000)])
    text_lang = StringField(validators=[Optional(), Length(max=2)])
    node = StringField(validators=[Optional(), Length(max=300)])


class VerdictForm(FlaskForm):
    accept = HiddenField(validators=[Optional(), Length(max=300)])
    reject = HiddenField(validators=[Optional(), Length(max=300)])
    text = HiddenField(validators=[Optional(), Length(max=200_000)])


def present_suggestions(store, found, lang: str) -> dict:
    """The suggester's answer with the label and address of each goal and target, in the page's language."""
    ids = [s.id for s in (*found.goals, *found.targets)]
    nodes = store.get_nodes(ids)

    def item(suggestion) -> dict | None:
        node = nodes.get(suggestion.id)
        if node is None:  # a store without the SDG seeds: nothing to link to
            return None
        return {**suggestion.as_dict(), **{k: v for k, v in present.ref(node, lang).items()
                                           if k in ("label", "kind_label", "url", "colour")},
                "label": _label(node, lang)}

    return {"lang": found.lang, "version": found.version,
            "goals": [i for i in map(item, found.goals) if i],
            "targets": [i for i in map(item, found.targets) if i]}


def _label(node, lang: str) -> str:
    number = node.props.get("number")
    name = present.ref(node, lang)["label"]
    if node.kind == "SDG":
        return f"{number} · {name}" if number else name
    return f"{number or node.id.split(':', 1)[1]} · {name}"


def suggestions_for(store, node_id: str | None, text: str, text_lang: str | None, lang: str) -> dict:
    found = suggest_for_node(store, node_id, (text or "")[:MAX_TEXT], text_lang if text_lang in LANGUAGES else None)
    return present_suggestions(store, found, lang) | {"text_hash": text_hash(text or "")}


@page(bp, "/<lang:lang>/sdg-suggestions", methods=["POST"], cache=False)
@signed_in
def suggest(fmt: str):
    """Suggest the SDGs and targets a text speaks to, each with the words that led to it."""
    store, lang = get_store(), present.current_lang()
    form = SuggestForm()
    if not form.validate():
        abort(400, description=gettext("These suggestions cannot be made: %(reason)s",
                                       reason=" ".join(str(m) for v in form.errors.values() for m in v)))
    node_id = (form.node.data or "").strip() or None
    if node_id and (not ID_PATTERN.match(node_id) or store.get_node(node_id) is None):
        node_id = None
    result = suggestions_for(store, node_id, form.text.data or "", form.text_lang.data, lang)
    if fmt == "json":
        return result
    # The page twin exists for the JSON one's sake; a person gets the suggestions in the edit form.
    abort(404)


@page(bp, "/<lang:lang>/edit/<kind:plural>/<local:local>/sdg-suggestions", methods=["POST"], cache=False)
@signed_in
def verdict(plural: str, local: str, fmt: str):
    """Accept a suggested SDG or target (the tag is added) or reject it (not offered again for this text)."""
    store, account = get_store(), current_account()
    node_id = present.node_id_of(plural, local)
    node = store.get_node(node_id)
    if node is None:
        abort(404)
    form = VerdictForm()
    if not form.validate():
        abort(400)
    accepted, rejected = (form.accept.data or "").strip(), (form.reject.data or "").strip()
    if bool(accepted) == bool(rejected):
        abort(400, description=gettext("Accept or reject one suggestion at a time. Nothing was changed."))
    chosen = accepted or rejected
    if not ID_PATTERN.match(chosen) or store.get_node(chosen) is None:
        abort(400, description=gettext("There is no such SDG or target. Nothing was changed."))
    change = None
    try:
        if accepted:
            if not may_link(store, account, node_id, accepted):
                abort(403, description=gettext("You can tag only what belongs to your municipality or "
                                               "organisation. Nothing was changed."))
            change = accept(store, node_id, accepted, account.actor)
        else:
            if not may_edit(store, account, node_id):
                abort(403, description=gettext("You can tag only what belongs to your municipality or "
                                               "organisation. Nothing was changed."))
            reject(store, node_id, form.text.data or "", rejected)
    except SchemaError:
        abort(400, description=gettext("This suggestion cannot be applied to this kind of node. Nothing was "
                                       "changed."))
    if fmt == "json":
        return {"saved": True, "accepted": accepted or None, "rejected": rejected or None,
                "change": change.seq if change else None}
    return redirect(url_for("editing.edit", plural=plural, local=local) + "#sdg-suggestions", 303)
