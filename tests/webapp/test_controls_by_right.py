"""A page shows only the controls its reader may use, and accounts and their municipalities by name."""

from __future__ import annotations

import pytest
from webhelpers import PASSWORD, post_json, sign_in

from graph.accounts.model import open_accounts

HERENT = "municipality:herent-belgium"


@pytest.fixture
def accounts(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("root", PASSWORD, "admin")
    yield accounts
    accounts.clear()


def test_edit_controls_only_where_the_edit_would_be_allowed(client, accounts):
    sign_in(client, "ana")
    own = client.get("/nl/municipalities/herent-belgium").text
    assert 'href="/nl/edit/municipalities/herent-belgium"' in own
    assert 'href="/nl/profile/municipalities/herent-belgium"' in own
    other = client.get("/nl/municipalities/tarija-bolivia").text
    assert "/nl/edit/municipalities/tarija-bolivia" not in other
    assert "/nl/profile/municipalities/tarija-bolivia" not in other and "/delete" not in other
    assert client.get("/nl/edit/municipalities/tarija-bolivia").status_code == 403  # as the page says
    partnership = client.get("/nl/partnerships/herent-nimlahakok").text
    assert "/nl/edit/lessons/new?partnership=partnership:herent-nimlahakok" in partnership


def test_accounts_and_scopes_are_shown_and_picked_by_name(client, accounts):
    sign_in(client, "ana")
    mine = client.get("/nl/account").text
    assert 'Werkt voor</dt><dd><a href="/nl/municipalities/herent-belgium">Herent</a></dd>' in mine
    assert "municipality:herent-belgium" not in mine
    admin = client.application.test_client()
    sign_in(admin, "root")
    added = post_json(admin, "/en/admin/accounts.json", {
        "account": "luis", "role": "editor", "scopes": "Tarija, Herent", "password": PASSWORD})
    assert added.status_code == 201
    assert added.get_json()["added"]["scopes"] == ["municipality:tarija-bolivia", HERENT]
    unknown = post_json(admin, "/en/admin/accounts.json", {
        "account": "eva", "role": "editor", "scopes": "Atlantis", "password": PASSWORD})
    assert unknown.status_code == 400 and accounts.get("eva") is None
    assert unknown.get_json()["errors"]["scopes"] == ["No municipality or organisation is called Atlantis."]
    listing = admin.get("/en/admin/accounts").text
    assert "Works for: Tarija, Herent" in listing and 'value="Tarija, Herent"' in listing
    assert 'data-picker-kinds="Municipality Organisation"' in listing
