"""The partner-matching form and its JSON twin, on each store, in each language."""

from __future__ import annotations

import pytest

from graph.schema import LANGUAGES

# Reads only, but for the tests marked writes: the others share one seeded embedded store (tests/conftest.py).
pytestmark = pytest.mark.reads_only

WATER_FOR_HERENT = "municipality=Herent&themes=theme:water&exclude_partners=y"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.both_stores
def test_form_and_results_in_every_language(client, lang):
    empty = client.get(f"/{lang}/match")
    assert empty.status_code == 200 and f'<html lang="{lang}">' in empty.get_data(as_text=True)
    page = client.get(f"/{lang}/match?{WATER_FOR_HERENT}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'href="/' + lang + '/municipalities/tarija-bolivia"' in html
    data = client.get(f"/{lang}/match.json?{WATER_FOR_HERENT}").get_json()
    first = data["result"]["candidates"][0]
    assert first["municipality"]["id"] == "municipality:tarija-bolivia"
    assert abs(sum(p["value"] for p in first["parts"]) - first["score"]) < 1e-3


def test_evidence_is_a_readable_chain_of_real_links(client, seeded_store):
    data = client.get(f"/en/match.json?{WATER_FOR_HERENT}").get_json()
    tarija = data["result"]["candidates"][0]
    water = next(ev for ev in tarija["evidence"] if ev["about"].get("id") == "theme:water")
    chain = water["paths"][0]
    assert chain["start"]["id"] in ("municipality:tarija-bolivia", "municipality:herent-belgium")
    here = chain["start"]["id"]
    for step in chain["steps"]:
        edges = {e.key for e in seeded_store.edges_of(here)}
        assert (step["source"]["id"], step["type"], step["target"]["id"]) in edges
        here = step["to"]["id"]


def test_a_municipality_not_in_the_graph_can_describe_itself(client):
    data = client.get("/en/match.json?country=BE&languages=nl&offers=theme:participation"
                      "&seeks=theme:water&themes=theme:water&sdgs=sdg:6").get_json()
    ids = [c["municipality"]["id"] for c in data["result"]["candidates"]]
    assert data["result"]["origin"] is None and "municipality:tarija-bolivia" in ids[:3]


@pytest.mark.both_stores
def test_filters_restrict_candidates(client):
    data = client.get(f"/en/match.json?{WATER_FOR_HERENT}&only_country=BO").get_json()
    assert {c["municipality"]["id"] for c in data["result"]["candidates"]} == {"municipality:tarija-bolivia"}
    shared = client.get(f"/en/match.json?{WATER_FOR_HERENT}&require_shared_language=y").get_json()
    assert all(c["parts"] and any(p["component"] == "language" for p in c["parts"])
               for c in shared["result"]["candidates"])


@pytest.mark.parametrize("query,field", [
    ("municipality=Atlantis&themes=theme:water", "municipality"),
    ("municipality=Herent", "themes"),
    ("municipality=Herent&themes=theme:nope", "themes"),
    ("themes=theme:water", "country"),
    ("municipality=Herent&country=BE&themes=theme:water", "country"),
    ("municipality=Herent&themes=theme:water&limit=0", "limit"),
    ("municipality=Herent&themes=theme:water&limit=100000", "limit"),
    ("municipality=Herent&themes=theme:water&only_country=BE&only_region=south-america", "only_region"),
    ("municipality=Herent&themes=theme:water&only_region=atlantis", "only_region"),
    ("municipality=%22%3E%3Cscript%3E&themes=theme:water", "municipality"),
])
def test_bad_input_gets_a_translated_field_error(client, query, field):
    messages = set()
    for lang in LANGUAGES:
        response = client.get(f"/{lang}/match.json?{query}")
        assert response.status_code == 400
        errors = response.get_json()["errors"]
        assert field in errors, errors
        messages.add(errors[field][0])
        html = client.get(f"/{lang}/match?{query}")
        assert html.status_code == 400 and "<script>" not in html.get_data(as_text=True)
    assert len(messages) == len(LANGUAGES), messages


def _with_a_network_only_candidate(store):
    """Add a Flemish town twinned with Nimlaha'kok: a partner of Herent's partner, with no theme."""
    from graph.records import make_edge, make_node

    provenance = {"source": "source:vvsg-2022", "source_section": "test"}
    store.write([make_node("municipality:testdorp-belgium", dict(name="Testdorp", country="Belgium",
                                                                 languages=["nl"], **provenance)),
                 make_node("partnership:nimlahakok-testdorp", dict(name="Nimlaha'kok – Testdorp",
                                                                   status="active", **provenance))],
                [make_edge(m, "PARTNER_IN", "partnership:nimlahakok-testdorp", provenance)
                 for m in ("municipality:testdorp-belgium", "municipality:nimlahakok-guatemala")])


@pytest.mark.writes
def test_suggestions_come_in_groups_by_the_theme_each_in_score_order(client, seeded_store):
    _with_a_network_only_candidate(seeded_store)
    data = client.get(f"/en/match.json?{WATER_FOR_HERENT}").get_json()["result"]
    order = ["theme", "circle", "related", "network"]
    groups = [c["group"] for c in data["candidates"]]
    assert groups == sorted(groups, key=order.index) and "theme" in groups and "circle" in groups
    assert {g["group"]: g["count"] for g in data["groups"]} == {g: groups.count(g) for g in order}
    for group in order:
        scores = [c["score"] for c in data["candidates"] if c["group"] == group]
        assert scores == sorted(scores, reverse=True)
    # A partner of a partner with no theme in common is too weak a tie to be shown as a match.
    assert "municipality:testdorp-belgium" not in {c["municipality"]["id"] for c in data["candidates"]}
    html = client.get(f"/nl/match?{WATER_FOR_HERENT}").get_data(as_text=True)
    theme_at, circle_at = html.index('id="group-theme"'), html.index('id="group-circle"')
    assert theme_at < html.index("/nl/municipalities/tarija-bolivia") < circle_at


def test_results_come_before_the_form_after_a_search(client):
    html = client.get(f"/es/match?{WATER_FOR_HERENT}").get_data(as_text=True)
    assert html.index('id="results"') < html.index('<form class="match"')
    assert 'action="#results"' in html
    empty = client.get("/es/match").get_data(as_text=True)
    assert 'id="results"' not in empty and 'class="lead"' in empty


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_theme_nobody_works_on_is_named_with_how_to_add_it(client, lang):
    query = "municipality=Herent&themes=theme:funding&themes=theme:water"
    data = client.get(f"/{lang}/match.json?{query}").get_json()["result"]
    assert [t["id"] for t in data["unmatched_themes"]] == ["theme:funding"]
    html = client.get(f"/{lang}/match?{query}").get_data(as_text=True)
    notice = html[html.index('class="notice"'):]
    notice = notice[:notice.index("</div>")]
    assert f'href="/{lang}/themes/funding"' in notice and "/themes/water" not in notice
    assert not client.get(f"/{lang}/match.json?{WATER_FOR_HERENT}").get_json()["result"]["unmatched_themes"]


@pytest.mark.writes
def test_an_answer_from_the_previous_index_leaves_out_a_town_deleted_since(client, seeded_store, monkeypatch):
    """While the next index is built, matches come from the previous one; a town gone since is not shown."""
    import graph.matching.scoring as scoring
    from graph.matching import match_index

    previous = match_index(seeded_store)
    before = client.get(f"/en/match.json?{WATER_FOR_HERENT}").get_json()["result"]["candidates"]
    assert before[0]["municipality"]["id"] == "municipality:tarija-bolivia"
    monkeypatch.setattr(scoring, "match_index", lambda store, wait=None: previous)
    seeded_store.delete(["municipality:tarija-bolivia"])
    page = client.get(f"/en/match.json?{WATER_FOR_HERENT}")
    assert page.status_code == 200
    after = [c["municipality"]["id"] for c in page.get_json()["result"]["candidates"]]
    assert after == [c["municipality"]["id"] for c in before[1:]]


def test_a_misspelt_municipality_gets_did_you_mean_not_an_error(client):
    page = client.get("/nl/match?municipality=Brasshaat&themes=theme:water")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "municipality=municipality%3Abrasschaat-belgium" in html
    data = client.get("/en/match.json?municipality=Brasshaat&themes=theme:water").get_json()
    assert data["did_you_mean"][0]["id"] == "municipality:brasschaat-belgium"
    assert data["result"] is None
    followed = client.get(data["did_you_mean"][0]["url"].replace("/en/match?", "/en/match.json?").split("#")[0])
    assert followed.get_json()["result"]["origin"]["id"] == "municipality:brasschaat-belgium"


def test_each_theme_gets_its_own_answer_for_brasschaat(client):
    for theme in ("theme:water", "theme:agroforestry", "theme:child-rights"):
        query = f"municipality=Brasschaat&themes={theme}&exclude_partners=y"
        data = client.get(f"/nl/match.json?{query}").get_json()["result"]
        # In the seeds every town seeks these themes and none offers them: said first, then the circle.
        assert [t["id"] for t in data["nobody_offers"]] == [theme]
        assert data["candidates"][0]["group"] == "circle"
        for c in data["candidates"]:
            if c["group"] in ("theme", "circle"):
                assert [(x["theme"]["id"], x["relation"]) for x in c["theme_links"]] == [(theme, "seeks")]
        [support] = data["support"]
        # Tarija, Brasschaat's partner, practises water (its water project): named, not hidden.
        assert [p["id"] for p in support["partners"]] == (
            ["municipality:tarija-bolivia"] if theme == "theme:water" else [])
        html = client.get(f"/nl/match?{query}").get_data(as_text=True)
        assert html.index('class="notice"') < html.index('class="candidate-group"')
        assert f'href="/nl/themes/{theme.split(":")[1]}"' in html[html.index('class="notice"'):][:600]


def test_an_empty_profile_is_told_so_with_a_link_and_no_province_is_offered(client):
    data = client.get("/nl/match.json?municipality=Mechelen&themes=theme:water").get_json()["result"]
    assert data["profile_empty"] and data["profile_url"] == "/nl/profile/municipalities/mechelen-belgium"
    for c in data["candidates"]:
        assert c["group"] != "network" or any(f["flag"] != "partner_of_partner" for f in c["flags"])


def test_a_partner_search_looks_the_name_up_once(client, monkeypatch):
    """The municipality's name was searched twice per request (did-you-mean, then the match): on Neo4j
    under load each full-text search is a round trip the partner search waits for."""
    from graph.stores.sqlite.store import EmbeddedStore

    calls = []
    original = EmbeddedStore.search

    def counted(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmbeddedStore, "search", counted)
    response = client.get("/en/match?municipality=Herent&themes=theme:water")
    assert response.status_code == 200
    assert len(calls) == 1
