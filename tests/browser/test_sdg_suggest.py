"""SDG suggestions in a real Chromium, in Dutch and in Spanish: they follow the text as it is typed, and the
one accepted is tagged on save with the suggester named in the change record."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from graph.accounts.model import open_accounts
from graph.sdgs.suggest import SUGGESTER_VERSION

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, store): the app on a seeded store of its own, so that the tags added here stay here."""
    from werkzeug.serving import make_server

    from graph.ingest.seeds import seed
    from graph.stores.sqlite.store import EmbeddedStore
    from webapp import create_app

    store = EmbeddedStore(tmp_path_factory.mktemp("sdg-browser") / "kb")
    seed(store)
    app = create_app({"STORE": store, "TESTING": True, "VENDOR_DIR": str(ROOT / "node_modules")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="sdg-server", daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", store
    server.shutdown()
    store.close()

CASES = {
    "nl": ("municipality:tarija-bolivia", "projects/water-source-protection-tarija",
           "project:water-source-protection-tarija",
           "We beschermen de waterbronnen en leggen een drinkwaterleiding aan; het watercomité bewaakt de "
           "waterkwaliteit.", "target:6."),
    "es": ("municipality:nimlahakok-guatemala", "projects/reforestation-nimlahakok", "project:reforestation-nimlahakok",
           "Con las familias campesinas plantamos árboles para la reforestación de los bosques y contra la "
           "erosión de los suelos.", "target:15."),
}


@pytest.mark.parametrize("lang", ["nl", "es"])
def test_suggestions_follow_the_text_and_an_accepted_one_is_tagged(lang, served, page_on, problems):
    base, live_store = served
    page = page_on(base)
    scope, address, node_id, text, goal = CASES[lang]
    accounts = open_accounts(live_store)
    account = f"sdg-{lang}"
    accounts.add(account, PASSWORD, "editor", [scope], f"SDG {lang}")
    try:
        page.goto(f"/{lang}/sign-in")
        page.locator("#account").fill(account)
        page.locator("#password").fill(PASSWORD)
        page.locator("form.sign-in button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/{lang}$"))
        page.goto(f"/{lang}/edit/{address}")
        page.locator("#original_lang").select_option(lang)
        page.locator(f"#description_{lang}").fill("")
        page.locator(f"#description_{lang}").press_sequentially(text, delay=5)
        # The project is already tagged with the goal, so its targets are what is left to suggest.
        radio = page.locator(f'#sdg-suggestions input[name^="verdict-{goal}"][value="accept"]').first
        radio.wait_for()
        chosen = radio.get_attribute("name").removeprefix("verdict-")
        item = page.locator("#sdg-suggestions li", has=page.locator(f'input[name="verdict-{chosen}"]'))
        assert item.locator(".sdg-suggestion-label").inner_text().startswith(chosen.split(":")[1] + " · ")
        assert item.locator(".hint").inner_text().strip("() ")  # the words behind it
        radio.check()
        page.locator("#reason").fill("sdg")
        page.locator("form.edit-form button[type=submit]").first.click()
        page.wait_for_url(re.compile(rf"/{lang}/{address}$"))
        assert (node_id, "CONCERNS", chosen) in {e.key for e in live_store.edges_of(node_id)}
        assert live_store.changes(node_id=node_id, limit=1)[0].params["suggester"] == SUGGESTER_VERSION
        problems.assert_none(page)
    finally:
        accounts.set_active(account, False)
