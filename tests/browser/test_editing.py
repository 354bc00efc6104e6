"""An editor at work in a real Chromium: signs in, edits the profile in Dutch, adds a partnership and a
lesson, translates the lesson into Spanish and reverts a change; axe checks the forms on the way."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from graph.accounts.model import open_accounts

pytestmark = pytest.mark.browser
SERIOUS = {"serious", "critical"}
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def assert_accessible(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    found = [v for v in Axe().run(page).response["violations"] if v.get("impact") in SERIOUS]
    assert not found, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in found]


@pytest.fixture(params=["embedded", "neo4j"])
def served(request, page_on, tmp_path):
    """(page, store): a desktop page on the app serving the seeds from each backend."""
    from werkzeug.serving import make_server

    from graph.ingest.seeds import seed
    from graph.stores.sqlite.store import EmbeddedStore
    from webapp import create_app

    # A store of its own: the edits made here must not change what the other browser tests see.
    if request.param == "embedded":
        store = EmbeddedStore(tmp_path / "kb")
    else:
        store = request.getfixturevalue("neo4j_store")
        store.clear()
    seed(store)
    app = create_app({"STORE": store, "TESTING": True, "VENDOR_DIR": str(ROOT / "node_modules")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="editing-server", daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    accounts = open_accounts(store)
    accounts.clear()
    accounts.add("herent-editor", PASSWORD, "editor", ["municipality:herent-belgium"], "Redactie Herent")
    yield page_on(base), store
    accounts.clear()
    server.shutdown()
    if request.param == "embedded":
        store.close()
    else:
        store.clear()


def test_an_editor_keeps_the_knowledge_base_alive(served, problems):
    page, live_store = served
    editor = "herent-editor"
    # Sign in.
    page.goto("/nl/sign-in")
    assert_accessible(page)
    page.locator("#account").fill(editor)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.sign-in button[type=submit]").click()
    page.wait_for_url(re.compile(r"/nl$"))
    assert page.locator(".session").get_by_text("Redactie Herent").is_visible()

    # The profile, in Dutch.
    page.goto("/nl/profile/municipalities/herent-belgium")
    assert_accessible(page)
    page.locator('input[name="offers"][value="theme:agroforestry"]').check()
    page.locator("#contact_nl").fill("Dienst Internationale Samenwerking")
    page.locator("#reason").fill("profiel bijgewerkt")
    page.locator("form.profile-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/nl/municipalities/herent-belgium$"))
    assert page.locator(".contact").inner_text().startswith("Dienst Internationale Samenwerking")
    assert ("municipality:herent-belgium", "OFFERS", "theme:agroforestry") in {
        e.key for e in live_store.edges_of("municipality:herent-belgium")}

    # A new partnership, its partner found with the picker.
    page.goto("/nl/edit/partnerships/new")
    assert_accessible(page)
    page.locator("#name").fill("Herent – Cuenca")
    page.locator("#description_nl").fill("Een nieuwe uitwisseling over water.")
    page.locator("#link").select_option("PARTNER_IN|in")
    page.locator("#other").press_sequentially("Herent", delay=30)
    page.locator(".picker-results button", has_text="Herent").first.click()
    assert page.locator("#other").input_value() == "municipality:herent-belgium"
    page.locator("form.edit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/nl/partnerships/herent-cuenca$"))
    assert page.locator("h1").inner_text() == "Herent – Cuenca"

    # A lesson from one of Herent's experiences, written in Dutch.
    page.goto("/nl/edit/lessons/new")
    page.locator("#name_nl").fill("Luister eerst")
    page.locator("#description_nl").fill("Begin elk overleg met <luisteren>.")
    page.locator("#link").select_option("ILLUSTRATED_BY|out")
    page.locator("#other").fill("experience:welcome-rituals")
    page.locator("form.edit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/nl/lessons/luister-eerst$"))
    assert "Begin elk overleg met <luisteren>." in page.locator(".text-description").inner_text()

    # Translate it into Spanish, with the Dutch original beside the field.
    page.goto("/nl/translate?kind=Lesson&to=es")
    assert_accessible(page)
    item = page.locator("form.translate-item", has=page.locator('input[name="node"][value="lesson:luister-eerst"]'))
    item = item.filter(has=page.locator('input[name="field"][value="name"]'))
    assert item.locator("blockquote").inner_text() == "Luister eerst"
    item.locator("textarea").fill("Escuchar primero")
    item.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/nl/translate\?"))
    assert live_store.get_node("lesson:luister-eerst").props["name_es"] == "Escuchar primero"

    # Revert the translation from the lesson's history.
    page.goto("/nl/history/lessons/luister-eerst")
    assert_accessible(page)
    page.locator("article.change h3 a").first.click()
    page.get_by_role("button", name="Deze wijziging ongedaan maken").click()
    page.wait_for_url(re.compile(r"/nl/changes/\d+$"))
    assert "name_es" not in live_store.get_node("lesson:luister-eerst").props or \
        not live_store.get_node("lesson:luister-eerst").props["name_es"]
    assert live_store.changes(limit=1)[0].actor == "user:herent-editor"
    problems.assert_none(page)


EDITOR_PAGES = [
    "/nl/edit/municipalities/herent-belgium",
    "/nl/profile/municipalities/herent-belgium",
    "/nl/edit/lessons/new",
    "/nl/translate?kind=Lesson&to=es",
    "/nl/history/municipalities/herent-belgium",
    "/nl/changes",
    "/nl/admin/accounts",
    "/nl/admin/import-profiles",
]


def test_editor_pages_fit_a_phone(phone, problems, live_store):
    from .test_phone import PHONE_WIDTH, WIDER_THAN_SCREEN

    accounts = open_accounts(live_store)
    accounts.add("phone-admin", PASSWORD, "admin", display_name="Beheer")
    try:
        phone.goto("/nl/sign-in")
        phone.locator("#account").fill("phone-admin")
        phone.locator("#password").fill(PASSWORD)
        phone.locator("form.sign-in button[type=submit]").click()
        phone.wait_for_url(re.compile(r"/nl$"))
        for path in ["/nl", *EDITOR_PAGES]:
            phone.goto(path)
            widths = phone.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
            assert widths["scroll"] <= min(widths["inner"], PHONE_WIDTH), (
                f"{path} scrolls sideways at 390 px ({widths['scroll']} px wide): {phone.evaluate(WIDER_THAN_SCREEN)}")
            assert_accessible(phone)
        problems.assert_none(phone)
    finally:
        accounts.clear()
