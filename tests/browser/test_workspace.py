"""Two editors, one in Dutch (Herent) and one in Spanish (Nimlaha'kok), work through the publication's
exercises for their partnership in a real Chromium, on both stores: the participation radar and the mutual
expectations, a second radar a few years later, the two snapshots compared with the big difference
highlighted, and the new theme in matching's evidence.  Axe checks every page; the pages fit a phone."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from graph import workspace as ws
from graph.accounts.model import open_accounts

from .test_editing import assert_accessible

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]
HERENT = "municipality:herent-belgium"
NIMLAHAKOK = "municipality:nimlahakok-guatemala"
WORKSPACE = "/{lang}/partnerships/herent-nimlahakok/workspace"
NEW_THEME = "theme:child-rights"


@pytest.fixture(params=["embedded", "neo4j"])
def served(request, page_on, tmp_path):
    """(Dutch editor's page, Spanish editor's page, store) on the app serving the seeds from each backend."""
    from werkzeug.serving import make_server

    from graph.ingest.seeds import seed
    from graph.stores.sqlite.store import EmbeddedStore
    from webapp import create_app

    if request.param == "embedded":
        store = EmbeddedStore(tmp_path / "kb")
    else:
        store = request.getfixturevalue("neo4j_store")
        store.clear()
    seed(store)
    app = create_app({"STORE": store, "TESTING": True, "VENDOR_DIR": str(ROOT / "node_modules")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="workspace-server", daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    accounts = open_accounts(store)
    accounts.clear()
    accounts.add("herent-editor", PASSWORD, "editor", [HERENT], "Redactie Herent")
    accounts.add("nimlahakok-editor", PASSWORD, "editor", [NIMLAHAKOK], "Redacción Nimlaha'kok")
    yield page_on(base), page_on(base), store
    accounts.clear()
    server.shutdown()
    if request.param == "embedded":
        store.close()
    else:
        store.clear()


def sign_in(page, account: str, lang: str) -> None:
    page.goto(f"/{lang}/sign-in")
    page.locator("#account").fill(account)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.sign-in button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{lang}$"))


def start_session(page, lang: str, exercise: str, held_on: str) -> str:
    """Start a session from the workspace page; return the session page's path."""
    page.goto(WORKSPACE.format(lang=lang))
    page.locator(f"#exercise-{exercise} a.button").click()
    page.wait_for_url(re.compile(r"/start/"))
    assert_accessible(page)
    page.locator("#held_on").fill(held_on)
    page.locator("form.start-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/runs/herent-nimlahakok-{exercise}-{held_on}$"))
    return page.url.split("://", 1)[1].split("/", 1)[1]


def answer(page, link_name: str, scores: dict[str, int] | None = None, texts: dict[str, str] | None = None,
           roles: dict[str, int] | None = None, themes: tuple[str, ...] = ()) -> None:
    """From a session page, open the side's form, fill it in and save it."""
    page.get_by_role("link", name=link_name).click()
    page.wait_for_url(re.compile(r"/answer/"))
    assert_accessible(page)
    for role, count in (roles or {}).items():
        page.locator(f"#role_{role}").fill(str(count))
    for key, text in (texts or {}).items():
        page.locator(f"#text_{key}").fill(text)
    for key, score in (scores or {}).items():
        page.locator(f'input[name="score_{key}"][value="{score}"]').check()
    for theme in themes:
        page.locator("fieldset.choice-list summary").first.click()
        page.locator(f'input[name="themes_themes"][value="{theme}"]').check()
    page.locator("form.answer-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/runs/[^/]+$"))
    assert_accessible(page)


def test_two_editors_run_the_exercises_in_two_languages(served, problems):
    dutch, spanish, store = served
    # A reader sees the exercises, and is told who can start a session.
    spanish.goto(WORKSPACE.format(lang="es"))
    assert_accessible(spanish)
    assert spanish.locator("a.button").count() == 0 and spanish.locator("ul.exercises > li").count() == 5
    sign_in(dutch, "herent-editor", "nl")
    sign_in(spanish, "nimlahakok-editor", "es")

    # Herent's editor finds the workspace from the partnership's page.
    dutch.goto("/nl/partnerships/herent-nimlahakok")
    dutch.get_by_role("link", name=re.compile("^Werkruimte")).click()
    dutch.wait_for_url(re.compile(r"/workspace$"))
    assert_accessible(dutch)
    assert dutch.locator("#exercise-participation-radar h2").inner_text() == "Participatieradar"

    # The participation radar of 2019: each side scores the partnership in its own language.
    first = start_session(dutch, "nl", "participation-radar", "2019-05-14")
    answer(dutch, "Antwoorden voor Herent", roles={"civil_servant": 2, "elected": 1},
           texts={"experience": "Een buurtbudget waarover de bewoners zelf beslisten."},
           scores={"shared_ownership": 3, "inclusion": 2, "transparency": 3, "feedback": 2})
    spanish.goto("/" + first.replace("nl/", "es/", 1))
    assert_accessible(spanish)
    answer(spanish, "Responder por Nimlaha'kok", roles={"citizen": 3, "youth": 1},
           texts={"experience": "Una asamblea comunitaria decidió el uso del agua."},
           scores={"shared_ownership": 2, "inclusion": 3, "transparency": 4, "feedback": 2})
    assert spanish.locator("svg.radar g.radar-series").count() == 2
    assert spanish.locator("table.scores tbody tr").count() == 8
    assert spanish.locator('.answer-text[lang="nl"]').inner_text().startswith("Een buurtbudget")
    assert spanish.get_by_text("Escrito en neerlandés; todavía sin traducir.").is_visible()

    # Mutual expectations: Nimlaha'kok starts them in Spanish and names a theme to exchange on.
    expectations = start_session(spanish, "es", "mutual-expectations", "2024-05-20")
    answer(spanish, "Responder por Nimlaha'kok", themes=(NEW_THEME,),
           texts={"want": "Aprender juntos sobre los derechos del niño.",
                  "expect": "Visitas mutuas y un intercambio virtual cada trimestre.",
                  "bring": "Nuestra experiencia con los consejos juveniles."})
    dutch.goto("/" + expectations.replace("es/", "nl/", 1))
    assert_accessible(dutch)
    answer(dutch, "Antwoorden voor Herent", texts={"want": "Samen leren over kinderrechten.",
                                                   "bring": "Onze ervaring met de kindergemeenteraad."})
    # Herent's editor translates the Spanish answer; the page then shows it, with the original behind it.
    dutch.locator("section.item-text", has=dutch.locator("#item-want")).get_by_role(
        "link", name=re.compile("^Vertaling in het Nederlands toevoegen")).click()
    dutch.wait_for_url(re.compile(r"/translate/nimlahakok-guatemala\?"))
    assert_accessible(dutch)
    dutch.locator("#text").fill("Samen leren over kinderrechten.")
    dutch.locator("form.translate-answer button[type=submit]").click()
    dutch.wait_for_url(re.compile(r"/runs/[^/]+$"))
    want = dutch.locator("section.item-text", has=dutch.locator("#item-want"))
    assert want.locator("details.original summary").first.inner_text() == "Vertaald uit het Spaans"
    assert dutch.locator("section.item-themes a", has_text="Kinderrechten").count() == 1

    # The radar again, five years later.
    second = start_session(dutch, "nl", "participation-radar", "2024-05-14")
    answer(dutch, "Antwoorden voor Herent", roles={"civil_servant": 1, "citizen": 4},
           scores={"shared_ownership": 4, "inclusion": 5, "transparency": 3, "feedback": 3})
    spanish.goto("/" + second.replace("nl/", "es/", 1))
    answer(spanish, "Responder por Nimlaha'kok", scores={"shared_ownership": 3, "inclusion": 4, "transparency": 4,
                                                          "feedback": 3})

    # The two snapshots compared: four lines, and Herent's inclusion (2 -> 5) marked in words and sign.
    dutch.goto(WORKSPACE.format(lang="nl"))
    dates = dutch.locator("#exercise-participation-radar ul.runs time")
    assert [dates.nth(i).get_attribute("datetime") for i in range(dates.count())] == ["2024-05-14", "2019-05-14"]
    dutch.locator('#exercise-participation-radar a[href*="/compare?"]').click()
    dutch.wait_for_url(re.compile(r"/compare\?"))
    assert_accessible(dutch)
    assert dutch.locator("svg.radar g.radar-series").count() == 4
    assert dutch.locator("svg.radar g.radar-legend text").count() == 4
    inclusion = dutch.locator("table.scores tr.differences.highlighted", has_text="Herent van 14 mei 2019 tot 14 mei 2024: +3")
    assert inclusion.is_visible()
    # A side's own view moving over time is marked as a change, not as a warning.
    moved = inclusion.locator("li", has_text="Herent van 14 mei 2019 tot 14 mei 2024: +3")
    assert moved.locator("strong.marker").inner_text().startswith("↕ sterk veranderd")
    assert "Iedereen kan meedoen" in dutch.locator(".notice").inner_text()

    # Once Herent's editor publishes the session, matching counts the theme chosen in it as one Herent's
    # partnership works on (until then the session stays between the partners).

    run = next(r for r in ws.runs_of(store, "partnership:herent-nimlahakok")
               if NEW_THEME in {e.target for e in store.edges_of("partnership:herent-nimlahakok")
                                if e.props.get("source") == r.id})
    dutch.goto(f"/nl/partnerships/herent-nimlahakok/workspace/runs/{run.id.split(':', 1)[1]}")
    dutch.get_by_role("button", name="Deze sessie voor iedereen publiceren").click()
    dutch.wait_for_url(re.compile(r"/runs/[^/]+$"))
    dutch.goto(f"/nl/match?municipality=Brasschaat&themes={NEW_THEME}&limit=50")
    assert_accessible(dutch)
    herent = dutch.locator("li.candidate", has=dutch.locator("h4 a", has_text=re.compile("^Herent$")))
    herent.locator("details summary").click()
    evidence = herent.locator("ul.evidence").inner_text()
    assert "Kinderrechten" in evidence and "Herent – Nimlaha'kok" in evidence
    assert any(e.props.get("source", "").startswith("run:herent-nimlahakok-mutual-expectations")
               for e in store.edges_of("partnership:herent-nimlahakok", ["CONCERNS"]) if e.target == NEW_THEME)

    # The printable report gives every answer in both languages; each page fits a phone.
    dutch.goto(WORKSPACE.format(lang="nl") + "/report?other=es")
    assert_accessible(dutch)
    assert dutch.locator("section.report-run").count() == 3
    assert ws.run(store, "run:herent-nimlahakok-participation-radar-2024-05-14").responses[NIMLAHAKOK].lang == "es"
    dutch.set_viewport_size({"width": 390, "height": 844})
    for path in (WORKSPACE.format(lang="nl"), "/" + first, "/" + expectations.replace("es/", "nl/", 1),
                 f"{WORKSPACE.format(lang='nl')}/compare?a=herent-nimlahakok-participation-radar-2019-05-14"
                 "&b=herent-nimlahakok-participation-radar-2024-05-14",
                 WORKSPACE.format(lang="nl") + "/report?other=es",
                 "/" + second + "/answer/herent-belgium", WORKSPACE.format(lang="nl") + "/start/sdg-circle"):
        dutch.goto(path)
        width = dutch.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at 390 px ({width} px wide)"
        assert_accessible(dutch)
    problems.assert_none(dutch)
    problems.assert_none(spanish)
