"""How are two entities connected?  Typed names are resolved, or offered as a choice."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, request
from flask_babel import gettext

from graph import search as finder

from ..db import get_store
from ..labels import relation_name
from ..presenters import nodes as present
from ..render import page, render
from ..visibility import visibility

bp = Blueprint("paths", __name__)
MAX_HOPS = 6
MAX_TEXT = 200
CHOICES = 8


def _end(field: str, typed: str, lang: str) -> dict:
    """Resolve what was typed for one end: the node, or the choices, or why there is neither."""
    end = {"field": field, "typed": typed, "node": None, "choices": [], "message": None}
    if not typed:
        return end
    if len(typed) > MAX_TEXT:
        end["message"] = gettext("The search text is too long (at most %(n)d characters).", n=MAX_TEXT)
        return end
    found = finder.resolve(get_store(), typed, limit=CHOICES, lang=lang)
    seen = visibility()
    if seen and (found.node is not None and seen.hides_node(found.node)):
        found = dataclasses.replace(found, node=None)
    if seen and found.choices:
        found = dataclasses.replace(found, choices=[h for h in found.choices if not seen.hides_node(h.node)])
    if found.node is not None:
        end["node"] = present.ref(found.node, lang)
    elif found.suggestions:
        nodes = get_store().get_nodes(s.id for s in found.suggestions)
        end["message"] = gettext("Nothing is called “%(value)s”. Did you mean:", value=typed)
        end["choices"] = [dict(present.ref(nodes[s.id], lang), summary=present.summary(nodes[s.id]))
                          for s in found.suggestions if s.id in nodes]
    elif found.choices:
        end["message"] = gettext("Several things match “%(value)s”. Which one do you mean?", value=typed)
        end["choices"] = [dict(present.ref(h.node, lang), summary=present.summary(h.node))
                          for h in found.choices]
    else:
        end["message"] = gettext("Nothing found for “%(value)s”. Check the spelling, or type part of the name.",
                                 value=typed)
    return end


def _path_graph(found, nodes, start: str, goal: str, lang: str) -> dict:
    """Return the paths as the graph view draws them: nodes, edges, and each path's element ids."""
    refs = {i: dict(present.ref(n, lang), graph_url=present.graph_url(i)) for i, n in nodes.items()}
    edges = {e.key: e for path in found for e in path}
    return {
        "center": start,
        "ends": [start, goal],
        "nodes": list(refs.values()),
        "edges": [{"source": s, "target": t, "type": rel, "label": relation_name(rel, "out")}
                  for (s, rel, t) in edges],
        "paths": [{"nodes": sorted({x for e in path for x in (e.source, e.target)}),
                   "edges": ["|".join((e.source, e.type, e.target)) for e in path]} for path in found],
        "truncated": False,
    }


@page(bp, "/<lang:lang>/paths", params=("from", "to", "hops"))
def paths(fmt: str):
    """Show the shortest chains of relationships between two entities, as text and on the graph."""
    lang = present.current_lang()
    raw_from, raw_to = request.args.get("from", "").strip(), request.args.get("to", "").strip()
    hops = request.args.get("hops", "4")
    context = {"title": gettext("How are they connected?"), "from": raw_from, "to": raw_to, "hops": 4,
               "error": None, "note": None, "ends": [], "paths": [], "graph": None, "searched": False}
    if not (hops.isascii() and hops.isdigit()) or not 1 <= int(hops) <= MAX_HOPS:
        # The same error object as every other 400, with the form kept around it.
        context["error"] = {"status": 400, "title": gettext("This request cannot be answered"),
                            "message": gettext("%(name)s must be a whole number between %(low)d and %(high)d",
                                               name=gettext("hops"), low=1, high=MAX_HOPS)}
        return render("network/paths.html", context, fmt, status=400)
    context["hops"] = int(hops)
    if not (raw_from or raw_to):
        return render("network/paths.html", context, fmt)
    ends = [_end("from", raw_from, lang), _end("to", raw_to, lang)]
    for end in ends:
        if not end["typed"]:
            end["message"] = gettext("Type a name here too.")
    context["ends"] = ends
    if not all(end["node"] for end in ends):
        return render("network/paths.html", context, fmt)
    store = get_store()
    start, goal = ends[0]["node"]["id"], ends[1]["node"]["id"]
    if start == goal:
        context["note"] = gettext("Both names lead to the same page: %(name)s.", name=ends[0]["node"]["label"])
        return render("network/paths.html", context, fmt)
    found = store.shortest_paths(start, goal, max_hops=context["hops"])
    nodes = store.get_nodes({x for p in found for e in p for x in (e.source, e.target)})
    # A chain through an unpublished workspace run, its answers or what they yielded is not shown.
    seen = visibility()
    found = [p for p in found if not any(seen.hides_edge(e) or seen.hides_node(nodes[x])
                                         for e in p for x in (e.source, e.target) if x in nodes)]
    context["searched"] = True
    context["paths"] = [present.chain(p, nodes, lang, start=start)["steps"] for p in found]
    if found:
        context["graph"] = _path_graph(found, nodes, start, goal, lang)
    return render("network/paths.html", context, fmt)
