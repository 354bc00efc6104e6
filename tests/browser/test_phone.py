"""The main pages at a phone's width (390 px): nothing scrolls sideways, and axe finds nothing serious."""

from __future__ import annotations

import re

import pytest

from .test_pages import SERIOUS, _describe

pytestmark = pytest.mark.browser

PHONE_PAGES = [
    "/nl",
    "/nl/partnerships",
    "/nl/partnerships/brasschaat-tarija",
    "/nl/municipalities?country=BE",
    "/es/municipalities/tarija-bolivia",
    "/nl/sdgs",
    "/nl/sdgs/6",
    "/nl/lessons",
    "/es/lessons?sdg=sdg:6&sdg=sdg:13",
    "/nl/match",
    "/nl/match?municipality=Herent&themes=theme:water&exclude_partners=y",
    "/es/search?q=water",
    "/nl/paths?from=Herent&to=Tarija",
    # Issue 18: did you mean, the theme in matching, what each SDG holds.
    "/nl/match?municipality=Brasshaat&themes=theme:water&exclude_partners=y",
    "/es/match?municipality=Brasschaat&themes=theme:agroforestry&exclude_partners=y",
    "/nl/match?municipality=Mechelen&themes=theme:child-rights&exclude_partners=y",
    "/nl/search?q=Brasshaat",
    "/es/paths?from=Brasshaat&to=ODS+6",
    "/es/lessons?sdg=sdg:4",
    "/nl/sdgs/4",
]
PHONE_WIDTH = 390
# The elements whose right edge passes the phone's width: named in the failure message.
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > 390.5)
  .slice(0, 8)
  .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} `
       + `(right ${Math.round(el.getBoundingClientRect().right)} px)`)"""


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_phone_width_has_no_sideways_scroll_and_no_serious_accessibility_violations(phone, problems, path):
    from axe_playwright_python.sync_playwright import Axe

    phone.goto(path)
    if phone.locator("#graph-view").count() and phone.locator("script[src*=graph-view]").count():
        phone.wait_for_selector("#graph-view.ready")
    for details in phone.locator("main details").all():  # open folded parts: they must fit too
        details.evaluate("(el) => { el.open = true; }")
    # A mobile browser widens the layout viewport to fit wide content, so innerWidth alone would
    # hide an overflow: the page must also fit the 390 px the phone has.
    widths = phone.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= min(widths["inner"], PHONE_WIDTH), (
        f"{path} scrolls sideways at 390 px ({widths['scroll']} px wide): {phone.evaluate(WIDER_THAN_SCREEN)}")
    results = Axe().run(phone)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, f"axe-core found serious or critical violations on {path}:\n{_describe(serious)}"
    problems.assert_none(phone)


def test_a_trailing_slash_and_the_favicon_work_in_the_browser(phone, problems):
    phone.goto("/nl/")
    assert re.search(r"/nl$", phone.url)
    icon = phone.locator('link[rel="icon"]').get_attribute("href")
    response = phone.request.get(icon)
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
    assert phone.request.get("/favicon.ico").ok
    problems.assert_none(phone)


def test_the_header_folds_behind_a_menu_button_on_a_phone(phone, problems, browser, live_server):
    phone.goto("/nl/partnerships/herent-nimlahakok")
    header = phone.locator("header.site").bounding_box()
    assert header["height"] <= 0.2 * 844, f"the header takes {header['height']} of 844 px"
    menu = phone.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    in_menu = phone.locator("header.site").get_by_role("link", name="Partnerschappen")
    assert not in_menu.is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    in_menu.click()
    phone.wait_for_url(re.compile(r"/nl/partnerships$"))
    problems.assert_none(phone)
    # Without scripts there is no button and the menu stays open: every link still works.
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  is_mobile=True, java_script_enabled=False)
    try:
        bare = context.new_page()
        bare.goto("/nl")
        assert not bare.locator(".menu-toggle").is_visible()
        assert bare.locator("header.site").get_by_role("link", name="Partnerschappen").is_visible()
    finally:
        context.close()
