"""Exports of the member network: GEXF and GraphML read back by networkx, Gephi CSV, node-link JSON, kb export."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.network.export import (
    LIST_SEPARATOR,
    edges_csv,
    export_graph,
    flat_graph,
    node_link_json,
    nodes_csv,
    write_gexf,
    write_graphml,
)
from graph.network.selection import NetworkFilter, read_network
from webapp.cli import main


@pytest.fixture
def graph(seeded_store):
    return export_graph(read_network(seeded_store, NetworkFilter("organisation:vvsg")), "fr")


@pytest.mark.parametrize("writer, reader", [(write_gexf, nx.read_gexf), (write_graphml, nx.read_graphml)])
def test_gexf_and_graphml_read_back_with_the_same_nodes_edges_and_attributes(graph, writer, reader):
    out = io.BytesIO()
    writer(graph, out)
    back = reader(io.BytesIO(out.getvalue()))
    assert (back.number_of_nodes(), back.number_of_edges()) == (graph.number_of_nodes(), graph.number_of_edges())
    expected = flat_graph(graph)
    for node_id, attrs in expected.nodes(data=True):
        got = dict(back.nodes[node_id])
        if reader is nx.read_gexf:  # GEXF keeps the label as the node's own label
            assert got.pop("label") == attrs["label"]
        assert got == {k: v for k, v in attrs.items() if reader is nx.read_graphml or k != "label"}, node_id
    for a, b, attrs in expected.edges(data=True):
        got = dict(back.edges[a, b])
        got.pop("id", None)
        assert got == attrs


def test_the_conversion_rule_keeps_every_attribute(graph):
    flat = flat_graph(graph)
    brasschaat = flat.nodes["municipality:brasschaat-belgium"]
    # a list becomes one text; four languages stay four attributes; a missing text is empty
    assert brasschaat["languages"] == "nl" and brasschaat["label"] == "Brasschaat"
    tarija = flat.nodes["partnership:brasschaat-tarija"]
    assert LIST_SEPARATOR in tarija["themes"] and tarija["description_fr"].startswith("Partenariat")
    assert {"description_nl", "description_es", "description_en", "name_fr"} <= set(tarija)
    assert flat.nodes["municipality:aalst-belgium"]["description_fr"] == ""
    # a column missing on some node is text everywhere; complete columns keep their type
    assert flat.nodes["partnership:herent-nimlahakok"]["start_year"] == "2001"
    assert flat.nodes["partnership:brasschaat-tarija"]["end_year"] == ""
    assert isinstance(brasschaat["degree"], int) and isinstance(brasschaat["member"], bool)
    every = {k for _, a in graph.nodes(data=True) for k in a}
    assert all(set(a) == every for _, a in flat.nodes(data=True))


def test_gephi_csv_tables(graph):
    nodes = list(csv.DictReader(io.StringIO(nodes_csv(graph))))
    edges = list(csv.DictReader(io.StringIO(edges_csv(graph))))
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    assert list(nodes[0])[:2] == ["Id", "Label"] and list(edges[0])[:5] == ["Source", "Target", "Type", "Id", "Label"]
    assert {e["Type"] for e in edges} == {"Undirected"}
    assert {e["Label"] for e in edges} >= {"PARTNER_IN", "FACILITATES"}
    member = next(n for n in nodes if n["Id"] == "municipality:herent-belgium")
    assert member["member"] == "true" and member["province"] == "20001"


def test_node_link_json_keeps_lists_and_nulls(graph):
    data = json.loads(node_link_json(graph))
    assert len(data["nodes"]) == graph.number_of_nodes() and len(data["edges"]) == graph.number_of_edges()
    tarija = next(n for n in data["nodes"] if n["id"] == "partnership:brasschaat-tarija")
    assert isinstance(tarija["themes"], list) and tarija["end_year"] is None


@pytest.mark.both_stores
def test_the_page_links_each_export_of_its_selection(client):
    page = client.get("/nl/network.json?status=active").get_json()
    assert {e["format"] for e in page["exports"]} == {"gexf", "graphml", "nodes.csv", "edges.csv", "json"}
    for export in page["exports"]:
        assert "status=active" in export["url"]
        response = client.get(export["url"])
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    gexf = client.get(next(e["url"] for e in page["exports"] if e["format"] == "gexf")).data
    back = nx.read_gexf(io.BytesIO(gexf))
    assert "partnership:edegem-san-jeronimo" not in back and "partnership:herent-nimlahakok" in back
    assert client.get("/nl/network/network.graphml?kind=friendship").status_code == 400


def test_kb_export_writes_each_format_with_the_page_filters(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()

    def kb(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert kb("seed").exit_code == 0
    gexf = tmp_path / "net.gexf"
    result = kb("export", "--format", "gexf", "-o", str(gexf), "--continent", "americas", "--status", "active")
    assert result.exit_code == 0, result.output
    assert {n for n in nx.read_gexf(gexf) if n.startswith("partnership:")} == {
        "partnership:brasschaat-tarija", "partnership:herent-nimlahakok"}
    graphml = tmp_path / "net.graphml"
    assert kb("export", "--format", "graphml", "-o", str(graphml), "--province", "10000").exit_code == 0
    assert "partnership:herent-nimlahakok" not in nx.read_graphml(graphml)
    assert kb("export", "--format", "csv", "-o", str(tmp_path / "tables")).exit_code == 0
    assert (tmp_path / "tables" / "nodes.csv").read_text(encoding="utf-8").startswith("Id,Label,")
    result = kb("export", "--format", "json", "--network", "--country", "Bolivia")
    assert [n["id"] for n in json.loads(result.output)["nodes"] if n["id"].startswith("partnership:")] == [
        "partnership:brasschaat-tarija"]
    result = runner.invoke(main, ["export", "--format", "gexf", "--continent", "atlantis"])
    assert result.exit_code != 0 and "continent" in result.output
    result = runner.invoke(main, ["export", "--format", "csv"])
    assert result.exit_code != 0 and "folder" in result.output
