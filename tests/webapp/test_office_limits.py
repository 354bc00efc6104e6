"""Limits that fit an office: a signed-in account has its own count, whatever address it shares; readers
count per address; sign-in attempts count per address and per account name tried; quick browsing never
meets the default limits."""

from __future__ import annotations

import pytest
from webhelpers import PASSWORD, csrf_token, sign_in

from graph.accounts.model import open_accounts
from webapp import create_app


@pytest.fixture
def office(seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent-belgium"])
    accounts.add("bob", PASSWORD, "editor", ["municipality:herent-belgium"])
    app = create_app({"TESTING": True, "STORE": seeded_store, "RATELIMIT_SEARCH": "3 per minute",
                      "RATELIMIT_SIGNIN": "20 per minute", "RATELIMIT_SIGNIN_ACCOUNT": "3 per minute"})
    yield app
    accounts.clear()


def test_each_signed_in_account_has_its_own_count(office):
    ana, bob, reader = office.test_client(), office.test_client(), office.test_client()
    sign_in(ana, "ana")
    sign_in(bob, "bob")
    for _ in range(3):
        assert ana.get("/nl/search.json?q=water").status_code == 200
    assert ana.get("/nl/search.json?q=water").status_code == 429
    # Same address (the office's), other people: their own counts.
    assert bob.get("/nl/search.json?q=water").status_code == 200
    assert reader.get("/nl/search.json?q=water").status_code == 200


def test_sign_in_attempts_count_per_account_name_tried(office):
    guesser = office.test_client()
    token = csrf_token(guesser)
    for _ in range(3):
        assert guesser.post("/en/sign-in", data={"account": "ana", "password": "wrong password!",
                                                 "csrf_token": token}).status_code == 401
    assert guesser.post("/en/sign-in", data={"account": "ANA ", "password": PASSWORD,
                                             "csrf_token": token}).status_code == 429
    colleague = office.test_client()  # same address, another account: not held up
    assert sign_in(colleague, "bob").status_code == 302


def test_quick_browsing_never_meets_the_default_limits(seeded_store):
    client = create_app({"TESTING": True, "STORE": seeded_store}).test_client()
    # A picker asking as someone types a name, then a few more searches and partner queries in a minute.
    for words in ("He", "Her", "Here", "Heren", "Herent", "Ta", "Tar", "Tari", "Tarij", "Tarija", "wa", "wat",
                  "wate", "water"):
        assert client.get(f"/nl/search.json?q={words}").status_code == 200
    for _ in range(25):
        assert client.get("/nl/paths?from=Herent&to=Tarija").status_code == 200
    flood = [client.get("/nl/search.json?q=water").status_code for _ in range(30)]
    assert 429 in flood  # a script firing searches still meets the limit
