"""The SDG suggester (graph/sdgs/): suggestions per language, and a person's verdict on both stores,
through the domain functions and through the edit form with and without its script's endpoint."""

from __future__ import annotations

import re

import pytest
from webhelpers import PASSWORD, csrf_token, post_json, sign_in

from graph.accounts.model import open_accounts
from graph.sdgs.review import accept, reject, rejected, suggest_for_node, tagged, text_of
from graph.sdgs.suggest import SUGGESTER_VERSION, default_suggester

# One text a partner officer could write, in each language: a drinking-water and sanitation project.
WATER = {
    "nl": "We leggen samen met de dorpen een drinkwaterleiding aan en bouwen latrines; het watercomité beheert "
          "de bronnen en de waterkwaliteit.",
    "fr": "Avec les villages, nous installons un réseau d'eau potable et construisons des latrines ; le comité de "
          "l'eau gère les sources et la qualité de l'eau.",
    "es": "Junto con las comunidades instalamos una red de agua potable y construimos letrinas; el comité de agua "
          "gestiona las fuentes y la calidad del agua.",
    "en": "Together with the villages we are laying a drinking water network and building latrines; the water "
          "committee manages the springs and the water quality.",
}
FOREST = {
    "nl": "Met de boerenfamilies planten we bomen voor de herbebossing van de hellingen tegen erosie.",
    "fr": "Avec les familles paysannes, nous plantons des arbres pour le reboisement des pentes contre l'érosion.",
    "es": "Con las familias campesinas plantamos árboles para la reforestación de las laderas contra la erosión.",
    "en": "With the farming families we plant trees to reforest the slopes against erosion.",
}
TARIJA_PROJECT = "project:water-source-protection-tarija"
EDIT_PROJECT = "/{lang}/edit/projects/water-source-protection-tarija"


@pytest.mark.parametrize("lang", ["nl", "fr", "es", "en"])
def test_each_language_finds_water_and_forests_with_the_words_behind_them(lang):
    suggester = default_suggester()
    water = suggester.suggest(WATER[lang], lang=lang)
    assert water.goals[0].id == "sdg:6" and water.lang == lang
    assert any(word.lower() in WATER[lang].lower() for word in water.goals[0].evidence)
    assert {"target:6.1", "target:6.2"} & {t.id for t in water.targets}
    assert all(t.id.startswith("target:6.") for t in water.targets)
    forest = suggester.suggest(FOREST[lang], lang=lang)
    assert forest.goals[0].id == "sdg:15"
    # Without a language, the suggester tells it from the text's own small words.
    assert suggester.suggest(WATER[lang]).lang == lang


def test_a_goal_the_text_names_is_suggested_and_nothing_comes_from_nothing():
    suggester = default_suggester()
    named = suggester.suggest("De partners kozen samen voor SDG 13.", lang="nl")
    assert named.goals[0].id == "sdg:13" and "SDG 13" in named.goals[0].evidence
    assert suggester.suggest("", lang="es").goals == ()
    assert suggester.suggest("de het een en", lang="nl").goals == ()
    excluded = suggester.suggest(WATER["en"], lang="en", exclude={"sdg:6"})
    assert "sdg:6" not in {g.id for g in excluded.goals}


def test_text_of_takes_the_original_language_else_the_longest():
    props = {"name_nl": "Bronnen beschermen", "description_nl": "Drinkwater voor Tarija",
             "name_es": "Proteger las fuentes", "description_es": "Agua potable para la población de Tarija"}
    assert text_of("Project", props, "nl") == ("Bronnen beschermen\nDrinkwater voor Tarija", "nl")
    assert text_of("Project", props, "fr")[1] == "es"
    assert text_of("Project", {}, "fr") == ("", None)


def test_accepting_tags_once_with_the_suggester_in_the_change_and_rejecting_is_per_text(seeded_store):
    store = seeded_store
    before = tagged(store, TARIJA_PROJECT)
    assert "target:6.1" not in before
    change = accept(store, TARIJA_PROJECT, "target:6.1", "user:tom")
    assert "target:6.1" in tagged(store, TARIJA_PROJECT)
    assert change.params["suggester"] == SUGGESTER_VERSION and "target:6.1" in (change.params.get("tag"), *change.params.get("tags", "").split(","))
    assert accept(store, TARIJA_PROJECT, "target:6.1", "user:tom") is None  # already tagged: no second write
    text = WATER["es"] + " (prueba de rechazo)"
    offered = {s.id for s in suggest_for_node(store, TARIJA_PROJECT, text, "es").targets}
    assert "target:6.1" not in offered  # already a tag
    first = next(iter(offered))
    reject(store, TARIJA_PROJECT, text, first)
    assert first in rejected(store, TARIJA_PROJECT, text)
    assert first in rejected(store, TARIJA_PROJECT, "  " + text.upper() + " ")  # same text, other case and spacing
    assert first not in {s.id for s in suggest_for_node(store, TARIJA_PROJECT, text, "es").targets}
    # Another text gets a fresh look.
    assert first not in rejected(store, TARIJA_PROJECT, text + " Y saneamiento.")


@pytest.fixture
def tom(client, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("tom", PASSWORD, "editor", ["municipality:tarija-bolivia"])
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent-belgium"])
    sign_in(client, "tom")
    yield client
    accounts.clear()


def test_the_json_endpoint_suggests_for_a_text_with_labels_in_the_page_language(tom):
    response = post_json(tom, "/es/sdg-suggestions.json", {"text": WATER["nl"], "text_lang": "nl"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["lang"] == "nl" and data["version"] == SUGGESTER_VERSION
    assert data["goals"][0]["id"] == "sdg:6" and data["goals"][0]["label"].startswith("6 · ")
    assert data["goals"][0]["evidence"] and data["targets"][0]["url"].startswith("/es/")


def test_the_json_endpoint_wants_a_signed_in_editor(client):
    response = client.post("/en/sdg-suggestions.json", json={"text": WATER["en"]})
    assert response.status_code in (400, 401)
    assert "goals" not in (response.get_json() or {})


def form_fields(page: str) -> dict:
    """The edit form's values as a browser without JavaScript would send them (inputs, textareas, selects)."""
    fields = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page))
    fields.update(re.findall(r'<textarea[^>]*?name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', page))
    for name, options in re.findall(r'<select[^>]*?name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.findall(r'<option[^>]*?value="([^"]*)"[^>]*?selected', options) or re.findall(
            r'<option[^>]*?value="([^"]*)"', options)[:1]
        fields[name] = chosen[0] if chosen else ""
    return {k: v for k, v in fields.items() if not k.startswith("verdict-")}


def test_edit_form_without_script_suggests_then_saves_accepted_and_remembers_rejected(tom, seeded_store):
    store = seeded_store
    page = tom.get(EDIT_PROJECT.format(lang="es")).get_data(as_text=True)
    assert 'id="sdg-suggestions"' in page and "sdg-suggest.js" in page
    fields = form_fields(page)
    fields.update(description_es=WATER["es"], original_lang="es", suggest_sdgs="1")
    version = store.version()
    shown = tom.post(EDIT_PROJECT.format(lang="es"), data=fields)
    assert shown.status_code == 200 and store.version() == version  # suggesting saves nothing
    html = shown.get_data(as_text=True)
    offered = re.findall(r'name="verdict-(target:[0-9.a-z]+)" value="accept"', html)
    assert offered and "target:6.1" not in tagged(store, TARIJA_PROJECT)
    assert "target:6.1" in offered or "target:6.2" in offered
    take = "target:6.1" if "target:6.1" in offered else "target:6.2"
    refuse = next(t for t in offered if t != take)
    del fields["suggest_sdgs"]
    fields.update({f"verdict-{take}": "accept", f"verdict-{refuse}": "reject"})
    saved = tom.post(EDIT_PROJECT.format(lang="es"), data=fields)
    assert saved.status_code == 303, re.findall(r'class="error"[^>]*>([^<]+)', saved.get_data(as_text=True))
    assert take in tagged(store, TARIJA_PROJECT) and refuse not in tagged(store, TARIJA_PROJECT)
    note = store.changes(node_id=TARIJA_PROJECT, limit=1)[0]
    assert note.code == "edit_with_suggestions" and note.params["suggester"] == SUGGESTER_VERSION
    assert take in note.params["tags"].split(",")
    again = tom.get(EDIT_PROJECT.format(lang="es")).get_data(as_text=True)
    assert f'name="verdict-{refuse}"' not in again and f'name="verdict-{take}"' not in again


def test_the_verdict_endpoint_accepts_and_rejects_and_refuses_what_is_not_yours(tom, client, seeded_store):
    store = seeded_store
    url = "/en/edit/projects/water-source-protection-tarija/sdg-suggestions.json"
    accepted = post_json(tom, url, {"accept": "sdg:15"})
    assert accepted.status_code == 200 and accepted.get_json()["change"]
    assert "sdg:15" in tagged(store, TARIJA_PROJECT)
    assert store.changes(node_id=TARIJA_PROJECT, limit=1)[0].params["suggester"] == SUGGESTER_VERSION
    text = "Agua potable para Tarija: prueba del rechazo"
    assert post_json(tom, url, {"reject": "target:6.3", "text": text}).status_code == 200
    assert "target:6.3" in rejected(store, TARIJA_PROJECT, text)
    version = store.version()
    for bad in ({"accept": "theme:water"}, {"accept": "sdg:99"}, {}, {"accept": "sdg:1", "reject": "sdg:2"}):
        assert post_json(tom, url, bad).status_code == 400, bad
    # Herent's editor may not tag Tarija's project.
    tom.post("/en/sign-out", data={"csrf_token": csrf_token(tom)})
    sign_in(tom, "ana")
    assert post_json(tom, url, {"accept": "sdg:1"}).status_code == 403
    assert store.version() == version and "sdg:1" not in tagged(store, TARIJA_PROJECT)


def test_workspace_answers_show_the_sdgs_they_speak_to_and_choose_none(client, seeded_store):
    from graph import workspace as ws

    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("rosa", PASSWORD, "editor", ["municipality:nimlahakok-guatemala"])
    try:
        sign_in(client, "rosa", lang="es")
        base = "/es/partnerships/herent-nimlahakok/workspace"
        form = client.get(base + "/start/sdg-circle.json").get_json()
        started = client.post(base + "/start/sdg-circle", data={"held_on": "2025-03-01",
                                                                 "csrf_token": form["csrf_token"]})
        assert started.status_code == 303, started.text
        run_path = started.headers["Location"]
        answer_url = f"{run_path}/answer/nimlahakok-guatemala"
        form = client.get(answer_url + ".json").get_json()
        saved = client.post(answer_url, data={"csrf_token": form["csrf_token"], "version": form["version"],
                                              "answer_lang": "es", "text_local": WATER["es"]})
        assert saved.status_code == 303, saved.text
        page = client.get(answer_url + ".json").get_json()
        sdg_group = next(g for g in page["fields"] if g["group"] == "sdgs")
        assert sdg_group["suggested"][0]["id"] == "sdg:6" and sdg_group["suggested"][0]["evidence"]
        response = ws.run(seeded_store, "run:" + run_path.rsplit("/", 1)[1]).responses[
            "municipality:nimlahakok-guatemala"]
        assert not response.choices.get("sdgs")  # shown, not chosen
        html = client.get(answer_url).get_data(as_text=True)
        assert "6 · " in html and "sdg-suggestions" in html
    finally:
        accounts.clear()


def test_the_questionnaire_preview_suggests_from_descriptions_and_links_only_what_is_confirmed(client, seeded_store):
    import csv
    import io

    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin")
    try:
        sign_in(client, "root", lang="es")
        token = csrf_token(client)
        sheet = io.StringIO()
        csv.writer(sheet, delimiter=";").writerows([
            ["name", "country", "new_municipality", "sdgs", "answer_language", "description"],
            ["Cuenca", "Ecuador", "sí", "", "es", WATER["es"]],
            ["Villa Nueva", "Guatemala", "sí", "", "es", FOREST["es"]]])
        preview = client.post("/es/admin/import-profiles.json", data={"csrf_token": token, "file": (
            io.BytesIO(sheet.getvalue().encode("utf-8")), "respuestas.csv")}, content_type="multipart/form-data")
        body = preview.get_json()
        assert preview.status_code == 200 and body["ok"], body
        assert body["rows"][0]["suggested"][0]["id"] == "sdg:6" and body["rows"][1]["suggested"][0]["id"] == "sdg:15"
        page = client.post("/es/admin/import-profiles", data={"token": body["token"], "csrf_token": token})
        assert 'form="apply-form" name="confirm" value="2|sdg:6"' in page.get_data(as_text=True)
        # Only row 2's water is confirmed; a pair the preview did not suggest is ignored.
        applied = client.post("/es/admin/import-profiles.json", json={
            "token": body["token"], "apply": True, "confirm": ["2|sdg:6", "3|sdg:1"]}, headers={"X-CSRFToken": token})
        assert applied.status_code == 200, applied.text
        cuenca = {e.target for e in seeded_store.edges_of("municipality:cuenca-ecuador", ["WORKS_ON"])}
        villa = {e.target for e in seeded_store.edges_of("municipality:villa-nueva-guatemala", ["WORKS_ON"])}
        assert cuenca == {"sdg:6"} and villa == set()
        assert seeded_store.get_node("municipality:cuenca-ecuador").props["description_es"] == WATER["es"]
        change = seeded_store.changes(limit=1)[0]
        assert change.code == "questionnaire_import_with_suggestions" and change.params["tags"] == "sdg:6"
        assert change.params["suggester"] == SUGGESTER_VERSION
    finally:
        accounts.clear()
