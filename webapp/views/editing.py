"""Editing any node kind, its links, and deleting it: forms from the schema, each with a JSON twin.

Every write names its author (``user:<account>``) and reason in the change
record.  Bad input is refused with translated messages and nothing is written.
JSON clients POST the same fields as JSON and send the session's CSRF token in
the ``X-CSRFToken`` header (GET on the form's JSON twin gives it).
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from graph import NotFound, SchemaError, StaleWrite
from graph import search as finder
from graph.editing.edits import (
    EDIT_LOCK,
    StaleEdit,
    changed_props,
    check_version,
    may_edit,
    may_link,
    new_node_id,
    version_of,
)
from graph.model import ChangeNote
from graph.records import make_edge, make_node
from graph.schema import ID_PATTERN, KIND_BY_PLURAL, check_edge, kind_of_id, relations_of

from .. import editforms, present
from ..auth import current_account, signed_in
from ..changes import nodes_of, present_change
from ..db import get_store
from ..forms import version_number
from ..labels import kind_name, relation_name
from ..render import page, render

bp = Blueprint("editing", __name__)


class LinkForm(FlaskForm):
    """Add a relationship from or to the node being edited."""

    link = SelectField(choices=[])
    other = StringField(validators=[InputRequired(), Length(max=1000)])
    remove = HiddenField()


def _existing(store, plural: str, local: str):
    """Return the node a page address names, or answer 404."""
    node_id = present.node_id_of(plural, local)
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(node_id)
    return node


def _note(reason: str | None, code: str) -> ChangeNote:
    """The change note of an edit: what it did (``code``) and the editor's own words, if any, as typed."""
    return ChangeNote(current_account().actor, (reason or "").strip()[:500], code=code)


def _refuse(message: str, status: int = 403):
    abort(status, description=message)


def _outside() -> str:
    return gettext("This belongs to municipalities or organisations your account does not work for. "
                   "Nothing was changed.")


def _outside_link() -> str:
    return gettext("You can link only what belongs to your municipality or organisation, or shared things such "
                   "as SDGs and themes. Ask an editor of the other side, or the association's staff, to make "
                   "this link. Nothing was changed.")


def _form_context(kind: str, form, node, original_lang: str | None, **extra) -> dict:
    lang = present.current_lang()
    return {
        "title": (gettext("Edit %(name)s", name=node.label(lang)) if node
                  else gettext("New: %(kind)s", kind=kind_name(kind))),
        "kind": kind, "kind_label": str(kind_name(kind)),
        "node": present.ref(node, lang) if node else None,
        "fields": editforms.describe_fields(kind, form, original_lang),
        "original_lang": form.original_lang.data, "version": form.version.data,
        "errors": {k: [str(m) for m in v] for k, v in form.errors.items()},
        "csrf_token": generate_csrf(), "stale": None, **extra,
    }


def _render_form(context: dict, form, fmt: str, status: int = 200, template: str = "edit.html"):
    if fmt != "html":
        return render(template, context, fmt, status)
    # A plain string, so that the attribute it goes into escapes its quotes.
    relations_json = json.dumps(context.get("relations") or [], ensure_ascii=False)
    return render(template, dict(context, form=form, relations_json=relations_json), fmt, status)


def _links(store, node, lang: str) -> list[dict]:
    edges = store.edges_of(node.id)
    others = store.get_nodes({e.target if e.source == node.id else e.source for e in edges})
    found = []
    for e in edges:
        out = e.source == node.id
        other = others.get(e.target if out else e.source)
        if other is not None:
            found.append({"key": "|".join(e.key), "type": e.type, "direction": "out" if out else "in",
                          "label": str(relation_name(e.type, "out" if out else "in")),
                          "other": present.ref(other, lang)})
    return sorted(found, key=lambda x: (x["label"], x["other"]["label"]))


def _link_form(kind: str) -> LinkForm:
    form = LinkForm()
    form.link.choices = [(f"{rel}|{d}", str(relation_name(rel, d))) for rel, d, _ in relations_of(kind)]
    form.link.label.text = gettext("Relationship")
    form.other.label.text = gettext("With (type to search, or give an id)")
    return form


@page(bp, "/<lang:lang>/edit/<kind:plural>/<local:local>", methods=["GET", "POST"], cache=False)
@signed_in
def edit(plural: str, local: str, fmt: str):
    """Edit a node's texts in four languages and its other declared properties."""
    store, account, lang = get_store(), current_account(), present.current_lang()
    node = _existing(store, plural, local)
    node_id = node.id
    if not may_edit(store, account, node_id):
        _refuse(_outside())
    kind = node.kind
    form = editforms.node_form_class(kind)()
    editforms.localise_choices(form, lang)
    if not form.is_submitted():
        editforms.fill_from_node(kind, form, node.props)
        form.original_lang.data = node.props.get("original_lang") or lang
        form.version.data = str(version_of(store, node_id))
    status = 200
    extra = {"links": _links(store, node, lang), "relations": editforms.describe_relations(kind),
             "history_url": url_for("history.node_history", plural=plural, local=local),
             "link_form": _link_form(kind) if fmt == "html" else None}
    if form.is_submitted():
        with EDIT_LOCK:
            status = _save(store, kind, node, form)
        if status == 303:
            if fmt == "json":
                fresh = store.get_node(node_id)
                return {"saved": True, "node": present.ref(fresh, lang), "version": version_of(store, node_id)}
            return redirect(present.node_url(node_id), 303)
    context = _form_context(kind, form, node, form.original_lang.data, **extra)
    if status == 409:
        context["stale"] = _stale(store, node_id, form, lang)
        form.version.data = str(version_of(store, node_id))
        context["version"] = form.version.data
    if fmt == "json":
        context.pop("link_form")
    return _render_form(context, form, fmt, status)


def _stale(store, node_id: str, form, lang: str) -> list[dict]:
    based_on = version_number(form.version.data)
    newer = [c for c in store.changes(node_id=node_id, limit=20) if c.seq > based_on]
    return [present_change(c, nodes_of(store, newer), lang) for c in newer]


def _save(store, kind: str, node, form) -> int:
    """Check and write an edit; return 303 when written, else the status of the refusal (errors on the form)."""
    if not form.validate():
        return 400
    missing = editforms.required_missing(kind, form)
    if missing:
        for name in missing:
            form[name].errors = [*form[name].errors, gettext("Give this in at least one language.")]
        return 400
    based_on = version_number(form.version.data)
    if based_on < 0:
        form.version.errors = [gettext("The form does not say which version it edits. Reload the page.")]
        return 400
    try:
        check_version(store, node.id, based_on)
    except StaleEdit:
        form.version.errors = [gettext("Someone else changed this after you opened it. Your text is still in "
                                       "the form; compare it with what changed meanwhile, then save again.")]
        return 409
    values = editforms.form_values(kind, form)
    values["original_lang"] = form.original_lang.data
    changes = changed_props(node, values)
    if not changes:
        return 303
    try:
        built = make_node(node.id, {**node.props, **changes})
    except SchemaError as exc:
        return _field_error(form, exc)
    # Only what changed (and the keys the schema derives from it) is written.
    derived = {k: v for k, v in built.props.items() if k in changes or node.props.get(k) != v}
    try:
        # The store checks the version again inside the write: another worker may have saved meanwhile.
        store.write([built.__class__(node.id, kind, derived)], change=_note(form.reason.data, "edit"),
                    expect={node.id: based_on})
    except StaleWrite:
        form.version.errors = [gettext("Someone else changed this after you opened it. Your text is still in "
                                       "the form; compare it with what changed meanwhile, then save again.")]
        return 409
    return 303


def _field_error(form, exc: SchemaError) -> int:
    name = exc.field if exc.field in form else None
    message = gettext("This value cannot be stored: %(reason)s", reason=str(exc))
    if name:
        form[name].errors = [*form[name].errors, message]
    else:
        form.version.errors = [message]
    return 400


@page(bp, "/<lang:lang>/edit/<kind:plural>/new", methods=["GET", "POST"], cache=False)
@signed_in
def create(plural: str, fmt: str):
    """Add a node of any kind; an editor links it at once to something of theirs."""
    store, account, lang = get_store(), current_account(), present.current_lang()
    kind = KIND_BY_PLURAL[plural]
    form = editforms.node_form_class(kind)()
    editforms.localise_choices(form, lang)
    link = _link_form(kind)
    link.link.label.text = gettext("Linked to")
    if not form.is_submitted():
        form.original_lang.data = lang
        form.version.data = "0"
    status = 200
    if form.is_submitted():
        status, created = _create(store, account, kind, form, link)
        if created:
            if fmt == "json":
                return {"saved": True, "node": present.ref(store.get_node(created), lang), "version":
                        version_of(store, created)}, 201
            return redirect(present.node_url(created), 303)
    context = _form_context(kind, form, None, form.original_lang.data,
                            relations=editforms.describe_relations(kind), link_form=link if fmt == "html" else None,
                            link_required=not account.edits_everything,
                            link_errors={k: [str(m) for m in v] for k, v in link.errors.items()})
    if fmt == "json":
        context.pop("link_form")
    return _render_form(context, form, fmt, status)


def _create(store, account, kind: str, form, link: LinkForm) -> tuple[int, str | None]:
    valid = form.validate()
    missing = editforms.required_missing(kind, form)
    for name in missing:
        form[name].errors = [*form[name].errors, gettext("Give this in at least one language.")]
    edge_spec = None
    other_given = (link.other.data or "").strip()
    if other_given or not account.edits_everything:
        edge_spec = _resolve_link(store, account, kind, None, link, new=True)
    if not valid or missing or (edge_spec is None and (other_given or not account.edits_everything)):
        return 400, None
    values = {k: v for k, v in editforms.form_values(kind, form).items() if v not in ("", [], None, False)}
    values["original_lang"] = form.original_lang.data
    name = next((v for k, v in values.items() if (k == "name" or k.startswith("name_")
                                                 or k.startswith("title")) and isinstance(v, str)), kind)
    node_id = new_node_id(store, kind, name)
    try:
        node = make_node(node_id, values)
        edges = []
        if edge_spec:
            rel, direction, other = edge_spec
            source, target = (node_id, other) if direction == "out" else (other, node_id)
            edges.append(make_edge(source, rel, target))
    except SchemaError as exc:
        return _field_error(form, exc), None
    store.write([node], edges, change=_note(form.reason.data, "create"))
    return 201, node_id


def _resolve_link(store, account, kind: str, node_id: str | None, link: LinkForm, new: bool = False):
    """Check a link form: a relationship the schema allows, another node that exists (and, for a new
    node, that the other end is the editor's; an existing node's link is checked by ``may_link``).

    Returns (type, direction, other id) or None with errors on the form.
    """
    if not link.link.data or link.link.data not in {c[0] for c in link.link.choices}:
        link.link.errors = [gettext("Choose a relationship this kind of node may have.")]
        return None
    rel, direction = link.link.data.split("|")
    allowed = dict(((r, d), k) for r, d, k in relations_of(kind))[(rel, direction)]
    other = _find_other(store, (link.other.data or "").strip(), allowed, link)
    if other is None:
        return None
    try:
        if direction == "out":
            check_edge(kind, rel, other.kind)
        else:
            check_edge(other.kind, rel, kind)
    except SchemaError:
        link.other.errors = [gettext("A %(kind)s cannot be linked this way; choose a %(allowed)s.",
                                     kind=kind_name(other.kind),
                                     allowed=", ".join(str(kind_name(k)) for k in allowed))]
        return None
    if new and not (account.edits_everything or may_edit(store, account, other.id)):
        link.other.errors = [gettext("Link the new node to something of your own municipality or organisation.")]
        return None
    return rel, direction, other.id


def _find_other(store, given: str, allowed, link: LinkForm):
    """Return the node an id names, or the one node of an allowed kind a search finds."""
    if not given:
        link.other.errors = [gettext("Choose the node to link to.")]
        return None
    if ID_PATTERN.match(given):
        try:
            kind_of_id(given)
            other = store.get_node(given)
        except SchemaError:
            other = None
        if other is not None:
            return other
    hits = finder.search(store, given, kinds=list(allowed), offset=0, limit=5,
                         lang=present.current_lang()).hits if len(given) <= 200 else []
    if len(hits) == 1:
        return hits[0].node
    link.other.errors = [gettext("Nothing matches this; choose one of the suggestions.") if not hits
                         else gettext("Several nodes match this; choose one of the suggestions.")]
    return None


@page(bp, "/<lang:lang>/edit/<kind:plural>/<local:local>/links", methods=["POST"], cache=False)
@signed_in
def links(plural: str, local: str, fmt: str):
    """Add a relationship the schema allows, or remove one (``remove``: source|TYPE|target)."""
    store, account, lang = get_store(), current_account(), present.current_lang()
    node = _existing(store, plural, local)
    node_id = node.id
    link = _link_form(node.kind)
    if not link.is_submitted():
        abort(405)
    removing = (link.remove.data or "").strip()
    if removing:
        key = tuple(removing.split("|"))
        current = {"|".join(e.key): e for e in store.edges_of(node_id)}
        if removing not in current:
            _refuse(gettext("There is no such relationship. Nothing was changed."), 400)
        if not may_link(store, account, key[0], key[2]):
            _refuse(_outside_link())
        change = store.delete(edges=[key], change=ChangeNote(
            account.actor, code="remove_link", params=dict(zip(("source", "rel", "target"), key, strict=True))))
    else:
        link.validate()  # CSRF and lengths; the relationship itself is checked below
        spec = _resolve_link(store, account, node.kind, node_id, link)
        if spec is None:
            errors = {k: [str(m) for m in v] for k, v in link.errors.items()}
            message = " ".join(m for v in errors.values() for m in v)
            _refuse(message or gettext("This link cannot be made."), 400)
        rel, direction, other = spec
        source, target = (node_id, other) if direction == "out" else (other, node_id)
        if not may_link(store, account, source, target):
            _refuse(_outside_link())
        change = store.write(edges=[make_edge(source, rel, target)], change=ChangeNote(
            account.actor, code="add_link", params={"source": source, "rel": rel, "target": target}))
    if fmt == "json":
        return {"saved": True, "change": change.seq if change else None, "links": _links(store, node, lang)}
    return redirect(url_for("editing.edit", plural=plural, local=local) + "#links", 303)


@page(bp, "/<lang:lang>/edit/<kind:plural>/<local:local>/delete", methods=["POST"], cache=False)
@signed_in
def delete(plural: str, local: str, fmt: str):
    """Delete a node with its links; the change record keeps everything, so an admin can restore it."""
    store, account = get_store(), current_account()
    node_id = _existing(store, plural, local).id
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    if not may_edit(store, account, node_id):
        _refuse(_outside())
    change = store.delete([node_id], change=_note(request.form.get("reason"), "delete"))
    if fmt == "json":
        return {"deleted": node_id, "change": change.seq}
    return redirect(url_for("history.recent", deleted=node_id), 303)


__all__ = ["bp", "present_change"]
