"""The network page in Chromium: the drawing, the map, the keyboard, axe, and a phone's 390 px."""

from __future__ import annotations

import time

import pytest

from .test_pages import SERIOUS, _describe
from .test_phone import PHONE_WIDTH, WIDER_THAN_SCREEN

pytestmark = pytest.mark.browser

PATHS = ["/nl/network", "/fr/network?continent=americas", "/es/network?country=JP", "/en/network/embed"]


def _axe(page, path):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, f"axe-core found serious or critical violations on {path}:\n{_describe(serious)}"


def _drawn(page):
    """Wait until the script has drawn the map (and tried the WebGL drawing)."""
    page.wait_for_selector("#network-map svg.map")
    page.wait_for_function("document.querySelector('#network-drawing').matches('.is-drawn, .is-unavailable')")


def test_the_map_draws_countries_and_every_placed_link(page, problems):
    page.goto("/nl/network")
    _drawn(page)
    assert page.locator("#network-map path.country").count() > 150
    # Brasschaat–Tarija and Edegem–San Jerónimo have coordinates at both ends; Nimlaha'kok has none
    assert page.locator("#network-map path.link").count() == 2
    assert page.locator("#network-map svg title").text_content()
    # the table equivalent lists all three links, the unplaced one too
    page.locator("#links-table summary").click()
    assert page.locator("#links-table tbody tr").count() == 3
    problems.assert_none(page)


def test_the_drawing_is_webgl_and_answers_the_keyboard(page, problems):
    page.goto("/nl/network")
    _drawn(page)
    drawing = page.locator("#network-drawing")
    if "is-unavailable" in (drawing.get_attribute("class") or ""):
        pytest.fail("the WebGL drawing could not start in Chromium")
    assert page.evaluate("window.commonGroundNetwork.getGraph().order") >= 6
    before = page.evaluate("window.commonGroundNetwork.getCamera().getState().ratio")
    drawing.focus()
    page.keyboard.press("+")
    # Polled from Python: wait_for_function compiles its predicate in the page, which the CSP forbids.
    deadline = time.monotonic() + 10
    while page.evaluate("window.commonGroundNetwork.getCamera().getState().ratio") >= before:
        assert time.monotonic() < deadline, "the + key did not zoom in"
        page.wait_for_timeout(50)
    page.keyboard.press("0")
    assert page.locator("#drawing-status").inner_text()
    problems.assert_none(page)


def test_filters_are_a_get_form_whose_url_is_the_permalink(page, problems):
    page.goto("/en/network")
    page.select_option("#f-status", "ended")
    page.locator(".network-filters button[type=submit]").click()
    page.wait_for_url("**/en/network?*status=ended*")
    assert page.locator("#bridges").count() == 1
    assert "Edegem" in page.locator("#links-table").text_content()
    assert page.locator("a[rel=bookmark]").get_attribute("href").endswith("status=ended")
    problems.assert_none(page)


@pytest.mark.parametrize("path", PATHS)
def test_no_serious_accessibility_violations(page, problems, path):
    page.goto(path)
    if page.locator("#network-map").count():
        _drawn(page)
    _axe(page, path)
    problems.assert_none(page)


@pytest.mark.parametrize("path", PATHS)
def test_phone_width_has_no_sideways_scroll(phone, problems, path):
    phone.goto(path)
    if phone.locator("#network-map").count():
        _drawn(phone)
    for details in phone.locator("main details").all():
        details.evaluate("(el) => { el.open = true; }")
    widths = phone.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= min(widths["inner"], PHONE_WIDTH), (
        f"{path} scrolls sideways at 390 px ({widths['scroll']} px wide): {phone.evaluate(WIDER_THAN_SCREEN)}")
    _axe(phone, path)
    problems.assert_none(phone)


def test_the_embed_loads_in_a_frame_of_an_allowed_site_and_the_page_does_not(page, problems):
    page.goto("/nl")  # same origin: 'self' is what EMBED_FRAME_ANCESTORS allows by default
    page.evaluate("""() => {
      for (const [id, src] of [["embed", "/en/network/embed?status=active"], ["full", "/en/network"]]) {
        const frame = document.createElement("iframe");
        frame.id = id; frame.src = src; frame.title = id;
        document.body.appendChild(frame);
      }
    }""")
    embed = page.frame_locator("#embed")
    embed.locator("#network-map svg.map").wait_for()
    assert embed.locator("h1").inner_text()
    assert embed.locator("header.site").count() == 0
    full = page.frame(url=lambda url: url.endswith("/en/network"))
    # the full page refuses to be framed ('none'): Chromium shows an empty error document instead
    assert full is None or full.locator("#network-map").count() == 0


def test_the_page_links_its_downloads(page, problems):
    page.goto("/es/network?continent=americas")
    links = page.locator("#exports-heading ~ ul a[download]")
    assert links.count() == 5
    response = page.request.get(links.first.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("application/gexf+xml")
    problems.assert_none(page)
