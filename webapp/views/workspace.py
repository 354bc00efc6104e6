"""A partnership's workspace: the publication's exercises, run together by both sides in their own languages.

The domain (graph.workspace) checks and writes everything; these views show its runs, fill its forms and
turn its refusals (``WorkspaceError.code``) into translated messages on the form, the input kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from graph import NotFound
from graph import workspace as ws
from graph.editing.edits import EDIT_LOCK
from graph.schema import LANGUAGES
from graph.sdgs.suggest import default_suggester
from graph.workspace.checks import MAX_LABEL

from ..auth import current_account, signed_in
from ..choices import choice_list, options
from ..db import get_store
from ..forms import workspace as forms
from ..forms.common import version_number
from ..i18n import NATIVE_NAMES
from ..labels import language_label, language_name
from ..presenters import nodes as present
from ..presenters import workspace as shown
from ..render import page, render
from ..visibility import visibility
from .sdg_suggest import present_suggestions

bp = Blueprint("workspace", __name__)
BASE = "/<lang:lang>/partnerships/<local:local>/workspace"
# Refusals that are about who asks, not what they wrote.


@bp.context_processor
def phrases() -> dict:
    """The sentences that name a language, for the workspace's templates."""
    return {"ws_phrases": forms.PHRASES}


def _partnership(store, local: str):
    node = store.get_node(f"partnership:{local}")
    if node is None:
        raise NotFound(f"partnership:{local}")
    return node


def _partners(store, partnership_id: str) -> dict:
    """The partnership's municipalities (the sides that answer), by id, in name order."""
    ids = [i for i in ws.partners(store, partnership_id) if i.startswith("municipality:")]
    lang = present.current_lang()
    return dict(sorted(store.get_nodes(ids).items(), key=lambda kv: kv[1].label(lang).casefold()))


def _run(store, partnership_id: str, run_local: str):
    """The run an address names, when it belongs to this partnership; else 404."""
    try:
        found = ws.run(store, f"run:{run_local}")
    except (NotFound, ws.WorkspaceError):
        abort(404)
    if found.partnership != partnership_id or visibility().hides_id(found.id):
        abort(404)  # an unpublished run is not there for whoever may not see it
    return found


def _roles() -> dict:
    return {role.key: role for role in ws.roles()}


def _templates(store) -> dict:
    return {t.id: t for t in ws.templates(store)}


def _base(partnership, lang: str) -> dict:
    local = _local(partnership.id)
    return {"partnership": present.ref(partnership, lang),
            "workspace_url": url_for("workspace.workspace", local=local),
            "report_url": url_for("workspace.report", local=local)}


@page(bp, BASE)
def workspace(local: str, fmt: str):
    """The partnership's workspace: the exercises to run and the dated sessions of each, newest first."""
    store, lang, account = get_store(), present.current_lang(), current_account()
    partnership = _partnership(store, local)
    partners, roles = _partners(store, partnership.id), _roles()
    runs = [r for r in ws.runs_of(store, partnership.id) if not visibility().hides_id(r.id)]
    may_start = account is not None and ws.may_start(store, account, partnership.id)
    exercises = []
    for template in ws.templates(store):
        mine = [r for r in runs if r.template_id == template.id]
        exercises.append({
            "id": template.id, "kind": template.kind, "name": template.name(lang),
            "description": template.description(lang),
            "start_url": url_for("workspace.start", local=local, exercise=_local(template.id))
            if may_start else None,
            "adapt_url": url_for("workspace.adapt", local=_local(template.id))
            if account is not None and account.edits_everything else None,
            "runs": [shown.run_summary(r, partners, roles, lang) for r in mine],
            "compare_url": url_for("workspace.compare", local=local, a=_local(mine[1].id),
                                   b=_local(mine[0].id)) if template.kind == "radar" and len(mine) > 1
            else None,
        })
    context = {**_base(partnership, lang),
               "title": gettext("Workspace of %(name)s", name=partnership.label(lang)),
               "partners": [present.ref(m, lang) for m in partners.values()],
               "exercises": exercises, "may_start": may_start}
    return render("workspace/overview.html", context, fmt)


@page(bp, BASE + "/start/<local:exercise>", methods=["GET", "POST"], cache=False)
@signed_in
def start(local: str, exercise: str, fmt: str):
    """Start a dated session of an exercise for the partnership (a radar chooses its notions here)."""
    store, lang, account = get_store(), present.current_lang(), current_account()
    partnership = _partnership(store, local)
    template = _templates(store).get(f"exercise:{exercise}")
    if template is None:
        abort(404)
    if not ws.may_start(store, account, partnership.id):
        abort(403, description=forms.refusal_message(ws.WorkspaceError("not_an_editor", "not an editor")))
    form = forms.StartRunForm()
    scores = [item for item in template.items if item.type == "score"]
    form.notions.choices = options((item.key, item.label_in(lang)[0]) for item in scores)
    if not form.is_submitted():
        form.notions.data = [item.key for item in scores]
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            own = tuple((line, lang) for line in forms.split_lines(form.own_notions.data))
            try:
                with EDIT_LOCK:
                    run = ws.start_run(store, account, partnership.id, template.id, form.held_on.data,
                                       notions=tuple(form.notions.data or ()), own_notions=own,
                                       actor=account.actor)
            except ws.WorkspaceError as exc:
                status, _ = forms.refused(store, form, exc, lang)
            else:
                url = shown.run_url(partnership.id, run.id)
                if fmt == "json":
                    return {"saved": True, "run": run.id, "url": url}, 201
                flash(gettext("The session is started. Each side can now give its answers."))
                return redirect(url, 303)
    context = {**_base(partnership, lang),
               "title": gettext("Start: %(exercise)s", exercise=template.name(lang)),
               "exercise": {"id": template.id, "kind": template.kind, "name": template.name(lang),
                            "description": template.description(lang)},
               "notions": choice_list(form.notions),
               "values": {"held_on": form.held_on.raw_data[0] if form.held_on.raw_data else
                          (form.held_on.data.isoformat() if form.held_on.data else ""),
                          "notions": form.notions.data or [], "own_notions": form.own_notions.data or ""},
               "errors": _errors(form), "csrf_token": generate_csrf()}
    return render("workspace/start.html", context, fmt, status, html={"form": form})


def _local(node_id: str) -> str:
    """The part of an id after its kind's prefix, as addresses use it."""
    return shown.local_part(node_id)


def _errors(form) -> dict:
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


@page(bp, BASE + "/runs/<local:run>", endpoint="run")
def run_page(local: str, run: str, fmt: str):
    """One dated session: the radar of both sides with its table, or their answers side by side."""
    store, lang, account = get_store(), present.current_lang(), current_account()
    partnership = _partnership(store, local)
    found = _run(store, partnership.id, run)
    partners, roles = _partners(store, partnership.id), _roles()
    template = _templates(store).get(found.template_id)
    context = {**_base(partnership, lang), **shown.run_context(store, found, template, partners, roles, lang, account)}
    if fmt == "json" and context["radar"]:
        context["radar"].pop("svg")
    return render("workspace/run.html", context, fmt)


@page(bp, BASE + "/runs/<local:run>/answer/<local:municipality>", methods=["GET", "POST"], cache=False)
@signed_in
def answer(local: str, run: str, municipality: str, fmt: str):
    """One side's answers to a session: participants by role, scores, texts, chosen themes and SDGs, lines."""
    store, lang, account = get_store(), present.current_lang(), current_account()
    partnership = _partnership(store, local)
    found = _run(store, partnership.id, run)
    partners, roles = _partners(store, partnership.id), _roles()
    side = f"municipality:{municipality}"
    if side not in partners:
        abort(404)
    if not ws.may_answer(account, side):
        abort(403, description=forms.refusal_message(ws.WorkspaceError("not_an_editor", "not an editor")))
    existing = found.responses.get(side)
    form = forms.answer_form_class(found.items, list(roles.values()), lang, found.scale or (1, 5))()
    forms.answer_choices(store, form, found.items, lang)
    if not form.is_submitted():
        forms.fill(form, existing, roles, lang)
    status, stale = 200, None
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                with EDIT_LOCK:
                    ws.save_response(store, account, found.id, side, **forms.answers_of(form, found.items, roles,
                                                                                existing))
            except ws.WorkspaceError as exc:
                status, stale = forms.refused(store, form, exc, lang)
                if stale is not None:  # saving again is based on what is there now
                    fresh = ws.run(store, found.id).responses.get(side)
                    form.version.data = str(fresh.version if fresh else 0)
            else:
                url = shown.run_url(partnership.id, found.id)
                if fmt == "json":
                    return {"saved": True, "run": found.id, "url": url}
                flash(gettext("Your answers are saved."))
                return redirect(url, 303)
    template = _templates(store).get(found.template_id)
    name = template.name(lang) if template else found.template_id
    context = {**_base(partnership, lang),
               "title": gettext("Answers of %(municipality)s", municipality=partners[side].label(lang)),
               "exercise_name": name, "held_on_display": shown.date_display(found.held_on),
               "run_url": shown.run_url(partnership.id, found.id),
               "municipality": present.ref(partners[side], lang),
               "fields": _with_sdg_suggestions(store, forms.describe_answer(form, found.items, roles, lang), form,
                                               found.items, lang),
               "scale_hint": gettext("Score each notion from %(low)s (weak) to %(high)s (strong).",
                                     low=found.scale[0], high=found.scale[1]) if found.scale else None,
               "values": {k: v.data for k, v in form._fields.items() if k != "csrf_token"},
               "version": form.version.data, "errors": _errors(form), "stale": stale,
               "csrf_token": generate_csrf()}
    return render("workspace/answer.html", context, fmt, status, html={"form": form})


def _with_sdg_suggestions(store, groups: list[dict], form, items, lang: str) -> list[dict]:
    """Beside each SDG choice, the goals the side's written answers speak to (not yet chosen there).

    They are only shown: a goal counts once the side ticks it and saves, like any other choice.
    """
    if not any(item.type == "sdgs" for item in items):
        return groups
    written = [form[forms.field_of(item.type, item.key)].data or "" for item in items
               if item.type in ("text", "stakeholders", "ambitions")]
    text = "\n".join(t for t in written if isinstance(t, str) and t.strip())
    text_lang = form.answer_lang.data if form.answer_lang.data in LANGUAGES else None
    found = default_suggester().suggest(text, lang=text_lang) if text.strip() else None
    for group in groups:
        if group["group"] == "sdgs":
            chosen = set(form[group["name"]].data or [])
            group["suggested"] = [g for g in present_suggestions(store, found, lang)["goals"]
                                  if g["id"] not in chosen] if found else []
    return groups


@page(bp, BASE + "/runs/<local:run>/translate/<local:municipality>", params=("key", "to"),
      methods=["GET", "POST"], cache=False)
@signed_in
def translate(local: str, run: str, municipality: str, fmt: str):
    """Add a translation of one answer, its original beside the field."""
    store, lang, account = get_store(), present.current_lang(), current_account()
    partnership = _partnership(store, local)
    found = _run(store, partnership.id, run)
    side = f"municipality:{municipality}"
    response = found.responses.get(side)
    key = request.args.get("key", "")
    item = next((i for i in found.items if i.key == key and i.type == "text"), None)
    if response is None or item is None or not response.texts.get(key):
        abort(404)
    if not shown.may_translate(store, account, found):
        abort(403, description=forms.refusal_message(ws.WorkspaceError("not_an_editor", "not an editor")))
    to = request.args.get("to") or (lang if lang != response.lang else next(c for c in LANGUAGES if c != lang))
    if to not in LANGUAGES or to == response.lang:
        abort(400, description=forms.refusal_message(ws.WorkspaceError("unknown_language", "unknown language")))
    form = forms.TranslationForm()
    # A translation goes into another language than the answer's own; the languages named in the page's language.
    form.to.choices = options((code, language_label(code, lang)) for code in LANGUAGES if code != response.lang)
    status, stale = 200, None
    if not form.is_submitted():
        form.response.data, form.key.data, form.to.data = response.id, key, to
        form.text.data = response.translations.get((key, to), "")
        form.version.data = str(response.version)
    else:
        status = 400
        if form.validate():
            try:
                with EDIT_LOCK:
                    ws.add_translation(store, account, response.id, key, form.to.data,
                                       form.text.data.replace("\r\n", "\n").strip(), forms.int_or_invalid(form.version.data))
            except ws.WorkspaceError as exc:
                status, stale = forms.refused(store, form, exc, lang, "translation")
                if stale is not None:
                    form.version.data = str(ws.run(store, found.id).responses[side].version)
            else:
                url = shown.run_url(partnership.id, found.id)
                if fmt == "json":
                    return {"saved": True, "url": url}
                flash(gettext("The translation is saved."))
                return redirect(url, 303)
    partners = _partners(store, partnership.id)
    context = {**_base(partnership, lang),
               "title": gettext("Translate an answer of %(municipality)s", municipality=partners[side].label(lang)),
               "run_url": shown.run_url(partnership.id, found.id), "item": shown.label(item, lang),
               "original": {"text": response.texts[key], "lang": response.lang,
                            "language": NATIVE_NAMES.get(response.lang, response.lang)},
               "to": form.to.data, "text": form.text.data, "version": form.version.data,
               "errors": _errors(form), "stale": stale, "csrf_token": generate_csrf()}
    return render("workspace/translate.html", context, fmt, status, html={"form": form})


@page(bp, BASE + "/runs/<local:run>/publish", methods=["POST"], cache=False)
@signed_in
def publish(local: str, run: str, fmt: str):
    """Publish a session: until then only its sides' editors, staff and admins see it and its answers."""
    store, account = get_store(), current_account()
    partnership = _partnership(store, local)
    found = _run(store, partnership.id, run)
    values = request.get_json() if request.is_json else request.form
    try:
        with EDIT_LOCK:
            published = ws.publish_run(store, account, found.id, based_on=version_number(values.get("version") or found.version))
    except ws.WorkspaceError as exc:
        abort(403 if exc.code in forms.FORBIDDEN else 409, description=forms.refusal_message(exc))
    if fmt == "json":
        return {"published": True, "run": published.id, "published_at": published.published_at,
                "published_by": published.published_by}
    flash(gettext("The session is published: everyone can now see it and its answers."))
    return redirect(shown.run_url(partnership.id, found.id), 303)


@page(bp, BASE + "/compare", params=("a", "b"))
def compare(local: str, fmt: str):
    """Two dated sessions of a radar overlaid (each side at each date), or the two sides of one session."""
    store, lang = get_store(), present.current_lang()
    partnership = _partnership(store, local)
    partners = _partners(store, partnership.id)
    first = _run_arg(store, partnership.id, "a")
    second = _run_arg(store, partnership.id, "b") if request.args.get("b") else None
    try:
        comparison = ws.compare(first, second)
    except ws.WorkspaceError as exc:
        abort(400, description=forms.refusal_message(exc))
    template = _templates(store).get(first.template_id)
    name = template.name(lang) if template else first.template_id
    context = {**_base(partnership, lang), **shown.comparison(comparison, partners, name, lang)}
    if fmt == "json":
        context["radar"].pop("svg")
    return render("workspace/compare.html", context, fmt)


def _run_arg(store, partnership_id: str, name: str):
    value = request.args.get(name, "").strip().removeprefix("run:")
    if not value:
        abort(400, description=gettext("Choose the sessions to compare."))
    try:
        found = ws.run(store, f"run:{value}")
    except (NotFound, ws.WorkspaceError, ValueError):
        abort(404)
    if found.partnership != partnership_id or visibility().hides_id(found.id):
        abort(404)
    return found


@page(bp, BASE + "/report", params=("other",))
def report(local: str, fmt: str):
    """A printable report of the workspace in two languages: every answer in both, the original marked."""
    store, lang = get_store(), present.current_lang()
    partnership = _partnership(store, local)
    partners, roles, templates = _partners(store, partnership.id), _roles(), _templates(store)
    found = [r for r in ws.runs_of(store, partnership.id) if not visibility().hides_id(r.id)]
    other = request.args.get("other") or _other_language(found, lang)
    if other not in LANGUAGES or other == lang:
        abort(400, description=forms.refusal_message(ws.WorkspaceError("unknown_language", "unknown language")))
    runs = [shown.run_context(store, r, templates.get(r.template_id), partners, roles, lang, None, other) for r in found]
    for r in runs if fmt == "json" else ():
        if r["radar"]:
            r["radar"].pop("svg")
    context = {**_base(partnership, lang),
               "title": gettext("Workspace report: %(name)s", name=partnership.label(lang)),
               "lang": lang, "other": other, "language": NATIVE_NAMES[lang], "other_language": NATIVE_NAMES[other],
               "intro": gettext("Every answer is given here in %(first)s and in %(second)s; the language it was "
                                "written in is marked “original”.", first=language_name(lang, lang),
                                second=language_name(other, lang)),
               "languages": [{"value": c, "label": NATIVE_NAMES[c]} for c in LANGUAGES if c != lang],
               "partners": [present.ref(m, lang) for m in partners.values()], "runs": runs}
    return render("workspace/report.html", context, fmt)


def _other_language(runs, lang: str) -> str:
    """The report's second language by default: the one most answers were written in, besides the page's."""
    written = [r.lang for run in runs for r in run.responses.values() if r.lang != lang]
    if written:
        return max(sorted(set(written)), key=written.count)
    return next(code for code in LANGUAGES if code != lang)


@page(bp, "/<lang:lang>/exercises/<local:local>/adapt", methods=["GET", "POST"], cache=False)
@signed_in
def adapt(local: str, fmt: str):
    """Adapt an exercise for every partnership (staff and admins): rename, add or hide a notion or prompt."""
    store, lang, account = get_store(), present.current_lang(), current_account()
    template = _templates(store).get(f"exercise:{local}")
    if template is None:
        abort(404)
    if not account.edits_everything:
        abort(403, description=gettext("Only the association's staff and administrators adapt the exercises."))
    form = FlaskForm()
    status, stale, errors = 200, None, []
    # JSON clients send the same fields as the form (hide: a list).
    values = MultiDict(request.get_json(silent=True) or {}) if request.is_json else request.form
    version = values.get("version") if request.method == "POST" else ws.version_of(store, template.id)
    if request.method == "POST":
        status = 400
        if not form.validate():
            errors += [str(m) for v in form.errors.values() for m in v]
        else:
            try:
                with EDIT_LOCK:
                    ws.adapt_template(store, account, template.id, **forms.adaptation_of(template, values))
            except ws.WorkspaceError as exc:
                new_item = exc.params.get("key") == (values.get("new_key") or "").strip()
                errors.append(forms.refusal_message(exc, "new_item" if new_item else None))
                status, stale = forms.refused(store, None, exc, lang)
                if stale is not None:
                    version = ws.version_of(store, template.id)
            else:
                if fmt == "json":
                    return {"saved": True, "exercise": template.id, "version": ws.version_of(store, template.id)}
                flash(gettext("The exercise is saved. Sessions held before keep their own notions and questions."))
                return redirect(url_for("workspace.adapt", local=local), 303)
    context = {"title": gettext("Adapt the exercise: %(name)s", name=template.name(lang)),
               "exercise": {"id": template.id, "kind": template.kind, "name": template.name(lang),
                            "names": {c: template.names.get(c, "") for c in LANGUAGES},
                            "url": present.node_url(template.id)},
               "items": [{"key": i.key, "type": i.type, "labels": {c: i.label.get(c, "") for c in LANGUAGES},
                          "hidden": i.key in values.getlist("hide")}
                         for i in template.items],
               "types": ["score", "text"] if template.kind == "radar" else ["text"],
               "vals": {k: values.get(k) for k in values if k not in ("csrf_token", "hide")},
               "item_types": {k: str(v) for k, v in forms.ITEM_TYPES.items()}, "max_label": MAX_LABEL,
               "version": version,
               "errors": errors, "stale": stale, "csrf_token": generate_csrf()}
    return render("workspace/adapt.html", context, fmt, status)


