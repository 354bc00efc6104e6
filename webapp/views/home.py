"""The home page and the language redirect."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from graph.schema import NODE_KINDS

from ..db import get_store
from ..i18n import best_language
from ..labels import kind_name
from ..render import page, render

bp = Blueprint("home", __name__)


@bp.route("/")
def root():
    """Send the visitor to the home page in the language their browser prefers."""
    response = redirect(url_for("home.index", lang=best_language()))
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.route("/favicon.ico")
def favicon():
    """Point clients that ask for /favicon.ico by habit to the site's SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@page(bp, "/<lang:lang>")
def index(fmt: str):
    """Show what the knowledge base holds and the three ways into it."""
    counts = get_store().count_by_kind()
    context = {
        "counts": [
            {"kind": kind, "label": kind_name(kind, plural=True), "count": counts[kind],
             "url": url_for("browse.listing", plural=NODE_KINDS[kind].plural)}
            for kind in NODE_KINDS if counts.get(kind)
        ],
        "total": sum(counts.values()),
    }
    return render("browse/home.html", context, fmt)
