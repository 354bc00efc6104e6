"""The interactive graph view on a node page, in a real Chromium."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cytoscape_installed")]

TARIJA = "/en/municipalities/tarija-bolivia"
NEIGHBOUR = "partnership:brasschaat-tarija"
COUNT = "window.commonGroundGraph.nodes().length"
VISIBLE_EDGES = "window.commonGroundGraph.edges().not('.filtered-out').length"
ZOOM = "window.commonGroundGraph.zoom()"


def wait_until(page, expression: str, timeout: float = 10.0):
    """Poll a JavaScript expression until it is truthy (page.wait_for_function needs eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def open_graph(page, path: str = TARIJA) -> int:
    page.goto(path)
    page.wait_for_selector("#graph-view.ready")
    wait_until(page, f"window.commonGroundGraph && {COUNT} > 1")
    return page.evaluate(COUNT)


def click_node(page, node_id: str) -> None:
    """Click a node where it is drawn, as a person would."""
    box = page.locator(".graph-canvas").bounding_box()
    pos = page.evaluate("id => window.commonGroundGraph.getElementById(id).renderedPosition()", node_id)
    assert 0 < pos["x"] < box["width"] and 0 < pos["y"] < box["height"], "the node is in view"
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])


def test_graph_draws_the_neighbourhood_and_expands_a_neighbour(page, problems):
    initial = open_graph(page)
    assert initial >= 5
    canvas = page.locator(".graph-canvas")
    assert canvas.get_attribute("role") == "img"
    assert "Tarija" in canvas.get_attribute("aria-label")
    assert page.locator("#graph-view [aria-live=polite]").count() == 1

    click_node(page, NEIGHBOUR)
    wait_until(page, f"{COUNT} > {initial}")
    status = page.locator("#graph-view [aria-live=polite]")
    wait_until(page, "document.querySelector('#graph-view [aria-live=polite]').textContent !== ''")
    assert "Brasschaat" in status.text_content()
    assert page.evaluate(f"window.commonGroundGraph.getElementById('{NEIGHBOUR}').hasClass('expanded')")

    # The controls that expanding added (the selected node's panel) are accessible too.
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context="#graph-view").response["violations"]
    assert not [v for v in found if v.get("impact") in ("serious", "critical")], found

    # The selected node's page opens through a real link.
    link = page.locator("#graph-view a.graph-open")
    assert link.get_attribute("href") == "/en/partnerships/brasschaat-tarija"
    link.click()
    page.wait_for_url(re.compile(r"/en/partnerships/brasschaat-tarija$"))
    page.wait_for_selector("#graph-view.ready")
    problems.assert_none(page)


def test_relationship_filter_hides_and_shows_edges(page, problems):
    open_graph(page)
    every = page.evaluate(VISIBLE_EDGES)
    partner_in = page.evaluate("window.commonGroundGraph.edges('[type = \"PARTNER_IN\"]').length")
    assert partner_in >= 1

    box = page.get_by_role("checkbox", name="partner in", exact=True)
    box.uncheck()
    assert page.evaluate(VISIBLE_EDGES) == every - partner_in
    assert page.evaluate("window.commonGroundGraph.edges('[type = \"PARTNER_IN\"]').every(e => e.style('display') === 'none')")
    assert page.get_by_role("checkbox", name="All", exact=True).evaluate("box => box.indeterminate")
    box.check()
    assert page.evaluate(VISIBLE_EDGES) == every

    page.get_by_role("checkbox", name="All", exact=True).uncheck()
    assert page.evaluate(VISIBLE_EDGES) == 0
    page.get_by_role("checkbox", name="All", exact=True).check()
    assert page.evaluate(VISIBLE_EDGES) == every
    problems.assert_none(page)


def test_fit_and_zoom_buttons_work_by_mouse_and_keyboard(page, problems):
    open_graph(page)
    start = page.evaluate(ZOOM)
    page.get_by_role("button", name="Zoom in", exact=True).click()
    zoomed_in = page.evaluate(ZOOM)
    assert zoomed_in > start
    page.get_by_role("button", name="Zoom out", exact=True).click()
    assert page.evaluate(ZOOM) < zoomed_in

    zoom_in = page.get_by_role("button", name="Zoom in", exact=True)
    zoom_in.focus()
    for _ in range(4):
        page.keyboard.press("Enter")
    assert page.evaluate(ZOOM) > zoomed_in
    page.get_by_role("button", name="Fit", exact=True).click()
    inside = page.evaluate("""() => {
        const cy = window.commonGroundGraph, box = cy.elements().boundingBox(), view = cy.extent();
        return box.x1 >= view.x1 - 1 && box.x2 <= view.x2 + 1 && box.y1 >= view.y1 - 1 && box.y2 <= view.y2 + 1;
    }""")
    assert inside, "after Fit the whole graph is in view"
    problems.assert_none(page)
