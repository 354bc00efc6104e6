"""The partner-matching form and its JSON twin, on each store, in each language."""

from __future__ import annotations

import pytest

from graph.schema import LANGUAGES

WATER_FOR_HERENT = "municipality=Herent&themes=theme:water&exclude_partners=y"


@pytest.mark.parametrize("lang", LANGUAGES)
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
