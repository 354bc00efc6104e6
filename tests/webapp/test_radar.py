"""The server-side radar: valid, accessible SVG; every text escaped; series told apart without colour."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from webapp.presenters.radar import MAX_SERIES, STYLES, Axis, Series, _wrap, radar_svg, symbol

SVG = "{http://www.w3.org/2000/svg}"
AXES = [Axis("ownership", "Shared ownership"), Axis("mandate", "Clear mandate"), Axis("inclusion", "Inclusion"),
        Axis("transparency", "Transparency"), Axis("influence", "Influence on decisions")]


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def test_the_chart_names_itself_for_assistive_technology():
    root = parse(radar_svg("Radar 2019", "Scores from 1 to 5", AXES, [Series("Herent", {"ownership": 3})],
                           chart_id="r1"))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "r1-title r1-desc"
    assert root.find(f"{SVG}title").text == "Radar 2019" and root.find(f"{SVG}title").get("id") == "r1-title"
    assert root.find(f"{SVG}desc").text == "Scores from 1 to 5" and root.find(f"{SVG}desc").get("id") == "r1-desc"
    assert "style=" not in str(radar_svg("t", "d", AXES, []))  # the CSP forbids inline styles


def test_every_text_is_escaped():
    evil = '<script>alert("x")</script> & "quotes"'
    svg = str(radar_svg(evil, evil, [Axis("a", evil), Axis("b", "b"), Axis("c", "c")],
                        [Series(evil, {"a": 2, "b": 3, "c": 4})], chart_id='x"><script>'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = parse(svg)  # still well-formed XML
    texts = "".join(root.itertext())
    assert "alert" in texts and root.find(f"{SVG}title").text == evil


def test_up_to_four_series_differ_in_dash_marker_and_colour():
    series = [Series(f"S{i}", {a.key: 1 + (i + j) % 5 for j, a in enumerate(AXES)}) for i in range(MAX_SERIES)]
    root = parse(radar_svg("t", "d", AXES, series))
    groups = root.findall(f"{SVG}g[@class='radar-series']")
    assert len(groups) == 4
    dashes = {g.find(f"{SVG}path").get("stroke-dasharray") for g in groups}
    colours = {g.find(f"{SVG}path").get("stroke") for g in groups}
    shapes = {tuple(sorted({child.get("class") for child in g if child.tag != f"{SVG}path"})) for g in groups}
    assert len(dashes) == len(colours) == len(shapes) == 4
    for g in groups:  # one marker per scored notion
        assert len([c for c in g if c.tag != f"{SVG}path"]) == len(AXES)
    legend = root.find(f"{SVG}g[@class='radar-legend']")
    assert [t.text for t in legend.findall(f"{SVG}text")] == ["S0", "S1", "S2", "S3"]
    assert len(legend.findall(f"{SVG}line")) == 4
    assert [symbol(i) for i in range(4)] == ["●", "■", "▲", "◆"]
    assert len({s["colour"] for s in STYLES}) == 4
    with pytest.raises(ValueError):
        radar_svg("t", "d", AXES, series + [Series("fifth", {})])


def test_scores_land_on_their_ring_and_outliers_stay_on_the_chart():
    axes = AXES[:4]
    low = parse(radar_svg("t", "d", axes, [Series("a", {a.key: 1 for a in axes})], scale=(1, 5)))
    high = parse(radar_svg("t", "d", axes, [Series("a", {a.key: 5 for a in axes})], scale=(1, 5)))
    beyond = parse(radar_svg("t", "d", axes, [Series("a", {a.key: 9 for a in axes})], scale=(1, 5)))

    def top_marker_y(root):
        g = root.find(f"{SVG}g[@class='radar-series']")
        return float(g.find(f"{SVG}circle").get("cy"))

    assert top_marker_y(high) < top_marker_y(low)
    assert top_marker_y(beyond) == top_marker_y(high)
    steps = [t.text for t in low.find(f"{SVG}g[@class='radar-steps']")]
    assert steps == ["1", "2", "3", "4", "5"]


def test_a_notion_without_score_breaks_the_line():
    root = parse(radar_svg("t", "d", AXES, [Series("a", {"ownership": 2, "mandate": 3, "transparency": 4,
                                                         "influence": 5})]))
    path = root.find(f"{SVG}g[@class='radar-series']/{SVG}path").get("d")
    assert path.count("M") == 2 and not path.endswith("Z")
    full = parse(radar_svg("t", "d", AXES, [Series("a", {a.key: 3 for a in AXES})]))
    assert full.find(f"{SVG}g[@class='radar-series']/{SVG}path").get("d").endswith("Z")


def test_axis_labels_wrap_and_keep_their_language():
    root = parse(radar_svg("t", "d", [Axis("a", "Terugkoppeling naar de deelnemers", "nl"), Axis("b", "b"),
                                      Axis("c", "c")], []))
    label = root.find(f"{SVG}g[@class='radar-axes']/{SVG}text")
    assert [s.text for s in label] == ["Terugkoppeling", "naar de", "deelnemers"]
    assert label.get("{http://www.w3.org/XML/1998/namespace}lang") == "nl" and label.get("lang") is None
    assert _wrap("Ontwikkelingssamenwerkingsprojecten") == ["Ontwikkelingssa-", "menwerkingsproj-", "ecten"]
    assert len(_wrap("word " * 40)) == 3 and _wrap("word " * 40)[-1].endswith("…")


def test_bad_charts_are_refused():
    with pytest.raises(ValueError):
        radar_svg("t", "d", [], [])
    with pytest.raises(ValueError):
        radar_svg("t", "d", AXES, [], scale=(5, 5))
    assert re.search(r'viewBox="0 0 640 \d+', str(radar_svg("t", "d", AXES, [])))
