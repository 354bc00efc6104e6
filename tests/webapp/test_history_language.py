"""History in the reader's language, on every backend: a change is stored as a code with parameters
and told in the page's language; field changes show the field's translated label and human values.

Every kind of change the app makes is produced once (seeding, a profile save, a translation, a link
added and removed, a revert, a workspace session with answers, a translated answer and publishing,
a questionnaire import), then the Dutch and Spanish history, recent-changes and change pages are
read: none may show an English reason or a raw property name.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from webhelpers import PASSWORD, csrf_token, post_json, sign_in

from graph import workspace as ws
from graph.accounts.model import open_accounts
from graph.model import CHANGE_CODES, ChangeNote
from graph.records import make_node
from webapp.presenters.changes import CHANGE_SENTENCES

HERENT = "municipality:herent-belgium"
NIMLAHAKOK = "municipality:nimlahakok-guatemala"
PARTNERSHIP = "partnership:herent-nimlahakok"
HEADER = ["name", "country", "new_municipality", "offers", "seeks", "sdgs", "languages", "contact",
          "answer_language", "public"]
ROWS = [["Herent", "België", "nee", "Water", "theme:youth", "6", "nl", "Dienst Internationale Samenwerking", "nl",
         "ja"],
        ["Cuenca", "Ecuador", "ja", "child rights", "Water", "6", "es", "Departamento de Cooperación", "es", "no"]]
# The reasons the app wrote in English before codes, and property keys a reader must never see.
ENGLISH_REASONS = re.compile(
    r"translate (name|description|summary|title) into|questionnaire import|answers of|add link|remove link|"
    r"revert #|publish run:|seeds [0-9a-f]{12}|start [a-z-]+ run of|translation of [a-z_]+ into|"
    r"adapt exercise|fold country spellings|\bprofile\b")
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b(?!\.[a-z])")  # a file name (twin_cities.csv) is no key


class VisibleText(HTMLParser):
    """The text a reader sees: no markup, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style") and self._hidden > 0

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def excel_csv(rows) -> bytes:
    return ("\ufeff" + "".join(";".join(r) + "\r\n" for r in rows)).encode("utf-8")


@pytest.fixture
def root(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin", [], "Root")
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("rosa", PASSWORD, "editor", [NIMLAHAKOK], "Rosa")
    client = app.test_client()
    sign_in(client, "root")
    yield client
    accounts.clear()


def every_kind_of_change(root, store) -> None:
    """Make one change of each kind the web app and the workspace make."""
    profile_url = "/nl/profile/municipalities/herent-belgium"
    form = root.get(profile_url + ".json").get_json()
    values = {k: v for k, v in form["values"].items() if v not in (None, False, "")}
    values.update(csrf_token=form["csrf_token"], offers=["theme:water"], sdgs=["sdg:6"], languages=["nl", "es"],
                  contact_nl="Dienst Internationale Samenwerking", profile_public="y")
    assert root.post(profile_url, data=values).status_code == 303
    store.write([make_node("lesson:listen-first", {"name": {"nl": "Luister eerst"}, "original_lang": "nl"})],
                change=ChangeNote("user:root", code="create"))
    page = root.get("/nl/translate.json?kind=Lesson&to=es").get_json()
    [item] = [i for i in page["items"] if i["node"]["id"] == "lesson:listen-first"]
    assert root.post("/nl/translate?kind=Lesson&to=es", data={
        "csrf_token": csrf_token(root), "node": "lesson:listen-first", "field": "name",
        "version": item["version"], "text": "Escuchar primero"}).status_code == 303
    links = "/nl/edit/municipalities/herent-belgium/links.json"
    assert post_json(root, links, {"link": "OFFERS|out", "other": "theme:agroforestry"}).status_code == 200
    assert post_json(root, links, {"remove": f"{HERENT}|OFFERS|theme:agroforestry"}).status_code == 200
    unlinked = store.changes(limit=1)[0].seq
    assert root.post(f"/nl/changes/{unlinked}/revert.json", headers={"X-CSRFToken": csrf_token(root)}).status_code == 200
    accounts = open_accounts(store)
    ana, rosa = accounts.get("ana"), accounts.get("rosa")
    run = ws.start_run(store, ana, PARTNERSHIP, "exercise:mutual-expectations", dt.date(2024, 4, 2))
    ws.save_response(store, ana, run.id, HERENT, lang="nl", texts={"want": "Van elkaar leren"})
    answers = ws.save_response(store, rosa, run.id, NIMLAHAKOK, lang="es", texts={"want": "Aprender juntos"})
    ws.add_translation(store, ana, ws.response_id(run.id, NIMLAHAKOK), "want", "nl", "Samen leren",
                       answers.version)
    ws.publish_run(store, rosa, run.id, ws.run(store, run.id).version)
    token = csrf_token(root)
    preview = root.post("/nl/admin/import-profiles.json", data={"csrf_token": token, "file": (
        io.BytesIO(excel_csv([HEADER, *ROWS])), "antwoorden.csv")}, content_type="multipart/form-data")
    assert preview.status_code == 200, preview.text
    applied = root.post("/nl/admin/import-profiles.json", json={"token": preview.get_json()["token"], "apply": True},
                        headers={"X-CSRFToken": token})
    assert applied.status_code == 200, applied.text


def test_every_change_code_has_a_sentence():
    assert set(CHANGE_SENTENCES) == set(CHANGE_CODES)


def test_history_speaks_the_readers_language(root, seeded_store):
    every_kind_of_change(root, seeded_store)
    changes = seeded_store.changes(limit=50)
    codes = {c.code for c in changes}
    assert {"seed", "profile", "create", "translate", "add_link", "remove_link", "revert", "start_run", "answers",
            "translate_answer", "publish", "questionnaire_import"} <= codes
    assert all(c.code for c in changes), "a change made by the app has no code"
    pages = ["/{lang}/changes", "/{lang}/history/municipalities/herent-belgium", "/{lang}/history/lessons/listen-first",
             *(f"/{{lang}}/changes/{c.seq}" for c in changes)]
    for lang in ("nl", "es"):
        for path in pages:
            url = path.format(lang=lang)
            response = root.get(url)
            assert response.status_code == 200, url
            shown = visible(response.text)
            assert not ENGLISH_REASONS.search(shown), (url, ENGLISH_REASONS.search(shown)[0])
            assert not RAW_KEY.findall(shown), (url, RAW_KEY.findall(shown)[:10])
        twin = root.get(f"/{lang}/changes.json").get_json()
        english = {c["seq"]: c["text"] for c in root.get("/en/changes.json").get_json()["changes"]}
        for change in twin["changes"]:
            assert change["code"] in CHANGE_CODES and change["text"], change["seq"]
            assert change["text"] != english[change["seq"]], (lang, change["text"])  # said in the reader's words
            for item in change["items"]:
                for row in item["diff"]:  # a label of its own, never the key with spaces for underscores
                    assert row["text"] and "_" not in row["label"], (item["item"], row)
                    assert "_" not in row["key"] or row["label"] != row["key"].replace("_", " "), row

    # What a reader sees, in words: the profile, a translation, a link, a revert, a session.
    by_code = {c["code"]: c for c in reversed(root.get("/nl/changes.json").get_json()["changes"])}
    profile_rows = {r["key"]: r for i in by_code["profile"]["items"] for r in i["diff"]}
    assert profile_rows["profile_public"]["text"] == "Profiel openbaar: ja"
    assert profile_rows["contact_role_nl"]["label"] == "Contact: dienst of functie (Nederlands)"
    assert profile_rows["languages"]["after"] == "Nederlands, Spaans"
    assert by_code["translate"]["text"] == "Naam vertaald naar het Spaans"
    assert by_code["translate"]["params"] == {"field": "name", "to": "es"}
    assert [r["text"] for r in by_code["translate"]["items"][0]["diff"]] == ["Naam (Spaans): Escuchar primero"]
    assert by_code["add_link"]["text"] == "Koppeling toegevoegd: Herent biedt expertise in Agroforestry"
    assert by_code["revert"]["text"].startswith("Wijziging #") and by_code["revert"]["params"]["seq"]
    assert by_code["seed"]["actor_name"] == "Systeem (kb seed)"  # a process, named as one
    assert by_code["questionnaire_import"]["text"] == "Vragenlijst ingelezen uit het bestand antwoorden.csv"
    spanish = {c["code"]: c for c in root.get("/es/changes.json").get_json()["changes"]}
    assert spanish["translate"]["text"] == "Nombre: traducción al español"
    assert "Herent" in spanish["answers"]["text"] or "Nimlaha" in spanish["answers"]["text"]


def test_an_editors_own_reason_is_shown_as_typed_beside_what_the_change_did(root, seeded_store):
    url = "/es/profile/municipalities/herent-belgium"
    form = root.get(url + ".json").get_json()
    values = {k: v for k, v in form["values"].items() if v not in (None, False, "")}
    values.update(csrf_token=form["csrf_token"], profile_public="y", reason="acordado con el concejo")
    assert root.post(url, data=values).status_code == 303
    [change] = seeded_store.changes(node_id=HERENT, limit=1)
    assert (change.code, change.reason) == ("profile", "acordado con el concejo")
    page = root.get(f"/es/changes/{change.seq}").text
    assert "Perfil guardado" in page and "<q class=\"reason\">acordado con el concejo</q>" in page


def test_a_record_made_before_codes_is_shown_as_it_is(root, seeded_store):
    seeded_store.write([make_node("theme:water", {"name_fr": "Eau potable"})],
                       change=ChangeNote("kb", "an old free-text reason"))
    [change] = root.get("/nl/history/themes/water.json").get_json()["changes"][:1]
    assert (change["code"], change["text"], change["reason"]) == (None, None, "an old free-text reason")
    assert "an old free-text reason" in root.get(f"/nl/changes/{change['seq']}").text
