"""Malformed request bodies get a translated 400 (or 413) on every endpoint that takes a body, and write nothing.

Every body below reached a view before and ended in a 500 (issue 19): bodies that are not objects,
objects and lists as values, nesting 1000 deep (RecursionError), NaN and Infinity (OverflowError in a
workspace answer), a lone surrogate (UnicodeEncodeError).
"""

from __future__ import annotations

import pytest
from webhelpers import PASSWORD, csrf_token, sign_in

from graph.accounts.model import open_accounts

# Every endpoint that takes a POST, with real arguments from the seeds (the run is started per test).
ENDPOINTS = (
    "/{lang}/sign-in.json",
    "/{lang}/edit/municipalities/herent-belgium.json",
    "/{lang}/edit/municipalities/new.json",
    "/{lang}/edit/municipalities/herent-belgium/links.json",
    "/{lang}/edit/municipalities/herent-belgium/delete.json",
    "/{lang}/changes/1/revert.json",
    "/{lang}/admin/accounts.json",
    "/{lang}/admin/accounts/ed.json",
    "/{lang}/admin/import-profiles.json",
    "/{lang}/partnerships/herent-nimlahakok/workspace/start/participation-radar.json",
    "{run}/answer/herent-belgium.json",
    "{run}/translate/herent-belgium.json",
    "/{lang}/exercises/participation-radar/adapt.json",
    "/{lang}/profile/municipalities/herent-belgium.json",
    "/{lang}/translate.json",
)

MALFORMED = {
    "a list": b"[null, null]",
    "a number": b"5",
    "a text": b'"text"',
    "an object as a value": b'{"name_nl": {"a": 1}, "version": "0"}',
    "a list of lists as a value": b'{"name_nl": [["a"]], "version": "0"}',
    "nesting 1000 deep": b'{"name_nl": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    "bare nesting 100000 deep": b"[" * 100_000,
    "NaN": b'{"score_inclusion": NaN, "version": "0", "answer_lang": "nl"}',
    "Infinity": b'{"score_inclusion": -Infinity, "version": "0", "answer_lang": "nl"}',
    "a float that overflows": b'{"score_inclusion": 1e400, "version": "0", "answer_lang": "nl"}',
    "an integer of 5000 digits": b'{"score_inclusion": ' + b"9" * 5000 + b', "version": "0"}',
    "a lone surrogate": b'{"name_nl": "\\ud800", "text": "\\ud800", "account": "\\ud800", "version": "0"}',
    "a lone surrogate in a name": b'{"\\udfff": "x"}',
    "not UTF-8": b'{"name_nl": "\xff\xfe"}',
    "not JSON": b"{'name_nl': 1}",
    "empty": b"",
}


@pytest.fixture
def admin(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin")
    accounts.add("ed", PASSWORD, "editor", ["municipality:herent-belgium"])
    client = app.test_client()
    assert sign_in(client, "root").status_code == 302
    yield client
    accounts.clear()


def _run(client) -> str:
    form = client.get("/en/partnerships/herent-nimlahakok/workspace/start/participation-radar.json").get_json()
    started = client.post("/en/partnerships/herent-nimlahakok/workspace/start/participation-radar",
                          data={"held_on": "2024-03-15", "csrf_token": form["csrf_token"],
                                "notions": form["values"]["notions"]})
    assert started.status_code == 303, started.text
    return started.headers["Location"]


def test_every_malformed_body_is_a_translated_400_on_every_endpoint_and_writes_nothing(admin, seeded_store):
    run = _run(admin)
    token = csrf_token(admin)
    before = seeded_store.changes(limit=1)
    for lang, title in (("en", "This request cannot be answered"), ("nl", "Dit verzoek kan niet worden beantwoord")):
        for template in ENDPOINTS:
            url = template.format(lang=lang, run=run.replace("/en/", f"/{lang}/", 1))
            for name, body in MALFORMED.items():
                response = admin.post(url, data=body, content_type="application/json",
                                      headers={"X-CSRFToken": token})
                assert response.status_code == 400, (url, name, response.status_code, response.text[:300])
                error = response.get_json()["error"]
                assert error["title"] == title and error["message"], (url, name, error)
    assert seeded_store.changes(limit=1) == before


def test_typed_values_reach_the_views_as_form_values_and_never_give_a_500(admin):
    """Numbers, true/false, null and lists of them are what a form sends, in JSON's spelling."""
    run = _run(admin)
    token = csrf_token(admin)
    bodies = [{"name_nl": 5, "version": 0, "account": 1, "password": 2.5, "text": True, "node": None},
              {"name_nl": [1, "a", None], "held_on": False, "notions": [1, 2], "role": ["x"], "scopes": 7,
               "hide": True, "score_inclusion": 3, "answer_lang": None, "token": 1, "apply": True}]
    for template in ENDPOINTS:
        url = template.format(lang="en", run=run)
        for body in bodies:
            response = admin.post(url, json=body, headers={"X-CSRFToken": token})
            assert response.status_code < 500, (url, body, response.status_code, response.text[:300])


def test_a_body_over_max_content_length_is_a_translated_413(app, seeded_store):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    client = app.test_client()
    token = csrf_token(client, "fr")
    before = seeded_store.changes(limit=1)
    response = client.post("/fr/sign-in.json", json={"account": "x" * 2000, "password": "y"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["title"] == "Cette requête est trop volumineuse" and "0.001" in error["message"]
    form = client.post("/fr/sign-in", data={"account": "x" * 2000, "password": "y", "csrf_token": token})
    assert form.status_code == 413 and "Cette requête est trop volumineuse" in form.text
    assert seeded_store.changes(limit=1) == before


def test_max_content_length_has_a_sensible_default():
    from webapp import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test"})
    assert 1024 * 1024 <= app.config["MAX_CONTENT_LENGTH"] <= 64 * 1024 * 1024
