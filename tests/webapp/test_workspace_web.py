"""The partnership workspace through the web app, on every backend: pages and their JSON twins, the forms,
permissions, refusals that write nothing, stale saves, the report and escaping."""

from __future__ import annotations

import re

import pytest
from webhelpers import PASSWORD, csrf_token, post_json, sign_in

from graph import workspace as ws
from graph.accounts.model import open_accounts

HERENT = "municipality:herent-belgium"
NIMLAHAKOK = "municipality:nimlahakok-guatemala"
PARTNERSHIP = "partnership:herent-nimlahakok"
WS = "/{lang}/partnerships/herent-nimlahakok/workspace"


def url(lang: str = "en", rest: str = "") -> str:
    return WS.format(lang=lang) + rest


@pytest.fixture
def accounts(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("rosa", PASSWORD, "editor", [NIMLAHAKOK], "Rosa")
    accounts.add("tom", PASSWORD, "editor", ["municipality:tarija-bolivia"])
    accounts.add("vera", PASSWORD, "staff")
    yield accounts
    accounts.clear()


@pytest.fixture
def ana(client, accounts):
    sign_in(client, "ana")
    return client


@pytest.fixture
def rosa(app, accounts):
    other = app.test_client()
    sign_in(other, "rosa")
    return other


def unchanged(store, action):
    """Run ``action`` and assert that it wrote nothing."""
    before = store.changes(limit=1)
    response = action()
    assert store.changes(limit=1) == before, "a refused request wrote something"
    return response


def start(client, exercise: str, held_on: str, lang: str = "en", **fields):
    """Start a session through the form; return the response of the POST."""
    form = client.get(url(lang, f"/start/{exercise}.json")).get_json()
    data = {"held_on": held_on, "csrf_token": form["csrf_token"], "notions": form["values"]["notions"], **fields}
    return client.post(url(lang, f"/start/{exercise}"), data=data)


def started(client, exercise: str, held_on: str, **fields) -> str:
    """Start a session and return its page's path."""
    response = start(client, exercise, held_on, **fields)
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def answer_form(client, run_path: str, side: str, lang: str = "en") -> dict:
    return client.get(f"{run_path}/answer/{side}.json".replace("/en/", f"/{lang}/", 1)).get_json()


def answer(client, run_path: str, side: str, lang: str = "en", **fields):
    """POST one side's answers with the form's version and CSRF token (fields override)."""
    form = answer_form(client, run_path, side, lang)
    data = {"csrf_token": form["csrf_token"], "version": form["version"], "answer_lang": lang, **fields}
    return client.post(f"{run_path}/answer/{side}".replace("/en/", f"/{lang}/", 1), data=data)


def test_the_workspace_lists_the_exercises_and_is_linked_from_the_partnership(client, accounts):
    page = client.get(url("nl"))
    assert page.status_code == 200
    assert "Participatieradar" in page.text and "Wederzijdse verwachtingen" in page.text
    twin = client.get(url("nl", ".json")).get_json()
    assert [e["id"] for e in twin["exercises"]][:1] and len(twin["exercises"]) == 5
    assert all(e["start_url"] is None and e["runs"] == [] for e in twin["exercises"])  # a reader starts nothing
    assert {p["id"] for p in twin["partners"]} == {HERENT, NIMLAHAKOK}
    partnership = client.get("/nl/partnerships/herent-nimlahakok").text
    assert 'href="/nl/partnerships/herent-nimlahakok/workspace"' in partnership
    assert client.get("/nl/partnerships/nothing-here/workspace").status_code == 404


@pytest.mark.both_stores
def test_two_editors_answer_a_radar_in_their_own_languages(ana, rosa, seeded_store):
    run_path = started(ana, "participation-radar", "2024-03-15")
    run_id = "run:" + run_path.rsplit("/", 1)[1]
    [change] = seeded_store.changes(node_id=run_id, limit=1)
    assert change.actor == "user:ana"
    scores = {"score_shared_ownership": "4", "score_clear_mandate": "3", "score_inclusion": "2"}
    saved = answer(ana, run_path, "herent-belgium", "nl", role_civil_servant="2", role_elected="1",
                   text_experience="Een buurtbudget waar <b>bewoners</b> zelf over beslisten.", **scores)
    assert saved.status_code == 303, saved.text
    saved = answer(rosa, run_path, "nimlahakok-guatemala", "es", role_citizen="3",
                   text_experience="Una asamblea comunitaria decidió el uso del agua.",
                   score_shared_ownership="2", score_clear_mandate="3", score_inclusion="5")
    assert saved.status_code == 303, saved.text
    found = ws.run(seeded_store, run_id)
    assert found.responses[HERENT].lang == "nl" and found.responses[NIMLAHAKOK].scores["inclusion"] == 5
    assert found.responses[HERENT].participants.count("civil_servant") == 2

    page = ana.get(run_path.replace("/en/", "/nl/"))
    assert page.status_code == 200
    assert "<p>Jullie antwoorden zijn opgeslagen.</p></div>" in page.text  # said once, after the save
    assert 'class="saved"' not in ana.get(run_path.replace("/en/", "/nl/")).text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="radar"' in page.text and 'role="img"' in page.text
    assert "Het project is van iedereen" in page.text  # the notions in the page's language
    # The Spanish answer is shown as written, marked, with an offer to translate it.
    assert '<div class="answer-text" lang="es"><p>Una asamblea comunitaria' in page.text
    assert "Add a translation" not in page.text and "Vertaling in het Nederlands toevoegen" in page.text
    assert "&lt;b&gt;bewoners&lt;/b&gt;" in page.text  # escaped, never markup
    # The table beside the chart: inclusion differs by 3 >= the highlight (2), so it is marked in words too.
    twin = ana.get(run_path + ".json").get_json()
    rows = {r["key"]: r for r in twin["radar"]["rows"]}
    assert rows["inclusion"]["scores"] == [2, 5] and rows["inclusion"]["highlighted"]
    assert not rows["clear_mandate"]["highlighted"] and "svg" not in twin["radar"]
    assert [s["answer_url"] is not None for s in twin["sides"]] == [True, False]
    # The history of one side's answers names the notions and roles in the reader's language.
    response = ws.response_id(run_id, HERENT)
    history = ana.get(f"/nl/history/responses/{response.split(':', 1)[1]}.json").get_json()
    assert history["title"].startswith("Geschiedenis van Participatieradar")
    rows = {r["key"]: r for r in history["changes"][0]["items"][0]["diff"]}
    assert rows["score_inclusion"]["label"] == "Score: Iedereen kan meedoen"
    assert rows["participants"]["label"] == "Deelnemers" and rows["participants"]["before"] is None
    assert set(rows["participants"]["after"].split(", ")) == {
        "2 × Ambtenaar of coördinator", "1 × Politieke mandataris (burgemeester", "schepen", "gemeenteraadslid)"}


def test_a_translation_is_added_and_shown_with_its_original(ana, rosa, seeded_store):
    run_path = started(ana, "mutual-expectations", "2024-04-02")
    assert answer(rosa, run_path, "nimlahakok-guatemala", "es", text_want="Aprender juntos sobre el agua.",
                  themes_themes=["theme:water"]).status_code == 303
    page = ana.get(run_path.replace("/en/", "/nl/")).text
    link = re.search(r'href="([^"]+/translate/nimlahakok-guatemala\?key=want&amp;to=nl)"', page)
    assert link, "no link to translate the Spanish answer"
    target = link.group(1).replace("&amp;", "&")
    form = ana.get(target)
    assert form.status_code == 200 and "Aprender juntos sobre el agua." in form.text
    twin = ana.get(target.replace("/translate/nimlahakok-guatemala?", "/translate/nimlahakok-guatemala.json?"))
    data = twin.get_json()
    saved = ana.post(target, data={"csrf_token": data["csrf_token"], "version": data["version"],
                                   "response": "x", "key": "want", "to": "nl", "text": "Samen leren over water."})
    assert saved.status_code == 303, saved.text
    page = ana.get(run_path.replace("/en/", "/nl/")).text
    assert "Samen leren over water." in page and "Vertaald uit het Spaans" in page
    assert '<p lang="es">Aprender juntos sobre el agua.</p>' in page  # the original, behind <details>
    # The comparison shows the same answer the same way: the translation, its original behind it.
    compare = ana.get(url("nl", f"/compare?a={run_path.rsplit('/', 1)[1]}")).text
    assert "Samen leren over water." in compare and "Vertaald uit het Spaans" in compare
    # The chosen theme became the partnership's, with the session as its source.
    assert any(e.key == (PARTNERSHIP, "CONCERNS", "theme:water") and e.props.get("source") == "run:"
               + run_path.rsplit("/", 1)[1] for e in seeded_store.edges_of(PARTNERSHIP, ["CONCERNS"]))


def test_refusals_are_shown_on_the_form_with_the_input_kept_and_write_nothing(ana, seeded_store):
    run_path = started(ana, "participation-radar", "2024-05-01")
    kept = "Mijn antwoord blijft staan."
    out_of_range = unchanged(seeded_store, lambda: answer(ana, run_path, "herent-belgium", "nl",
                                                          score_inclusion="9", text_experience=kept))
    assert out_of_range.status_code == 400 and kept in out_of_range.text
    assert "Geef een score van 1 tot 5 voor “Iedereen kan meedoen”." in out_of_range.text  # the scale and the notion named
    form = ana.get(run_path.replace("/en/", "/nl/") + "/answer/herent-belgium").text
    # A browser would cut a pasted text silently; the server says what is too long and keeps it.
    assert "<textarea" in form and not re.search(r"<textarea[^>]*maxlength", form)
    too_long = unchanged(seeded_store, lambda: answer(ana, run_path, "herent-belgium", "nl",
                                                      text_experience="x" * 5001))
    assert too_long.status_code == 400 and "Hoogstens 5000 tekens" in too_long.text
    unknown_theme = unchanged(seeded_store, lambda: answer(ana, run_path, "herent-belgium", "en",
                                                           text_experience=kept, role_youth="-1"))
    assert unknown_theme.status_code == 400 and kept in unknown_theme.text
    # A refusal of the domain itself (more notions than a radar takes), translated, nothing written.
    own = "\n".join(f"Eigen begrip {n}" for n in range(1, 8))
    too_many = unchanged(seeded_store, lambda: start(ana, "participation-radar", "2024-05-02", "nl",
                                                     own_notions=own))
    assert too_many.status_code == 400 and "Kies hoogstens 12 kernideeën." in too_many.text
    assert "Eigen begrip 7" in too_many.text  # what was typed is still in the form
    bad_date = unchanged(seeded_store, lambda: start(ana, "participation-radar", "1900-01-01", "nl"))
    assert bad_date.status_code == 400 and "1900-01-01" in bad_date.text
    no_csrf = unchanged(seeded_store, lambda: ana.post(run_path + "/answer/herent-belgium",
                                                       data={"answer_lang": "nl", "version": "0"}))
    assert no_csrf.status_code == 400 and "did not come from this site" in no_csrf.text


@pytest.mark.both_stores
def test_a_stale_save_shows_what_changed_and_keeps_the_answers(ana, seeded_store):
    run_path = started(ana, "mental-photos", "2024-06-01")
    form = answer_form(ana, run_path, "herent-belgium")
    assert answer(ana, run_path, "herent-belgium", text_now="Eerste versie").status_code == 303
    late = unchanged(seeded_store, lambda: ana.post(run_path + "/answer/herent-belgium", data={
        "csrf_token": form["csrf_token"], "version": form["version"], "answer_lang": "nl",
        "text_now": "Mijn late versie"}))
    assert late.status_code == 409
    assert "Mijn late versie" in late.text and "Changed meanwhile" in late.text
    assert "Someone else saved answers here after you opened the form" in late.text
    # That is said first, once, and not as "correct the fields marked below" (no field is wrong).
    assert late.text.index("Someone else saved answers here") < late.text.index("Changed meanwhile")
    assert late.text.count("Someone else saved answers here") == 1 and "correct the fields" not in late.text


def test_only_the_sides_editors_answer_and_only_staff_adapt(client, ana, accounts, seeded_store):
    run_path = started(ana, "mental-photos", "2024-07-01")
    assert ana.get(run_path + "/answer/nimlahakok-guatemala").status_code == 403
    assert ana.get(run_path + "/answer/tarija-bolivia").status_code == 404  # not a side of this partnership
    tom = client.application.test_client()
    sign_in(tom, "tom")
    assert tom.get(url("en", "/start/mental-photos")).status_code == 403
    token = csrf_token(tom)
    refused = unchanged(seeded_store, lambda: tom.post(url("en", "/start/mental-photos"), data={
        "csrf_token": token, "held_on": "2024-07-02"}))
    assert refused.status_code == 403
    # An unpublished session is not there for an editor of neither side (graph/workspace/privacy.py).
    assert tom.get(run_path + "/answer/herent-belgium").status_code == 404
    reader = client.application.test_client()
    assert reader.get(run_path + "/answer/herent-belgium").status_code == 302
    assert reader.get(run_path + "/answer/herent-belgium.json").status_code == 401
    assert ana.get("/en/exercises/participation-radar/adapt").status_code == 403


def test_staff_adapt_an_exercise_and_past_sessions_keep_theirs(ana, app, accounts, seeded_store):
    run_path = started(ana, "participation-radar", "2024-08-01")
    vera = app.test_client()
    sign_in(vera, "vera")
    form = vera.get("/en/exercises/participation-radar/adapt.json").get_json()
    data = {"csrf_token": form["csrf_token"], "version": form["version"],
            "name_es": "Radar de la participación ciudadana",
            "label_inclusion_en": "Inclusion of everyone", "new_key": "trust", "new_type": "score",
            "new_label_nl": "Vertrouwen", "new_label_fr": "Confiance", "new_label_es": "Confianza",
            "new_label_en": "Trust"}
    missing = unchanged(seeded_store, lambda: vera.post("/en/exercises/participation-radar/adapt",
                                                        data=dict(data, new_label_es="")))
    assert missing.status_code == 400 and "Give the new item a label in every language." in missing.text
    assert 'value="Inclusion of everyone"' in missing.text  # the input is kept
    saved = vera.post("/en/exercises/participation-radar/adapt", data=data)
    assert saved.status_code == 303, saved.text
    template = ws.template(seeded_store, "exercise:participation-radar")
    assert template.item("inclusion").label["en"] == "Inclusion of everyone" and template.item("trust")
    assert template.name("es") == "Radar de la participación ciudadana" and template.name("nl") == "Participatieradar"
    assert ws.run(seeded_store, "run:" + run_path.rsplit("/", 1)[1]).item("trust") is None
    # The same form sent again is based on the version before that save: refused, with what changed.
    late = unchanged(seeded_store, lambda: vera.post("/en/exercises/participation-radar/adapt", data=dict(
        data, new_key="", label_inclusion_en="Inclusion")))
    assert late.status_code == 409 and "Changed meanwhile" in late.text
    assert f'name="version" value="{ws.version_of(seeded_store, template.id)}"' in late.text


def test_json_clients_answer_with_the_same_fields(ana, seeded_store):
    run_path = started(ana, "mental-photos", "2024-11-01")
    saved = post_json(ana, run_path + "/answer/herent-belgium.json", {
        "answer_lang": "nl", "version": "0", "text_now": "Een gelijkwaardige relatie.", "role_citizen": 2})
    assert saved.status_code == 200 and saved.get_json()["saved"]
    response = ws.run(seeded_store, "run:" + run_path.rsplit("/", 1)[1]).responses[HERENT]
    assert response.texts["now"] == "Een gelijkwaardige relatie." and response.participants == ("citizen", "citizen")
    refused = unchanged(seeded_store, lambda: post_json(ana, run_path + "/answer/herent-belgium.json", {
        "answer_lang": "nl", "version": "0", "text_now": "Te laat."}))
    assert refused.status_code == 409 and refused.get_json()["stale"]


def test_compare_two_dated_sessions_highlights_the_difference(ana, rosa, seeded_store):
    first = started(ana, "participation-radar", "2019-05-01")
    second = started(ana, "participation-radar", "2024-05-01")
    for path, score in ((first, "1"), (second, "4")):
        assert answer(ana, path, "herent-belgium", "nl", score_inclusion=score,
                      score_transparency="3").status_code == 303
    compare = ana.get(url("nl", f"/compare?a={first.rsplit('/', 1)[1]}&b={second.rsplit('/', 1)[1]}"))
    assert compare.status_code == 200, compare.text
    assert compare.text.count('class="radar"') == 1 and "⚠" in compare.text
    twin = ana.get(url("en", f"/compare.json?a={first.rsplit('/', 1)[1]}&b={second.rsplit('/', 1)[1]}"))
    rows = {r["key"]: r for r in twin.get_json()["radar"]["rows"]}
    assert rows["inclusion"]["highlighted"] and not rows["transparency"]["highlighted"]
    assert ana.get(url("en", "/compare?a=nothing")).status_code == 404
    assert ana.get(url("en", "/compare")).status_code == 400
    workspace = ana.get(url("en", ".json")).get_json()
    radar = next(e for e in workspace["exercises"] if e["id"] == "exercise:participation-radar")
    assert [r["held_on"] for r in radar["runs"]] == ["2024-05-01", "2019-05-01"] and radar["compare_url"]


def test_the_report_gives_every_answer_in_two_languages_for_print(ana, rosa, seeded_store):
    run_path = started(ana, "mutual-expectations", "2024-09-01")
    assert answer(rosa, run_path, "nimlahakok-guatemala", "es", text_bring="<script>alert(1)</script> Experiencia",
                  ).status_code == 303
    report = ana.get(url("nl", "/report?other=es"))
    assert report.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Experiencia" in report.text and "<script>alert" not in report.text
    assert "Nog geen vertaling in het Nederlands." in report.text and "(origineel)" in report.text
    assert "workspace.css" in report.text
    # Each language column is headed by the language's own name, marked as that language.
    assert '<th scope="col" lang="nl">Nederlands</th><th scope="col" lang="es">Español</th>' in report.text
    css = ana.get("/static/workspace.css").text
    assert "@media print" in css and "header.site" in css
    assert ana.get(url("nl", "/report?other=xx")).status_code == 400
    assert ana.get(url("nl", "/report?other=nl")).status_code == 400
    assert ana.get(url("nl", "/report.json")).get_json()["other"] == "es"  # the language the partner wrote in
    twin = ana.get(url("nl", "/report.json?other=es")).get_json()
    [run] = twin["runs"]
    bring = next(i for i in run["items"] if i["key"] == "bring")
    spanish = next(a for a in bring["answers"] if a["side"] == NIMLAHAKOK)
    assert spanish["other"]["is_original"] and spanish["other"]["lang"] == "es"


def test_every_refusal_code_has_a_translated_message(app):
    from webapp.forms.workspace import PRECISE_REFUSALS, REFUSALS, refusal_message

    assert set(ws.CODES) == set(REFUSALS)
    for lang in ("nl", "fr", "es", "en"):
        with app.test_request_context(f"/{lang}/"):
            from flask import g

            g.lang = lang
            for code in ws.CODES:
                message = refusal_message(ws.WorkspaceError(code, "x", key="k", value="v", min=1, max=5,
                                                            municipality="Herent"))
                assert message and "%(" not in message, (lang, code)
            assert refusal_message(ws.WorkspaceError("score_out_of_range", "x")) != ""  # details missing
            for code, doing in PRECISE_REFUSALS:
                assert refusal_message(ws.WorkspaceError(code, "x"), doing)


def test_session_nodes_lead_to_their_page(ana, seeded_store):
    run_path = started(ana, "mental-photos", "2024-10-01")
    local = run_path.rsplit("/", 1)[1]
    node_page = ana.get(f"/en/runs/{local}")
    assert node_page.status_code == 200 and f'href="{run_path}"' in node_page.text
    assert "item_now_label" not in node_page.text  # the flat properties stay on the session's own page
