"""Turn graph values into plain, JSON-ready dicts for one language.

Views build their context with these helpers once; the same dict feeds the
HTML template and the JSON twin.
"""

from __future__ import annotations

import datetime as dt

from flask import g, url_for
from flask_babel import format_date, format_decimal, gettext

from graph import Edge, Node
from graph.places.countries import country_code, country_name
from graph.schema import KIND_BY_PLURAL, KIND_BY_PREFIX, LANGUAGES, NODE_KINDS, TEXT_FIELDS
from graph.text import localized

from ..i18n import current_language as current_lang
from ..labels import (
    kind_name,
    language_name,
    property_name,
    property_order,
    province_name,
    relation_name,
    value_name,
)

HIDDEN_PROPERTIES = {"source", "source_section", "match_key", "order", "colour", "explicit_list", "coordinates_source",
                     "merged_provenance", "original_lang", "former_ids",
                     *(f"source_section_{lang}" for lang in LANGUAGES),
                     # The profile's contact shows only where the profile allows (views/browse.py).
                     "profile_public", *(f"contact_role_{lang}" for lang in LANGUAGES)}


def url_parts(node_id: str) -> dict:
    prefix, local = node_id.split(":", 1)
    return {"plural": NODE_KINDS[KIND_BY_PREFIX[prefix]].plural, "local": local}


def node_id_of(plural: str, local: str) -> str:
    """Return the node id a page address names: the inverse of :func:`url_parts`."""
    return f"{NODE_KINDS[KIND_BY_PLURAL[plural]].prefix}:{local}"


def node_url(node_id: str) -> str:
    """Return the permalink of a node page (``/nl/municipalities/tarija-bolivia``).

    url_for costs about 50 µs and a match page links a thousand nodes, so the
    address up to the local id is made once per kind and request; local ids
    hold only URL-safe characters (schema.ID_PATTERN).
    """
    prefix, local = node_id.split(":", 1)
    bases = g.setdefault("node_url_bases", {})
    if prefix not in bases:
        bases[prefix] = url_for("browse.node", **url_parts(f"{prefix}:x"))[:-1]
    return bases[prefix] + local


def graph_url(node_id: str) -> str:
    """Return where the graph view fetches a node's neighbourhood."""
    return url_for("browse.node_graph", **url_parts(node_id))


def text(props: dict, field: str, lang: str) -> dict | None:
    """Return a text in ``lang``: the language it is really in, whether that is a fallback,
    and, when it is a translation, the original it was translated from.
    """
    value, used = localized(props, field, lang)
    if value is None:
        return None
    found = {"text": value, "lang": used or lang, "fallback": used is not None and used != lang,
             "is_original": True, "original": None}
    source_lang = props.get("original_lang")
    if used and source_lang and used != source_lang:
        found["is_original"] = False
        original = props.get(f"{field}_{source_lang}")
        if original:
            found["original"] = {"text": original, "lang": source_lang}
    return found


def section(props: dict, lang: str) -> dict | None:
    """Return the section of the source a record cites, in ``lang`` when translated, like ``text``.

    ``source_section`` is the heading as the source prints it: in the record's
    original language when it has one, else language-neutral.
    """
    heading = props.get("source_section")
    if not heading:
        return None
    source_lang = props.get("original_lang")
    headings = {f"section_{k}": props[f"source_section_{k}"] for k in LANGUAGES if props.get(f"source_section_{k}")}
    if source_lang:
        headings[f"section_{source_lang}"] = heading
    else:
        headings["section"] = heading
    return text(dict(headings, original_lang=source_lang), "section", lang)


def ref(node: Node, lang: str) -> dict:
    """Return what a link to ``node`` needs."""
    label = text(node.props, "name", lang) or text(node.props, "title", lang) or {
        "text": node.id, "lang": lang, "fallback": False}
    return {
        "id": node.id,
        "kind": node.kind,
        "kind_label": kind_name(node.kind),
        "label": label["text"],
        "label_lang": label["lang"],
        "fallback": label["fallback"],
        "url": node_url(node.id),
        "colour": node.props.get("colour"),
    }


def summary(node: Node, lang: str | None = None) -> str:
    """Return the few facts that tell two same-named nodes apart: country, status, years."""
    bits = [country(node.props, lang or current_lang()), node.props.get("status")]
    years = [node.props.get("start_year"), node.props.get("end_year")]
    if years[0]:
        bits.append(f"{years[0]}–{years[1] or ''}")
    return " · ".join(value_name(b) if isinstance(b, str) else str(b) for b in bits if b)


def display_value(key: str, value) -> str:
    """Format a property value for people, following the page's locale."""
    if isinstance(value, list):
        if key == "languages":
            return ", ".join(language_name(v, current_lang()) for v in value)
        return ", ".join(display_value(key, v) for v in value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int) and ("year" in key or key == "number"):
        return str(value)
    if isinstance(value, (int, float)):
        return format_decimal(value)
    if isinstance(value, str) and (key.endswith("date") or key == "held_on"):
        return _format_partial_date(value)
    if isinstance(value, str) and key == "province":
        return province_name(value)
    return value_name(value)


def _format_partial_date(value: str) -> str:
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return format_date(dt.date(*map(int, parts)), "long")
        if len(parts) == 2:
            return format_date(dt.date(int(parts[0]), int(parts[1]), 1), "LLLL y")
    except ValueError:
        pass
    return value


def country(props: dict, lang: str) -> str | None:
    """Return a node's country in ``lang`` (CLDR, from its ISO code), or the stored text if it has no code."""
    code = props.get("country_code") or country_code(props.get("country"))
    if code:
        return country_name(code, lang)
    value = props.get("country")
    return value if isinstance(value, str) else None


# The workspace's nodes keep their answers and items as many flat properties; their own pages
# (webapp/views/workspace.py) show those, so a node page shows only these few.
WORKSPACE_KINDS = frozenset({"ExerciseTemplate", "ExerciseRun", "ExerciseResponse"})
WORKSPACE_SHOWN = frozenset({"held_on", "exercise_kind", "scale_min", "scale_max"})


def properties(node: Node) -> list[dict]:
    """Return the node's non-text properties, labelled and formatted; the country in the page's language."""
    shown = []
    for key in sorted(node.props, key=property_order):
        base, _, suffix = key.rpartition("_")
        if key in TEXT_FIELDS or (base in TEXT_FIELDS and suffix in LANGUAGES) or key in HIDDEN_PROPERTIES:
            continue
        if node.kind in WORKSPACE_KINDS and key not in WORKSPACE_SHOWN:
            continue
        value = node.props[key]
        if value == "" or value == []:  # cleared by an edit (see graph/editing/edits.py)
            continue
        display = country(node.props, current_lang()) if key == "country" else display_value(key, value)
        shown.append({"key": key, "label": property_name(key), "value": value, "display": display})
    return shown


def contact(node: Node, lang: str, signed_in: bool) -> dict | None:
    """Return a municipality's contact (a department or role) when its profile is public or an editor asks."""
    if not (node.props.get("profile_public") or signed_in):
        return None
    found = text({"contact_" + k.removeprefix("contact_role_"): v for k, v in node.props.items()
                  if k.startswith("contact_role_")}
                 | {"original_lang": node.props.get("original_lang")}, "contact", lang)
    return dict(found, public=bool(node.props.get("profile_public"))) if found else None


def texts(node: Node, lang: str) -> dict:
    """Return every translatable text of a node (except its name) in ``lang``, with fallbacks."""
    found = {}
    for field in TEXT_FIELDS:
        if field == "name":
            continue
        value = text(node.props, field, lang)
        if value:
            found[field] = value
    return found


def translations(node: Node) -> dict[str, str]:
    """Return the node's name in every language it has one."""
    return {lang: node.props[f"name_{lang}"] for lang in LANGUAGES if node.props.get(f"name_{lang}")}


def edge_props(edge: Edge) -> dict:
    """Return an edge's own properties worth showing (provenance aside)."""
    return {k: v for k, v in edge.props.items() if k not in HIDDEN_PROPERTIES}


def chain(path, nodes: dict[str, Node], lang: str, start: str | None = None, refs: dict | None = None) -> dict:
    """Return a walk of edges as a readable chain: where it starts and each step's direction.

    ``refs`` (node id -> :func:`ref`) lets the chains of one page share their links: a match
    page shows a thousand, of a hundred nodes or so.
    """
    refs = {} if refs is None else refs

    def link(node_id: str) -> dict:
        found = refs.get(node_id)
        if found is None:
            found = refs[node_id] = ref(nodes[node_id], lang)
        return found

    if start is None:
        first = path[0]
        ends = {path[1].source, path[1].target} if len(path) > 1 else set()
        start = first.source if first.source not in ends or first.target in ends else first.target
    steps, here = [], start
    for edge in path:
        forward = edge.source == here
        there = edge.target if forward else edge.source
        steps.append({"source": link(edge.source), "type": edge.type, "label": relation_name(edge.type, "out"),
                      "target": link(edge.target), "forward": forward, "to": link(there)})
        here = there
    return {"start": link(start), "steps": steps}
