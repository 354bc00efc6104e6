"""The store contract: every test here runs unchanged against each backend."""

from __future__ import annotations

import pytest

from graph import ListQuery, NotFound, SchemaError
from graph.records import make_edge, make_node

TRICKY_NAMES = [
    "Nimlaha'kok",
    "San Jerónimo",
    'The "quoted" town',
    "Back\\slash `tick` $param {brace}",
    "') DETACH DELETE n //",
    "<script>alert(1)</script>",
]


def municipality(slug, name, country="Belgium", **props):
    return make_node(f"municipality:{slug}", dict(name=name, country=country, **props))


@pytest.fixture
def small(store):
    """A small graph: two partnerships, a project, an SDG and a theme."""
    nodes = [
        municipality("herent", "Herent", languages=["nl"]),
        municipality("nimlahakok", "Nimlaha'kok", "Guatemala", languages=["es", "kek"]),
        municipality("edegem", "Edegem"),
        municipality("san-jeronimo", "San Jerónimo", "Peru"),
        make_node("partnership:herent-nimlahakok",
                  {"name": "Herent – Nimlaha'kok", "status": "active", "start_year": 2001}),
        make_node("partnership:edegem-san-jeronimo",
                  {"name": "Edegem – San Jerónimo", "status": "ended", "start_year": 2004, "end_year": 2020}),
        make_node("project:reforestation", {"name": {"fr": "Reboisement", "nl": "Herbebossing",
                                                      "en": "Reforestation"}, "year": 2021}),
        make_node("sdg:13", {"name": {"en": "Climate action", "fr": "Mesures climatiques"}, "number": 13}),
        make_node("theme:water", {"name": {"nl": "Water", "es": "Agua", "fr": "Eau", "en": "Water"}}),
        make_node("source:test", {"name": "Test source"}),
    ]
    edges = [
        make_edge("municipality:herent", "PARTNER_IN", "partnership:herent-nimlahakok"),
        make_edge("municipality:nimlahakok", "PARTNER_IN", "partnership:herent-nimlahakok"),
        make_edge("municipality:edegem", "PARTNER_IN", "partnership:edegem-san-jeronimo"),
        make_edge("municipality:san-jeronimo", "PARTNER_IN", "partnership:edegem-san-jeronimo"),
        make_edge("municipality:nimlahakok", "IMPLEMENTS", "project:reforestation", {"year": 2021}),
        make_edge("project:reforestation", "CONTRIBUTES_TO", "sdg:13"),
        make_edge("municipality:herent", "SEEKS", "theme:water"),
    ]
    store.write(nodes, edges)
    return store


def test_round_trips_tricky_text(store):
    nodes = [make_node(f"organisation:o{i}", {"name": name, "description": {"fr": name}})
             for i, name in enumerate(TRICKY_NAMES)]
    store.write(nodes)
    got = store.get_nodes([n.id for n in nodes])
    assert [got[n.id].props["name"] for n in nodes] == TRICKY_NAMES
    assert [got[n.id].props["description_fr"] for n in nodes] == TRICKY_NAMES
    assert store.count_by_kind() == {"Organisation": len(TRICKY_NAMES)}


def test_values_keep_their_types(store):
    node = make_node("event:e", {"year": 2019, "share": 0.5, "online": True, "tags": ["a", "b"],
                                 "start_date": "2019-01"})
    store.write([node])
    assert store.get_node("event:e") == node


def test_upsert_merges_properties_and_edges(small):
    small.write([make_node("municipality:herent", {"name": "Herent", "population": 21000})],
                [make_edge("municipality:herent", "SEEKS", "theme:water", {"since": 2022})])
    herent = small.get_node("municipality:herent")
    assert herent.props["population"] == 21000
    assert herent.props["languages"] == ["nl"]
    seeks = small.edges_of("municipality:herent", ["SEEKS"])
    assert [(e.source, e.type, e.target, e.props) for e in seeks] == [
        ("municipality:herent", "SEEKS", "theme:water", {"since": 2022})]
    assert small.count_edges() == 7


def test_edges_of_gives_both_directions_sorted(small):
    edges = small.edges_of("municipality:nimlahakok")
    assert [e.key for e in edges] == [
        ("municipality:nimlahakok", "IMPLEMENTS", "project:reforestation"),
        ("municipality:nimlahakok", "PARTNER_IN", "partnership:herent-nimlahakok"),
    ]
    assert edges[0].props == {"year": 2021}
    into = small.edges_of("partnership:herent-nimlahakok", ["PARTNER_IN"])
    assert {e.source for e in into} == {"municipality:herent", "municipality:nimlahakok"}
    assert small.edges_of("municipality:nowhere") == []


def test_write_is_all_or_nothing(small):
    before = (small.count_by_kind(), small.count_edges(), small.version())
    with pytest.raises(NotFound) as info:
        small.write([make_node("project:new", {"name": "New"})],
                    [make_edge("project:new", "CONTRIBUTES_TO", "sdg:6")])
    assert info.value.node_id == "sdg:6"
    assert (small.count_by_kind(), small.count_edges(), small.version()) == before
    assert small.get_node("project:new") is None


def test_version_changes_on_every_write(small):
    first = small.version()
    small.write([make_node("theme:youth", {"name": {"en": "Youth"}})])
    assert small.version() != first


@pytest.mark.parametrize("build", [
    lambda: make_edge("municipality:a", "CONTRIBUTES_TO", "sdg:1"),
    lambda: make_edge("project:a", "PARTNER_IN", "partnership:b"),
    lambda: make_edge("project:a", "LIKES", "sdg:1"),
    lambda: make_node("planet:mars", {}),
    lambda: make_node("municipality:x", {"Bad Key": 1}),
    lambda: make_node("municipality:x", {"nested": {"a": 1}}),
    lambda: make_node("municipality:x", {"mixed": [1, "a"]}),
    lambda: make_node("municipality:x", {"name": {"de": "X"}}),
    lambda: make_node("municipality:x", {"kind": "Project"}),
    lambda: make_node("municipality:", {}),
])
def test_schema_rejects_what_it_does_not_declare(build):
    with pytest.raises(SchemaError):
        build()


def test_search_ignores_accents_case_and_language(small):
    assert [n.id for n in small.search("jeronimo")] == [
        "municipality:san-jeronimo", "partnership:edegem-san-jeronimo"]
    assert [n.id for n in small.search("HERBEBOS")] == ["project:reforestation"]
    assert [n.id for n in small.search("agua")] == ["theme:water"]
    assert [n.id for n in small.search("nimlaha'kok", kinds=["Municipality"])] == ["municipality:nimlahakok"]
    assert small.search("san jeronimo edegem") == [small.get_node("partnership:edegem-san-jeronimo")]


@pytest.mark.parametrize("query", ["", "   ", "'\"", "') MATCH (n) DETACH DELETE n //",
                                   "name:* OR *", "<script>", "\\", "AND OR NOT"])
def test_search_input_is_harmless(small, query):
    small.search(query)
    assert small.count_edges() == 7


def test_list_nodes_filters_sorts_and_pages(small):
    page = small.list_nodes(ListQuery("Municipality", sort="name", lang="en", limit=3))
    assert page.total == 4
    assert [n.id for n in page.nodes] == ["municipality:edegem", "municipality:herent",
                                          "municipality:nimlahakok"]
    page = small.list_nodes(ListQuery("Municipality", sort="name", descending=True, offset=3, limit=3))
    assert [n.id for n in page.nodes] == ["municipality:edegem"]
    assert small.list_nodes(ListQuery("Municipality", offset=10)).total == 4
    belgian = small.list_nodes(ListQuery("Municipality", where=(("country", "Belgium"),)))
    assert [n.id for n in belgian.nodes] == ["municipality:edegem", "municipality:herent"]
    linked = small.list_nodes(ListQuery("Project", related=("sdg:13",)))
    assert [n.id for n in linked.nodes] == ["project:reforestation"]
    in_2021 = small.list_nodes(ListQuery("Partnership", year=2021))
    assert [n.id for n in in_2021.nodes] == ["partnership:herent-nimlahakok"]
    by_year = small.list_nodes(ListQuery("Partnership", sort="start_year", descending=True))
    assert [n.id for n in by_year.nodes] == ["partnership:edegem-san-jeronimo",
                                             "partnership:herent-nimlahakok"]


def test_list_sorts_by_language_with_fallback(small):
    small.write([make_node("theme:agroforestry", {"name": {"fr": "Agroforesterie", "en": "Agroforestry"}}),
                 make_node("theme:child-rights", {"name": {"nl": "Kinderrechten", "en": "Child rights"}})])
    es = small.list_nodes(ListQuery("Theme", sort="name", lang="es"))
    # es: Agroforesterie (fr fallback), Agua, Child rights (en fallback)
    assert [n.id for n in es.nodes] == ["theme:agroforestry", "theme:water", "theme:child-rights"]


def test_list_query_rejects_bad_keys():
    with pytest.raises(SchemaError):
        ListQuery("Municipality", sort="name) RETURN n //")
    with pytest.raises(SchemaError):
        ListQuery("Planet")
    with pytest.raises(SchemaError):
        ListQuery("Municipality", limit=100000)


def test_property_values_counts(small):
    assert small.property_values("Municipality", "country") == {"Belgium": 2, "Guatemala": 1, "Peru": 1}
    assert small.property_values("Partnership", "status") == {"active": 1, "ended": 1}


def test_find_by_property(small):
    found = small.find_by_property("Municipality", "country", ["Peru", "Guatemala"])
    assert [n.id for n in found] == ["municipality:nimlahakok", "municipality:san-jeronimo"]


def test_shortest_paths(small):
    paths = small.shortest_paths("municipality:herent", "sdg:13")
    assert [[e.key for e in p] for p in paths] == [[
        ("municipality:herent", "PARTNER_IN", "partnership:herent-nimlahakok"),
        ("municipality:nimlahakok", "PARTNER_IN", "partnership:herent-nimlahakok"),
        ("municipality:nimlahakok", "IMPLEMENTS", "project:reforestation"),
        ("project:reforestation", "CONTRIBUTES_TO", "sdg:13"),
    ]]
    assert small.shortest_paths("municipality:herent", "sdg:13", max_hops=3) == []
    assert small.shortest_paths("municipality:herent", "municipality:edegem") == []
    with pytest.raises(NotFound):
        small.shortest_paths("municipality:herent", "municipality:nowhere")


def test_paths_through_a_shared_facilitator(small):
    small.write([make_node("organisation:hub", {"name": "Hub"})],
                [make_edge("organisation:hub", "FACILITATES", "partnership:herent-nimlahakok"),
                 make_edge("organisation:hub", "FACILITATES", "partnership:edegem-san-jeronimo")])
    paths = small.shortest_paths("municipality:herent", "municipality:edegem")
    assert len(paths) == 1 and len(paths[0]) == 4


def test_clear_empties_the_store(small):
    small.clear()
    assert small.count_by_kind() == {} and small.count_edges() == 0


def test_repeats_within_one_write_are_folded(store):
    store.write([make_node("theme:a", {"name": "A", "x": 1}), make_node("theme:a", {"y": 2}),
                 make_node("project:p", {"name": "P"})],
                [make_edge("project:p", "CONCERNS", "theme:a", {"w": 1}),
                 make_edge("project:p", "CONCERNS", "theme:a", {"v": 2})])
    assert store.get_node("theme:a").props == {"name": "A", "x": 1, "y": 2}
    assert [(e.key, e.props) for e in store.edges()] == [
        (("project:p", "CONCERNS", "theme:a"), {"w": 1, "v": 2})]


def test_edges_by_type(small):
    assert [e.type for e in small.edges(["SEEKS", "IMPLEMENTS"])] == ["SEEKS", "IMPLEMENTS"]
    assert list(small.edges([])) == []
    with pytest.raises(SchemaError):
        list(small.edges(["LIKES"]))


@pytest.mark.parametrize("hops,limit", [(0, 5), (9, 5), (4, 0), (4, 1000)])
def test_path_search_bounds_are_checked(small, hops, limit):
    with pytest.raises(SchemaError):
        small.shortest_paths("municipality:herent", "sdg:13", max_hops=hops, limit=limit)


def test_nodes_with_only_some_properties(small):
    """nodes(only=...) gives each node just those of its properties, typed as written."""
    small.write([municipality("herent", "Herent", twinned=True, population=21000, area=0.1 + 0.2,
                              lat=50.88054912345679, code="007", nicknames=["H"])])
    full = {n.id: n for n in small.nodes("Municipality")}
    keys = ["name", "twinned", "population", "area", "lat", "code", "nicknames", "languages", "absent"]
    picked = list(small.nodes("Municipality", only=keys))
    assert [n.id for n in picked] == sorted(full)
    for node in picked:
        assert node.kind == "Municipality"
        assert node.props == {k: v for k, v in full[node.id].props.items() if k in keys}
    herent = next(n for n in picked if n.id == "municipality:herent")
    assert herent.props["twinned"] is True and herent.props["population"] == 21000
    assert herent.props["area"] == 0.1 + 0.2 and herent.props["lat"] == 50.88054912345679  # every digit
    assert herent.props["code"] == "007" and herent.props["nicknames"] == ["H"]
    assert [n.props for n in small.nodes("Theme", only=[])] == [{}]
    with pytest.raises(TypeError):
        list(small.nodes("Theme", only="name"))  # one name is not split into letters


def test_whole_kind_reads_come_in_pages_without_losing_or_repeating(small, monkeypatch):
    """nodes() and edges() read in keyset pages; pages of three must still give everything once, in order."""
    import graph.stores.neo4j.store
    import graph.stores.sqlite.store

    monkeypatch.setattr(graph.stores.sqlite.store, "CHUNK", 3)
    monkeypatch.setattr(graph.stores.neo4j.store, "BATCH", 3)
    small.write([municipality(f"town-{i}", f"Town {i}") for i in range(7)],
                [make_edge(f"municipality:town-{i}", "SEEKS", "theme:water") for i in range(0, 7, 2)])
    towns = [n.id for n in small.nodes("Municipality")]
    assert towns == sorted(towns) and len(towns) == 11
    everything = [n.id for n in small.nodes()]
    assert everything == sorted(everything) and len(everything) == 17 and set(towns) <= set(everything)
    assert [n.id for n in small.nodes("Theme", only=["name"])] == ["theme:water"]
    seeks = [e.key for e in small.edges(["SEEKS"])]
    assert seeks == sorted(seeks) and len(seeks) == 5
    every_edge = [e.key for e in small.edges()]
    assert every_edge == sorted(every_edge) and len(every_edge) == 11 and set(seeks) <= set(every_edge)
