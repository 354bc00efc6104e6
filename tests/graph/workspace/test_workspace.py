"""The partnership workspace (graph/workspace/): templates, runs, responses, derived edges, on every store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph import workspace as ws
from graph.accounts.model import Account
from graph.editing import edits as editing
from graph.errors import DataError
from graph.ingest.seeds import EXERCISES, SEEDS_DIR, seed
from graph.matching import MatchRequest, match
from graph.matching.cache import match_index
from graph.matching.index import build_index
from graph.matching.updates import update_index
from graph.schema import LANGUAGES
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
    (lambda t: t.replace("type: score\n    label: {nl: \"Iedereen kan meedoen\"", "type: slider\n    label: {nl: \"Iedereen kan meedoen\""),
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


# -- runs and responses -------------------------------------------------------------------------

ANA = Account("ana", "editor", "Ana (Herent)", (HERENT,))
LUIS = Account("luis", "editor", "Luis (Nimlaha'kok)", (NIMLAHAKOK,))
OTHER = Account("olga", "editor", "Olga (Brasschaat)", ("municipality:brasschaat-belgium",))
STAFF = Account("sam", "staff", "Sam (VVSG)")
SPRING, AUTUMN = dt.date(2025, 3, 14), dt.date(2026, 10, 2)


def radar_answer(store, account, run, side, lang, scores, **extra):
    response = run.responses.get(side)
    return ws.save_response(store, account, run.id, side, lang=lang, scores=scores,
                            based_on=response.version if response else 0, **extra)


def all_scores(value):
    return {k: value for k in ("shared_ownership", "clear_mandate", "inclusion", "transparency", "influence",
                               "feedback", "time_resources", "mutual_learning")}


def test_a_run_and_two_responses_in_two_languages(seeded_store):
    store = seeded_store
    run = ws.start_run(store, ANA, PARTNERSHIP, RADAR, SPRING)
    assert run.id == "run:herent-nimlahakok-participation-radar-2025-03-14"
    assert run.sides == (HERENT, NIMLAHAKOK) and run.responses == {} and run.scale == (1, 5)
    assert [i.key for i in run.notion_items][:2] == ["shared_ownership", "clear_mandate"]
    assert run.name("es").startswith("Radar de la participación")
    herent = radar_answer(store, ANA, run, HERENT, "nl", all_scores(4), participants=["civil_servant", "elected"],
                          texts={"experience": "Een buurtbudget in Winksele"})
    assert herent.scores["inclusion"] == 4 and herent.participant_counts() == {"civil_servant": 1, "elected": 1}
    run = ws.run(store, run.id)
    nimla = radar_answer(store, LUIS, run, NIMLAHAKOK, "es", {**all_scores(3), "inclusion": 1},
                         participants=["elected", "citizen", "citizen"],
                         texts={"experience": "Asambleas comunitarias"},
                         translations={("experience", "nl"): "Gemeenschapsvergaderingen"})
    assert nimla.text_in("experience", "nl") == ("Gemeenschapsvergaderingen", "nl", False)
    assert nimla.text_in("experience", "fr") == ("Asambleas comunitarias", "es", True)
    run = ws.run(store, run.id)
    assert set(run.responses) == {HERENT, NIMLAHAKOK}
    assert [r.id for r in ws.runs_of(store, PARTNERSHIP)] == [run.id]
    [change] = store.changes(node_id=nimla.id, limit=5)
    assert change.actor == "user:luis"


def test_runs_are_listed_newest_first_and_a_second_run_on_the_same_day_gets_its_own_id(seeded_store):
    first = ws.start_run(seeded_store, ANA, PARTNERSHIP, RADAR, SPRING)
    later = ws.start_run(seeded_store, LUIS, PARTNERSHIP, EXPECTATIONS, AUTUMN)
    again = ws.start_run(seeded_store, ANA, PARTNERSHIP, RADAR, SPRING.isoformat())
    assert again.id == first.id + "-2"
    assert [r.id for r in ws.runs_of(seeded_store, PARTNERSHIP)] == [later.id, again.id, first.id]
    assert later.kind == "prompts" and later.scale is None


def test_a_run_may_choose_its_notions_and_add_its_own(seeded_store):
    run = ws.start_run(seeded_store, ANA, PARTNERSHIP, RADAR, SPRING, notions=["inclusion", "transparency"],
                       own_notions=[("Vertrouwen", "nl")])
    assert [i.key for i in run.notion_items] == ["inclusion", "transparency", "own_1"]
    own = run.item("own_1")
    assert own.label_in("nl") == ("Vertrouwen", "nl") and own.label_in("es") == ("Vertrouwen", "nl")
    saved = radar_answer(seeded_store, LUIS, run, NIMLAHAKOK, "es", {"inclusion": 2, "own_1": 5})
    assert saved.scores == {"inclusion": 2, "own_1": 5}


def unchanged(store, action, code):
    """Run ``action``, expect a WorkspaceError with ``code``, and prove nothing was written."""
    before = store.changes(limit=3)
    version = store.version()
    with pytest.raises(ws.WorkspaceError) as caught:
        action()
    assert caught.value.code == code, caught.value
    assert store.changes(limit=3) == before and store.version() == version
    return caught.value


def test_every_refusal_writes_nothing(seeded_store):
    store = seeded_store
    run = ws.start_run(store, ANA, PARTNERSHIP, RADAR, SPRING)
    circle = ws.start_run(store, ANA, PARTNERSHIP, "exercise:sdg-circle", SPRING)
    ambitions = ws.start_run(store, ANA, PARTNERSHIP, "exercise:six-base-tools", SPRING)

    def answer(**kwargs):
        target = kwargs.pop("run", run)
        args = {"lang": "nl", "based_on": 0, **kwargs}
        side = args.pop("side", HERENT)
        account = args.pop("account", ANA)
        return lambda: ws.save_response(store, account, target.id, side, **args)

    def start(**kwargs):
        args = {"partnership_id": PARTNERSHIP, "template_id": RADAR, "held_on": AUTUMN, **kwargs}
        account = args.pop("account", ANA)
        return lambda: ws.start_run(store, account, **args)

    unchanged(store, start(template_id="exercise:nothing"), "unknown_exercise")
    unchanged(store, start(partnership_id="partnership:nowhere"), "unknown_partnership")
    unchanged(store, start(partnership_id=HERENT), "unknown_partnership")
    unchanged(store, start(account=OTHER), "not_an_editor")
    unchanged(store, start(account=None), "not_an_editor")
    unchanged(store, start(held_on="2025-02-30"), "bad_date")
    unchanged(store, start(held_on=dt.date(1900, 1, 1)), "bad_date")
    unchanged(store, start(notions=["inclusion", "kindness", "feedback"]), "unknown_notion")
    unchanged(store, start(notions=["inclusion", "inclusion", "feedback"]), "duplicate_notion")
    unchanged(store, start(notions=["inclusion", "feedback"], own_notions=[("Iedereen kan meedoen", "nl")]), "duplicate_notion")
    unchanged(store, start(notions=["inclusion"]), "too_few_notions")
    unchanged(store, start(own_notions=[(f"Begrip {n}", "nl") for n in range(5)]), "too_many_notions")
    unchanged(store, start(notions=["inclusion", "feedback"], own_notions=[("Trust", "xx")]), "unknown_language")
    unchanged(store, start(notions=["inclusion", "feedback"], own_notions=[("x" * 500, "en")]), "text_too_long")
    unchanged(store, start(template_id=EXPECTATIONS, notions=["inclusion"]), "unknown_notion")

    unchanged(store, lambda: ws.save_response(store, ANA, "run:nothing", HERENT, lang="nl"), "unknown_run")
    error = unchanged(store, answer(side="municipality:brasschaat-belgium", account=STAFF), "not_a_partner")
    assert error.params["municipality"] == "municipality:brasschaat-belgium"
    unchanged(store, answer(side=NIMLAHAKOK), "not_an_editor")
    unchanged(store, answer(account=OTHER), "not_an_editor")
    unchanged(store, answer(lang="de"), "unknown_language")
    error = unchanged(store, answer(scores={"inclusion": 6}), "score_out_of_range")
    assert (error.params["key"], error.params["min"], error.params["max"]) == ("inclusion", 1, 5)
    unchanged(store, answer(scores={"inclusion": 0}), "score_out_of_range")
    unchanged(store, answer(scores={"inclusion": True}), "score_out_of_range")
    unchanged(store, answer(scores={"inclusion": "4"}), "score_out_of_range")
    unchanged(store, answer(scores={"kindness": 3}), "unknown_notion")
    unchanged(store, answer(texts={"nothing": "x"}), "unknown_item")
    unchanged(store, answer(texts={"inclusion": "x"}), "unknown_item")
    unchanged(store, answer(texts={"experience": "x" * 6000}), "text_too_long")
    unchanged(store, answer(texts={"experience": "bell \x07"}), "bad_text")
    unchanged(store, answer(participants=["civil_servant", "astronaut"]), "unknown_role")
    unchanged(store, answer(texts={"experience": "x"}, translations={("experience", "nl"): "y"}), "unknown_language")
    unchanged(store, answer(translations={("experience", "es"): "y"}), "unknown_item")
    unchanged(store, answer(run=circle, choices={"central_theme": ["theme:water", "theme:youth"]}),
              "too_many_choices")
    unchanged(store, answer(run=circle, choices={"central_theme": ["theme:nothing"]}), "unknown_theme")
    unchanged(store, answer(run=circle, choices={"central_theme": ["sdg:6"]}), "unknown_theme")
    unchanged(store, answer(run=circle, choices={"sdgs": ["sdg:18"]}), "unknown_sdg")
    unchanged(store, answer(run=circle, choices={"internal": ["sdg:6"]}), "unknown_item")
    unchanged(store, answer(run=ambitions, lines={"ambitions": [f"Doel {n}" for n in range(31)]}), "too_many_lines")
    unchanged(store, answer(run=ambitions, lines={"stakeholders": ["x" * 300]}), "text_too_long")
    unchanged(store, answer(run=ambitions, lines={"focus": ["x"]}), "unknown_item")

    saved = radar_answer(store, ANA, run, HERENT, "nl", all_scores(4))
    stale = unchanged(store, answer(scores={"inclusion": 2}), "stale")  # based on 0: Ana's save came in between
    assert [c.seq for c in stale.params["changes"]] == [saved.version]
    unchanged(store, lambda: ws.add_translation(store, ANA, "response:nothing", "experience", "fr", "x", 0),
              "unknown_response")
    unchanged(store, lambda: ws.adapt_template(store, ANA, RADAR, labels={("inclusion", "nl"): "Insluiting"},
                                               based_on=ws.template(store, RADAR).version), "not_an_editor")


def test_ownership_of_runs_and_responses(seeded_store):
    store = seeded_store
    run = ws.start_run(store, LUIS, PARTNERSHIP, "exercise:six-base-tools", SPRING)
    herent = ws.save_response(store, ANA, run.id, HERENT, lang="nl", lines={"stakeholders": ["VVSG", "Jeugdraad"]})
    # A run belongs to its partnership, whatever organisations it yields; a response to its municipality.
    assert editing.belongs_to(store, run.id, {HERENT}) and editing.belongs_to(store, run.id, {NIMLAHAKOK})
    assert not editing.belongs_to(store, run.id, {"organisation:vvsg"})
    assert not editing.belongs_to(store, run.id, {"municipality:brasschaat-belgium"})
    assert editing.belongs_to(store, herent.id, {HERENT})
    assert not editing.belongs_to(store, herent.id, {NIMLAHAKOK})
    assert not editing.belongs_to(store, RADAR, {HERENT})  # templates are shared: staff only
    assert ws.may_answer(ANA, HERENT) and not ws.may_answer(ANA, NIMLAHAKOK) and not ws.may_answer(OTHER, HERENT)
    assert ws.may_answer(STAFF, NIMLAHAKOK) and not ws.may_answer(None, HERENT)
    assert ws.may_start(store, ANA, PARTNERSHIP) and not ws.may_start(store, OTHER, PARTNERSHIP)
    assert editing.may_edit(store, ANA, herent.id) and not editing.may_edit(store, LUIS, herent.id)
    assert not editing.may_edit(store, OTHER, run.id) and editing.may_edit(store, STAFF, herent.id)
    # Staff may answer for either side; Luis may translate Herent's answers but not change them.
    staff = ws.save_response(store, STAFF, run.id, NIMLAHAKOK, lang="es", texts={"focus": "Reforestación"})
    assert staff.side == NIMLAHAKOK and store.changes(node_id=staff.id, limit=1)[0].actor == "user:sam"
    herent = ws.save_response(store, ANA, run.id, HERENT, lang="nl", texts={"focus": "Herbebossing"},
                              based_on=herent.version)
    translated = ws.add_translation(store, LUIS, herent.id, "focus", "es", "Reforestación", herent.version)
    assert translated.text_in("focus", "es") == ("Reforestación", "es", False)
    unchanged(store, lambda: ws.add_translation(store, OTHER, herent.id, "focus", "fr", "x", translated.version),
              "not_an_editor")
    unchanged(store, lambda: ws.add_translation(store, LUIS, herent.id, "focus", "nl", "x", translated.version),
              "unknown_language")
    unchanged(store, lambda: ws.add_translation(store, LUIS, herent.id, "focus", "fr", "x", herent.version), "stale")


def concerns(store, target):
    return [e for e in store.edges_of(PARTNERSHIP, ["CONCERNS"]) if e.target == target]


def test_derived_edges_carry_their_source_and_go_when_dropped(seeded_store):
    store = seeded_store
    seeded = {e.target for e in store.edges_of(PARTNERSHIP, ["CONCERNS"]) if e.source == PARTNERSHIP}
    assert "theme:international-municipal-cooperation" in seeded and "theme:youth" not in seeded
    run = ws.start_run(store, ANA, PARTNERSHIP, EXPECTATIONS, SPRING)
    herent = ws.save_response(store, ANA, run.id, HERENT, lang="nl",
                              choices={"themes": ["theme:youth", "theme:international-municipal-cooperation"]})
    [youth] = concerns(store, "theme:youth")
    assert youth.props["source"] == run.id
    [participation] = concerns(store, "theme:international-municipal-cooperation")
    assert participation.props["source"] != run.id  # the seeded edge is left as it was
    assert {e.target for e in store.edges_of(run.id, ["YIELDED"])} == {"theme:youth", "theme:international-municipal-cooperation"}
    nimla = ws.save_response(store, LUIS, run.id, NIMLAHAKOK, lang="es", choices={"themes": ["theme:youth"]})
    herent = ws.save_response(store, ANA, run.id, HERENT, lang="nl", choices={"themes": []}, based_on=herent.version)
    assert concerns(store, "theme:youth")  # Nimlaha'kok still names it
    assert concerns(store, "theme:international-municipal-cooperation")[0].props == participation.props  # never touched
    assert {e.target for e in store.edges_of(run.id, ["YIELDED"])} == {"theme:youth"}
    ws.save_response(store, LUIS, run.id, NIMLAHAKOK, lang="es", choices={"themes": []}, based_on=nimla.version)
    assert concerns(store, "theme:youth") == [] and store.edges_of(run.id, ["YIELDED"]) == []
    assert concerns(store, "theme:international-municipal-cooperation")[0].props == participation.props


def test_a_theme_two_runs_yield_stays_when_one_drops_it(seeded_store):
    store = seeded_store
    first = ws.start_run(store, ANA, PARTNERSHIP, EXPECTATIONS, SPRING)
    second = ws.start_run(store, ANA, PARTNERSHIP, EXPECTATIONS, AUTUMN)
    a = ws.save_response(store, ANA, first.id, HERENT, lang="nl", choices={"themes": ["theme:youth"]})
    ws.save_response(store, ANA, second.id, HERENT, lang="nl", choices={"themes": ["theme:youth"]})
    ws.save_response(store, ANA, first.id, HERENT, lang="nl", choices={"themes": []}, based_on=a.version)
    [edge] = concerns(store, "theme:youth")
    assert edge.props["source"] == second.id


def test_stakeholders_and_ambitions_become_nodes_of_the_partnership(seeded_store):
    store = seeded_store
    run = ws.start_run(store, ANA, PARTNERSHIP, "exercise:six-base-tools", SPRING)
    saved = ws.save_response(store, ANA, run.id, HERENT, lang="nl",
                             lines={"stakeholders": ["vvsg", "Jeugdraad Herent", "  "],
                                    "ambitions": ["Jongeren betrekken bij het klimaatplan"]})
    assert saved.lines["stakeholders"] == ("vvsg", "Jeugdraad Herent")
    stakeholders = {e.source for e in store.edges_of(PARTNERSHIP, ["STAKEHOLDER_IN"])}
    assert stakeholders == {"organisation:vvsg", "organisation:jeugdraad-herent"}  # VVSG matched, folded
    assert store.get_node("organisation:vvsg").props["source"] == "source:vvsg-2022"  # an existing node, untouched
    new = store.get_node("organisation:jeugdraad-herent").props
    assert (new["name"], new["source"]) == ("Jeugdraad Herent", run.id)
    [pursues] = [e for e in store.edges_of(PARTNERSHIP, ["PURSUES"]) if e.props.get("source") == run.id]
    objective = store.get_node(pursues.target).props
    assert objective["name_nl"] == "Jongeren betrekken bij het klimaatplan" and objective["original_lang"] == "nl"
    ws.save_response(store, ANA, run.id, HERENT, lang="nl", lines={"stakeholders": ["VVSG"]}, based_on=saved.version)
    assert store.get_node("organisation:jeugdraad-herent") is None  # made by this run, now named by no one
    assert store.get_node(pursues.target) is None
    assert store.get_node("organisation:vvsg") is not None
    assert {e.source for e in store.edges_of(PARTNERSHIP, ["STAKEHOLDER_IN"])} == {"organisation:vvsg"}


def practised(index, theme):
    return theme in index.offers.get(HERENT, {})


def test_a_theme_chosen_in_a_run_shows_in_matching_evidence(seeded_store):
    store = seeded_store
    theme = "theme:child-rights"
    before = match_index(store)
    assert not practised(before, theme)
    run = ws.start_run(store, ANA, PARTNERSHIP, "exercise:sdg-circle", SPRING)
    ws.save_response(store, LUIS, run.id, NIMLAHAKOK, lang="es", choices={"central_theme": [theme],
                                                                          "sdgs": ["sdg:17"]})
    updated = update_index(store, before)  # the index follows the write without a full build
    # What a run yields counts for matching once the run is published (graph/workspace/privacy.py).
    assert updated is not None and not practised(updated, theme)
    ws.publish_run(store, ANA, run.id)
    assert practised(build_index(store), theme)
    result = match(store, MatchRequest(municipality="municipality:brasschaat-belgium", themes=(theme,), limit=50))
    herent = next(c for c in result.candidates if c.id == HERENT)
    evidence = [ev for ev in herent.evidence if ev.about == theme]
    assert evidence
    steps = [edge for ev in evidence for path in ev.paths for edge in path]
    assert any(e.key == (PARTNERSHIP, "CONCERNS", theme) and e.props["source"] == run.id for e in steps)


def test_compare_the_two_sides_and_two_dates(seeded_store):
    store = seeded_store
    spring = ws.start_run(store, ANA, PARTNERSHIP, RADAR, SPRING, notions=["inclusion", "transparency", "feedback"],
                          own_notions=[("Vertrouwen", "nl")])
    radar_answer(store, ANA, spring, HERENT, "nl", {"inclusion": 4, "transparency": 3, "feedback": 2, "own_1": 4})
    radar_answer(store, LUIS, spring, NIMLAHAKOK, "es", {"inclusion": 1, "transparency": 3, "own_1": 5})
    spring = ws.run(store, spring.id)
    sides = ws.compare(spring)
    assert sides.mode == "sides" and [s.side for s in sides.series] == [HERENT, NIMLAHAKOK]
    rows = {r.key: r for r in sides.rows}
    assert [r.key for r in sides.highlighted] == ["inclusion"]
    [diff] = rows["inclusion"].differences
    assert (diff.value, diff.highlighted) == (-3, True)
    assert rows["transparency"].differences[0].value == 0 and not rows["transparency"].highlighted
    assert rows["feedback"].differences == ()  # Nimlaha'kok gave no score
    autumn = ws.start_run(store, ANA, PARTNERSHIP, RADAR, AUTUMN, notions=["inclusion", "transparency", "influence"],
                          own_notions=[("vertrouwen", "nl")])
    radar_answer(store, ANA, autumn, HERENT, "nl", {"inclusion": 5, "transparency": 1, "influence": 3, "own_1": 4})
    autumn = ws.run(store, autumn.id)
    dates = ws.compare(autumn, spring)  # given in any order: the older run comes first
    assert dates.mode == "dates" and [r.id for r in dates.runs] == [spring.id, autumn.id]
    assert len(dates.series) == 4
    rows = {r.key: r for r in dates.rows}
    herent_spring, herent_autumn = f"{spring.id}|{HERENT}", f"{autumn.id}|{HERENT}"
    by_pair = {(d.from_series, d.to_series): d for d in rows["transparency"].differences}
    assert by_pair[(herent_spring, herent_autumn)].value == -2 and by_pair[(herent_spring, herent_autumn)].highlighted
    assert rows["feedback"].only_in == spring.id and rows["influence"].only_in == autumn.id
    assert rows["own_1"].only_in is None and rows["own_1"].scores[herent_autumn] == 4  # same label, folded
    assert rows["inclusion"].scores == {herent_spring: 4, f"{spring.id}|{NIMLAHAKOK}": 1, herent_autumn: 5}
    other = ws.start_run(store, ANA, PARTNERSHIP, EXPECTATIONS, AUTUMN)
    with pytest.raises(ws.WorkspaceError) as caught:
        ws.compare(spring, other)
    assert caught.value.code == "not_comparable"


def test_compare_shows_prompts_side_by_side(seeded_store):
    run = ws.start_run(seeded_store, ANA, PARTNERSHIP, EXPECTATIONS, SPRING)
    ws.save_response(seeded_store, ANA, run.id, HERENT, lang="nl", texts={"want": "Van elkaar leren"})
    ws.save_response(seeded_store, LUIS, run.id, NIMLAHAKOK, lang="es", texts={"want": "Aprender unos de otros"})
    [want] = [r for r in ws.compare(ws.run(seeded_store, run.id)).rows if r.key == "want"]
    assert want.texts == {f"{run.id}|{HERENT}": ("Van elkaar leren", "nl"),
                          f"{run.id}|{NIMLAHAKOK}": ("Aprender unos de otros", "es")}


def test_adapting_a_template_leaves_past_runs_as_they_were(seeded_store):
    store = seeded_store
    past = ws.start_run(store, ANA, PARTNERSHIP, RADAR, SPRING)
    template = ws.template(store, RADAR)
    adapted = ws.adapt_template(
        store, STAFF, RADAR, labels={("inclusion", "nl"): "Insluiting", ("name", "es"): "Nuestro radar"},
        add=[ws.Item("trust", "score", {"nl": "Vertrouwen", "fr": "Confiance", "es": "Confianza", "en": "Trust"})],
        hide=["feedback"], based_on=template.version)
    assert adapted.item("inclusion").label["nl"] == "Insluiting" and adapted.name("es") == "Nuestro radar"
    assert [i.key for i in adapted.notion_items][-1] == "trust" and adapted.item("feedback") is None
    assert [i.key for i in adapted.hidden] == ["feedback"] and adapted.notions[2] == 8
    assert store.changes(node_id=RADAR, limit=1)[0].actor == "user:sam"
    again = ws.run(store, past.id)
    assert again.item("inclusion").label["nl"] == "Iedereen kan meedoen" and again.item("feedback") is not None
    assert again.item("trust") is None
    new = ws.start_run(store, ANA, PARTNERSHIP, RADAR, AUTUMN)
    assert new.item("trust").label_in("es") == ("Confianza", "es") and new.item("feedback") is None
    unchanged(store, lambda: ws.adapt_template(store, STAFF, RADAR, hide=["inclusion"], based_on=template.version),
              "stale")
    unchanged(store, lambda: ws.adapt_template(store, STAFF, RADAR, hide=["nothing"], based_on=adapted.version),
              "unknown_item")
    unchanged(store, lambda: ws.adapt_template(store, STAFF, RADAR, add=[ws.Item("trust", "score", {"nl": "x"})],
                                               based_on=adapted.version), "duplicate_notion")
    unchanged(store, lambda: ws.adapt_template(store, STAFF, RADAR, add=[ws.Item("care", "score", {"nl": "Zorg"})],
                                               based_on=adapted.version), "unknown_language")
    unchanged(store, lambda: ws.adapt_template(
        store, STAFF, RADAR, hide=["inclusion", "transparency", "influence", "clear_mandate", "time_resources",
                                   "mutual_learning"], based_on=adapted.version), "too_few_notions")
    unchanged(store, lambda: ws.adapt_template(store, STAFF, EXPECTATIONS, add=[ws.Item("trust", "score", {
        "nl": "Vertrouwen", "fr": "Confiance", "es": "Confianza", "en": "Trust"})],
        based_on=ws.template(store, EXPECTATIONS).version), "unknown_item")


def test_a_response_save_is_revertible(seeded_store):
    store = seeded_store
    run = ws.start_run(store, ANA, PARTNERSHIP, "exercise:six-base-tools", SPRING)
    first = ws.save_response(store, ANA, run.id, HERENT, lang="nl", texts={"focus": "Participatie"},
                             choices={}, lines={"stakeholders": ["Jeugdraad Herent"]})
    second = ws.save_response(store, ANA, run.id, HERENT, lang="nl", texts={"focus": "Klimaat"},
                              lines={"stakeholders": ["Natuurpunt Herent"]}, based_on=first.version)
    assert store.get_node("organisation:jeugdraad-herent") is None
    editing.revert(store, second.version, "user:ana")
    back = ws.run(store, run.id).responses[HERENT]
    assert back.texts == {"focus": "Participatie"} and back.lines == {"stakeholders": ("Jeugdraad Herent",)}
    assert store.get_node("organisation:jeugdraad-herent") is not None
    assert store.get_node("organisation:natuurpunt-herent") is None
    assert {e.source for e in store.edges_of(PARTNERSHIP, ["STAKEHOLDER_IN"])} == {"organisation:jeugdraad-herent"}
    # The first answer created nodes and changed the run: undone completely, as one change in the history.
    assert len(editing.revert(store, first.version, "user:ana")) == 1
    assert ws.run(store, run.id).responses == {}
    assert store.get_node("organisation:jeugdraad-herent") is None
    assert store.edges_of(run.id, ["YIELDED"]) == []


def test_every_refusal_code_is_documented():
    docs = (Path(__file__).parents[3] / "docs" / "workspace.md").read_text(encoding="utf-8")
    assert [code for code in ws.CODES if f"`{code}`" not in docs] == []


def test_the_network_page_shows_a_runs_themes_and_stakeholders(seeded_store):
    from graph.network.selection import default_association, network_filter, read_network

    store = seeded_store
    run = ws.start_run(store, ANA, PARTNERSHIP, "exercise:six-base-tools", SPRING)
    ws.save_response(store, ANA, run.id, HERENT, lang="nl", lines={"stakeholders": ["Jeugdraad Herent"]})
    circle = ws.start_run(store, ANA, PARTNERSHIP, "exercise:sdg-circle", SPRING)
    ws.save_response(store, ANA, circle.id, HERENT, lang="nl", choices={"central_theme": ["theme:child-rights"]})
    # The network is public: what unpublished runs yield is not in it (graph/workspace/privacy.py) ...
    net = read_network(store, network_filter(store, association=default_association(store)))
    assert "organisation:jeugdraad-herent" not in net.actors
    assert ("organisation:jeugdraad-herent", "STAKEHOLDER_IN", PARTNERSHIP) not in {e.key for e in net.links}
    # ... until they are published.
    ws.publish_run(store, ANA, run.id)
    ws.publish_run(store, ANA, circle.id)
    net = read_network(store, network_filter(store, association=default_association(store)))
    assert "theme:child-rights" in net.themes_of[PARTNERSHIP]
    assert ("organisation:jeugdraad-herent", "STAKEHOLDER_IN", PARTNERSHIP) in {e.key for e in net.links}
    assert "organisation:jeugdraad-herent" in net.actors


def test_both_sides_saving_at_once_keep_both_sides_themes(seeded_store):
    import threading

    store = seeded_store
    run = ws.start_run(store, ANA, PARTNERSHIP, EXPECTATIONS, SPRING)
    errors = []

    def save(account, side, lang, theme):
        try:
            ws.save_response(store, account, run.id, side, lang=lang, choices={"themes": [theme]})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(ANA, HERENT, "nl", "theme:child-rights")),
               threading.Thread(target=save, args=(LUIS, NIMLAHAKOK, "es", "theme:water"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {e.target for e in store.edges_of(run.id, ["YIELDED"])} == {"theme:child-rights", "theme:water"}
    assert concerns(store, "theme:child-rights") and concerns(store, "theme:water")


def test_a_save_planned_before_the_other_sides_save_is_planned_again(seeded_dir, tmp_path):
    """Two workers (two handles on one embedded store): Herent drops a theme while Nimlaha'kok, in another
    process, names it. Herent's save was planned before Nimlaha'kok's landed; it must not remove the edge."""
    import shutil

    from graph.stores.sqlite.store import EmbeddedStore

    shutil.copytree(seeded_dir, tmp_path / "kb")
    herent_worker, nimlahakok_worker = EmbeddedStore(tmp_path / "kb"), EmbeddedStore(tmp_path / "kb")
    run = ws.start_run(herent_worker, ANA, PARTNERSHIP, EXPECTATIONS, SPRING)
    ws.save_response(herent_worker, ANA, run.id, HERENT, lang="nl", choices={"themes": ["theme:water"]})
    based_on = editing.version_of(herent_worker, ws.response_id(run.id, HERENT))
    write, raced = herent_worker.write, []

    def write_after_the_other_side(*args, **kwargs):
        if not raced:  # the other worker's save commits between this save's plan and its write
            raced.append(ws.save_response(nimlahakok_worker, LUIS, run.id, NIMLAHAKOK, lang="es",
                                          choices={"themes": ["theme:water"]}))
        return write(*args, **kwargs)

    herent_worker.write = write_after_the_other_side
    saved = ws.save_response(herent_worker, ANA, run.id, HERENT, lang="nl", choices={"themes": []},
                             based_on=based_on)
    assert raced and saved.choices.get("themes", ()) == ()
    assert concerns(nimlahakok_worker, "theme:water")  # Nimlaha'kok still names it: the edge stays
    assert "theme:water" in {e.target for e in nimlahakok_worker.edges_of(run.id, ["YIELDED"])}
    herent_worker.close()
    nimlahakok_worker.close()
