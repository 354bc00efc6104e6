"""The translate view: texts still missing in a language, each with its original beside the field."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf

from graph import SchemaError
from graph.editing.edits import EDIT_LOCK, may_edit, version_of
from graph.model import ChangeNote
from graph.schema import LANGUAGES, NODE_KINDS, check_value, editable_fields, kind_of_id
from graph.text import localized

from ..auth import current_account, signed_in
from ..db import get_store
from ..forms.cycle import CONFLICTS, outside_message, stale_message, write_expecting
from ..labels import kind_name, language_label, language_name
from ..presenters import nodes as present
from ..render import page, render

bp = Blueprint("translate", __name__)
SHOWN = 20
# Nodes looked at per page at most, so a kind with thousands of complete nodes stays quick.
SCANNED = 5000


def _text_fields(kind: str) -> list[str]:
    return [f.key for f in editable_fields(kind) if f.type == "text"]


def missing_texts(store, account, kind: str, to: str, limit: int = SHOWN) -> list[dict]:
    """Return up to ``limit`` texts of ``kind`` the account may edit that exist but not in language ``to``."""
    found = []
    for scanned, node in enumerate(store.nodes(kind)):
        if len(found) >= limit or scanned >= SCANNED:
            break
        gaps = [f for f in _text_fields(kind)
                if not node.props.get(f"{f}_{to}") and not node.props.get(f)
                and any(node.props.get(f"{f}_{lang}") for lang in LANGUAGES)]
        if not gaps or not may_edit(store, account, node.id):
            continue
        version = version_of(store, node.id)
        for field in gaps:
            text, lang = localized(dict(node.props, original_lang=node.props.get("original_lang")), field,
                                   node.props.get("original_lang") or "fr")
            found.append({"node": present.ref(node, to), "field": field, "version": version,
                          "original": {"text": text, "lang": lang,
                                       "is_original": lang == node.props.get("original_lang")}})
    return found[:limit]


@page(bp, "/<lang:lang>/translate", params=("kind", "to"), methods=["GET", "POST"], cache=False)
@signed_in
def translate(fmt: str):
    """List texts missing in a language and fill them in, one at a time, with the original beside each."""
    store, account, lang = get_store(), current_account(), present.current_lang()
    kind = request.args.get("kind") or "Lesson"
    to = request.args.get("to") or lang
    if kind not in NODE_KINDS or to not in LANGUAGES:
        abort(400, description=gettext("Unknown value for %(facet)s: %(value)s", facet=gettext("kind"),
                                       value=kind if kind not in NODE_KINDS else to))
    if request.method == "POST":
        with EDIT_LOCK:
            saved = _save(store, account, to)
        if fmt == "json":
            return {"saved": True, "node": saved, "version": version_of(store, saved)}
        return redirect(url_for("translate.translate", kind=kind, to=to), 303)
    context = {
        # Language names in the page's language, as the sentence needs them: "Vertalen naar het Spaans".
        "title": gettext("Translate into %(language)s", language=language_name(to, lang)), "kind": kind, "to": to,
        "kinds": [{"value": k, "label": str(kind_name(k, plural=True))} for k in NODE_KINDS if _text_fields(k)],
        "languages": [{"value": c, "label": language_label(c, lang)} for c in LANGUAGES],
        "items": missing_texts(store, account, kind, to), "csrf_token": generate_csrf(),
    }
    return render("editing/translate.html", context, fmt)


def _save(store, account, to: str) -> str:
    """Write one translation; refuse (and write nothing) what is not allowed or not valid."""
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data if isinstance(data, dict) or hasattr(data, "get") else {}
    node_id, field = str(data.get("node") or ""), str(data.get("field") or "")
    value = str(data.get("text") or "").strip().replace("\r\n", "\n")
    try:
        kind = kind_of_id(node_id)
    except SchemaError:
        abort(400, description=gettext("There is nothing with the id %(id)s.", id=node_id))
    node = store.get_node(node_id)
    if node is None:
        abort(404)
    if field not in _text_fields(kind):
        abort(400, description=gettext("This kind of node has no text %(field)s.", field=field))
    if not may_edit(store, account, node_id):
        abort(403, description=outside_message())
    if not value:
        abort(400, description=gettext("Give this in at least one language."))
    try:
        check_value(f"{field}_{to}", value)
    except SchemaError as exc:
        abort(400, description=gettext("This value cannot be stored: %(reason)s", reason=str(exc)))
    try:
        based_on = int(data.get("version") or -1)
        write_expecting(store, node_id, based_on, lambda version: store.write(
            [node.__class__(node_id, kind, {f"{field}_{to}": value})],
            change=ChangeNote(account.actor, code="translate", params={"field": field, "to": to}),
            expect={node_id: version}))
    except CONFLICTS:
        abort(409, description=stale_message())
    return node_id
