"""Partner matching in a real Chromium: after a search the results are on screen at once."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", ["page", "phone"])
def test_results_are_in_view_right_after_a_search(request, problems, device):
    page = request.getfixturevalue(device)
    page.goto("/nl/match")
    page.locator("#municipality").fill("Herent")
    page.locator('input[name="themes"][value="theme:water"]').check()
    page.locator("form.match button[type=submit]").click()
    page.wait_for_url(re.compile(r"/nl/match\?.*#results$"))
    heading = page.locator("#results-heading").bounding_box()
    height = page.evaluate("window.innerHeight")
    assert heading and -2 <= heading["y"] < height / 2, heading
    first = page.locator("#group-theme + .hint + .candidates .candidate h4 a").first
    assert first.inner_text() == "Tarija"
    box = first.bounding_box()
    assert box and box["y"] + box["height"] <= height, "the best suggestion is visible without scrolling"
    problems.assert_none(page)


@pytest.mark.parametrize("lang", ["nl", "es"])
def test_a_typo_offers_the_town_and_the_link_runs_the_search(page, problems, lang):
    page.goto(f"/{lang}/match")
    page.locator("#municipality").fill("Brasshaat")
    page.locator('input[name="themes"][value="theme:agroforestry"]').check()
    page.locator("form.match button[type=submit]").click()
    link = page.locator(".did-you-mean a", has_text="Brasschaat")
    link.click()
    page.wait_for_url(re.compile(rf"/{lang}/match\?.*municipality=municipality%3Abrasschaat-belgium.*#results$"))
    # Nobody offers agroforestry in the seeds: said first, then the towns that want to learn it too.
    notice = page.locator(".match-results .notice").first
    assert "/themes/agroforestry" in notice.inner_html()
    assert page.locator("#group-circle").count() == 1
    problems.assert_none(page)
