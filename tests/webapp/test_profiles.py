"""Municipality profiles: edited by their own editors, read by matching at once, contact shown as allowed."""

from __future__ import annotations

import pytest
from webhelpers import PASSWORD, sign_in

from graph.accounts.model import open_accounts
from graph.matching import MatchRequest, match, match_index

HERENT = "municipality:herent-belgium"
URL = "/nl/profile/municipalities/herent-belgium"


@pytest.fixture
def ana(client, app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT])
    sign_in(client, "ana")
    yield client
    accounts.clear()


def form_values(client):
    data = client.get(URL + ".json").get_json()
    values = {k: v for k, v in data["values"].items() if v not in (None, False, "")}
    values["csrf_token"] = data["csrf_token"]
    return data, values


@pytest.mark.both_stores
def test_profile_saved_in_dutch_is_matched_at_once(ana, seeded_store):
    data, values = form_values(ana)
    assert "theme:water" in values["seeks"] and "theme:water" not in values.get("offers", [])
    assert {"value": "theme:water", "label": "Water"} in data["choices"]["offers"]
    index = match_index(seeded_store)
    assert "theme:water" not in index.offers.get(HERENT, {})
    values.update(offers=["theme:water", "theme:agroforestry"], seeks=["theme:child-rights"],
                  sdgs=["sdg:6", "sdg:13"], languages=["nl", "es"], contact_nl="Dienst Internationale Samenwerking",
                  reason="profiel bijgewerkt")
    response = ana.post(URL, data=values)
    assert response.status_code == 303
    edges = {e.key for e in seeded_store.edges_of(HERENT)}
    assert {(HERENT, "OFFERS", "theme:water"), (HERENT, "WORKS_ON", "sdg:6")} <= edges
    assert (HERENT, "SEEKS", "theme:water") not in edges
    # One save is one change: links added and removed and properties, all or nothing.
    [change] = seeded_store.changes(node_id=HERENT, limit=1)
    assert change.reason == "profiel bijgewerkt"
    assert {f"{HERENT}|SEEKS|theme:water", f"{HERENT}|OFFERS|theme:water"} <= {i.item for i in change.items}
    index = match_index(seeded_store)
    assert "theme:water" in index.offers[HERENT] and "theme:water" not in index.seeks.get(HERENT, {})
    result = match(seeded_store, MatchRequest(municipality=HERENT, themes=("theme:child-rights",)))
    assert result.candidates is not None
    assert seeded_store.get_node(HERENT).props["contact_role_nl"] == "Dienst Internationale Samenwerking"


def test_contact_is_shown_only_when_the_profile_allows(ana, app, seeded_store):
    _, values = form_values(ana)
    values.update(contact_nl="Dienst Internationale Samenwerking")
    ana.post(URL, data=values)
    reader = app.test_client()
    assert "Dienst Internationale Samenwerking" not in reader.get("/nl/municipalities/herent-belgium").text
    assert "Dienst Internationale" not in reader.get("/nl/municipalities/herent-belgium.json").text
    assert "Dienst Internationale Samenwerking" in ana.get("/nl/municipalities/herent-belgium").text
    _, values = form_values(ana)
    values.update(profile_public="y")
    ana.post(URL, data=values)
    assert "Dienst Internationale Samenwerking" in reader.get("/nl/municipalities/herent-belgium").text


def test_profile_refusals(ana, seeded_store):
    _, values = form_values(ana)
    version = seeded_store.version()
    bad_theme = ana.post(URL + ".json", data=dict(values, offers=["theme:dragons"]))
    assert bad_theme.status_code == 400
    person = ana.post(URL, data=dict(values, contact_nl="x" * 201))
    assert person.status_code == 400 and "Hoogstens 200 tekens" in person.text
    assert ana.get("/nl/profile/municipalities/tarija-bolivia").status_code == 403
    assert seeded_store.version() == version
