"""The network page and its JSON twin: filters, explained empty results, translated 400s, the embed."""

from __future__ import annotations

import pytest

from graph.schema import LANGUAGES

# Reads only: every test shares one seeded embedded store (tests/conftest.py checks that none writes).
pytestmark = pytest.mark.reads_only


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_network_page_answers_in_every_language(client, lang):
    response = client.get(f"/{lang}/network")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and 'id="network-map"' in html and "<svg" in html
    assert 'src="/vendor/sigma/dist/sigma.min.js?v=' in html and "<script>" not in html


@pytest.mark.both_stores
def test_the_json_twin_holds_every_figure(client):
    data = client.get("/en/network.json").get_json()
    assert data["association"]["id"] == "organisation:vvsg"
    assert data["totals"]["members"] == 285 and data["totals"]["partnerships"] == 3
    assert {c["value"]: c["count"] for c in data["by_country"]} == {"BO": 1, "GT": 1, "PE": 1}
    assert data["by_continent"] == [{"value": "americas", "label": "Americas", "count": 3}]
    assert {y["year"]: (y["started"], y["ended"]) for y in data["per_year"]}[2004] == (2, 0)
    assert {s["value"]: s["count"] for s in data["by_status"]}["ended"] == 1
    assert len(data["drawing"]["nodes"]) >= 285 + 3 and data["drawing"]["edges"]
    assert len(data["map"]["links"]) == 3 and data["map"]["unplaced"] == 1
    assert data["bridges"] and data["communities"][0]["name"]["label"]
    assert len(data["gaps"]["members_without_partnership"]) == 282
    assert data["dormant"]["rule"]["years"] == 5
    assert data["permalink"] == "/en/network?association=organisation%3Avvsg"


@pytest.mark.both_stores
def test_filters_narrow_the_selection(client):
    data = client.get("/en/network.json?province=20001&status=active").get_json()
    assert [link["partnership"] for link in data["map"]["links"]] == ["partnership:herent-nimlahakok"]
    assert data["totals"]["members"] == 63  # the municipalities of Flemish Brabant since 2025
    assert data["filters"]["province"] == ["20001"] and "province=20001" in data["permalink"]
    assert "status=active" in data["embed_url"] and data["embed_url"].startswith("/en/network/embed?")


def test_a_filter_matching_nothing_is_explained_not_an_error(client):
    response = client.get("/nl/network?country=JP")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="empty" role="status"' in html
    data = client.get("/nl/network.json?country=JP").get_json()
    assert data["empty"] and data["totals"]["partnerships"] == 0 and data["totals"]["considered"] == 3


@pytest.mark.parametrize("query, label", [
    ("continent=atlantis", {"nl": "Continent of regio", "en": "Continent or region"}),
    ("country=Narnia", {"nl": "Land", "en": "Country"}),
    ("association=organisation:cimic", {"nl": "Vereniging", "en": "Association"}),
    ("province=99999", {"nl": "Provincie", "en": "Province"}),
    ("status=asleep", {"nl": "Status", "en": "Status"}),
    ("sdg=99", {"nl": "Duurzame-ontwikkelingsdoelstelling", "en": "Sustainable Development Goal"}),
    ("theme=theme:nope", {"nl": "Thema", "en": "Theme"}),
    ("kind=friendship", {"nl": "Soort partnerschap", "en": "Kind of partnership"}),
    ("from=abc", {"nl": "Actief vanaf", "en": "Active from"}),
    ("from=2020&to=2010", {"nl": "Actief tot", "en": "Active until"}),
    ("dormant=0", {"nl": "Slapend na (jaren zonder activiteit)", "en": "Dormant after (years without activity)"}),
])
def test_an_invalid_filter_gets_a_translated_400_naming_it(client, query, label):
    for lang, name in label.items():
        response = client.get(f"/{lang}/network.json?{query}")
        assert response.status_code == 400, query
        assert name in response.get_json()["error"]["message"], (lang, response.get_json())


def test_the_embed_has_no_chrome_and_may_be_framed_as_configured(app, client):
    html = client.get("/en/network/embed").get_data(as_text=True)
    assert '<header class="site">' not in html and 'id="network-map"' in html
    assert "frame-ancestors 'self'" in client.get("/en/network/embed").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in client.get("/en/network").headers["Content-Security-Policy"]


def test_the_embed_frame_ancestors_are_configurable(seeded_store):
    from webapp import create_app

    app = create_app({"TESTING": True, "STORE": seeded_store, "SECRET_KEY": "t",
                      "EMBED_FRAME_ANCESTORS": "https://www.vvsg.be"})
    headers = app.test_client().get("/nl/network/embed").headers
    assert headers["Content-Security-Policy"].endswith("frame-ancestors https://www.vvsg.be")
