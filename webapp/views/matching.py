"""Find a thematic partner: the form, its results and their JSON twin."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import format_percent, gettext

from graph.matching import WEIGHTS, MatchError, MatchRequest, Profile, match
from graph.places import regions
from graph.queries import find_municipality
from graph.suggest import suggest

from ..choices import options
from ..db import get_store
from ..forms.common import WORKING_LANGUAGES, MatchForm
from ..labels import COMPONENTS, FLAGS, language_name, match_error_message
from ..presenters import nodes as present
from ..render import current_url, page, render

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
               "errors": {}, "result": None, "components": _components(), "did_you_mean": []}
    status = 200
    if request.args:
        if form.validate():
            try:
                # The name is looked up once (a full-text search: on Neo4j a round trip under load).
                typed = (form.municipality.data or "").strip()
                found = find_municipality(store, typed) if typed else None
                context["did_you_mean"] = _did_you_mean(store, typed, found)
                if not context["did_you_mean"]:
                    context["result"] = _run(store, form, lang, found)
            except MatchError as exc:
                field = getattr(form, ERROR_FIELDS.get(exc.code, "municipality"))
                field.errors = list(field.errors) + [match_error_message(exc, lang)]
        context["errors"] = {name: [str(e) for e in f.errors] for name, f in form._fields.items() if f.errors}
        if context["errors"]:
            status = 400
    context["query"] = {k: request.args.getlist(k) for k in request.args}
    if fmt == "html":
        context["form"] = form  # the HTML rendering also needs the form object itself
    return render("browse/match.html", context, fmt, status)


def _did_you_mean(store, typed: str, found) -> list[dict]:
    """For a municipality name that finds nothing (``found`` is None), the nearest names, each a link that
    runs the search with it ("Brasshaat": Brasschaat); [] when the name is found or nothing is near
    (then it is an error)."""
    if not typed or found is not None:
        return []
    # "Brasshaat, België": the name before the comma is what may be misspelt.
    near = suggest(store, typed.partition(",")[0], kinds=["Municipality"])
    nodes = store.get_nodes(s.id for s in near)
    return [{"id": s.id, "name": s.name,
             "country": present.country(nodes[s.id].props, present.current_lang()) if s.id in nodes else None,
             "url": current_url(query={"municipality": [s.id]}) + "#results"} for s in near]


def _run(store, form: MatchForm, lang: str, found) -> dict:
    """Match for the form; ``found``: the municipality its name resolved to, or None."""
    municipality = None
    if form.municipality.data:
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
        for link in c.theme_links:
            ids.update(x for path in link.paths for e in path for x in (e.source, e.target))
    ids.update(result.themes)
    ids.update(p for s in result.support for p in s.partners)
    nodes = store.get_nodes(i for i in ids if ":" in i)
    refs: dict = {}  # one link per node for the whole page (see present.chain)
    # An answer from the previous index while the next one is built may name a town deleted since.
    candidates = [_candidate(c, nodes, lang, refs) for c in result.candidates if c.id in nodes]
    origin = nodes.get(result.origin) if result.origin else None
    return {
        "origin": present.ref(origin, lang) if origin else None,
        "themes": [present.ref(nodes[t], lang) if t in nodes else {"id": t} for t in result.themes],
        "considered": result.considered,
        # Groups by how each relates to the requested themes, each in score order, so a score never
        # contradicts its position.
        "groups": [dict(g, count=sum(1 for c in candidates if c["group"] == g["group"])) for g in _groups()],
        "candidates": candidates,
        "unmatched_themes": [present.ref(nodes[t], lang) for t in result.unmatched_themes if t in nodes],
        # Said first: the requested themes nobody offers or practises (then co-seekers form a circle).
        "nobody_offers": [present.ref(nodes[t], lang) for t in result.nobody_offers
                          if t in nodes and t not in result.unmatched_themes],
        "support": [{"theme": present.ref(nodes[s.theme], lang), "offered": s.offered, "practised": s.practised,
                     "sought": s.sought, "partners": [present.ref(nodes[p], lang) for p in s.partners if p in nodes]}
                    for s in result.support if s.theme in nodes],
        "profile_empty": result.profile_empty,
        "profile_url": url_for("profile.edit_profile", lang=lang, local=origin.id.split(":", 1)[1])
        if origin is not None and result.profile_empty else None,
    }


def _groups() -> list[dict]:
    return [
        {"group": "theme", "label": gettext("They offer or practise this theme"),
         "help": gettext("They say they offer it, or a project, partnership or lesson of theirs is about it; "
                         "best score first.")},
        {"group": "circle", "label": gettext("They want to learn it too: a possible learning circle"),
         "help": gettext("Municipalities that seek the same theme. The publication's idea of mutual learning: "
                         "learn it together, each bringing its own experience.")},
        {"group": "related", "label": gettext("Linked through other themes or SDGs"),
         "help": gettext("They do not work on the requested theme yet, but share other themes or SDGs with you; "
                         "best score first.")},
        {"group": "network", "label": gettext("Suggestions through your network only"),
         "help": gettext("No shared theme or SDG yet: they come through partnerships or facilitators "
                         "you have in common; best score first.")},
    ]


def _relation_label(relation: str) -> str:
    return {"offers": gettext("offers it"), "practises": gettext("practises it"),
            "seeks": gettext("wants to learn it too")}[relation]


def _candidate(c, nodes, lang: str, refs: dict) -> dict:
    return {
        "municipality": present.ref(nodes[c.id], lang),
        "group": c.group,
        # What it has to do with each requested theme; [] in the "related" and "network" groups.
        "theme_links": [
            {"theme": present.ref(nodes[link.theme], lang) if link.theme in nodes else {"id": link.theme},
             "relation": link.relation, "label": _relation_label(link.relation),
             "paths": [present.chain(path, nodes, lang, refs=refs) for path in link.paths
                       if all(x in nodes for e in path for x in (e.source, e.target))]}
            for link in c.theme_links],
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


