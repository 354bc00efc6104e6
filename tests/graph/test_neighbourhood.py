"""The neighbourhood the graph view reads: partner towns through their partnerships, best first."""

from __future__ import annotations

import pytest

from graph.queries import neighbourhood
from graph.records import make_edge, make_node


@pytest.fixture
def hub(store):
    """Hubtown twinned with three towns, one partnership from the publication, one theme."""
    nodes = [make_node("municipality:hub", {"name": "Hubtown", "country": "Testland"}),
             make_node("theme:water", {"name": {"en": "Water"}}),
             make_node("partnership:hub-rich", {"name": "Hubtown – Richtown",
                                                "partnership_type": "development_cooperation"})]
    edges = [make_edge("municipality:hub", "SEEKS", "theme:water"),
             make_edge("municipality:hub", "PARTNER_IN", "partnership:hub-rich")]
    for town in ("a", "b", "rich"):
        nodes.append(make_node(f"municipality:{town}", {"name": f"Town {town}", "country": "Testland"}))
    for town in ("a", "b"):
        nodes.append(make_node(f"partnership:hub-{town}", {"name": f"Hubtown – Town {town}",
                                                            "partnership_type": "twinning"}))
        edges += [make_edge("municipality:hub", "PARTNER_IN", f"partnership:hub-{town}"),
                  make_edge(f"municipality:{town}", "PARTNER_IN", f"partnership:hub-{town}")]
    edges.append(make_edge("municipality:rich", "PARTNER_IN", "partnership:hub-rich"))
    store.write(nodes, edges)
    return store


def test_a_town_brings_its_partner_towns_through_their_partnerships(hub):
    hood = neighbourhood(hub, "municipality:hub")
    # Publication content first (the development partnership, the theme), plain twinnings last.
    assert hood["neighbours"] == [
        {"id": "municipality:rich", "via": "partnership:hub-rich"},
        {"id": "theme:water", "via": None},
        {"id": "municipality:a", "via": "partnership:hub-a"},
        {"id": "municipality:b", "via": "partnership:hub-b"},
    ]
    assert hood["twins"] == {"partnership:hub-a": ["municipality:a", "municipality:hub"],
                             "partnership:hub-b": ["municipality:b", "municipality:hub"],
                             "partnership:hub-rich": ["municipality:hub", "municipality:rich"]}
    assert {n.id for n in hood["nodes"]} == {
        "municipality:hub", "municipality:a", "municipality:b", "municipality:rich", "theme:water",
        "partnership:hub-a", "partnership:hub-b", "partnership:hub-rich"}
    assert ("municipality:a", "PARTNER_IN", "partnership:hub-a") in {e.key for e in hood["edges"]}
    assert (hood["total_neighbours"], hood["truncated"]) == (4, False)


def test_the_cap_counts_neighbours_and_keeps_the_best(hub):
    hood = neighbourhood(hub, "municipality:hub", cap=2)
    assert [u["id"] for u in hood["neighbours"]] == ["municipality:rich", "theme:water"]
    assert hood["truncated"] and hood["total_neighbours"] == 4
    assert "partnership:hub-a" not in {n.id for n in hood["nodes"]}
    assert set(hood["twins"]) == {"partnership:hub-rich"}


def test_a_partnership_lists_its_towns_as_neighbours(hub):
    hood = neighbourhood(hub, "partnership:hub-a")
    assert [u["id"] for u in hood["neighbours"]] == ["municipality:a", "municipality:hub"]
    assert hood["twins"] == {"partnership:hub-a": ["municipality:a", "municipality:hub"]}


def test_a_relationship_filter_without_partner_in_brings_no_towns(hub):
    hood = neighbourhood(hub, "municipality:hub", types=["SEEKS"])
    assert hood["neighbours"] == [{"id": "theme:water", "via": None}] and hood["twins"] == {}


@pytest.mark.both_stores
def test_the_graph_json_gives_neighbours_in_order_and_twins(client):
    data = client.get("/en/municipalities/tarija-bolivia/graph.json").get_json()
    assert data["neighbours"][0] == {"id": "municipality:brasschaat-belgium", "via": "partnership:brasschaat-tarija"}
    assert {"partnership": "partnership:brasschaat-tarija",
            "towns": ["municipality:brasschaat-belgium", "municipality:tarija-bolivia"]} in data["twins"]
    ids = {n["id"] for n in data["nodes"]}
    assert all(u["id"] in ids and (u["via"] is None or u["via"] in ids) for u in data["neighbours"])
