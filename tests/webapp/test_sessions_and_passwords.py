"""Sessions end on the server (a copied cookie stops working), and passwords that are common or easy to guess
are refused with a translated reason (NIST SP 800-63B), on every backend."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from webhelpers import PASSWORD, csrf_token, post_json, sign_in

from graph.accounts.model import AccountError, check_password, open_accounts

# Privacy and sessions must hold on both stores (the smoke set of web tests, tests/conftest.py).
pytestmark = pytest.mark.both_stores

HERENT = "municipality:herent-belgium"


@pytest.fixture
def accounts(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("root", PASSWORD, "admin")
    yield accounts
    accounts.clear()


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _copy_of(app, cookie: str):
    """Another browser holding a copy of ``cookie`` (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


LINKS = "/en/edit/municipalities/herent-belgium/links.json"


def test_a_cookie_copied_before_sign_out_no_longer_writes(app, client, accounts, seeded_store):
    assert sign_in(client, "ana").status_code == 302
    copied = _session_cookie(client)
    thief = _copy_of(app, copied)
    assert thief.get("/en/account.json").status_code == 200
    assert post_json(thief, LINKS, {"link": "OFFERS|out", "other": "theme:water"}).status_code == 200
    assert client.post("/en/sign-out", data={"csrf_token": csrf_token(client)}).status_code == 302
    before = seeded_store.changes(limit=1)
    assert thief.get("/en/account.json").status_code == 401
    assert post_json(thief, LINKS, {"remove": f"{HERENT}|OFFERS|theme:water"}).status_code == 401
    assert seeded_store.changes(limit=1) == before
    # Signing in again opens a new session; the old cookie stays dead.
    assert sign_in(client, "ana").status_code == 302
    assert client.get("/en/account.json").status_code == 200
    assert _copy_of(app, copied).get("/en/account.json").status_code == 401


@pytest.mark.parametrize("action", ["disable and enable", "reset password", "sign out"])
def test_each_end_of_a_session_holds_in_every_worker(app, client, accounts, action):
    """The version is stored with the account, so another app (another worker) sees it at once."""
    from webapp import create_app

    assert sign_in(client, "ana").status_code == 302
    other_worker = create_app({"TESTING": True, "STORE": app.config["STORE"], "SECRET_KEY": "test"}).test_client()
    other_worker.set_cookie("session", _session_cookie(client))
    assert other_worker.get("/en/account.json").status_code == 200
    if action == "disable and enable":
        accounts.set_active("ana", False)
        accounts.set_active("ana", True)  # enabling again does not revive the old sessions
    elif action == "reset password":
        accounts.set_password("ana", "a fresh and long passphrase")
    else:
        client.post("/en/sign-out", data={"csrf_token": csrf_token(client)})
    assert other_worker.get("/en/account.json").status_code == 401
    assert client.get("/en/account.json").status_code == 401


def test_the_admin_page_disabling_and_enabling_ends_sessions(app, client, accounts):
    sign_in(client, "ana")
    admin = app.test_client()
    sign_in(admin, "root")
    for action in ("disable", "enable"):
        form = admin.get("/en/admin/accounts.json").get_json()
        response = admin.post("/en/admin/accounts/ana.json", json={"action": action, "role": "editor", "scopes": HERENT},
                              headers={"X-CSRFToken": form["csrf_token"]})
        assert response.status_code < 400, response.text
    assert client.get("/en/account.json").status_code == 401
    assert accounts.get("ana").active
    assert sign_in(client, "ana").status_code == 302 and client.get("/en/account.json").status_code == 200


@pytest.mark.parametrize("password, code", [
    ("aaaaaaaaaa", "weak_password"), ("1234567890", "common_password"), ("password12", "common_password"),
    ("Password12", "common_password"), ("qwertyuiop", "common_password"), ("abcdefghijklm", "weak_password"),
    ("asdfghjkl;'", "weak_password"), ("19841985198", "weak_password"), ("short", "bad_password"),
])
def test_common_and_easy_passwords_are_refused(password, code):
    with pytest.raises(AccountError) as refused:
        check_password(password)
    assert refused.value.code == code


def test_a_password_made_of_the_accounts_own_name_is_refused(accounts):
    with pytest.raises(AccountError, match="too easy"):
        accounts.add("brasschaat-ops", "brasschaat-ops1", "editor", [HERENT], "Brasschaat Ops")
    with pytest.raises(AccountError, match="too easy"):
        accounts.set_password("ana", "ana-ana-ana-ana")
    assert accounts.get("brasschaat-ops") is None


@pytest.mark.parametrize("password", [PASSWORD, "tarija en brasschaat sinds 1994", "Zy8#kq!Lm2vX"])
def test_long_or_random_passwords_are_accepted(password):
    assert check_password(password) == password


@pytest.mark.parametrize("lang, common, weak", [
    ("nl", "lijst van de meest gebruikte wachtwoorden", "herhaalt tekens"),
    ("fr", "liste des mots de passe les plus courants", "répète des caractères"),
    ("es", "lista de las contraseñas más comunes", "repite caracteres"),
    ("en", "list of the most common passwords", "repeats characters"),
])
def test_the_admin_page_names_why_a_password_is_refused_in_its_language(app, accounts, lang, common, weak):
    admin = app.test_client()
    sign_in(admin, "root", lang=lang)
    for password, expected in (("password12", common), ("aaaaaaaaaaaa", weak)):
        token = admin.get(f"/{lang}/admin/accounts.json").get_json()["csrf_token"]
        response = admin.post(f"/{lang}/admin/accounts.json", headers={"X-CSRFToken": token},
                              json={"account": "bo", "role": "admin", "password": password})
        assert response.status_code == 400, response.text
        assert expected in response.get_json()["error"], response.text
    assert accounts.get("bo") is None


def test_kb_user_add_says_why_a_password_is_refused(tmp_path, monkeypatch):
    from webapp.cli import main

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "kb"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    result = CliRunner().invoke(main, ["user", "add", "bo", "--role", "admin", "--password", "password12"])
    assert result.exit_code != 0 and "common passwords" in result.output
