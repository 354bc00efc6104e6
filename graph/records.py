"""Validated nodes and edges built from the records loaders, forms and imports hand in.

A municipality is keyed by its name and country code here (the place rules of
:mod:`graph.places.countries`), so no spelling of a country makes a second town.
The plain value types themselves are in :mod:`graph.model`, which stores use
without loading country names.
"""

from __future__ import annotations

from . import schema, text
from .model import Edge, Node
from .places import countries


def make_node(node_id: str, props: dict) -> Node:
    """Build a validated node from an id and record properties (text may be nested)."""
    kind = schema.kind_of_id(node_id)
    flat = text.flatten_text(props)
    schema.check_properties(flat)
    schema.check_closed(kind, flat)
    if kind == "Municipality" and "name" in flat and "country" in flat:
        # Known by name and country code, so no spelling of a country makes a second town.
        code = flat.get("country_code") or countries.country_code(flat["country"])
        if code:
            flat["country_code"] = code
        flat["match_key"] = countries.place_key(flat["name"], flat["country"], code)
    return Node(node_id, kind, flat)


def make_edge(source: str, rel: str, target: str, props: dict | None = None) -> Edge:
    """Build a validated edge; its endpoint kinds come from the ids."""
    schema.check_edge(schema.kind_of_id(source, "source"), rel, schema.kind_of_id(target, "target"))
    props = dict(props or {})
    schema.check_properties(props)
    return Edge(source, rel, target, props)
