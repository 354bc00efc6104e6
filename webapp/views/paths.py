"""How are two entities connected?"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext

from graph.queries import resolve

from .. import present
from ..db import get_store
from ..render import page, render

bp = Blueprint("paths", __name__)
MAX_HOPS = 6


@page(bp, "/<lang:lang>/paths", params=("from", "to", "hops"))
def paths(fmt: str):
    """Show the shortest chains of relationships between two entities."""
    store = get_store()
    lang = present.current_lang()
    raw_from, raw_to = request.args.get("from", "").strip(), request.args.get("to", "").strip()
    hops = request.args.get("hops", "4")
    if not (hops.isascii() and hops.isdigit()) or not 1 <= int(hops) <= MAX_HOPS:
        abort(400, description=gettext("%(name)s must be a whole number between %(low)d and %(high)d",
                                       name=gettext("hops"), low=1, high=MAX_HOPS))
    context = {"title": gettext("How are they connected?"), "from": raw_from, "to": raw_to,
               "hops": int(hops), "ends": None, "paths": [], "searched": bool(raw_from and raw_to)}
    if context["searched"]:
        ends = [resolve(store, raw) for raw in (raw_from, raw_to)]
        for raw, end in zip((raw_from, raw_to), ends, strict=True):
            if end is None:
                abort(404, description=gettext("Nothing found for “%(value)s”.", value=raw))
        found = store.shortest_paths(ends[0].id, ends[1].id, max_hops=int(hops))
        nodes = store.get_nodes({x for p in found for e in p for x in (e.source, e.target)})
        context["ends"] = [present.ref(e, lang) for e in ends]
        context["paths"] = [present.chain(p, nodes, lang, start=ends[0].id)["steps"] for p in found]
    return render("paths.html", context, fmt)

