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

    # Revert the translation from the lesson's history: the change page leads to a preview that confirms.
    page.goto("/nl/history/lessons/luister-eerst")
    assert_accessible(page)
    page.locator("article.change h2 a").first.click()
    page.get_by_role("link", name="Deze wijziging ongedaan maken").click()
    page.wait_for_url(re.compile(r"/nl/changes/\d+/revert$"))
    assert_accessible(page)
    page.get_by_role("button", name="Deze wijziging ongedaan maken").click()
    page.wait_for_url(re.compile(r"/nl/changes/\d+$"))
    assert "is ongedaan gemaakt" in page.locator(".saved").inner_text()
    assert "name_es" not in live_store.get_node("lesson:luister-eerst").props or \
        not live_store.get_node("lesson:luister-eerst").props["name_es"]
    assert live_store.changes(limit=1)[0].actor == "user:herent-editor"

    # Delete the lesson: a confirmation page names the links that go with it; then undo the deletion.
    page.goto("/nl/lessons/luister-eerst")
    page.get_by_role("link", name="Verwijderen").click()
    page.wait_for_url(re.compile(r"/nl/edit/lessons/luister-eerst/delete$"))
    assert_accessible(page)
    assert page.get_by_text("Deze koppelingen verdwijnen mee").is_visible()
    assert live_store.get_node("lesson:luister-eerst") is not None  # nothing yet
    page.get_by_role("button", name="Verwijderen").click()
    page.wait_for_url(re.compile(r"/nl/changes/\d+$"))
    assert live_store.get_node("lesson:luister-eerst") is None
    page.get_by_role("link", name="Deze wijziging ongedaan maken").click()
    page.get_by_role("button", name="Deze wijziging ongedaan maken").click()
    page.wait_for_url(re.compile(r"/nl/changes/\d+$"))
    assert live_store.get_node("lesson:luister-eerst") is not None

    # A lesson from Herent's own partnership page, with a theme, an SDG and the experience it comes from.
    page.goto("/nl/partnerships/herent-nimlahakok")
    page.get_by_role("link", name="Een les toevoegen").click()
    page.locator("#name_nl").fill("Kinderen eerst")
    page.locator('input[name="subject-themes"][value="theme:child-rights"]').check()
    page.locator('input[name="subject-sdgs"][value="sdg:4"]').check()
    page.locator("#also-link").select_option("ILLUSTRATED_BY|out")
    page.locator("#also-other").press_sequentially("Tweetalige", delay=30)
    page.locator("#also-other").fill("experience:bilingual-facilitator")
    page.locator("form.edit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/nl/lessons/kinderen-eerst$"))
    assert "Opgeslagen" in page.locator(".saved").inner_text()
    assert {e.key[1:] for e in live_store.edges_of("lesson:kinderen-eerst")} == {
        ("LEARNED_IN", "partnership:herent-nimlahakok"), ("CONCERNS", "theme:child-rights"),
        ("CONCERNS", "sdg:4"), ("ILLUSTRATED_BY", "experience:bilingual-facilitator")}

    # A form with an error: the summary at the top takes the focus and leads to the field.
    page.goto("/nl/edit/partnerships/herent-nimlahakok")
    page.locator("#start_year").fill("1200")
    page.evaluate("document.querySelector('#start_year').removeAttribute('min')")  # the server checks too
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_selector(".error-summary")
    # The page's script moves the focus once it has run: wait for it rather than race it.
    page.wait_for_function("document.activeElement && document.activeElement.className === 'error-summary'")
    page.locator(".error-summary a[href='#start_year']").click()
    assert page.locator("#start_year").get_attribute("aria-invalid") == "true"
    # The refused save answers 400, which Chromium logs; that one is expected.
    problems.console = [m for m in problems.console if "400 (BAD REQUEST)" not in m]
    problems.assert_none(page)


EDITOR_PAGES = [
    "/nl/edit/municipalities/herent-belgium",
    "/nl/profile/municipalities/herent-belgium",
    "/nl/edit/lessons/new",
    "/es/edit/lessons/new?partnership=partnership:herent-nimlahakok",
    "/es/edit/municipalities/herent-belgium/delete",
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
