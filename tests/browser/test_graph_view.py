"""The interactive graph view on a node page, in a real Chromium."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cytoscape_installed")]

TARIJA = "/en/municipalities/tarija-bolivia"
NEIGHBOUR = "municipality:brasschaat-belgium"
PARTNERSHIP = "partnership:brasschaat-tarija"
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
    assert canvas.get_attribute("role") == "application" and canvas.get_attribute("tabindex") == "0"
    assert "Tarija" in canvas.get_attribute("aria-label")
    assert page.locator("#" + canvas.get_attribute("aria-describedby")).text_content()
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
    assert link.get_attribute("href") == "/en/municipalities/brasschaat-belgium"
    link.click()
    page.wait_for_url(re.compile(r"/en/municipalities/brasschaat-belgium$"))
    page.wait_for_selector("#graph-view.ready")
    problems.assert_none(page)


def test_relationship_filter_hides_and_shows_edges(page, problems):
    open_graph(page)
    every = page.evaluate(VISIBLE_EDGES)
    partner_in = page.evaluate("window.commonGroundGraph.edges('[type = \"PARTNER_IN\"]').not('.filtered-out').length")
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


HUB = "/en/municipalities/hubtown-testland"
HUB_PARTNERS = 45
VISIBLE = "window.commonGroundGraph.nodes('[kind = \"{kind}\"]').not('.filtered-out').length"
PENDING = "document.getElementById('graph-view').dataset.pending"


@pytest.fixture(scope="module")
def hub(live_store):
    """A town twinned with 45 others, as the twin-town import makes them (Bethlehem has 74)."""
    from graph.records import make_edge, make_node

    nodes = [make_node("municipality:hubtown-testland", {"name": "Hubtown", "country": "Testland"})]
    edges = []
    for i in range(HUB_PARTNERS):
        town, partnership = f"municipality:partner-{i:02d}-testland", f"partnership:hubtown-partner-{i:02d}"
        nodes += [make_node(town, {"name": f"Partner town {i:02d}", "country": "Testland"}),
                  make_node(partnership, {"name": f"Hubtown – Partner town {i:02d}", "partnership_type": "twinning"})]
        edges += [make_edge("municipality:hubtown-testland", "PARTNER_IN", partnership),
                  make_edge(town, "PARTNER_IN", partnership)]
    live_store.write(nodes, edges)
    return HUB


def cy_zoom_shrank(page) -> bool:
    """Whether the hub's graph was fitted below its natural size (the case where labels got tiny)."""
    return page.evaluate("window.commonGroundGraph.zoom()") < 1


def test_a_hub_shows_its_partner_towns_linked_by_their_partnerships(page, problems, hub):
    open_graph(page, hub)
    # The first view shows 40 partner towns, not partnership dots; the rest wait behind "Show N more".
    assert page.evaluate(VISIBLE.format(kind="Municipality")) == 41
    assert page.evaluate(VISIBLE.format(kind="Partnership")) == 0
    links = page.evaluate("window.commonGroundGraph.edges('.twin').not('.filtered-out').map(e => e.data('label'))")
    assert len(links) == 40 and all(label.startswith("Hubtown – Partner town") for label in links)
    # Labels drawn are readable: at least 10 px on screen (smaller ones are left out, shown on hover).
    drawn = page.evaluate("(() => { const cy = window.commonGroundGraph; return cy.nodes().not('.filtered-out')"
                          ".map(n => parseFloat(n.style('font-size')) * cy.zoom()); })()")
    assert cy_zoom_shrank(page) and min(drawn) >= 10, drawn[:5]
    assert page.evaluate(PENDING) == "5"
    more = page.locator("#graph-view button.graph-more")
    assert more.is_visible() and "5" in more.text_content()
    more.click()
    assert page.evaluate(VISIBLE.format(kind="Municipality")) == HUB_PARTNERS + 1
    assert page.evaluate(PENDING) == "0" and not more.is_visible()

    toggle = page.get_by_role("checkbox", name="Show partnerships as nodes")
    toggle.check()
    assert page.evaluate(VISIBLE.format(kind="Partnership")) == HUB_PARTNERS
    assert page.evaluate("window.commonGroundGraph.edges('.twin').not('.filtered-out').length") == 0
    toggle.uncheck()
    assert page.evaluate(VISIBLE.format(kind="Partnership")) == 0

    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context="#graph-view").response["violations"]
    assert not [v for v in found if v.get("impact") in ("serious", "critical")], found
    problems.assert_none(page)


def test_an_expansion_adds_a_bounded_number_of_neighbours(page, problems):
    open_graph(page)
    page.get_by_role("checkbox", name="Show partnerships as nodes").check()
    before = page.evaluate(COUNT)
    click_node(page, PARTNERSHIP)
    wait_until(page, f"window.commonGroundGraph.getElementById('{PARTNERSHIP}').hasClass('expanded')")
    added = page.evaluate(COUNT) - before
    assert 0 < added <= 12, "one expansion adds at most 12 nodes (Brasschaat–Tarija has 33 neighbours)"
    left = int(page.evaluate(PENDING))
    assert left > 0
    more = page.locator("#graph-view button.graph-more")
    assert "Brasschaat – Tarija" in more.text_content()
    while more.is_visible():
        shown = page.evaluate(COUNT)
        more.click()
        assert 0 < page.evaluate(COUNT) - shown <= 12
    assert page.evaluate(PENDING) == "0"
    problems.assert_none(page)


def test_full_labels_on_hover_and_on_keyboard_focus(page, problems):
    open_graph(page)
    long_one = "experience:tarija-neighbourhood-planning"
    full = f"window.commonGroundGraph.getElementById('{long_one}').hasClass('full-label')"
    assert not page.evaluate(full)
    box = page.locator(".graph-canvas").bounding_box()
    pos = page.evaluate("id => window.commonGroundGraph.getElementById(id).renderedPosition()", long_one)
    page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])
    wait_until(page, full)
    assert page.evaluate(f"window.commonGroundGraph.getElementById('{long_one}').style('text-wrap')") == "wrap"
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    wait_until(page, f"!{full}")

    # Keyboard: Tab reaches the canvas; arrows walk the nodes, each shown in full and announced.
    page.locator(".graph-canvas").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.getElementById('graph-view').dataset.focused") == "municipality:tarija-bolivia"
    seen = set()
    for _ in range(page.evaluate(COUNT)):
        page.keyboard.press("ArrowRight")
        focused = page.evaluate("document.getElementById('graph-view').dataset.focused")
        assert page.evaluate(f"window.commonGroundGraph.getElementById('{focused}').hasClass('full-label')")
        seen.add(focused)
        if focused == long_one:
            break
    assert long_one in seen
    wait_until(page, "document.querySelector('#graph-view [aria-live=polite]').textContent.includes('neighbourhoods')")
    before = page.evaluate(COUNT)
    page.keyboard.press("Enter")
    wait_until(page, f"window.commonGroundGraph.getElementById('{long_one}').hasClass('expanded')")
    assert page.evaluate(COUNT) >= before
    problems.assert_none(page)


def test_a_filter_by_kind_hides_and_shows_nodes(page, problems):
    open_graph(page)
    themes = page.evaluate(VISIBLE.format(kind="Theme"))
    assert themes >= 1
    box = page.locator("#graph-view fieldset.graph-kinds").get_by_role("checkbox", name="Theme")
    box.uncheck()
    assert page.evaluate(VISIBLE.format(kind="Theme")) == 0
    assert page.evaluate("window.commonGroundGraph.getElementById('municipality:tarija-bolivia').hasClass('filtered-out')") is False
    box.check()
    assert page.evaluate(VISIBLE.format(kind="Theme")) == themes
    problems.assert_none(page)


def test_the_path_finder_draws_the_paths_highlighted(page, problems):
    page.goto("/en/paths?from=Edegem&to=Tarija")
    page.wait_for_selector("#graph-view.ready")
    wait_until(page, f"window.commonGroundGraph && {COUNT} > 2")
    ends = page.evaluate("window.commonGroundGraph.nodes('.path-end').map(n => n.id()).sort()")
    assert ends == ["municipality:edegem-belgium", "municipality:tarija-bolivia"]
    on_path = page.evaluate("window.commonGroundGraph.edges('.path').length")
    assert on_path == page.evaluate("window.commonGroundGraph.edges().length") >= 2
    assert page.locator("ol.chain").count() >= 1  # the text version stays

    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    assert not [v for v in found if v.get("impact") in ("serious", "critical")], found
    problems.assert_none(page)


def test_an_ambiguous_path_end_is_chosen_with_the_keyboard(page, problems):
    page.goto("/en/paths?from=Edegem&to=Tarij")
    choice = page.get_by_role("radio", name=re.compile("^Tarija Municipality"))
    choice.check()
    page.locator("form.choose-ends button[type=submit]").click()
    page.wait_for_url(re.compile(r"to=municipality%3Atarija-bolivia"))
    page.wait_for_selector("#graph-view.ready")
    assert page.locator("ol.chain").count() >= 1
    problems.assert_none(page)
