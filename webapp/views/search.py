"""Search names and texts in every language: best matches first, grouped by kind, paged."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask_babel import gettext

from graph import search as finder
from graph.schema import NODE_KINDS

from ..db import get_store
from ..labels import PARAMETERS, kind_name
from ..presenters import nodes as present
from ..render import current_url, page, render
from ..visibility import visibility

bp = Blueprint("search", __name__)
MAX_QUERY = 200
MAX_PAGE = 10000


def _problem_message(problem: str | None) -> str | None:
    return {
        finder.Problem.EMPTY: gettext("Type a name or a few words to search for."),
        finder.Problem.NO_WORDS: gettext("Search needs letters or digits; punctuation alone matches nothing."),
    }.get(problem)


@page(bp, "/<lang:lang>/search", params=("q", "kind", "page"))
def search(fmt: str):
    """Find nodes whose texts contain every word searched: exact names first, grouped by kind, paged."""
    query = request.args.get("q", "")
    kind = request.args.get("kind") or None
    raw_page = request.args.get("page", "1")
    lang = present.current_lang()
    context = {
        "title": gettext("Search"), "query": query, "kind": kind,
        "kinds": [{"value": k, "label": kind_name(k, plural=True)} for k in NODE_KINDS],
        "error": None, "message": None, "total": 0, "complete": True, "offset": 0, "limit": 0,
        "page": 1, "pages": 1, "groups": [], "results": [], "suggestions": [],
    }
    if len(query) > MAX_QUERY:
        context["error"] = gettext("The search text is too long (at most %(n)d characters).", n=MAX_QUERY)
    elif kind and kind not in NODE_KINDS:
        context["error"] = gettext("Unknown value for %(facet)s: %(value)s", facet=gettext("kind"), value=kind)
    elif not (raw_page.isascii() and raw_page.isdigit() and 1 <= int(raw_page) <= MAX_PAGE):
        context["error"] = gettext("%(name)s must be a whole number between %(low)d and %(high)d",
                                   name=str(PARAMETERS["page"]), low=1, high=MAX_PAGE)
    if context["error"]:
        # The same shape as every other error's JSON; the page keeps the form as typed.
        context["error"] = {"status": 400, "title": gettext("This request cannot be answered"),
                            "message": context["error"]}
        return render("browse/search.html", context, fmt, status=400)
    size = current_app.config["PAGE_SIZE"]
    number = int(raw_page)
    result = finder.search(get_store(), query, kinds=[kind] if kind else None,
                        offset=(number - 1) * size, limit=size, lang=lang, hide=visibility().hides_node)
    pages = max(1, -(-result.total // size))
    if number > pages and not result.suggestions:
        abort(404)
    context.update({
        "message": _problem_message(result.problem),
        "total": result.total, "complete": result.complete, "offset": result.offset, "limit": result.limit,
        "page": number, "pages": pages,
        "all_url": current_url(query={"kind": [], "page": []}),
        "all_count": sum(count for _, count in result.groups),
        "groups": [{"kind": k, "label": kind_name(k, plural=True), "count": count, "selected": k == kind,
                    "url": current_url(query={"kind": [k], "page": []})} for k, count in result.groups],
        "results": [dict(present.ref(h.node, lang), match=h.match.name.lower(), summary=present.summary(h.node),
                         description=present.text(h.node.props, "description", lang)) for h in result.hits],
        # Each runs the corrected search (same kind filter, first page).
        "suggestions": [{"name": s.name, "id": s.id, "kind": s.kind, "kind_label": kind_name(s.kind),
                         "url": current_url(query={"q": [s.name], "page": []})} for s in result.suggestions],
    })
    return render("browse/search.html", context, fmt)
