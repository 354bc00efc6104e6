"""Lists of each kind with facets, node pages and neighbourhood graphs."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import gettext

from graph import ListQuery
from graph import NotFound as NodeNotFound
from graph.places.countries import country_code, country_name
from graph.queries import Connections, connections, find_moved, goal_detail, neighbourhood, provenance
from graph.schema import KIND_BY_PLURAL, REL_TYPES
from graph.text import fold

from ..auth import current_account
from ..converters import KindConverter, LocalIdConverter
from ..db import get_store
from ..labels import PARAMETERS, SORTS, kind_name, property_name, relation_name, value_name
from ..presenters import nodes as present
from ..presenters.workspace import workspace_links
from ..render import page, render
from ..visibility import visibility
from .sdgs import knowledge as sdg_knowledge_groups

bp = Blueprint("browse", __name__)

PROPERTY_FACETS = {
    "Partnership": ["status", "partnership_type"],
    "Organisation": ["organisation_type"],
    "Project": ["project_status"],
    "Tool": ["tool_type"],
}
UNFACETED = {"SDG", "SDGTarget", "Theme", "Source"}
PERIOD_KINDS = {"Partnership", "Project"}
# Every query parameter a listing reads, whatever its kind (_facets checks which apply).
LISTING_PARAMS = {key for keys in PROPERTY_FACETS.values() for key in keys} | {
    "country", "theme", "sdg", "year", "sort", "order", "page"}
SORT_OPTIONS = {
    "Municipality": ["name", "country"],
    "Partnership": ["name", "start_year"],
    "Project": ["name", "start_year"],
    "SDG": ["number", "name"],
    "SDGTarget": ["number"],
}


@bp.record_once
def register_converters(state):
    state.app.url_map.converters.setdefault("kind", KindConverter)
    state.app.url_map.converters.setdefault("local", LocalIdConverter)


def _bad(message: str):
    abort(400, description=message)


def _facets(kind: str, store) -> tuple[list[dict], ListQuery, list[dict]]:
    """Read and check facet arguments; return the facets to show and the query to run."""
    args, lang = request.args, present.current_lang()
    facets, where, related = [], [], []
    if kind == "Municipality":
        facet, chosen = _country_facet(store, lang)
        facets.append(facet)
        if chosen:
            where.append(("country_code", chosen))
    for key in PROPERTY_FACETS.get(kind, []):
        counts = store.property_values(kind, key)
        chosen = args.get(key)
        if chosen and chosen not in counts:
            _bad(gettext("Unknown value for %(facet)s: %(value)s", facet=property_name(key), value=chosen))
        if chosen:
            where.append((key, chosen))
        facets.append({"name": key, "label": property_name(key), "selected": chosen,
                       "options": [{"value": v, "label": value_name(v), "count": c} for v, c in counts.items()]})
    if kind not in UNFACETED:
        for name, facet_kind in (("theme", "Theme"), ("sdg", "SDG")):
            options = sorted(store.nodes(facet_kind), key=lambda n: (n.props.get("number", 0), n.label(lang)))
            chosen = args.get(name)
            if chosen and chosen not in {o.id for o in options}:
                _bad(gettext("Unknown value for %(facet)s: %(value)s", facet=kind_name(facet_kind), value=chosen))
            if chosen:
                related.append(chosen)
            facets.append({"name": name, "label": kind_name(facet_kind), "selected": chosen,
                           "options": [{"value": o.id, "label": o.label(lang)} for o in options]})
    year = None
    if kind in PERIOD_KINDS:
        year = _int_arg("year", 1800, 2200)
        facets.append({"name": "year", "label": gettext("Active in year"), "selected": year, "options": None})
    sorts = SORT_OPTIONS.get(kind, ["name"])
    sort = args.get("sort", sorts[0])
    if sort not in sorts:
        _bad(gettext("Cannot sort by %(value)s", value=sort))
    order = args.get("order", "asc")
    if order not in ("asc", "desc"):
        _bad(gettext("Order must be asc or desc"))
    page_number = _int_arg("page", 1, 100000) or 1
    size = current_app.config["PAGE_SIZE"]
    query = ListQuery(kind, where=tuple(where), related=tuple(related), year=year, sort=sort,
                      descending=order == "desc", lang=lang, offset=(page_number - 1) * size, limit=size)
    return facets, query, [{"value": s, "label": str(SORTS[s])} for s in sorts]


def _country_facet(store, lang: str) -> tuple[dict, str | None]:
    """The country facet: ISO codes named in the page's language; ``country`` may be a code or a name."""
    counts = store.property_values("Municipality", "country_code")
    raw = request.args.get("country", "").strip()
    chosen = country_code(raw) if raw else None
    if raw and chosen not in counts:
        _bad(gettext("Unknown value for %(facet)s: %(value)s", facet=property_name("country"), value=raw))
    options = sorted(({"value": code, "label": country_name(code, lang), "count": n} for code, n in counts.items()),
                     key=lambda o: (fold(o["label"]), o["value"]))
    return {"name": "country", "label": property_name("country"), "selected": chosen, "options": options}, chosen


def _int_arg(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        _bad(gettext("%(name)s must be a whole number between %(low)d and %(high)d",
                     name=str(PARAMETERS.get(name, name)), low=low, high=high))
    return int(raw)


@page(bp, "/<lang:lang>/<kind:plural>", params=LISTING_PARAMS)
def listing(plural: str, fmt: str):
    """List nodes of one kind, filtered, sorted and paginated."""
    kind = KIND_BY_PLURAL[plural]
    store = get_store()
    facets, query, sorts = _facets(kind, store)
    result = store.list_nodes(query)
    shown_nodes = visibility().nodes(result.nodes)  # unpublished workspace runs and what they yielded
    size = query.limit
    page_number = query.offset // size + 1
    pages = max(1, -(-result.total // size))
    if page_number > pages:
        abort(404)
    lang = present.current_lang()
    context = {
        "kind": kind,
        "title": kind_name(kind, plural=True),
        "total": result.total,
        "page": page_number,
        "pages": pages,
        "sort": query.sort,
        "order": "desc" if query.descending else "asc",
        "sorts": sorts,
        "facets": facets,
        "items": [dict(present.ref(n, lang), summary=present.summary(n, lang)) for n in shown_nodes],
    }
    return render("browse/list.html", context, fmt)


def _moved(store, node_id: str, endpoint: str, **values):
    """Redirect (301) the address of a node that now has another id; else the node is not found."""
    moved = find_moved(store, node_id)
    if moved is None:
        raise NodeNotFound(node_id)
    return redirect(url_for(endpoint, lang=present.current_lang(), **present.url_parts(moved.id), **values), 301)


def _description(n, lang: str) -> str:
    """A node's meta description: its description (or its kind and name), cut at a word near 160 characters."""
    found = present.text(n.props, "description", lang) or present.text(n.props, "title", lang)
    words = " ".join((found["text"] if found else f"{kind_name(n.kind)}: {n.label(lang)}").split())
    if len(words) <= 160:
        return words
    return words[:157].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _partnership_lead(n, context: dict) -> dict:
    """What a partnership page opens with: its partners (and facilitators), its status and its years."""
    partners = [item for c in context["connections"] if (c["type"], c["direction"]) == ("PARTNER_IN", "in")
                for item in c["items"]]
    facilitators = [item for c in context["connections"] if (c["type"], c["direction"]) == ("FACILITATES", "in")
                    for item in c["items"]]
    shown = {p["key"]: p for p in context["node"]["properties"]}
    lead_keys = ("status", "partnership_type", "start_year", "end_year")
    return {"partners": partners, "facilitators": facilitators,
            "facts": [shown[k] for k in lead_keys if k in shown]}


@page(bp, "/<lang:lang>/<kind:plural>/<local:local>")
def node(plural: str, local: str, fmt: str):
    """Show one node: its texts, properties, provenance and connections."""
    store = get_store()
    lang = present.current_lang()
    try:
        info = connections(store, present.node_id_of(plural, local))
    except NodeNotFound:
        return _moved(store, present.node_id_of(plural, local), "browse.node", fmt=fmt)
    n = info.node
    if visibility().hides_node(n):
        raise NodeNotFound(n.id)  # an unpublished workspace run, its answers, or what they yielded
    groups = [(t, d, [(edge, other) for edge, other in items
                      if not visibility().hides_edge(edge) and not visibility().hides_node(other)])
              for t, d, items in info.groups]
    groups = [(t, d, items) for t, d, items in groups if items]
    origin = provenance(store, n)
    context = {
        "node": dict(present.ref(n, lang), name=present.text(n.props, "name", lang),
                     texts=present.texts(n, lang), properties=present.properties(n),
                     name_translations=present.translations(n)),
        "provenance": {
            "source": present.ref(origin["source"], lang) if origin["source"] else None,
            "section": present.section(n.props, lang),
        },
        "connections": [
            {"type": t, "direction": d, "label": relation_name(t, d), "count": len(items),
             "items": [dict(present.ref(other, lang), edge=present.edge_props(edge)) for edge, other in items]}
            for t, d, items in groups
        ],
        "graph_url": present.graph_url(n.id),
        "contact": present.contact(n, lang, current_account() is not None),
        "relation_types": sorted({t for t, _, _ in groups}),
        "workspace": workspace_links(store, n),
    }
    context["description"] = _description(n, lang)
    if n.kind == "Partnership":
        context["lead"] = _partnership_lead(n, context)
    if n.kind == "SDG":
        detail = goal_detail(store, Connections(n, groups))
        # The targets are listed once, with their official numbers (6.a), not again among the connections.
        context["connections"] = [c for c in context["connections"] if c["type"] != "HAS_TARGET"]
        context["goal"] = {
            "targets": [dict(present.ref(t, lang), number=str(t.props.get("number", "")),
                             title=present.text(t.props, "title", lang))
                        for t in detail.targets],
            "linked": [{"kind": k, "label": kind_name(k, plural=True),
                        "items": [present.ref(x, lang) for x in items]}
                       for k, items in detail.linked.items() if k not in ("SDGTarget",)],
            # Every kind of knowledge about it, counted, as the lessons page shows it.
            "knowledge": [{"kind": g["kind"], "label": g["label"], "count": g["count"]}
                          for g in sdg_knowledge_groups(store, [n.id], lang)],
            "lessons_url": url_for("sdgs.lessons", lang=lang, sdg=n.id),
            "contribute_url": url_for("editing.create", lang=lang, plural="lessons"),
        }
    return render("browse/node.html", context, fmt)


@bp.route("/<lang:lang>/<kind:plural>/<local:local>/graph.json")
def node_graph(plural: str, local: str):
    """Return a node's neighbourhood for the interactive graph view."""
    types = request.args.getlist("type")
    unknown = [t for t in types if t not in REL_TYPES]
    if unknown:
        _bad(gettext("Unknown relationship type: %(value)s", value=unknown[0]))
    lang = present.current_lang()
    try:
        hood = neighbourhood(get_store(), present.node_id_of(plural, local), types or None)
    except NodeNotFound:
        return _moved(get_store(), present.node_id_of(plural, local), "browse.node_graph", type=types)
    seen = visibility()
    if seen.hides_node(hood["center"]):
        raise NodeNotFound(hood["center"].id)
    hood["nodes"] = seen.nodes(hood["nodes"])
    kept = {n.id for n in hood["nodes"]}
    hood["edges"] = [e for e in seen.edges(hood["edges"]) if e.source in kept and e.target in kept]
    hood["neighbours"] = [x for x in hood["neighbours"] if (x["id"] if isinstance(x, dict) else x) in kept]
    refs = {n.id: present.ref(n, lang) for n in hood["nodes"]}
    for r in refs.values():
        r["graph_url"] = present.graph_url(r["id"])
    return {
        "center": hood["center"].id,
        "nodes": list(refs.values()),
        "edges": [{"source": e.source, "target": e.target, "type": e.type,
                   "label": relation_name(e.type, "out")} for e in hood["edges"]],
        "neighbours": hood["neighbours"],
        "twins": [{"partnership": p, "towns": towns} for p, towns in hood["twins"].items()],
        "truncated": hood["truncated"],
        "total_neighbours": hood["total_neighbours"],
    }


node_graph.query_params = frozenset({"type"})  # what it reads, for the OpenAPI description (not a page())
