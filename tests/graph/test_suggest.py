"""Did you mean: the nearest names to a misspelling, and SDGs by number, on each store."""

from __future__ import annotations

import pytest

from graph import search as finder
from graph.records import make_node
from graph.suggest import build_name_index, max_edits, name_index, sdg_reference, suggest


@pytest.mark.parametrize("typed", [
    "SDG 6", "SDG6", "sdg 6", "ODD 6", "ODS 6", "duurzame ontwikkelingsdoelstelling 6",
    "Objectif de développement durable 6", "Objetivo de Desarrollo Sostenible 6", "Goal 6",
    "Sustainable Development Goal 6"])
def test_every_way_of_naming_sdg_6(typed):
    assert sdg_reference(typed) == "sdg:6"


@pytest.mark.parametrize("typed, expected", [
    ("SDG 6.1", "target:6.1"), ("ODS 6.a", "target:6.a"), ("SDG 18", None), ("SDG 0", None),
    ("water", None), ("6", None), ("SDGs", None)])
def test_targets_and_what_is_not_an_sdg(typed, expected):
    assert sdg_reference(typed) == expected


def test_short_names_allow_fewer_edits():
    assert [max_edits(n) for n in (2, 3, 5, 6, 12)] == [0, 1, 1, 2, 2]


@pytest.mark.parametrize("typed", ["Brasshaat", "Brasschat", "Barsschaat", "brasschaaat", "BRASSCHAAT "])
def test_a_one_edit_typo_suggests_the_town_first(seeded_store, typed):
    [first, *_] = suggest(seeded_store, typed, kinds=["Municipality"])
    assert first.id == "municipality:brasschaat-belgium" and first.distance == 1 - (typed.strip() == "BRASSCHAAT")


def test_nothing_near_suggests_nothing(seeded_store):
    assert suggest(seeded_store, "Xqzwv Plorkt") == []
    assert suggest(seeded_store, "ab") == []


def test_search_suggests_when_no_name_matches_and_finds_sdgs_by_number(seeded_store):
    result = finder.search(seeded_store, "Brasshaat")
    assert result.total == 0 and result.suggestions[0].id == "municipality:brasschaat-belgium"
    for typed in ("SDG 6", "SDG6", "ODD 6", "ODS 6", "duurzame ontwikkelingsdoelstelling 6"):
        hits = finder.search(seeded_store, typed).hits
        assert hits and hits[0].node.id == "sdg:6", typed
    assert finder.search(seeded_store, "Brasschaat").suggestions == ()


def test_the_path_finder_offers_the_nearest_names(seeded_store):
    found = finder.resolve(seeded_store, "Brasshaat")
    assert found.node is None and found.suggestions[0].id == "municipality:brasschaat-belgium"
    assert finder.resolve(seeded_store, "ODS 6").node.id == "sdg:6"


def test_the_index_follows_writes_and_equals_a_fresh_build(store):
    store.write([make_node("municipality:gent-belgium", {"name": "Gent", "name_fr": "Gand", "country": "Belgium",
                                                         "nis_code": "44021"}),
                 make_node("municipality:genk-belgium", {"name": "Genk", "country": "Belgium"})])
    first = name_index(store)
    assert suggest(store, "Gant")[0].id == "municipality:gent-belgium"  # one edit from Gand and from Gent
    store.write([make_node("municipality:gent-belgium", {"alt_names": ["Ghent", "Gante"]}),
                 make_node("municipality:zwijndrecht-belgium", {"name": "Zwijndrecht", "country": "Belgium"})])
    followed = name_index(store)
    assert followed is not first and followed.version == store.version()
    assert suggest(store, "Ghnet")[0].id == "municipality:gent-belgium"   # Ghent, transposed
    assert suggest(store, "Zwijndrect")[0].id == "municipality:zwijndrecht-belgium"
    store.delete(["municipality:genk-belgium"])
    assert [s.id for s in suggest(store, "Genkk")] == []
    fresh = build_name_index(store)
    assert followed is not name_index(store)
    assert name_index(store)._by_node == fresh._by_node and name_index(store)._members == fresh._members


def test_a_province_is_never_suggested(store):
    store.write([make_node("municipality:west-flanders-belgium", {"name": "West Flanders", "country": "Belgium",
                                                                  "place_type": "province"}),
                 make_node("municipality:westerlo-belgium", {"name": "Westerlo", "country": "Belgium"})])
    assert suggest(store, "West Flandrs") == []


def test_search_and_path_finder_pages_link_the_corrected_query(client):
    html = client.get("/nl/search?q=Brasshaat").get_data(as_text=True)
    assert 'href="/nl/search?q=Brasschaat"' in html
    data = client.get("/es/search.json?q=ODS+6").get_json()
    assert data["results"][0]["id"] == "sdg:6"
    page = client.get("/nl/paths?from=Brasshaat&to=Tarija").get_data(as_text=True)
    assert 'value="municipality:brasschaat-belgium"' in page
