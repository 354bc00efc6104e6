"""Editing through the web app on every backend: forms from the schema, permissions, refusals, versions,
history and reverts.  Every refused request must leave the store as it was."""

from __future__ import annotations

import re

import pytest
from webhelpers import PASSWORD, csrf_token, post_json, sign_in

from graph.accounts.model import open_accounts

HERENT = "municipality:herent-belgium"
EDIT_HERENT = "/en/edit/municipalities/herent-belgium"


@pytest.fixture
def accounts(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("tom", PASSWORD, "editor", ["municipality:tarija-bolivia"])
    accounts.add("root", PASSWORD, "admin")
    accounts.add("eda", PASSWORD, "editor", ["municipality:edegem-belgium"])
    yield accounts
    accounts.clear()


@pytest.fixture
def ana(client, accounts):
    sign_in(client, "ana")
    return client


def form_of(client, url):
    """The form's JSON twin as a flat dict of input values, with the CSRF token."""
    data = client.get(url + ".json").get_json()
    values = {i["name"]: i["value"] for g in data["fields"] for i in g["inputs"]}
    values = {k: v for k, v in values.items() if v not in (None, False)}
    values.update(original_lang=data["original_lang"], version=data["version"], csrf_token=data["csrf_token"])
    return data, values


def unchanged(store, action):
    version = store.version()
    response = action()
    assert store.version() == version, "a refused request wrote something"
    return response


def test_form_twin_is_generated_from_the_schema(ana):
    data, _ = form_of(ana, EDIT_HERENT)
    groups = {g["key"]: g for g in data["fields"]}
    assert [i["name"] for i in groups["name"]["inputs"]] == ["name", "name_nl", "name_fr", "name_es", "name_en"]
    assert groups["country"]["required"] and groups["name"]["inputs"][1]["max_length"] == 250
    assert {"value": "PARTNER_IN|out", "type": "PARTNER_IN", "direction": "out", "label": "partner in",
            "kinds": ["Partnership"], "kind_labels": ["Partnership"]} in data["relations"]
    lesson = ana.get("/en/edit/lessons/new.json").get_json()
    assert [g["key"] for g in lesson["fields"]] == ["name", "description"] and lesson["link_required"]


def test_form_twins_carry_no_html_only_context(ana):
    """render(html=...) keeps the WTForms forms and the attribute-ready JSON out of the JSON twin."""
    html_only = {"form", "link_form", "also_form", "subjects_form", "relations_json"}
    for url in (EDIT_HERENT, "/en/edit/lessons/new"):
        twin = ana.get(url + ".json").get_json()
        assert twin["fields"] and not html_only & twin.keys()
    page = ana.get("/en/edit/lessons/new")
    assert page.status_code == 200 and 'name="also-other"' in page.text


@pytest.mark.both_stores
def test_an_edit_in_dutch_is_written_with_its_author_and_shown_escaped(ana, seeded_store):
    _, values = form_of(ana, EDIT_HERENT)
    values.update(description_nl="<script>alert(1)</script> Herent werkt aan water.", reason="profiel")
    response = ana.post(EDIT_HERENT, data=values)
    assert response.status_code == 303
    node = seeded_store.get_node(HERENT)
    assert node.props["description_nl"] == "<script>alert(1)</script> Herent werkt aan water."
    [change] = seeded_store.changes(node_id=HERENT, limit=1)
    assert (change.actor, change.reason, change.code) == ("user:ana", "profiel", "edit")
    assert [i.item for i in change.items] == [HERENT]
    page = ana.get("/nl/municipalities/herent-belgium").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_bad_input_is_refused_and_nothing_is_written(ana, seeded_store):
    _, values = form_of(ana, EDIT_HERENT)
    too_long = unchanged(seeded_store, lambda: ana.post(EDIT_HERENT, data=dict(values, name_nl="x" * 251)))
    assert too_long.status_code == 400 and "At most 250 characters" in too_long.text
    no_name = unchanged(seeded_store, lambda: ana.post(EDIT_HERENT + ".json", data=dict(
        values, name="", name_nl="", name_fr="", name_es="", name_en="")))
    assert no_name.status_code == 400 and no_name.get_json()["errors"]["name"] == [
        "Give this in at least one language."]
    control = unchanged(seeded_store, lambda: ana.post(EDIT_HERENT, data=dict(values, region="a\x01b")))
    assert control.status_code == 400 and "control characters" in control.text
    no_csrf = unchanged(seeded_store, lambda: ana.post(EDIT_HERENT, data={k: v for k, v in values.items()
                                                                         if k != "csrf_token"}))
    assert no_csrf.status_code == 400 and "did not come from this site" in no_csrf.text
    dutch = unchanged(seeded_store, lambda: ana.post(EDIT_HERENT.replace("/en/", "/nl/"),
                                                      data=dict(values, name_nl="x" * 251)))
    assert "Hoogstens 250 tekens" in dutch.text
    assert ana.get("/en/edit/dragons/x").status_code == 404


def test_an_editor_may_not_edit_outside_their_municipalities(ana, seeded_store):
    response = unchanged(seeded_store, lambda: ana.get("/en/edit/municipalities/tarija-bolivia"))
    assert response.status_code == 403 and "your account does not work for" in response.text
    assert ana.get("/en/edit/partnerships/herent-nimlahakok").status_code == 200
    assert ana.get("/en/edit/partnerships/brasschaat-tarija").status_code == 403
    token = csrf_token(ana)
    refused = unchanged(seeded_store, lambda: ana.post("/en/edit/partnerships/brasschaat-tarija/links", data={
        "csrf_token": token, "link": "CONCERNS|out", "other": "theme:water"}))
    assert refused.status_code == 403 and "Ask an editor of the other side" in refused.text


def test_anonymous_readers_cannot_edit(client, seeded_store, accounts):
    assert client.get(EDIT_HERENT).status_code == 302
    assert client.get(EDIT_HERENT + ".json").status_code == 401
    token = csrf_token(client)
    assert unchanged(seeded_store, lambda: client.post(EDIT_HERENT, data={"csrf_token": token})).status_code == 302


def test_links_only_as_the_schema_allows(ana, seeded_store):
    url = "/en/edit/municipalities/herent-belgium/links"
    forbidden = unchanged(seeded_store, lambda: post_json(ana, url + ".json", {"link": "OFFERS|out",
                                                                               "other": "sdg:6"}))
    assert forbidden.status_code == 400 and "choose a Theme" in forbidden.get_json()["error"]["message"]
    unknown = unchanged(seeded_store, lambda: post_json(ana, url + ".json", {"link": "EATS|out",
                                                                             "other": "theme:water"}))
    assert unknown.status_code == 400
    added = post_json(ana, url + ".json", {"link": "OFFERS|out", "other": "theme:water"})
    assert added.status_code == 200
    assert any(e.key == (HERENT, "OFFERS", "theme:water") for e in seeded_store.edges_of(HERENT))
    by_name = post_json(ana, url + ".json", {"link": "OFFERS|out", "other": "agroforestry"})
    assert by_name.status_code == 200
    removed = post_json(ana, url + ".json", {"remove": f"{HERENT}|OFFERS|theme:water"})
    assert removed.status_code == 200
    assert not any(e.key == (HERENT, "OFFERS", "theme:water") for e in seeded_store.edges_of(HERENT))


def test_an_editor_creates_a_lesson_linked_to_their_partnership(ana, seeded_store):
    form = ana.get("/es/edit/lessons/new").text
    other = re.search(r'<input[^>]*name="other"[^>]*>', form).group()
    assert "required" not in other  # the app says what is missing, in Spanish, not the browser
    token = csrf_token(ana)
    unlinked = unchanged(seeded_store, lambda: ana.post("/en/edit/lessons/new", data={
        "csrf_token": token, "name_nl": "Luister eerst", "original_lang": "nl", "version": "0"}))
    assert unlinked.status_code == 400 and "Choose a relationship this kind of node may have" in unlinked.text
    created = post_json(ana, "/en/edit/lessons/new.json", {
        "name_nl": "Luister eerst", "description_nl": "Begin met luisteren.", "original_lang": "nl",
        "version": "0", "link": "ILLUSTRATED_BY|out", "other": "experience:welcome-rituals"})
    assert created.status_code == 201
    lesson = created.get_json()["node"]["id"]
    assert lesson == "lesson:luister-eerst"
    assert seeded_store.get_node(lesson).props["original_lang"] == "nl"
    assert seeded_store.changes(limit=1)[0].actor == "user:ana"
    assert ana.get(f"/en/edit/lessons/{lesson.split(':')[1]}").status_code == 200


@pytest.mark.both_stores
def test_a_stale_edit_is_refused_with_what_changed(ana, client, accounts, seeded_store, app):
    _, values = form_of(ana, EDIT_HERENT)
    other = app.test_client()
    sign_in(other, "root")
    _, theirs = form_of(other, EDIT_HERENT)
    assert other.post(EDIT_HERENT, data=dict(theirs, region="Vlaams-Brabant")).status_code == 303
    stale = unchanged(seeded_store, lambda: ana.post(EDIT_HERENT + ".json", data=dict(values, region="Leuven")))
    assert stale.status_code == 409
    body = stale.get_json()
    [change] = body["stale"]
    assert change["actor"] == "root"
    assert {"key": "region", "label": "Region", "before": "Flanders", "after": "Vlaams-Brabant",
            "text": "Region: Vlaams-Brabant"} in change["items"][0]["diff"]
    region = next(g for g in body["fields"] if g["key"] == "region")
    assert region["inputs"][0]["value"] == "Leuven"  # the editor's text is kept
    page = ana.post(EDIT_HERENT, data=dict(values, region="Leuven")).get_data(as_text=True)
    assert 'id="stale-heading"' in page and "Vlaams-Brabant" in page and 'value="Leuven"' in page
    again = ana.post(EDIT_HERENT, data=dict(values, region="Leuven", version=body["version"]))
    assert again.status_code == 303 and seeded_store.get_node(HERENT).props["region"] == "Leuven"


@pytest.mark.both_stores
def test_history_and_revert(ana, seeded_store):
    _, values = form_of(ana, EDIT_HERENT)
    ana.post(EDIT_HERENT, data=dict(values, region="Leuven", reason="regio"))
    history = ana.get("/en/history/municipalities/herent-belgium.json").get_json()
    newest = history["changes"][0]
    assert (newest["actor"], newest["actor_name"]) == ("ana", "Ana")  # the history names people, not account ids
    assert "Ana</span>" in ana.get("/en/history/municipalities/herent-belgium").text
    assert (newest["code"], newest["text"], newest["reason"]) == ("edit", "Edited", "regio")
    assert newest["items"][0]["diff"] == [{"key": "region", "label": "Region", "before": "Flanders",
                                           "after": "Leuven", "text": "Region: Leuven"}]
    recent = ana.get("/en/changes.json").get_json()
    assert recent["changes"][0]["seq"] == newest["seq"]
    token = csrf_token(ana)
    reverted = ana.post(f"/en/changes/{newest['seq']}/revert.json", headers={"X-CSRFToken": token})
    assert reverted.status_code == 200
    assert seeded_store.get_node(HERENT).props["region"] == "Flanders"
    undone = seeded_store.changes(limit=1)[0]
    assert (undone.code, undone.params, undone.reason) == ("revert", {"seq": newest["seq"]}, "")
    twice = unchanged(seeded_store, lambda: ana.post(f"/en/changes/{newest['seq']}/revert.json",
                                                     headers={"X-CSRFToken": token}))
    assert twice.status_code == 409


def test_a_json_client_confirms_a_delete_with_true_and_its_reason_is_kept(ana, seeded_store):
    created = post_json(ana, "/en/edit/lessons/new.json", {
        "name_en": "Short lived", "original_lang": "en", "version": "0",
        "link": "ILLUSTRATED_BY|out", "other": "experience:welcome-rituals"}).get_json()["node"]["id"]
    local = created.split(":")[1]
    deleted = post_json(ana, f"/en/edit/lessons/{local}/delete.json", {"confirm": True, "reason": "a test entry"})
    assert deleted.status_code == 200 and deleted.get_json()["deleted"] == created
    assert seeded_store.get_node(created) is None
    assert seeded_store.changes(limit=1)[0].reason == "a test entry"


@pytest.mark.both_stores
def test_a_delete_is_confirmed_and_its_editor_may_undo_it(ana, client, accounts, seeded_store, app):
    created = post_json(ana, "/en/edit/lessons/new.json", {
        "name_en": "Keep notes", "original_lang": "en", "version": "0",
        "link": "ILLUSTRATED_BY|out", "other": "experience:welcome-rituals"}).get_json()["node"]["id"]
    local = created.split(":")[1]
    edit_page = ana.get(f"/en/edit/lessons/{local}").text
    assert f'href="/en/edit/lessons/{local}/delete"' in edit_page  # a link to the confirmation, not a button
    confirm = ana.get(f"/en/edit/lessons/{local}/delete")
    assert confirm.status_code == 200 and "Delete Keep notes?" in confirm.text
    assert "These links go with it" in confirm.text and 'name="confirm" value="yes"' in confirm.text
    token = csrf_token(ana)
    unconfirmed = unchanged(seeded_store, lambda: ana.post(f"/en/edit/lessons/{local}/delete",
                                                           data={"csrf_token": token}))
    assert unconfirmed.status_code == 200 and "Delete Keep notes?" in unconfirmed.text
    unconfirmed_json = unchanged(seeded_store, lambda: post_json(ana, f"/en/edit/lessons/{local}/delete.json", {}))
    assert unconfirmed_json.status_code == 409 and unconfirmed_json.get_json()["links"]
    deleted = ana.post(f"/en/edit/lessons/{local}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert deleted.status_code == 303 and seeded_store.get_node(created) is None
    seq = seeded_store.changes(limit=1)[0].seq
    assert "is deleted" in ana.get(deleted.headers["Location"]).text  # the flash message says so
    gone = ana.get(f"/en/lessons/{local}")
    assert gone.status_code == 404 and f"was deleted (change #{seq}" in gone.text
    eda = app.test_client()  # Edegem's editor: the lesson was never Edegem's
    sign_in(eda, "eda")
    assert "/revert" not in eda.get(f"/en/changes/{seq}").text
    assert unchanged(seeded_store, lambda: eda.post(f"/en/changes/{seq}/revert.json",
                                                    headers={"X-CSRFToken": csrf_token(eda)})).status_code == 403
    # The editor who deleted their own lesson restores it: its links say whose it was.
    assert f'href="/en/changes/{seq}/revert"' in ana.get(f"/en/changes/{seq}").text
    restored = ana.post(f"/en/changes/{seq}/revert.json", headers={"X-CSRFToken": token})
    assert restored.status_code == 200
    assert seeded_store.get_node(created).props["name_en"] == "Keep notes"
    assert any(e.key == (created, "ILLUSTRATED_BY", "experience:welcome-rituals")
               for e in seeded_store.edges_of(created))


def test_reverting_a_creation_is_confirmed_and_names_later_links(ana, seeded_store):
    created = post_json(ana, "/nl/edit/lessons/new.json", {
        "name_nl": "Noteer alles", "original_lang": "nl", "version": "0",
        "link": "ILLUSTRATED_BY|out", "other": "experience:welcome-rituals"}).get_json()["node"]["id"]
    seq = seeded_store.changes(limit=1)[0].seq
    local = created.split(":")[1]
    assert post_json(ana, f"/en/edit/lessons/{local}/links.json",
                     {"link": "CONCERNS|out", "other": "theme:water"}).status_code == 200
    preview = ana.get(f"/nl/changes/{seq}/revert")
    assert preview.status_code == 200 and "Noteer alles" in preview.text and "Water" in preview.text
    token = csrf_token(ana)
    unconfirmed = unchanged(seeded_store, lambda: ana.post(f"/nl/changes/{seq}/revert", data={"csrf_token": token}))
    assert unconfirmed.status_code == 200 and 'name="confirmed"' in unconfirmed.text
    body = unchanged(seeded_store, lambda: ana.post(f"/en/changes/{seq}/revert.json",
                                                    headers={"X-CSRFToken": token})).get_json()
    assert body["needs_confirmation"] and [n["id"] for n in body["deletes"]] == [created]
    assert body["going_with"] == [{"key": f"{created}|CONCERNS|theme:water",
                                   "label": "Noteer alles — concerns → Water"}]
    stale = unchanged(seeded_store, lambda: ana.post(f"/en/changes/{seq}/revert.json",
                                                     json={"confirmed": "0" * 16}, headers={"X-CSRFToken": token}))
    assert stale.status_code == 409
    done = ana.post(f"/en/changes/{seq}/revert", data={"csrf_token": token, "confirmed": body["confirmation"]})
    assert done.status_code == 303 and seeded_store.get_node(created) is None


def test_a_revert_skips_fields_changed_by_later_changes_to_other_fields(ana, seeded_store):
    _, values = form_of(ana, EDIT_HERENT)
    assert ana.post(EDIT_HERENT, data=dict(values, name_es="Herent (es)")).status_code == 303
    spanish = seeded_store.changes(limit=1)[0].seq
    _, values = form_of(ana, EDIT_HERENT)
    assert ana.post(EDIT_HERENT, data=dict(values, region="Leuven")).status_code == 303
    reverted = ana.post(f"/en/changes/{spanish}/revert.json", headers={"X-CSRFToken": csrf_token(ana)})
    assert reverted.status_code == 200
    herent = seeded_store.get_node(HERENT).props
    assert not herent.get("name_es") and herent["region"] == "Leuven"


def test_accounts_never_appear_in_public_answers(client, accounts):
    accounts.add("quetzalcoatlus", PASSWORD, "staff", display_name="Quetzalcoatlus")
    assert client.get("/en/search.json?q=quetzalcoatlus").get_json()["total"] == 0
    assert "argon2" not in client.get("/en/municipalities/herent-belgium/graph.json").text
    assert "argon2" not in client.get("/en/changes.json").text
