"""Editing any node kind, its links, and deleting it: forms from the schema, each with a JSON twin.

Every write names its author (``user:<account>``) and reason in the change
record.  Bad input is refused with translated messages and nothing is written.
JSON clients POST the same fields as JSON and send the session's CSRF token in
the ``X-CSRFToken`` header (GET on the form's JSON twin gives it).
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf

from graph import NotFound, SchemaError, StaleWrite
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
from graph.schema import ID_PATTERN, KIND_BY_PLURAL, kind_of_id, relations_of
from graph.sdgs.review import (
    accepted_edges,
    reject,
    tag_relation,
    text_of,
    verdicts_of,
    with_accepted,
)

from ..auth import current_account, signed_in
from ..choices import choice_list, options
from ..db import get_store
from ..forms import editing as editforms
from ..forms.common import version_number
from ..forms.cycle import conflict, outside_message, saved
from ..forms.links import AlsoLinkForm, LinkForm, link_form, outside_link_message, resolve_link, subjects_form
from ..labels import kind_name, relation_name
from ..presenters import nodes as present
from ..presenters.changes import present_change
from ..render import page, render
from .sdg_suggest import suggestions_for

bp = Blueprint("editing", __name__)


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


def _render_form(context: dict, form, fmt: str, status: int = 200, template: str = "editing/edit.html",
                 **html_only):
    """Render an edit form; ``html_only`` (the WTForms forms of its parts) stays out of the JSON."""
    # A plain string, so that the attribute it goes into escapes its quotes.
    relations_json = json.dumps(context.get("relations") or [], ensure_ascii=False)
    return render(template, context, fmt, status,
                  html={"form": form, "relations_json": relations_json, **html_only})


def _suggestion_context(store, kind: str, node_id: str | None, props: dict, original_lang: str | None,
                        lang: str) -> dict:
    """The SDG suggestions for the form's text (or the node's, before an edit), if its kind takes SDG tags."""
    if tag_relation(kind) is None:
        return {"sdg_suggestions": None}
    text, text_lang = text_of(kind, props, original_lang)
    return {"sdg_suggestions": suggestions_for(store, node_id, text, text_lang, lang), "sdg_text": text}


def _form_verdicts() -> tuple[list[str], list[str]]:
    return verdicts_of(request.get_json(silent=True) or request.form) if request.method == "POST" else ([], [])


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


@page(bp, "/<lang:lang>/edit/<kind:plural>/<local:local>", methods=["GET", "POST"], cache=False)
@signed_in
def edit(plural: str, local: str, fmt: str):
    """Edit a node's texts in four languages and its other declared properties."""
    store, account, lang = get_store(), current_account(), present.current_lang()
    node = _existing(store, plural, local)
    node_id = node.id
    if not may_edit(store, account, node_id):
        _refuse(outside_message())
    kind = node.kind
    form = editforms.node_form_class(kind)()
    editforms.localise_choices(form, lang, kind)
    if not form.is_submitted():
        editforms.fill_from_node(kind, form, node.props)
        form.original_lang.data = node.props.get("original_lang") or lang
        form.version.data = str(version_of(store, node_id))
    status = 200
    extra = {"links": _links(store, node, lang), "relations": editforms.describe_relations(kind),
             "history_url": url_for("history.node_history", plural=plural, local=local)}
    # "Suggest SDGs" (the form without JavaScript) shows suggestions for the text as typed; it saves nothing.
    suggesting = form.is_submitted() and bool(request.form.get("suggest_sdgs"))
    if form.is_submitted() and not suggesting:
        with EDIT_LOCK:
            status = _save(store, kind, node, form)
        if status == 303:
            if fmt == "json":
                fresh = store.get_node(node_id)
                return {"saved": True, "node": present.ref(fresh, lang), "version": version_of(store, node_id)}
            return saved(present.node_url(node_id))
    props = editforms.form_values(kind, form) if form.is_submitted() else node.props
    extra.update(_suggestion_context(store, kind, node_id, props, form.original_lang.data, lang))
    context = _form_context(kind, form, node, form.original_lang.data, **extra)
    if status == 409:
        context["stale"] = conflict(store, node_id, version_number(form.version.data), lang, form)
        form.version.data = str(version_of(store, node_id))
        context["version"] = form.version.data
    return _render_form(context, form, fmt, status, link_form=link_form(kind))


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
        return 409  # the caller maps it to the form's error and the diff (form_cycle.conflict)
    values = editforms.form_values(kind, form)
    values["original_lang"] = form.original_lang.data
    changes = changed_props(node, values)
    accepted, rejected_ids = _form_verdicts()
    # Suggested tags a person accepted are written with the edit; an SDG is shared, so the node must be theirs.
    tags = [e for e in accepted_edges(store, node.id, kind, accepted)
            if may_link(store, current_account(), e.source, e.target)]
    if changes or tags:
        nodes = []
        if changes:
            try:
                built = make_node(node.id, {**node.props, **changes})
            except SchemaError as exc:
                return _field_error(form, exc)
            # Only what changed (and the keys the schema derives from it) is written.
            nodes = [built.__class__(node.id, kind, {k: v for k, v in built.props.items()
                                                      if k in changes or node.props.get(k) != v})]
        note = _note(form.reason.data, "edit")
        note = with_accepted(note, [e.target for e in tags])
        try:
            # The store checks the version again inside the write: another worker may have saved meanwhile.
            store.write(nodes, tags, change=note, expect={node.id: based_on})
        except StaleWrite:
            return 409  # as above
    # A rejection holds for the text as saved: a changed text gets a fresh look.
    text, _ = text_of(kind, {**node.props, **values}, values["original_lang"])
    for rejected_id in rejected_ids:
        reject(store, node.id, text, rejected_id)
    return 303


def _field_error(form, exc: SchemaError) -> int:
    name = exc.field if exc.field in form else None
    message = gettext("This value cannot be stored: %(reason)s", reason=str(exc))
    if name:
        form[name].errors = [*form[name].errors, message]
    else:
        form.version.errors = [message]
    return 400


def _preselect(store, account, kind: str, link: LinkForm, partnership: str | None) -> None:
    """From a partnership's page ("Add a lesson"), the new node's first link is to that partnership."""
    if not partnership or not ID_PATTERN.match(partnership) or kind_of_id_safe(partnership) != "Partnership":
        return
    choice = next((f"{rel}|{d}" for rel, d, kinds in relations_of(kind) if "Partnership" in kinds), None)
    if choice and store.get_node(partnership) is not None and may_edit(store, account, partnership):
        link.link.data, link.other.data = choice, partnership


def kind_of_id_safe(node_id: str) -> str | None:
    try:
        return kind_of_id(node_id)
    except SchemaError:
        return None


@page(bp, "/<lang:lang>/edit/<kind:plural>/new", params=("partnership",), methods=["GET", "POST"], cache=False)
@signed_in
def create(plural: str, fmt: str):
    """Add a node of any kind; an editor links it at once to something of theirs.

    Besides that first link, a node that may concern themes and SDGs takes them from
    lists, and one more link (a lesson's practical experience) may be given.  Opened
    from a partnership's page (``?partnership=``), the first link is to that partnership.
    """
    store, account, lang = get_store(), current_account(), present.current_lang()
    kind = KIND_BY_PLURAL[plural]
    form = editforms.node_form_class(kind)()
    editforms.localise_choices(form, lang, kind)
    link = link_form(kind)
    link.link.label.text = gettext("Linked to")
    also = link_form(kind, AlsoLinkForm, prefix="also")
    also.link.choices = [*options([("", gettext("— none —"))]), *also.link.choices]
    also.link.label.text = gettext("One more link (optional)")
    subjects = subjects_form(store, kind, lang)
    if not form.is_submitted():
        form.original_lang.data = lang
        form.version.data = "0"
        _preselect(store, account, kind, link, request.args.get("partnership"))
    status = 200
    if form.is_submitted() and not request.form.get("suggest_sdgs"):
        status, created = _create(store, account, kind, form, link, also, subjects)
        if created:
            if fmt == "json":
                return {"saved": True, "node": present.ref(store.get_node(created), lang), "version":
                        version_of(store, created)}, 201
            return saved(present.node_url(created))
    link_errors = {k: [str(m) for m in v] for k, v in link.errors.items()}
    link_errors.update({f"also-{k}": [str(m) for m in v] for k, v in also.errors.items()})
    props = editforms.form_values(kind, form) if form.is_submitted() else {}
    context = _form_context(kind, form, None, form.original_lang.data,
                            **_suggestion_context(store, kind, None, props, form.original_lang.data, lang),
                            relations=editforms.describe_relations(kind),
                            subjects={name: choice_list(subjects[name])
                                      for name in ("themes", "sdgs")} if subjects else None,
                            link_required=not account.edits_everything, link_errors=link_errors)
    return _render_form(context, form, fmt, status, link_form=link, also_form=also, subjects_form=subjects)


def _create(store, account, kind: str, form, link: LinkForm, also: LinkForm, subjects) -> tuple[int, str | None]:
    valid = form.validate()
    missing = editforms.required_missing(kind, form)
    for name in missing:
        form[name].errors = [*form[name].errors, gettext("Give this in at least one language.")]
    edge_spec = None
    other_given = (link.other.data or "").strip()
    if other_given or not account.edits_everything:
        edge_spec = resolve_link(store, account, kind, None, link, new=True)
    specs = [edge_spec] if edge_spec else []
    also_ok = True
    if (also.link.data or "") or (also.other.data or "").strip():
        also_spec = resolve_link(store, account, kind, None, also, new=True, extra=True)
        also_ok = also_spec is not None
        specs += [also_spec] if also_spec else []
    if subjects is not None:
        subjects.validate()
        chosen = [*(subjects.themes.data or []), *(subjects.sdgs.data or [])]
        specs += [("CONCERNS", "out", other) for other in dict.fromkeys(chosen)]
    if not valid or missing or not also_ok or (edge_spec is None and (other_given or not account.edits_everything)) \
            or (subjects is not None and subjects.errors):
        return 400, None
    values = {k: v for k, v in editforms.form_values(kind, form).items() if v not in ("", [], None, False)}
    values["original_lang"] = form.original_lang.data
    name = next((v for k, v in values.items() if (k == "name" or k.startswith("name_")
                                                 or k.startswith("title")) and isinstance(v, str)), kind)
    node_id = new_node_id(store, kind, name)
    try:
        node = make_node(node_id, values)
        edges = []
        for rel, direction, other in specs:
            source, target = (node_id, other) if direction == "out" else (other, node_id)
            edges.append(make_edge(source, rel, target))
    except SchemaError as exc:
        return _field_error(form, exc), None
    accepted, rejected_ids = _form_verdicts()
    tags = accepted_edges(store, node_id, kind, accepted)
    note = _note(form.reason.data, "create")
    store.write([node], edges + tags, change=with_accepted(note, [e.target for e in tags]))
    text, _ = text_of(kind, values, values["original_lang"])
    for rejected_id in rejected_ids:
        reject(store, node_id, text, rejected_id)
    return 201, node_id


@page(bp, "/<lang:lang>/edit/<kind:plural>/<local:local>/links", methods=["POST"], cache=False)
@signed_in
def links(plural: str, local: str, fmt: str):
    """Add a relationship the schema allows, or remove one (``remove``: source|TYPE|target)."""
    store, account, lang = get_store(), current_account(), present.current_lang()
    node = _existing(store, plural, local)
    node_id = node.id
    link = link_form(node.kind)
    if not link.is_submitted():
        abort(405)
    removing = (link.remove.data or "").strip()
    if removing:
        key = tuple(removing.split("|"))
        current = {"|".join(e.key): e for e in store.edges_of(node_id)}
        if removing not in current:
            _refuse(gettext("There is no such relationship. Nothing was changed."), 400)
        if not may_link(store, account, key[0], key[2]):
            _refuse(outside_link_message())
        change = store.delete(edges=[key], change=ChangeNote(
            account.actor, code="remove_link", params=dict(zip(("source", "rel", "target"), key, strict=True))))
    else:
        link.validate()  # CSRF and lengths; the relationship itself is checked below
        spec = resolve_link(store, account, node.kind, node_id, link)
        if spec is None:
            errors = {k: [str(m) for m in v] for k, v in link.errors.items()}
            message = " ".join(m for v in errors.values() for m in v)
            _refuse(message or gettext("This link cannot be made."), 400)
        rel, direction, other = spec
        source, target = (node_id, other) if direction == "out" else (other, node_id)
        if not may_link(store, account, source, target):
            _refuse(outside_link_message())
        change = store.write(edges=[make_edge(source, rel, target)], change=ChangeNote(
            account.actor, code="add_link", params={"source": source, "rel": rel, "target": target}))
    if fmt == "json":
        return {"saved": True, "change": change.seq if change else None, "links": _links(store, node, lang)}
    return redirect(url_for("editing.edit", plural=plural, local=local) + "#links", 303)


def _delete_page(store, node, fmt: str, status: int = 200):
    """The confirmation a delete asks for: the node and every link that goes with it."""
    lang = present.current_lang()
    context = {"title": gettext("Delete %(name)s?", name=node.label(lang)), "node": present.ref(node, lang),
               "links": _links(store, node, lang), "csrf_token": generate_csrf(),
               "action": url_for("editing.delete", plural=request.view_args["plural"],
                                 local=request.view_args["local"])}
    return render("editing/delete.html", context, fmt, status)


def _delete_confirmed() -> bool:
    # A JSON body reaches the view as form values (webapp/json_body.py): true arrives as "true".
    fields = (request.get_json(silent=True) or {}) if request.is_json else request.form
    return fields.get("confirm") in ("yes", "true")


@page(bp, "/<lang:lang>/edit/<kind:plural>/<local:local>/delete", methods=["GET", "POST"], cache=False)
@signed_in
def delete(plural: str, local: str, fmt: str):
    """Delete a node with its links, once confirmed; the change record keeps everything, so it can be restored.

    GET (or a POST without ``confirm``) answers the confirmation page naming what goes;
    the delete is done by a POST with ``confirm=yes`` (JSON: ``"confirm": true``).
    """
    store, account = get_store(), current_account()
    node = _existing(store, plural, local)
    node_id = node.id
    if not may_edit(store, account, node_id):
        _refuse(outside_message())
    if request.method == "GET":
        return _delete_page(store, node, fmt)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    if not _delete_confirmed():
        return _delete_page(store, node, fmt, 409 if fmt == "json" else 200)
    reason = ((request.get_json(silent=True) or {}) if request.is_json else request.form).get("reason")
    change = store.delete([node_id], change=_note(reason, "delete"))
    if fmt == "json":
        return {"deleted": node_id, "change": change.seq}
    flash(gettext("%(name)s is deleted. The change record keeps it: you can undo the deletion there.",
                  name=node.label(present.current_lang())))
    return redirect(url_for("history.change", seq=change.seq), 303)


__all__ = ["bp", "present_change"]
