"""The partnership workspace (graph/workspace/): templates, runs, responses, derived edges, on every store."""

from __future__ import annotations

import pytest

from graph.errors import DataError
from graph.schema import LANGUAGES
from graph.seeds import EXERCISES, SEEDS_DIR, seed
from graph.workspace.files import read_roles, read_template, read_templates

HERENT = "municipality:herent-belgium"
NIMLAHAKOK = "municipality:nimlahakok-guatemala"
PARTNERSHIP = "partnership:herent-nimlahakok"
RADAR = "exercise:participation-radar"
EXPECTATIONS = "exercise:mutual-expectations"


# -- the templates as seeds ---------------------------------------------------------------------

def test_the_seeds_hold_five_templates_that_apply_the_publications_tools(seeded_store):
    templates = {n.id: n for n in seeded_store.nodes("ExerciseTemplate")}
    assert sorted(templates) == [f"exercise:{k}" for k in (
        "mental-photos", "mutual-expectations", "participation-radar", "sdg-circle", "six-base-tools")]
    radar = templates[RADAR].props
    assert radar["exercise_kind"] == "radar" and (radar["scale_min"], radar["scale_max"]) == (1, 5)
    assert radar["items"][:2] == ["experience", "elements"] and len(radar["items"]) == 10
    assert radar["item_shared_ownership_type"] == "score"
    assert all(radar[f"item_inclusion_label_{lang}"] for lang in LANGUAGES)
    applies = {e.target for e in seeded_store.edges_of(RADAR, ["APPLIES"])}
    assert applies == {"tool:participation-radar"}
    assert {e.target for e in seeded_store.edges_of("exercise:mental-photos", ["APPLIES"])} == {"lesson:mental-photos"}
    assert len(seeded_store.edges_of("exercise:six-base-tools", ["APPLIES"])) == 7
    circle = templates["exercise:sdg-circle"].props
    assert circle["item_central_theme_type"] == "themes" and circle["item_central_theme_max"] == 1
    for node in templates.values():
        assert node.props["source"] == "source:vvsg-2022" and node.props["source_section"]


def test_the_roles_have_every_language():
    roles = read_roles(SEEDS_DIR / EXERCISES / "roles.yaml")
    assert [r["key"] for r in roles] == ["elected", "civil_servant", "citizen", "civil_society", "youth",
                                         "facilitating_ngo", "association_staff"]


@pytest.mark.parametrize("change, field", [
    (lambda t: t.replace("id: exercise:participation-radar", "id: exercise:other"), "id"),
    (lambda t: t.replace("kind: radar", "kind: board"), "kind"),
    (lambda t: t.replace('en: "Participation radar"', 'en: ""'), "name"),
    (lambda t: t.replace("key: inclusion", "key: Inclusion"), "key"),
    (lambda t: t.replace("key: inclusion", "key: transparency"), "key"),
    (lambda t: t.replace("type: score\n    label: {nl: \"Inclusie\"", "type: slider\n    label: {nl: \"Inclusie\""),
     "type"),
    (lambda t: t.replace("suggested: 8", "suggested: 7"), "items"),
    (lambda t: t.replace("highlight: 2", "highlight: 9"), "highlight"),
])
def test_a_bad_template_file_is_refused_naming_the_field(tmp_path, change, field):
    text = (SEEDS_DIR / EXERCISES / "participation-radar.yaml").read_text(encoding="utf-8")
    path = tmp_path / "participation-radar.yaml"
    path.write_text(change(text), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_template(path)
    assert caught.value.field == field and str(path) in str(caught.value)


def test_a_bad_roles_file_fails_the_whole_exercise_seed(tmp_path):
    for path in (SEEDS_DIR / EXERCISES).glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(read_templates(tmp_path)[0]) == 5
    (tmp_path / "roles.yaml").write_text("roles:\n  - {key: youth, label: {nl: Jongere}}\n", encoding="utf-8")
    with pytest.raises(DataError, match="roles.yaml"):
        read_templates(tmp_path)


def test_seeding_twice_changes_nothing_and_keeps_an_adapted_template(store):
    seed(store)
    before = store.get_node(RADAR).props
    assert seed(store, force=True)["changed"] == 0
    store.write([type(store.get_node(RADAR))(RADAR, "ExerciseTemplate", {"adapted_at": "2026-01-01",
                                                                         "name_en": "Our radar"})])
    seed(store, force=True)
    assert store.get_node(RADAR).props == {**before, "adapted_at": "2026-01-01", "name_en": "Our radar"}
