"""Exports of a network selection: GEXF, GraphML, Gephi's CSV node and edge tables, node-link JSON.

Every export holds the same nodes and edges: the graph of
:func:`graph.network.analysis.network_graph` with the figures of the page added to
each node (``degree``, ``betweenness``, ``community``) and ``label``, the
node's name in the export's language (with the pages' fallback).  Edges
carry ``relationship`` (PARTNER_IN, FACILITATES...; GEXF reserves ``type``).

GEXF, GraphML and CSV cannot carry everything a node holds, so attributes
are converted by one rule (docs/network.md), never dropped:

- **Texts in four languages** stay four attributes, as the store keeps them:
  ``name`` (language-neutral text, such as a proper name) and ``name_nl``,
  ``name_fr``, ``name_es``, ``name_en``; the same for every text field.
- **Lists** (working languages, themes, SDGs, countries) become one text,
  their values joined by ``"; "``.
- **Missing values**: every node carries every attribute that any node of the
  selection has.  An attribute whose values all exist and share one type
  keeps its type (boolean, integer, decimal, text); otherwise it is written
  as text for every node, the missing ones as the empty string.

The node-link JSON keeps lists as lists and writes a missing value as null.
CSV cells that a spreadsheet would run as a formula are written as text
(graph/csv_cells.py).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable

import networkx as nx

from ..csv_cells import csv_text
from ..schema import LANGUAGES, TEXT_FIELDS
from ..text import display_name
from .analysis import centrality, communities, network_graph
from .selection import Network

LIST_SEPARATOR = "; "
FORMATS = ("gexf", "graphml", "csv", "json")


def export_graph(net: Network, lang: str) -> nx.Graph:
    """Return the selection's graph with the page's figures and a label in ``lang`` on every node."""
    graph = network_graph(net)
    degree, betweenness = centrality(graph)
    community_of = {n: c["number"] for c in communities(graph, set(net.members)) for n in c["nodes"]}
    nodes = {**net.actors, **net.partnerships}
    for node_id, attrs in graph.nodes(data=True):
        attrs["label"] = display_name(nodes[node_id].props, lang, node_id)
        attrs["degree"] = graph.degree(node_id)
        attrs["degree_centrality"] = round(degree.get(node_id, 0.0), 6)
        attrs["betweenness"] = round(betweenness.get(node_id, 0.0), 6)
        attrs["community"] = community_of.get(node_id, 0)
    for _, _, attrs in graph.edges(data=True):
        # GEXF reads an edge's "type" as directed/undirected: the relationship gets its own name.
        attrs["relationship"] = attrs.pop("type")
    _text_columns(graph)
    return graph


def _text_columns(graph: nx.Graph) -> None:
    """Give every node each language column of every text field some node has (as None when absent)."""
    present = {k for _, attrs in graph.nodes(data=True) for k in attrs}
    for field in TEXT_FIELDS:
        keys = [field, *(f"{field}_{lang}" for lang in LANGUAGES)]
        if any(k in present for k in keys):
            for _, attrs in graph.nodes(data=True):
                for k in keys:
                    attrs.setdefault(k, None)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_as_text(v) for v in value)
    return str(value)


def _column_type(values: list) -> type | None:
    """Return the one type a column keeps, or None when it must become text."""
    if any(v is None or isinstance(v, list) for v in values):
        return None
    types = {type(v) for v in values}
    if types == {int, float}:
        return float
    return types.pop() if len(types) == 1 else None


def _flat(items: Iterable[dict]) -> list[dict]:
    """Apply the conversion rule column by column to attribute dicts (in place order kept)."""
    rows = [dict(attrs) for attrs in items]
    keys = sorted({k for row in rows for k in row})
    for key in keys:
        values = [row.get(key) for row in rows]
        kept = _column_type(values)
        for row, value in zip(rows, values, strict=True):
            row[key] = (float(value) if kept is float else value) if kept else _as_text(value)
    return rows


def flat_graph(graph: nx.Graph) -> nx.Graph:
    """Return a copy of ``graph`` whose attributes follow the conversion rule (for GEXF, GraphML and CSV)."""
    flat = nx.Graph()
    ids = list(graph.nodes)
    for node_id, attrs in zip(ids, _flat(graph.nodes[n] for n in ids), strict=True):
        flat.add_node(node_id, **attrs)
    edges = list(graph.edges)
    for (a, b), attrs in zip(edges, _flat(graph.edges[e] for e in edges), strict=True):
        flat.add_edge(a, b, **attrs)
    return flat


def write_gexf(graph: nx.Graph, out: io.BufferedIOBase) -> None:
    nx.write_gexf(flat_graph(graph), out, encoding="utf-8", prettyprint=True)


def write_graphml(graph: nx.Graph, out: io.BufferedIOBase) -> None:
    nx.write_graphml(flat_graph(graph), out, encoding="utf-8", prettyprint=True)


def nodes_csv(graph: nx.Graph) -> str:
    """Return Gephi's node table: Id, Label, then every attribute (converted)."""
    flat = flat_graph(graph)
    keys = sorted({k for _, a in flat.nodes(data=True) for k in a} - {"label"})
    rows = [[node_id, attrs.get("label", ""), *(_as_text(attrs.get(k)) for k in keys)]
            for node_id, attrs in flat.nodes(data=True)]
    return csv_text([["Id", "Label", *keys], *rows])


def edges_csv(graph: nx.Graph) -> str:
    """Return Gephi's edge table: Source, Target, Type (Undirected), Id, Label, then every attribute."""
    flat = flat_graph(graph)
    keys = sorted({k for _, _, a in flat.edges(data=True) for k in a} - {"relationship"})
    rows = [[a, b, "Undirected", number, attrs.get("relationship", ""), *(_as_text(attrs.get(k)) for k in keys)]
            for number, (a, b, attrs) in enumerate(flat.edges(data=True))]
    return csv_text([["Source", "Target", "Type", "Id", "Label", *keys], *rows])


def node_link_json(graph: nx.Graph) -> str:
    """Return node-link JSON: lists kept, every node with every attribute (missing ones as null)."""
    keys = sorted({k for _, a in graph.nodes(data=True) for k in a})
    full = nx.Graph()
    for node_id, attrs in graph.nodes(data=True):
        full.add_node(node_id, **{k: attrs.get(k) for k in keys})
    full.add_edges_from(graph.edges(data=True))
    data = nx.node_link_data(full, edges="edges")
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False)


def write_export(graph: nx.Graph, fmt: str, output: str) -> list[str]:
    """Write ``graph`` as ``fmt`` to ``output`` ('-' for standard output; a folder for csv); return what was written."""
    import sys
    from pathlib import Path

    if fmt == "csv":
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "nodes.csv").write_text(nodes_csv(graph), encoding="utf-8", newline="")
        (folder / "edges.csv").write_text(edges_csv(graph), encoding="utf-8", newline="")
        return [str(folder / "nodes.csv"), str(folder / "edges.csv")]
    if fmt == "json":
        body = node_link_json(graph).encode("utf-8")
    else:
        buffer = io.BytesIO()
        (write_gexf if fmt == "gexf" else write_graphml)(graph, buffer)
        body = buffer.getvalue()
    if output == "-":
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return ["standard output"]
    Path(output).write_bytes(body)
    return [output]
