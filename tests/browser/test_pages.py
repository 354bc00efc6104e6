"""Language switching, keyboard use and automated accessibility checks, in a real Chromium."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

AXE_PAGES = [
    "/nl",
    "/nl/municipalities/tarija-bolivia",
    "/nl/sdgs/6",
    "/nl/search?q=water",
    "/es/lessons/mental-photos",
    "/en/lessons",
]
SERIOUS = {"serious", "critical"}


def test_language_switcher_keeps_the_page(page, problems):
    page.goto("/nl/sdgs/13")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("navigation", name=re.compile(".")).filter(has_text="Español").get_by_role(
        "link", name="Español").click()
    page.wait_for_url(re.compile(r"/es/sdgs/13$"))
    assert page.locator("html").get_attribute("lang") == "es"
    # The switcher marks the current language, which is no longer a link.
    assert page.locator("[aria-current]").filter(has_text="Español").count() == 1
    problems.assert_none(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page, problems):
    page.goto("/nl/municipalities/tarija-bolivia")
    page.keyboard.press("Tab")
    focused = page.evaluate("({cls: document.activeElement.className, href: document.activeElement.getAttribute('href')})")
    assert focused == {"cls": "skip", "href": "#main"}
    box = page.locator("a.skip").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes into the content, not back to the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
    problems.assert_none(page)


def test_a_translation_opens_onto_its_french_original(page, problems):
    page.goto("/nl/lessons/mental-photos")
    note = page.locator("details.original").first
    original = note.locator("p[lang=fr]")
    assert not original.is_visible()
    note.locator("summary", has_text="Vertaald uit het Frans").click()
    assert original.is_visible() and original.inner_text() == "Prenez des photos mentales"
    problems.assert_none(page)


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


@pytest.mark.parametrize("path", AXE_PAGES)
def test_no_serious_accessibility_violations(page, problems, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(path)
    if page.locator("#graph-view").count() and page.locator("script[src*=graph-view]").count():
        page.wait_for_selector("#graph-view.ready")  # check the page with its graph view drawn
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    print(_describe(results.response["violations"]))
    assert not serious, f"axe-core found serious or critical violations on {path}:\n{_describe(serious)}"
    problems.assert_none(page)
