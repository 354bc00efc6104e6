"""Search ranking, folding, grouping and paging: the same answers on every store.

The ranking lives in ``graph/search.py``; a store only supplies candidates.  These
tests run on the ``store`` and ``seeded_store`` fixtures, so on both backends.
"""

from __future__ import annotations

import pytest

from graph import search as search_module
from graph.records import make_edge, make_node
from graph.search import Match, Problem, resolve, search


def municipality(slug, name, country="Belgium"):
    return make_node(f"municipality:{slug}", {"name": name, "country": country})


@pytest.fixture
def watery(store):
    """Names that begin with, contain or merely mention 'water', across kinds."""
    nodes = [
        make_node("theme:water", {"name": {"en": "Water", "nl": "Water", "fr": "Eau", "es": "Agua"}}),
        make_node("sdg:6", {"name": {"en": "Clean water and sanitation"}, "number": 6}),
        municipality("waterbury", "Waterbury", "United States"),
        municipality("waterloo-be", "Waterloo"),
        municipality("waterloo-ca", "Waterloo", "Canada"),
        municipality("herent", "Herent"),
        municipality("herentals", "Herentals"),
        municipality("nimlahakok", "Nimlaha'kok", "Guatemala"),
        make_node("partnership:herent-nimlahakok", {"name": "Herent – Nimlaha'kok"}),
        make_node("partnership:waterloo-herent", {"name": "Waterloo – Herent"}),
        make_node("experience:water", {"name": {"en": "Water"}, "description": {"en": "A story."}}),
        make_node("experience:herent", {"name": {"en": "Herent's exit strategy"}}),
        make_node("experience:wells", {"name": {"en": "Wells for the villages"},
                                       "description": {"en": "Drinking water for everyone."}}),
        make_node("challenge:waterworks", {"name": {"en": "Waterworks that last"}}),
    ]
    edges = [make_edge("municipality:herent", "PARTNER_IN", "partnership:herent-nimlahakok"),
             make_edge("municipality:nimlahakok", "PARTNER_IN", "partnership:herent-nimlahakok")]
    store.write(nodes, edges)
    return store


def ids(result):
    return [h.node.id for h in result.hits]


def test_exact_names_then_whole_words_then_prefixes_then_other_texts(watery):
    result = search(watery, "water", limit=50)
    assert ids(result) == [
        "theme:water",                 # exact name, an entity
        "experience:water",            # exact name, a passage
        "sdg:6",                       # the word in a name
        "municipality:waterbury",      # a name beginning with the word
        "municipality:waterloo-be",    # (same match and kind: alphabetical, then by id)
        "municipality:waterloo-ca",
        "partnership:waterloo-herent",
        "challenge:waterworks",        # a passage at the same match comes after the entities
        "experience:wells",            # only its description mentions water
    ]
    assert [h.match for h in result.hits][:4] == [Match.EXACT, Match.EXACT, Match.NAME_WORDS, Match.NAME_PREFIX]
    assert result.hits[-1].match == Match.TEXT


def test_the_municipality_comes_before_the_passages_about_it(watery):
    assert ids(search(watery, "Herent", limit=50)) == [
        "municipality:herent",
        "partnership:herent-nimlahakok",   # its name begins with the word
        "partnership:waterloo-herent",     # its name holds the word
        "experience:herent",               # a passage, at equal match, after the entities
        "municipality:herentals",          # only a longer word begins with it
    ]


@pytest.mark.parametrize("typed", ["Nimlahakok", "nimlaha kok", "NIMLAHA'KOK", "Nímlaha-kok", "nimlaha’kok"])
def test_case_accents_apostrophes_and_punctuation_do_not_matter(watery, typed):
    result = search(watery, typed)
    assert ids(result)[:2] == ["municipality:nimlahakok", "partnership:herent-nimlahakok"]
    assert result.hits[0].match == Match.EXACT


def test_a_name_written_without_its_apostrophe_is_found_when_typed_with_one(store):
    store.write([municipality("nimlahakok", "Nimlahakok", "Guatemala")])
    assert ids(search(store, "Nimlaha'kok")) == ["municipality:nimlahakok"]


def test_results_are_grouped_by_kind_with_counts(watery):
    result = search(watery, "water", limit=50)
    # Every kind that matched, in the order of its best hit.
    assert result.groups == [("Theme", 1), ("PracticalExperience", 2), ("SDG", 1), ("Municipality", 3),
                             ("Partnership", 1), ("Challenge", 1)]
    assert result.total == sum(count for _, count in result.groups) == 9
    only = search(watery, "water", kinds=["Municipality"], limit=50)
    assert ids(only) == ["municipality:waterbury", "municipality:waterloo-be", "municipality:waterloo-ca"]
    assert only.total == 3 and only.groups == result.groups


def test_results_are_paged_not_cut(store):
    store.write([municipality(f"water-{i:02d}", f"Water {i:02d}") for i in range(60)]
                + [make_node("theme:water", {"name": {"en": "Water"}})])
    everything = search(store, "water", limit=100)
    assert everything.total == 61 and everything.complete and everything.hits[0].node.id == "theme:water"
    pages = [search(store, "water", offset=offset, limit=25) for offset in (0, 25, 50)]
    assert [len(p.hits) for p in pages] == [25, 25, 11]
    assert all(p.total == 61 and p.limit == 25 for p in pages)
    assert [h.node.id for p in pages for h in p.hits] == ids(everything)
    assert search(store, "water", offset=61, limit=25).hits == []
    with pytest.raises(ValueError):
        search(store, "water", limit=0)


def test_past_the_candidate_cap_counts_say_they_are_lower_bounds(store, monkeypatch):
    store.write([municipality(f"water-{i}", f"Water {i}") for i in range(8)]
                + [make_node("theme:water", {"name": {"en": "Water"}})])
    monkeypatch.setattr(search_module, "CANDIDATE_CAP", 5)
    result = search(store, "water")
    assert not result.complete and result.total == 5
    assert not search(store, "water", kinds=["Theme"]).complete
    assert ids(search(store, "water", kinds=["Theme"])) == ["theme:water"]


@pytest.mark.parametrize("query,problem", [("", Problem.EMPTY), ("   ", Problem.EMPTY),
                                           ("'-!?", Problem.NO_WORDS), ("“…”", Problem.NO_WORDS)])
def test_an_empty_or_punctuation_only_query_is_explained(watery, query, problem):
    result = search(watery, query)
    assert (result.hits, result.total, result.groups, result.problem) == ([], 0, [], problem)


def test_nothing_found_is_an_empty_result_without_a_problem(watery):
    result = search(watery, "zzzqqq")
    assert (result.hits, result.total, result.problem) == ([], 0, None)


@pytest.mark.parametrize("name,expected", [
    ("Edegem", "municipality:edegem-belgium"),
    ("Tarija", "municipality:tarija-bolivia"),
    ("Herent", "municipality:herent-belgium"),
    ("Nimlahakok", "municipality:nimlahakok-guatemala"),
    ("nimlaha kok", "municipality:nimlahakok-guatemala"),
    ("water", "theme:water"),
])
def test_seeded_searches_find_the_thing_meant_first(seeded_store, name, expected):
    result = search(seeded_store, name)
    assert result.hits[0].node.id == expected
    assert result.hits[0].match == Match.EXACT


def test_resolve_takes_a_single_exact_entity(watery):
    assert resolve(watery, "herent").node.id == "municipality:herent"
    assert resolve(watery, "Nimlahakok").node.id == "municipality:nimlahakok"
    assert resolve(watery, "partnership:waterloo-herent").node.id == "partnership:waterloo-herent"
    # An exact entity wins over an exact passage of the same name.
    assert resolve(watery, "Water").node.id == "theme:water"


def test_resolve_offers_choices_municipalities_and_partnerships_first(watery):
    twice = resolve(watery, "Waterloo")
    assert twice.node is None
    assert [h.node.id for h in twice.choices][:3] == [
        "municipality:waterloo-be", "municipality:waterloo-ca", "partnership:waterloo-herent"]
    vague = resolve(watery, "wat")
    assert vague.node is None and vague.choices[0].node.kind in ("Municipality", "Partnership")
    assert len(resolve(watery, "wat", limit=2).choices) == 2


@pytest.mark.parametrize("typed", ["zzzqqq", "", "'-"])
def test_resolve_unknown_names_give_neither_node_nor_choices(watery, typed):
    found = resolve(watery, typed)
    assert (found.node, found.choices) == (None, [])


@pytest.mark.parametrize("text", [
    "Nimlaha'kok", "San Jerónimo – Tarija", "Łódź – Москва", "北京市 Beijing", "a\u00a0b", "x\u00a8y", "e\u0301 \u0301a",
    "São Tomé-et-Príncipe", "İstanbul", "Straße", "K\u200bL", "ﬁre Ⅻ ①", "  spaced   out  ", "", "--",
])
def test_index_words_fold_chunk_by_chunk_as_the_whole_text_would(text):
    """index_words folds each chunk on its own (so names share fold's cache); the words must be the
    whole text's, or stores would index other words than search_format promises."""
    from graph.text import fold, index_words, joined_words

    assert index_words(text) == fold(text).split() + joined_words(text)
