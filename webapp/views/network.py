"""The network page: an association's members, their partnerships, figures, drawing, map and exports."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from flask import Blueprint, Response, url_for
from flask_babel import gettext

from graph.network.analysis import continent_of, layout, map_links, network_summary
from graph.network.export import edges_csv, export_graph, node_link_json, nodes_csv, write_gexf, write_graphml
from graph.network.selection import associations, read_network
from graph.places.regions import countries, country_name, region_choices, region_name

from ..db import get_store
from ..labels import province_name, value_name
from ..network_params import PARAMS, chosen, filter_label, query_of, read_filter, status_options
from ..presenters import nodes as present
from ..render import only_params, page, render

bp = Blueprint("network", __name__)

# Geometry of the per-year chart (SVG user units).
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 640, 220, 30


def _options(store, lang: str) -> dict:
    """Return the choices of every filter of the form."""
    provinces = sorted(store.property_values("Municipality", "province"))
    kinds = sorted(store.property_values("Partnership", "partnership_type"))
    themes = sorted(store.nodes("Theme"), key=lambda n: n.label(lang).lower())
    goals = sorted(store.nodes("SDG"), key=lambda n: n.props.get("number", 0))
    return {
        "association": [{"value": n.id, "label": n.label(lang)} for n in associations(store)],
        "province": [{"value": p, "label": province_name(p)} for p in provinces],
        "country": [{"value": c, "label": name} for c, name in countries(lang)],
        "continent": [{"value": k, "label": name} for k, name in region_choices(lang)],
        "kind": [{"value": k, "label": value_name(k)} for k in kinds],
        "status": status_options(),
        "theme": [{"value": t.id, "label": t.label(lang)} for t in themes],
        "sdg": [{"value": g.id, "label": f"{g.props.get('number')}. {g.label(lang)}"} for g in goals],
    }


def _chart(per_year: list[dict]) -> dict:
    """Return the bars of the started/ended chart, scaled into the SVG's box."""
    if not per_year:
        return {"bars": [], "max": 0}
    top = max(max(y["started"], y["ended"]) for y in per_year) or 1
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_MARGIN, CHART_HEIGHT - 2 * CHART_MARGIN
    step = inner_w / len(per_year)
    width = max(step / 2 - 1, 1)
    bars = []
    for i, y in enumerate(per_year):
        x = CHART_MARGIN + i * step
        for j, key in enumerate(("started", "ended")):
            h = inner_h * y[key] / top
            bars.append({"year": y["year"], "series": key, "value": y[key], "x": round(x + j * width, 2),
                         "y": round(CHART_MARGIN + inner_h - h, 2), "width": round(width, 2), "height": round(h, 2)})
    labelled = per_year[:: max(1, len(per_year) // 8)]
    ticks = [{"year": y["year"], "x": round(CHART_MARGIN + per_year.index(y) * step + width, 2)} for y in labelled]
    return {"bars": bars, "max": top, "ticks": ticks, "width": CHART_WIDTH, "height": CHART_HEIGHT,
            "base": CHART_HEIGHT - CHART_MARGIN, "margin": CHART_MARGIN}


def network_context(embed: bool = False) -> dict:
    """Build the page's context: the same dict feeds the HTML page, its JSON twin and the embed."""
    store = get_store()
    lang = present.current_lang()
    flt = read_filter(store)
    net, graph, s = network_summary(store, flt)
    nodes = {**net.names, **net.actors, **net.partnerships}
    if net.association:
        nodes[net.association.id] = net.association

    refs: dict[str, dict] = {}

    def ref(node_id: str) -> dict:
        if node_id not in refs:
            node = nodes.get(node_id)
            refs[node_id] = present.ref(node, lang) if node else {"id": node_id, "label": node_id, "url": None}
        return refs[node_id]

    def counted(pairs, label):
        return [{"value": k, "label": label(k), "count": n} for k, n in pairs]

    positions = layout(graph, s["communities"])
    community_of = {n: c["number"] for c in s["communities"] for n in c["nodes"]}
    links = map_links(net)
    query = query_of(flt)
    suffix = ("?" + urlencode(query)) if query else ""
    context = {
        "title": gettext("The network"),
        "embed": embed,
        "params": list(PARAMS),
        "filters": chosen(flt),
        "filter_labels": {name: filter_label(name) for name in PARAMS},
        "options": _options(store, lang),
        "association": ref(net.association.id) if net.association else None,
        "empty": net.empty,
        "totals": s["totals"],
        "by_country": counted(s["by_country"], lambda c: country_name(c, lang)),
        "by_continent": counted(s["by_continent"], lambda r: region_name(r, lang)),
        "by_theme": counted(s["by_theme"], lambda t: ref(t)["label"]),
        "by_sdg": counted(s["by_sdg"], lambda g: ref(g)["label"]),
        "by_kind": counted(s["by_kind"], value_name),
        "by_status": counted(s["by_status"], value_name),
        "per_year": s["per_year"],
        "chart": _chart(s["per_year"]),
        "bridges": [dict(a, ref=ref(a["id"])) for a in s["bridges"]],
        "most_connected": [dict(a, ref=ref(a["id"])) for a in s["most_connected"]],
        "communities": [{"number": c["number"], "name": ref(c["name"]), "size": c["size"], "members": c["members"],
                         "partnerships": c["partnerships"]} for c in s["communities"]],
        "dormant": {"rule": s["dormant"]["rule"], "undated": s["dormant"]["undated"],
                    "partnerships": [dict(d, ref=ref(d["id"])) for d in s["dormant"]["partnerships"]]},
        "gaps": {
            "members_without_partnership": [ref(i) for i in s["gaps"]["members_without_partnership"]],
            "themes_without_active_partnership": [ref(i) for i in s["gaps"]["themes_without_active_partnership"]],
            "sdgs_without_active_partnership": [ref(i) for i in s["gaps"]["sdgs_without_active_partnership"]],
            "countries_with_one_link": [{"value": c, "label": country_name(c, lang)}
                                        for c in s["gaps"]["countries_with_one_link"]],
        },
        "drawing": {
            "nodes": [{"id": n, "label": ref(n)["label"], "kind": graph.nodes[n]["kind"], "member": n in net.members,
                       "x": positions[n][0], "y": positions[n][1], "size": graph.degree(n),
                       "community": community_of.get(n), "url": ref(n)["url"]} for n in graph],
            "edges": [[a, b] for a, b in graph.edges()],
        },
        "map": {
            "links": [dict(link, member_label=ref(link["member"])["label"], partner_label=ref(link["partner"])["label"],
                           partnership_label=ref(link["partnership"])["label"], partnership_url=ref(link["partnership"])["url"],
                           country=country_name(nodes[link["partner"]].props.get("country_code") or "", lang),
                           continent=region_name(continent_of(nodes[link["partner"]].props.get("country_code") or "") or "", lang),
                           status_label=value_name(link["status"]))
                      for link in links],
            "unplaced": sum(1 for link in links if link["from"] is None),
            "atlas": url_for("vendor", filename="world-atlas/countries-110m.json"),
        },
        "exports": export_urls(lang, suffix),
        "permalink": url_for("network.overview", lang=lang) + suffix,
        "embed_url": url_for("network.embed", lang=lang) + suffix,
    }
    return context


@page(bp, "/<lang:lang>/network", params=PARAMS)
def overview(fmt: str):
    """Show an association's member network: filters, figures, chart, drawing, map, gaps and exports."""
    return render("network/network.html", network_context(), fmt)


@page(bp, "/<lang:lang>/network/embed", params=PARAMS)
def embed(fmt: str):
    """Show the network's map and figures without the site's chrome, for other sites to frame."""
    return render("network/embed.html", network_context(embed=True), fmt)


# The exports of the current selection: (route, file name, media type).
EXPORTS = {
    "gexf": ("/<lang:lang>/network/network.gexf", "network.gexf", "application/gexf+xml"),
    "graphml": ("/<lang:lang>/network/network.graphml", "network.graphml", "application/graphml+xml"),
    "nodes.csv": ("/<lang:lang>/network/nodes.csv", "nodes.csv", "text/csv"),
    "edges.csv": ("/<lang:lang>/network/edges.csv", "edges.csv", "text/csv"),
    "json": ("/<lang:lang>/network/export.json", "network.json", "application/json"),
}


def _export_body(name: str, graph) -> bytes:
    if name in ("gexf", "graphml"):
        out = io.BytesIO()
        (write_gexf if name == "gexf" else write_graphml)(graph, out)
        return out.getvalue()
    text = {"nodes.csv": nodes_csv, "edges.csv": edges_csv, "json": node_link_json}[name](graph)
    return text.encode("utf-8")


def export_urls(lang: str, suffix: str) -> list[dict]:
    """Return the download links of the current selection."""
    labels = {"gexf": "GEXF", "graphml": "GraphML", "nodes.csv": gettext("CSV nodes (Gephi)"),
              "edges.csv": gettext("CSV edges (Gephi)"), "json": gettext("node-link JSON")}
    return [{"format": name, "label": labels[name], "url": url_for(f"network.export_{name.replace('.', '_')}",
                                                                   lang=lang) + suffix} for name in EXPORTS]


def _register_export(name: str, rule: str, filename: str, mimetype: str) -> None:
    def export():
        store = get_store()
        graph = export_graph(read_network(store, read_filter(store)), present.current_lang())
        return Response(_export_body(name, graph), mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    export.__doc__ = f"Download the selected network as {filename} (same filters as the network page)."
    endpoint = f"export_{name.replace('.', '_')}"
    view = only_params(export, frozenset(PARAMS))
    view.query_params = frozenset(PARAMS)
    bp.add_url_rule(rule, endpoint, view)


for _name, (_rule, _filename, _mimetype) in EXPORTS.items():
    _register_export(_name, _rule, _filename, _mimetype)
