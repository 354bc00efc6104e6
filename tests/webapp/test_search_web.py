"""The search page and its JSON twin: best match first, groups with counts, pages, explained empties."""

from __future__ import annotations

import pytest

# Reads only: every test shares one seeded embedded store (tests/conftest.py checks that none writes).
pytestmark = pytest.mark.reads_only


def test_the_theme_comes_first_and_groups_link_to_their_kind(client):
    data = client.get("/en/search.json?q=water").get_json()
    assert data["results"][0]["id"] == "theme:water" and data["results"][0]["match"] == "exact"
    groups = {g["kind"]: g for g in data["groups"]}
    assert groups["Theme"]["count"] == 1 and groups["Theme"]["label"] == "Themes"
    assert data["all_count"] == data["total"] == sum(g["count"] for g in data["groups"])
    only = client.get(groups["SDG"]["url"]).get_json()
    assert {r["kind"] for r in only["results"]} == {"SDG"} and only["total"] == groups["SDG"]["count"]
    assert only["all_count"] == data["all_count"]


@pytest.mark.parametrize("typed,expected", [("Edegem", "municipality:edegem-belgium"),
                                            ("Tarija", "municipality:tarija-bolivia"),
                                            ("Nimlahakok", "municipality:nimlahakok-guatemala")])
@pytest.mark.both_stores
def test_the_municipality_is_the_first_result(client, typed, expected):
    assert client.get("/nl/search.json", query_string={"q": typed}).get_json()["results"][0]["id"] == expected


def test_results_are_paged_with_offset_limit_and_total(client, app):
    app.config["PAGE_SIZE"] = 3
    first = client.get("/en/search.json?q=tarija").get_json()
    assert first["total"] > 3 and (first["offset"], first["limit"], first["page"]) == (0, 3, 1)
    assert first["pages"] == -(-first["total"] // 3) and len(first["results"]) == 3
    second = client.get("/en/search.json?q=tarija&page=2").get_json()
    assert second["offset"] == 3
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    html = client.get("/en/search?q=tarija").get_data(as_text=True)
    assert 'rel="next" href="/en/search?q=tarija&amp;page=2"' in html
    assert client.get(f"/en/search?q=tarija&page={first['pages'] + 1}").status_code == 404


@pytest.mark.parametrize("query", ["", "  ", "'-!?"])
def test_an_empty_or_punctuation_query_is_explained(client, query):
    data = client.get("/nl/search.json", query_string={"q": query}).get_json()
    assert data["results"] == [] and data["total"] == 0 and data["message"]
    html = client.get("/nl/search", query_string={"q": query}).get_data(as_text=True)
    assert data["message"].replace("'", "&#39;") in html


def test_bad_input_keeps_the_form_and_says_why(client):
    response = client.get("/nl/search?q=water&kind=Planet")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="water"' in html and 'role="alert"' in html and "Planet" in html
    data = client.get("/en/search.json?q=water&kind=Planet").get_json()
    assert data["error"]["status"] == 400 and "Planet" in data["error"]["message"]
    assert client.get("/en/search.json?q=water&page=0").status_code == 400
