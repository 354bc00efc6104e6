"""A town's editor adds a lesson from their own partnership's page, with the links a lesson naturally has:
the partnership, the themes and SDGs it concerns, and the practical experience it comes from."""

from __future__ import annotations

import re

import pytest
from webhelpers import PASSWORD, csrf_token, sign_in

from graph.accounts.model import open_accounts

PARTNERSHIP = "partnership:herent-nimlahakok"


@pytest.fixture
def ana(client, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent-belgium"])
    sign_in(client, "ana")
    yield client
    accounts.clear()


def test_a_lesson_from_the_partnership_page_with_its_natural_links(ana, seeded_store):
    page = ana.get("/nl/partnerships/herent-nimlahakok").text
    add = re.search(r'<a href="([^"]+)">Een les toevoegen</a>', page).group(1).replace("&amp;", "&")
    form = ana.get(add).text
    assert re.search(r'<option selected value="LEARNED_IN\|out">', form)
    assert f'value="{PARTNERSHIP}"' in form
    assert 'name="subject-themes" type="checkbox" value="theme:child-rights"' in form or \
        re.search(r'<input[^>]*name="subject-themes"[^>]*value="theme:child-rights"', form)
    created = ana.post(add, data={
        "csrf_token": csrf_token(ana), "name_nl": "Kinderen eerst", "original_lang": "nl", "version": "0",
        "link": "LEARNED_IN|out", "other": PARTNERSHIP,
        "subject-themes": ["theme:child-rights", "theme:youth"], "subject-sdgs": ["sdg:4"],
        "also-link": "ILLUSTRATED_BY|out", "also-other": "experience:bilingual-facilitator"})
    assert created.status_code == 303, created.text[:2000]
    lesson = "lesson:kinderen-eerst"
    assert {e.key for e in seeded_store.edges_of(lesson)} == {
        (lesson, "LEARNED_IN", PARTNERSHIP), (lesson, "CONCERNS", "theme:child-rights"),
        (lesson, "CONCERNS", "theme:youth"), (lesson, "CONCERNS", "sdg:4"),
        (lesson, "ILLUSTRATED_BY", "experience:bilingual-facilitator")}
    shown = ana.get(created.headers["Location"]).text
    assert "Opgeslagen" in shown and 'href="/nl/edit/lessons/kinderen-eerst"' in shown  # theirs to edit


def test_a_theme_alone_does_not_make_a_lesson_anyones(ana, seeded_store):
    version = seeded_store.version()
    refused = ana.post("/nl/edit/lessons/new", data={
        "csrf_token": csrf_token(ana), "name_nl": "Zwevend", "original_lang": "nl", "version": "0",
        "link": "CONCERNS|out", "other": "theme:child-rights"})
    assert refused.status_code == 400 and seeded_store.version() == version
    assert "zoals je partnerschap" in refused.text and 'href="#other"' in refused.text
    elsewhere = ana.post("/nl/edit/lessons/new", data={
        "csrf_token": csrf_token(ana), "name_nl": "Niet van ons", "original_lang": "nl", "version": "0",
        "link": "LEARNED_IN|out", "other": "partnership:brasschaat-tarija"})
    assert elsewhere.status_code == 400 and seeded_store.version() == version
