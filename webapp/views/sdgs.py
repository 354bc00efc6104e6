"""The 17 goals and the lessons learned about them."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext

from graph.queries import goal_projects, lesson_counts, lesson_views, sdg_knowledge, sdg_overview

from ..db import get_store
from ..labels import kind_name
from ..presenters import nodes as present
from ..render import page, render

bp = Blueprint("sdgs", __name__)


@page(bp, "/<lang:lang>/sdgs")
def overview(fmt: str):
    """List the 17 goals with their colours and what links to each."""
    lang = present.current_lang()
    goals = [
        dict(present.ref(s.goal, lang), number=s.goal.props.get("number"),
             title=present.text(s.goal.props, "title", lang),
             counts=[{"kind": k, "label": kind_name(k, plural=True), "count": c} for k, c in s.counts.items()],
             total=sum(s.counts.values()))
        for s in sdg_overview(get_store())
    ]
    return render("browse/sdgs.html", {"title": kind_name("SDG", plural=True), "goals": goals,
                                "contribute_url": url_for("editing.create", lang=lang, plural="lessons")}, fmt)


def _chosen(name: str, known: dict, label: str) -> list[str]:
    """Read a repeatable filter (``sdg=…&sdg=…``); refuse a value that is not one of ``known``."""
    chosen = list(dict.fromkeys(v for v in request.args.getlist(name) if v))
    for value in chosen:
        if value not in known:
            abort(400, description=gettext("Unknown value for %(facet)s: %(value)s", facet=label, value=value))
    return chosen


@page(bp, "/<lang:lang>/lessons", params=("sdg", "theme"))
def lessons(fmt: str):
    """Show every lesson with its challenges, opportunities and experiences, filterable by goals and themes."""
    store = get_store()
    lang = present.current_lang()
    goals = {g.id: g for g in sorted(store.nodes("SDG"), key=lambda n: n.props.get("number", 0))}
    themes = {t.id: t for t in sorted(store.nodes("Theme"), key=lambda n: n.label(lang).lower())}
    sdgs = _chosen("sdg", goals, kind_name("SDG"))
    chosen_themes = _chosen("theme", themes, kind_name("Theme"))
    every = lesson_views(store)
    views = [v for v in every if v.matches(sdgs, chosen_themes)]
    by_goal, by_theme = lesson_counts(every, sdgs, chosen_themes)

    def block(nodes):
        return [dict(present.ref(n, lang), description=present.text(n.props, "description", lang))
                for n in nodes]

    def options(nodes, counts, label):
        return [{"value": i, "label": label(n), "count": counts.get(i, 0)} for i, n in nodes.items()]

    context = {
        "title": gettext("Lessons by SDG"),
        "facets": [
            {"name": "sdg", "label": kind_name("SDG", plural=True), "selected": sdgs,
             "options": options(goals, by_goal, lambda g: f"{g.props.get('number')}. {g.label(lang)}")},
            {"name": "theme", "label": kind_name("Theme", plural=True), "selected": chosen_themes,
             "options": options(themes, by_theme, lambda t: t.label(lang))},
        ],
        "lessons": [
            dict(present.ref(v.lesson, lang),
                 description=present.text(v.lesson.props, "description", lang),
                 challenges=block(v.challenges), opportunities=block(v.opportunities),
                 experiences=block(v.experiences), projects=[present.ref(p, lang) for p in v.projects],
                 subjects=[_tag(s, lang) for s in v.subjects])
            for v in views
        ],
        # Where to look further: the projects about the chosen goals, lessons or not.
        "projects": [present.ref(p, lang) for p in goal_projects(store, sdgs)] if sdgs else [],
        # Everything the knowledge base holds about the chosen goals, by kind (empty: nothing yet).
        "knowledge": knowledge(store, sdgs, lang) if sdgs else [],
        "chosen_goals": [present.ref(goals[g], lang) for g in sdgs],
        "contribute_url": url_for("editing.create", lang=lang, plural="lessons"),
    }
    return render("browse/lessons.html", context, fmt)


def _tag(node, lang: str) -> dict:
    """A subject as a short tag: a target by its number (its full title is a paragraph), a goal by its name."""
    tag = present.ref(node, lang)
    if node.kind == "SDGTarget" and node.props.get("number"):
        tag["title"] = tag["label"]
        tag["label"] = gettext("Target %(number)s", number=node.props["number"])
    return tag


def knowledge(store, goals, lang: str) -> list[dict]:
    """What the knowledge base holds about ``goals``: one group per kind, with its count and items."""
    return [{"kind": kind, "label": kind_name(kind, plural=True), "count": len(nodes),
             "items": [dict(present.ref(n, lang), summary=present.summary(n)) for n in nodes]}
            for kind, nodes in sdg_knowledge(store, goals).items()]
