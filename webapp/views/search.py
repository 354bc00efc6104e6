"""Search names and texts in every language."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext

from graph.schema import NODE_KINDS

from .. import present
from ..db import get_store
from ..labels import kind_name
from ..render import page, render

bp = Blueprint("search", __name__)
MAX_QUERY = 200
LIMIT = 50


@page(bp, "/<lang:lang>/search", params=("q", "kind"))
def search(fmt: str):
    """Find nodes whose texts contain every word searched, ignoring case and accents."""
    query = request.args.get("q", "")
    kind = request.args.get("kind") or None
    if len(query) > MAX_QUERY:
        abort(400, description=gettext("The search text is too long (at most %(n)d characters).", n=MAX_QUERY))
    if kind and kind not in NODE_KINDS:
        abort(400, description=gettext("Unknown value for %(facet)s: %(value)s", facet=gettext("kind"), value=kind))
    lang = present.current_lang()
    hits = get_store().search(query, kinds=[kind] if kind else None, limit=LIMIT) if query.strip() else []
    context = {
        "title": gettext("Search"),
        "query": query,
        "kind": kind,
        "kinds": [{"value": k, "label": kind_name(k, plural=True)} for k in NODE_KINDS],
        "results": [dict(present.ref(n, lang), description=present.text(n.props, "description", lang))
                    for n in hits],
        "limited": len(hits) == LIMIT,
    }
    return render("search.html", context, fmt)
