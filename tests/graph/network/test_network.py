"""The member network: selection, status, figures and graph, the same on every store."""

from __future__ import annotations

import pytest

from graph.ingest.seeds import seed
from graph.ingest.twinnings import import_twinnings
from graph.model import ChangeNote
from graph.network.analysis import map_links, network_summary
from graph.network.selection import FilterError, NetworkFilter, read_network
from graph.records import make_edge, make_node

VVSG = "organisation:vvsg"
TWINS = ("city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
         "Antwerp,Belgium,51.22,4.40,Rosario,Argentina,-32.95,-60.65\n"
         "Antwerp,Belgium,51.22,4.40,Durban,South Africa,-29.86,31.02\n"
         "Ghent,Belgium,51.05,3.72,Rosario,Argentina,-32.95,-60.65\n"
         "Ypres,Belgium,50.85,2.88,Saint-Omer,France,50.75,2.25\n"
         "Liège,Belgium,50.63,5.57,Lyon,France,45.76,4.83\n")


@pytest.fixture
def network_store(store, tmp_path):
    """The seeds, VVSG's members, a few twin towns and one dated, long-quiet partnership."""
    seed(store)
    path = tmp_path / "twins.csv"
    path.write_text(TWINS, encoding="utf-8")
    import_twinnings(store, path)
    store.write([make_node("theme:urban-mobility", {"name": {"en": "Urban mobility"}}),
                 make_node("municipality:kampala-uganda", {"name": "Kampala", "country": "Uganda"}),
                 make_node("partnership:gent-kampala", {"name": "Gent – Kampala",
                                                        "partnership_type": "development_cooperation",
                                                        "start_year": 2008})],
                [make_edge("municipality:gent-belgium", "PARTNER_IN", "partnership:gent-kampala"),
                 make_edge("municipality:kampala-uganda", "PARTNER_IN", "partnership:gent-kampala"),
                 make_edge("partnership:gent-kampala", "CONCERNS", "theme:water"),
                 make_edge("partnership:gent-kampala", "CONCERNS", "theme:urban-mobility")],
                ChangeNote("test", "a dormant link"))
    return store


def _summary(store, **filters):
    return network_summary(store, NetworkFilter(VVSG, as_of=2026, **filters))[2]


def test_the_whole_network_counts_members_partnerships_and_countries(network_store):
    s = _summary(network_store)
    assert s["totals"]["members"] == 285
    # Brasschaat, Edegem, Herent (seeds); Antwerpen x2, Gent x2, Ieper (twin towns and the dated link)
    assert s["totals"]["partnerships"] == 3 + 5
    assert dict(s["by_country"]) == {"AR": 2, "ZA": 1, "FR": 1, "UG": 1, "BO": 1, "GT": 1, "PE": 1}
    assert dict(s["by_continent"]) == {"americas": 5, "africa": 2, "europe": 1}
    assert s["gaps"]["countries_with_one_link"] == ["BO", "FR", "GT", "PE", "UG", "ZA"]
    assert len(s["gaps"]["members_without_partnership"]) == 285 - 6
    assert "municipality:antwerpen-belgium" not in s["gaps"]["members_without_partnership"]
    # Liège is no member of VVSG: its twinning is not in the network
    assert "municipality:lyon-france" not in {b["id"] for b in s["most_connected"]}


def test_status_rule_ended_dormant_active(network_store):
    s = _summary(network_store)
    assert dict(s["by_status"]) == {"active": 6, "dormant": 1, "ended": 1}
    assert s["dormant"]["partnerships"] == [{"id": "partnership:gent-kampala", "last_activity": 2008}]
    assert s["dormant"]["rule"] == {"years": 5, "as_of": 2026}
    # a longer rule wakes it up
    later = network_summary(network_store, NetworkFilter(VVSG, as_of=2026, dormant_years=20))[2]
    assert dict(later["by_status"])["dormant"] == 0
    # only the dormant link is about mobility: a gap; water has an active partnership too
    assert "theme:urban-mobility" in s["gaps"]["themes_without_active_partnership"]
    assert "theme:water" not in s["gaps"]["themes_without_active_partnership"]
    assert dict(s["by_theme"])["theme:urban-mobility"] == 1


@pytest.mark.parametrize("filters, expected", [
    ({"countries": ("AR",)}, {"partnership:antwerpen-belgium--rosario-argentina",
                              "partnership:gent-belgium--rosario-argentina"}),
    ({"regions": ("africa",)}, {"partnership:antwerpen-belgium--durban-south-africa", "partnership:gent-kampala"}),
    ({"provinces": ("20001",)}, {"partnership:herent-nimlahakok"}),
    ({"statuses": ("ended",)}, {"partnership:edegem-san-jeronimo"}),
    ({"kinds": ("twinning",), "regions": ("europe",)}, {"partnership:ieper-belgium--saint-omer-france"}),
    ({"sdgs": ("sdg:13",)}, {"partnership:herent-nimlahakok"}),
    ({"themes": ("theme:water",)}, {"partnership:brasschaat-tarija", "partnership:gent-kampala"}),
    ({"active_from": 2021, "active_to": 2025}, {"partnership:brasschaat-tarija", "partnership:herent-nimlahakok",
                                                "partnership:gent-kampala"}),
    ({"countries": ("JP",)}, set()),
])
def test_filters_select_partnerships(network_store, filters, expected):
    net = read_network(network_store, NetworkFilter(VVSG, as_of=2026, **filters))
    assert set(net.partnerships) == expected


def test_a_period_leaves_out_undated_partnerships_and_says_how_many(network_store):
    net = read_network(network_store, NetworkFilter(VVSG, as_of=2026, active_from=2000))
    assert net.left_out_undated == 4  # the twinnings have no start year


def test_an_empty_selection_has_empty_figures(network_store):
    s = _summary(network_store, countries=("JP",))
    assert s["totals"]["partnerships"] == 0 and s["communities"] == [] and s["per_year"] == []
    assert len(s["gaps"]["members_without_partnership"]) == 285


def test_centrality_and_communities(network_store):
    s = _summary(network_store)
    top = s["most_connected"][0]
    assert top["id"] in {"municipality:antwerpen-belgium", "organisation:cimic", "organisation:contutti",
                         "organisation:vvsg", "organisation:federal-municipal-cooperation-programme",
                         "municipality:gent-belgium"}
    assert {b["id"] for b in s["bridges"]} >= {"municipality:antwerpen-belgium"}
    bridges = {b["id"]: b for b in s["bridges"]}
    # Rosario links Antwerpen and Gent, so it lies between them
    rosario = next(i for i in bridges if i.startswith("municipality:rosario"))
    assert bridges[rosario]["betweenness"] > 0
    names = [c["name"] for c in s["communities"]]
    assert all(c["size"] >= 2 for c in s["communities"])
    assert "municipality:antwerpen-belgium" in names or "municipality:gent-belgium" in names


def test_unknown_filter_values_name_the_filter():
    with pytest.raises(FilterError) as info:
        NetworkFilter(VVSG, regions=("atlantis",))
    assert info.value.filter == "continent"
    with pytest.raises(FilterError) as info:
        NetworkFilter(VVSG, statuses=("sleeping",))
    assert info.value.filter == "status"


def test_map_links_carry_coordinates_where_both_ends_have_them(network_store):
    net = read_network(network_store, NetworkFilter(VVSG, as_of=2026))
    links = {link["partnership"]: link for link in map_links(net)}
    assert links["partnership:brasschaat-tarija"]["from"] == [4.5, 51.3]
    assert links["partnership:herent-nimlahakok"]["to"] is None  # Nimlaha'kok has no coordinates


@pytest.mark.neo4j
def test_both_stores_give_the_same_figures(request, tmp_path):
    """The contract: the same selection on the embedded store and on Neo4j gives the same figures."""
    from graph.stores.sqlite.store import EmbeddedStore

    neo4j = request.getfixturevalue("neo4j_store")
    neo4j.clear()
    embedded = EmbeddedStore(tmp_path / "kb")
    figures = []
    for store in (embedded, neo4j):
        path = tmp_path / "twins.csv"
        path.write_text(TWINS, encoding="utf-8")
        seed(store)
        import_twinnings(store, path)
        figures.append([_summary(store), _summary(store, regions=("americas",)), _summary(store, provinces=("10000",))])
    neo4j.clear()
    assert figures[0] == figures[1]
