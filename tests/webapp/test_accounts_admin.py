"""Administrators manage accounts on the web: add, change, disable, reset; others may not."""

from __future__ import annotations

import pytest
from webhelpers import PASSWORD, csrf_token, post_json, sign_in

from graph.accounts.model import open_accounts


@pytest.fixture
def root(client, app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin")
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent-belgium"])
    sign_in(client, "root")
    yield client, accounts
    accounts.clear()


@pytest.mark.both_stores
def test_admin_adds_and_changes_accounts(root):
    client, accounts = root
    listing = client.get("/en/admin/accounts.json").get_json()
    assert [a["id"] for a in listing["accounts"]] == ["ana", "root"]
    assert "argon2" not in client.get("/en/admin/accounts").text
    added = post_json(client, "/en/admin/accounts.json", {
        "account": "luis", "role": "editor", "scopes": "municipality:tarija-bolivia", "password": PASSWORD})
    assert added.status_code == 201 and added.get_json()["added"]["scopes"] == ["municipality:tarija-bolivia"]
    taken = post_json(client, "/en/admin/accounts.json", {"account": "luis", "role": "staff", "password": PASSWORD})
    assert taken.status_code == 400 and taken.get_json()["error"] == "There is already an account with this name."
    unknown = post_json(client, "/en/admin/accounts.json", {
        "account": "eva", "role": "editor", "scopes": "municipality:atlantis", "password": PASSWORD})
    assert unknown.status_code == 400 and accounts.get("eva") is None
    assert post_json(client, "/en/admin/accounts/luis.json", {"action": "disable", "role": "editor"}).status_code == 200
    assert accounts.authenticate("luis", PASSWORD) is None
    post_json(client, "/en/admin/accounts/luis.json", {"action": "enable", "role": "editor"})
    post_json(client, "/en/admin/accounts/luis.json", {"action": "password", "role": "editor",
                                                       "password": "a new long password"})
    assert accounts.authenticate("luis", "a new long password").id == "luis"
    staff = post_json(client, "/en/admin/accounts/luis.json", {"action": "save", "role": "staff", "scopes": ""})
    assert staff.get_json()["changed"]["role"] == "staff"
    own = post_json(client, "/en/admin/accounts/root.json", {"action": "disable", "role": "admin"})
    assert own.status_code == 400 and accounts.get("root").active


def test_only_admins_manage_accounts(root, app):
    editor = app.test_client()
    sign_in(editor, "ana")
    assert editor.get("/en/admin/accounts").status_code == 403
    refused = editor.post("/en/admin/accounts/ana", data={"csrf_token": csrf_token(editor), "action": "save",
                                                          "role": "admin"})
    assert refused.status_code == 403 and root[1].get("ana").role == "editor"
