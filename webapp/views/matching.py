"""Find a thematic partner: the form, its results and their JSON twin."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import format_percent, gettext

from graph import regions
from graph.matching import WEIGHTS, MatchError, MatchRequest, Profile, match
from graph.queries import find_municipality

from .. import present
from ..choices import options
from ..db import get_store
from ..forms import WORKING_LANGUAGES, MatchForm
from ..labels import COMPONENTS, FLAGS, language_name, match_error_message
from ..render import page, render

bp = Blueprint("matching", __name__)

# Which form field a matcher error belongs to.
ERROR_FIELDS = {
    "unknown_municipality": "municipality", "both_or_neither": "municipality", "no_themes": "themes",
    "too_many_themes": "themes", "unknown_theme": "themes", "unknown_sdg": "sdgs",
    "unknown_country": "country", "unknown_region": "only_region", "contradictory_options": "only_region",
    "unknown_language": "languages", "no_languages": "require_shared_language",
    "limit_out_of_range": "limit",
}


def _build_form(store, lang: str) -> MatchForm:
    form = MatchForm(request.args if request.args else None)
    themes = sorted(((t.id, t.label(lang)) for t in store.nodes("Theme")), key=lambda c: c[1].lower())
    goals = sorted(store.nodes("SDG"), key=lambda g: g.props.get("number", 0))
    countries = regions.countries(lang)
    form.themes.choices = form.offers.choices = form.seeks.choices = options(themes)
    form.sdgs.choices = options((g.id, f"{g.props.get('number')}. {g.label(lang)}") for g in goals)
    form.country.choices = options([("", gettext("Choose a country"))] + countries)
    form.only_country.choices = options([("", gettext("Any country"))] + countries)
    form.only_region.choices = options([("", gettext("Any region"))] + regions.region_choices(lang))
    form.languages.choices = options((code, language_name(code, lang)) for code in WORKING_LANGUAGES)
    return form


@page(bp, "/<lang:lang>/match", params=MatchForm.FIELDS)
def find_partner(fmt: str):
    """Rank municipalities as thematic partners, with the score's parts and the evidence."""
    store = get_store()
    lang = present.current_lang()
    form = _build_form(store, lang)
    context = {"title": gettext("Find a thematic partner"), "submitted": bool(request.args),
               "errors": {}, "result": None, "components": _components()}
    status = 200
    if request.args:
        if form.validate():
            try:
                context["result"] = _run(store, form, lang)
            except MatchError as exc:
                field = getattr(form, ERROR_FIELDS.get(exc.code, "municipality"))
                field.errors = list(field.errors) + [match_error_message(exc, lang)]
        context["errors"] = {name: [str(e) for e in f.errors] for name, f in form._fields.items() if f.errors}
        if context["errors"]:
            status = 400
    context["query"] = {k: request.args.getlist(k) for k in request.args}
    if fmt == "html":
        context["form"] = form  # the HTML rendering also needs the form object itself
    return render("match.html", context, fmt, status)


def _run(store, form: MatchForm, lang: str) -> dict:
    municipality = None
    if form.municipality.data:
        found = find_municipality(store, form.municipality.data)
        if found is None:
            raise MatchError("unknown_municipality", "unknown municipality", municipality=form.municipality.data)
        municipality = found.id
    profile = None if municipality else Profile(
        country=form.country.data, languages=tuple(form.languages.data or ()),
        offers=tuple(form.offers.data or ()), seeks=tuple(form.seeks.data or ()), sdgs=tuple(form.sdgs.data or ()))
    result = match(store, MatchRequest(
        municipality=municipality, profile=profile, themes=tuple(form.themes.data),
        exclude_partners=form.exclude_partners.data, country=form.only_country.data or None,
        region=form.only_region.data or None, require_shared_language=form.require_shared_language.data,
        limit=form.limit.data or 10))
    ids = {result.origin} if result.origin else set()
    for c in result.candidates:
        ids.add(c.id)
        for ev in c.evidence:
            ids.add(ev.about)
            ids.update(x for path in ev.paths for e in path for x in (e.source, e.target))
    ids.update(result.themes)
    nodes = store.get_nodes(i for i in ids if ":" in i)
    refs: dict = {}  # one link per node for the whole page (see present.chain)
    # An answer from the previous index while the next one is built may name a town deleted since.
    candidates = [_candidate(c, nodes, lang, refs) for c in result.candidates if c.id in nodes]
    return {
        "origin": present.ref(nodes[result.origin], lang) if result.origin in nodes else None,
        "themes": [present.ref(nodes[t], lang) if t in nodes else {"id": t} for t in result.themes],
        "considered": result.considered,
        # Two groups, each in score order, so a score never contradicts its position.
        "groups": [dict(g, count=sum(1 for c in candidates if c["group"] == g["group"])) for g in _groups()],
        "candidates": candidates,
        "unmatched_themes": [present.ref(nodes[t], lang) for t in result.unmatched_themes if t in nodes],
    }


def _groups() -> list[dict]:
    return [
        {"group": "thematic", "label": gettext("Thematic matches"),
         "help": gettext("A theme or an SDG links them to you; best score first.")},
        {"group": "network", "label": gettext("Suggestions through your network only"),
         "help": gettext("No shared theme or SDG yet: they come through partnerships or facilitators "
                         "you have in common; best score first.")},
    ]


def _candidate(c, nodes, lang: str, refs: dict) -> dict:
    return {
        "municipality": present.ref(nodes[c.id], lang),
        "group": "thematic" if c.thematic else "network",
        "country": present.country(nodes[c.id].props, lang),
        "country_code": nodes[c.id].props.get("country_code"),
        "score": c.score,
        "score_display": format_percent(c.score),
        "parts": [{"component": k, "label": str(COMPONENTS[k][0]), "value": v,
                   "display": format_percent(v, "#,##0.0%")} for k, v in c.parts.items() if v],
        "flags": [{"flag": f, "label": str(FLAGS.get(f, f))} for f in c.flags],
        "evidence": [
            {"component": ev.component, "label": str(COMPONENTS[ev.component][0]),
             "about": present.ref(nodes[ev.about], lang) if ev.about in nodes
             else {"id": ev.about, "label": language_name(ev.about, lang)},
             "flags": [{"flag": f, "label": str(FLAGS.get(f, f))} for f in ev.flags],
             "paths": [present.chain(path, nodes, lang, refs=refs) for path in ev.paths
                       if all(x in nodes for e in path for x in (e.source, e.target))]}
            for ev in c.evidence
        ],
    }


def _components() -> list[dict]:
    return [{"component": k, "label": str(label), "help": str(help_text), "weight": WEIGHTS[k]}
            for k, (label, help_text) in COMPONENTS.items()]


