"""Accounts beside the graph, on every backend: roles, argon2id hashes, and never visible as graph data."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from graph.accounts.model import AccountError, open_accounts
from graph.ingest.exchange import export_json
from graph.records import make_node
from webapp.cli import main

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(store):
    accounts = open_accounts(store)
    accounts.clear()
    yield accounts
    accounts.clear()
    accounts.close()


def test_add_and_authenticate_with_an_argon2id_hash(accounts):
    account = accounts.add("ana", PASSWORD, "editor", ["municipality:herent"], "Ana")
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash and "password_hash" not in repr(account)
    assert accounts.authenticate("ana", PASSWORD) == account
    assert accounts.authenticate("ana", "wrong password!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert [a.id for a in accounts.all()] == ["ana"]


def test_refusals(accounts):
    accounts.add("ana", PASSWORD, "staff")
    with pytest.raises(AccountError) as taken:
        accounts.add("ana", PASSWORD, "staff")
    assert taken.value.code == "taken"
    for args, code in ((("Bad Name", PASSWORD, "staff"), "bad_id"), (("bo", "short", "staff"), "bad_password"),
                       (("bo", PASSWORD, "king"), "bad_role"), (("bo", PASSWORD, "editor"), "no_scope"),
                       (("bo", PASSWORD, "editor", ["theme:water"]), "bad_scope")):
        with pytest.raises(AccountError) as refused:
            accounts.add(*args)
        assert refused.value.code == code
    assert [a.id for a in accounts.all()] == ["ana"]


def test_disable_role_and_password_changes(accounts):
    ana = accounts.add("ana", PASSWORD, "editor", ["municipality:herent"])
    accounts.set_active("ana", False)
    assert accounts.authenticate("ana", PASSWORD) is None
    accounts.set_active("ana", True)
    assert accounts.set_role("ana", "admin").role == "admin"
    assert accounts.get("ana").scopes == ("municipality:herent",)
    renewed = accounts.set_password("ana", "another long password")
    assert renewed.session_key != ana.session_key
    assert accounts.authenticate("ana", PASSWORD) is None
    assert accounts.authenticate("ana", "another long password").id == "ana"
    with pytest.raises(AccountError):
        accounts.set_role("nobody", "staff")


def test_accounts_are_never_graph_data(store, accounts):
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})])
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent"], "Ana Herent")
    assert [n.id for n in store.nodes()] == ["municipality:herent"]
    assert store.search("ana") == [] and store.count_by_kind() == {"Municipality": 1}
    out = io.StringIO()
    export_json(store, out)
    assert "argon2" not in out.getvalue() and "ana" not in json.loads(out.getvalue())["nodes"][0]["id"]
    store.clear()
    assert accounts.get("ana") is not None  # accounts outlive a cleared graph


@pytest.fixture
def kb(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_kb_user_commands(kb, tmp_path):
    assert kb("seed").exit_code == 0
    added = kb("user", "add", "ana", "--role", "editor", "--scope", "municipality:herent-belgium",
               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0 and "added editor ana for municipality:herent-belgium" in added.output
    unknown = kb("user", "add", "bo", "--scope", "municipality:atlantis", "--password", PASSWORD)
    assert unknown.exit_code != 0 and "not in the knowledge base: municipality:atlantis" in unknown.output
    short = kb("user", "add", "bo", "--role", "admin", "--password", "short")
    assert short.exit_code != 0 and "10 to 1024 characters" in short.output
    assert "ana is now staff" in kb("user", "set-role", "ana", "staff").output
    assert kb("user", "disable", "ana").exit_code == 0
    assert "ana\tstaff\tdisabled" in kb("user", "list").output
    assert kb("user", "reset-password", "ana", input="a brand new password\na brand new password\n").exit_code == 0
    from graph.stores.sqlite.accounts import SQLiteAccountStore

    accounts = SQLiteAccountStore(tmp_path / "data")
    assert accounts.authenticate("ana", "a brand new password") is None  # still disabled
    assert kb("user", "enable", "ana").exit_code == 0
    assert accounts.authenticate("ana", "a brand new password").role == "staff"
    exported = tmp_path / "graph.json"
    kb("export", "-o", str(exported))
    assert "argon2" not in exported.read_text(encoding="utf-8")
