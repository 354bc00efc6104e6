"""SDG goal pages and lessons by SDG: official target numbers, several filters, counts that agree."""

from __future__ import annotations

import re

import pytest

from graph.records import make_edge, make_node

# Reads only, but for the tests marked writes: the others share one seeded embedded store (tests/conftest.py).
pytestmark = pytest.mark.reads_only


@pytest.mark.both_stores
def test_goal_page_lists_each_target_once_with_its_official_number(client):
    html = client.get("/en/sdgs/6").get_data(as_text=True)
    numbers = re.findall(r'class="target-number">([^<]+)</a>', html)
    assert numbers == ["6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.a", "6.b"]
    assert '<ol class="targets">' not in html
    data = client.get("/en/sdgs/6.json").get_json()
    for target in data["goal"]["targets"]:
        assert html.count(target["title"]["text"]) == 1, target["id"]
    assert "HAS_TARGET" not in {c["type"] for c in data["connections"]}


def _lesson_ids(client, query: str) -> list[str]:
    return [lesson["id"] for lesson in client.get(f"/en/lessons.json?{query}").get_json()["lessons"]]


def test_several_goals_match_any_of_them(client):
    thirteen, sixteen = _lesson_ids(client, "sdg=sdg:13"), _lesson_ids(client, "sdg=sdg:16")
    both = _lesson_ids(client, "sdg=sdg:13&sdg=sdg:16")
    assert thirteen and sixteen and set(both) == set(thirteen) | set(sixteen)
    assert len(both) > max(len(thirteen), len(sixteen))


def test_goals_and_themes_together_must_both_match(client):
    goal = set(_lesson_ids(client, "sdg=sdg:17"))
    theme = set(_lesson_ids(client, "theme=theme:participation&theme=theme:intercultural-dialogue"))
    together = _lesson_ids(client, "sdg=sdg:17&theme=theme:participation&theme=theme:intercultural-dialogue")
    assert set(together) == goal & theme and together


def test_a_lesson_counts_under_the_goal_of_a_target_its_experience_concerns(client):
    # The Tarija neighbourhood planning experience concerns target 11.3, so its lesson is about SDG 11.
    assert "lesson:speak-the-same-language" in _lesson_ids(client, "sdg=sdg:11")


@pytest.mark.both_stores
def test_counts_per_filter_value_agree_with_the_filter_and_the_goal_cards(client):
    data = client.get("/nl/lessons.json").get_json()
    goals = next(f for f in data["facets"] if f["name"] == "sdg")
    themes = next(f for f in data["facets"] if f["name"] == "theme")
    cards = {g["id"]: {c["kind"]: c["count"] for c in g["counts"]}.get("Lesson", 0)
             for g in client.get("/nl/sdgs.json").get_json()["goals"]}
    for option in goals["options"]:
        assert option["count"] == len(_lesson_ids(client, f"sdg={option['value']}")) == cards[option["value"]]
    assert cards["sdg:13"] == 1
    for option in themes["options"][:8]:
        assert option["count"] == len(_lesson_ids(client, f"theme={option['value']}"))
    # With a theme chosen, the goal counts are those of lessons about that theme.
    narrowed = client.get("/nl/lessons.json?theme=theme:participation").get_json()
    counts = {o["value"]: o["count"] for o in narrowed["facets"][0]["options"]}
    assert counts["sdg:17"] == len(_lesson_ids(client, "sdg=sdg:17&theme=theme:participation"))


@pytest.mark.writes
def test_a_goal_without_lessons_points_to_its_projects(client, seeded_store):
    # (SDG 6 has a lesson since the publication's tags were completed: a project alone is written here.)
    provenance = {"source": "source:vvsg-2022", "source_section": "test"}
    seeded_store.write([make_node("project:bridge", dict(name="Bridge", **provenance))],
                       [make_edge("project:bridge", "CONCERNS", "target:9.1", provenance)])
    data = client.get("/es/lessons.json?sdg=sdg:9").get_json()
    assert data["lessons"] == []
    assert [p["id"] for p in data["projects"]] == ["project:bridge"]
    assert [(g["kind"], g["count"]) for g in data["knowledge"]] == [("Project", 1)]
    html = client.get("/es/lessons?sdg=sdg:9").get_data(as_text=True)
    assert 'href="/es/projects/bridge"' in html
    assert 'value="sdg:9" checked' in html


@pytest.mark.writes
def test_a_lesson_counts_under_the_goals_of_its_projects(client, seeded_store):
    seeded_store.write((), [make_edge("project:water-source-protection-tarija", "RESPONDS_TO",
                                      "challenge:limited-project-resources",
                                      {"source": "source:vvsg-2022", "source_section": "test"})])
    data = client.get("/en/lessons.json?sdg=sdg:6").get_json()
    [lesson] = data["lessons"]
    assert lesson["id"] == "lesson:mental-photos"
    assert [p["id"] for p in lesson["projects"]] == ["project:water-source-protection-tarija"]
    cards = client.get("/en/sdgs.json").get_json()["goals"]
    assert {c["kind"]: c["count"] for c in cards[5]["counts"]}["Lesson"] == 1


def test_an_unknown_goal_among_several_is_refused(client):
    response = client.get("/fr/lessons?sdg=sdg:6&sdg=sdg:99")
    assert response.status_code == 400 and "sdg:99" in response.get_data(as_text=True)


def test_sdg_6_shows_the_tarija_water_project_and_what_was_learned(client):
    data = client.get("/nl/lessons.json?sdg=sdg:6").get_json()
    groups = {g["kind"]: [i["id"] for i in g["items"]] for g in data["knowledge"]}
    assert "project:water-source-protection-tarija" in groups["Project"]
    assert "experience:habits-and-divergent-projects" in groups["PracticalExperience"]
    assert "lesson:mental-photos" in groups["Lesson"]
    assert [g["count"] for g in data["knowledge"]] == [len(groups[k]) for k in groups]
    assert data["lessons"]
    html = client.get("/nl/lessons?sdg=sdg:6").get_data(as_text=True)
    assert 'href="/nl/projects/water-source-protection-tarija"' in html


def test_an_sdg_with_nothing_says_so_and_invites_a_lesson(client):
    data = client.get("/es/lessons.json?sdg=sdg:4").get_json()
    assert data["knowledge"] == [] and data["contribute_url"] == "/es/edit/lessons/new"
    html = client.get("/es/lessons?sdg=sdg:4").get_data(as_text=True)
    assert 'href="/es/edit/lessons/new"' in html
    page = client.get("/es/sdgs/4").get_data(as_text=True)
    assert 'href="/es/edit/lessons/new"' in page
    assert 'href="/es/lessons?sdg=sdg:6"' in client.get("/es/sdgs/6").get_data(as_text=True)


def test_the_overview_invites_a_lesson_for_an_empty_goal(client):
    html = client.get("/nl/sdgs").get_data(as_text=True)
    card = html[html.index('class="sdg sdg-4"'):]
    assert 'href="/nl/edit/lessons/new"' in card[:card.index("</li>")]
