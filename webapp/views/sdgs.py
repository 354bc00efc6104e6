"""The 17 goals and the lessons learned about them."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext

from graph.queries import lesson_views, sdg_overview

from .. import present
from ..db import get_store
from ..labels import kind_name
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
    return render("sdgs.html", {"title": kind_name("SDG", plural=True), "goals": goals}, fmt)


@page(bp, "/<lang:lang>/lessons", params=("sdg", "theme"))
def lessons(fmt: str):
    """Show every lesson with its challenges, opportunities and experiences, filterable by goal and theme."""
    store = get_store()
    lang = present.current_lang()
    goals = sorted(store.nodes("SDG"), key=lambda n: n.props.get("number", 0))
    themes = sorted(store.nodes("Theme"), key=lambda n: n.label(lang).lower())
    sdg, theme = request.args.get("sdg") or None, request.args.get("theme") or None
    if sdg and sdg not in {g.id for g in goals}:
        abort(400, description=gettext("Unknown value for %(facet)s: %(value)s",
                                       facet=kind_name("SDG"), value=sdg))
    if theme and theme not in {t.id for t in themes}:
        abort(400, description=gettext("Unknown value for %(facet)s: %(value)s",
                                       facet=kind_name("Theme"), value=theme))
    views = lesson_views(store, sdg=sdg, theme=theme)

    def block(nodes):
        return [dict(present.ref(n, lang), description=present.text(n.props, "description", lang))
                for n in nodes]

    context = {
        "title": gettext("Lessons by SDG"),
        "facets": [
            {"name": "sdg", "label": kind_name("SDG"), "selected": sdg,
             "options": [{"value": g.id, "label": f"{g.props.get('number')}. {g.label(lang)}"} for g in goals]},
            {"name": "theme", "label": kind_name("Theme"), "selected": theme,
             "options": [{"value": t.id, "label": t.label(lang)} for t in themes]},
        ],
        "lessons": [
            dict(present.ref(v.lesson, lang),
                 description=present.text(v.lesson.props, "description", lang),
                 challenges=block(v.challenges), opportunities=block(v.opportunities),
                 experiences=block(v.experiences),
                 subjects=[present.ref(s, lang) for s in v.subjects])
            for v in views
        ],
    }
    return render("lessons.html", context, fmt)
