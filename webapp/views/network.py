"""The network page: an association's members, their partnerships, figures, drawing, map and exports."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, url_for
from flask_babel import gettext

from graph.network import associations, continent_of, layout, map_links, network_summary
from graph.regions import countries, country_name, region_choices, region_name

from .. import present
from ..db import get_store
from ..labels import province_name, value_name
from ..network_params import PARAMS, chosen, filter_label, query_of, read_filter, status_options
from ..render import page, render

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

    def ref(node_id: str) -> dict:
        node = nodes.get(node_id)
        return present.ref(node, lang) if node else {"id": node_id, "label": node_id, "url": None}

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
        "permalink": url_for("network.overview", lang=lang) + suffix,
        "embed_url": url_for("network.embed", lang=lang) + suffix,
    }
    return context


@page(bp, "/<lang:lang>/network", params=PARAMS)
def overview(fmt: str):
    """Show an association's member network: filters, figures, chart, drawing, map, gaps and exports."""
    return render("network.html", network_context(), fmt)


@page(bp, "/<lang:lang>/network/embed", params=PARAMS)
def embed(fmt: str):
    """Show the network's map and figures without the site's chrome, for other sites to frame."""
    return render("network_embed.html", network_context(embed=True), fmt)
