"""Signing in: sessions, CSRF, rate limits, cookie flags, and nothing of accounts in public answers."""

from __future__ import annotations

import pytest
from webhelpers import PASSWORD, csrf_token, sign_in

from graph.accounts.model import open_accounts


@pytest.fixture
def accounts(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent-belgium"], "Ana")
    yield accounts
    accounts.clear()


@pytest.mark.both_stores
def test_sign_in_and_out(client, accounts):
    page = client.get("/en/sign-in")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    response = sign_in(client, "ana")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = client.get("/en")
    assert "Ana" in home.text and "Sign out" in home.text
    assert home.headers["Cache-Control"] == "private, no-store"
    me = client.get("/en/account.json").get_json()
    assert me["account"]["id"] == "ana" and "password_hash" not in me["account"]
    client.post("/en/sign-out", data={"csrf_token": csrf_token(client)})
    assert "Sign out" not in client.get("/en").text


def test_the_session_cookie_is_secure_over_tls(client, accounts):
    token = client.get("/en/sign-in.json", base_url="https://localhost").get_json()["csrf_token"]
    response = client.post("/en/sign-in", base_url="https://localhost",
                           data={"account": "ana", "password": PASSWORD, "csrf_token": token},
                           headers={"Referer": "https://localhost/en/sign-in"})
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_is_refused_in_the_page_language(client, accounts):
    token = csrf_token(client, "nl")
    response = client.post("/nl/sign-in", data={"account": "ana", "password": "wrong password", "csrf_token": token})
    assert response.status_code == 401 and "wachtwoord" in response.text
    assert "Afmelden" not in response.text


def test_sign_in_without_csrf_token_is_refused(client, accounts):
    response = client.post("/en/sign-in", data={"account": "ana", "password": PASSWORD})
    assert response.status_code == 400 and "did not come from this site" in response.text
    forged = client.post("/en/sign-in.json", json={"account": "ana", "password": PASSWORD},
                         headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400 and "did not come from this site" in forged.get_json()["error"]["message"]


def test_sign_in_by_json(client, accounts):
    token = csrf_token(client)
    response = client.post("/en/sign-in.json", json={"account": "ana", "password": PASSWORD},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["signed_in"]["role"] == "editor"
    fresh = response.get_json()["csrf_token"]
    assert fresh != token  # a new token after signing in, and it works
    assert client.post("/en/sign-out", headers={"X-CSRFToken": fresh}).status_code == 302


@pytest.mark.both_stores
def test_a_disabled_account_loses_its_session(client, accounts):
    sign_in(client, "ana")
    assert client.get("/en/account.json").status_code == 200
    accounts.set_active("ana", False)
    assert client.get("/en/account.json").status_code == 401


def test_a_password_reset_ends_open_sessions(client, accounts):
    sign_in(client, "ana")
    accounts.set_password("ana", "another long password")
    assert client.get("/en/account.json").status_code == 401


def test_sign_in_attempts_are_rate_limited(app, accounts):
    app.config["RATELIMIT_SIGNIN"] = "3 per minute"
    client = app.test_client()
    codes = []
    for _ in range(5):
        token = csrf_token(client)
        codes.append(client.post("/en/sign-in", data={"account": "ana", "password": "guess guess",
                                                      "csrf_token": token}).status_code)
    assert codes == [401, 401, 401, 429, 429]


def test_next_only_leads_within_the_site(client, accounts):
    token = csrf_token(client)
    away = client.post("/en/sign-in?next=//evil.example/x", data={"account": "ana", "password": PASSWORD,
                                                                  "csrf_token": token})
    assert away.headers["Location"] == "/en"
