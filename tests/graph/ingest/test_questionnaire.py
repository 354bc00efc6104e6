"""Questionnaire import (CSV as Excel saves it, XLSX), twin-town CSV with a BOM, and the translate view."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from webhelpers import PASSWORD, csrf_token, sign_in

from graph.accounts.model import open_accounts
from graph.ingest.questionnaire import apply_import, plan_import
from webapp.cli import main

HEADER = ["name", "country", "offers", "seeks", "sdgs", "languages", "contact", "answer_language", "public",
          "new_municipality"]
# Cuenca is not in the knowledge base: the row says so explicitly, or it would be refused.
ROWS = [["Herent", "België", "Water; agroforestry", "theme:youth", "6|13", "nl", "Dienst Internationale Samenwerking",
         "nl", "ja", ""],
        ["Cuenca", "Ecuador", "child rights", "Water", "6", "es", "Departamento de Cooperación", "es", "no", "yes"]]


def excel_csv(rows, delimiter=";") -> bytes:
    """CSV as Belgian Excel saves it: BOM, semicolons, CRLF (cells holding ; or , quoted)."""
    def cell(v):
        return f'"{v}"' if (";" in v or "," in v) else v
    return ("\ufeff" + "".join(delimiter.join(cell(v) for v in r) + "\r\n" for r in rows)).encode("utf-8")


def xlsx(rows) -> bytes:
    book = Workbook()
    for r in rows:
        book.active.append([int(v) if v.isdigit() else v for v in r])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("make", [excel_csv, lambda rows: excel_csv(rows, ","), xlsx], ids=["csv-semicolon", "csv-comma", "xlsx"])
def test_an_import_matches_creates_and_applies_all(seeded_store, make):
    plan = plan_import(seeded_store, make([HEADER, *ROWS]), "answers")
    assert plan.ok, plan.errors
    herent, cuenca = plan.rows
    assert (herent.status, herent.municipality, herent.matched_by) == ("matched", "municipality:herent-belgium", "name")
    assert herent.offers == ["theme:water", "theme:agroforestry"] and herent.sdgs == ["sdg:6", "sdg:13"]
    assert (cuenca.status, cuenca.municipality) == ("new", "municipality:cuenca-ecuador")
    apply_import(seeded_store, plan, "user:root")
    assert seeded_store.get_node("municipality:cuenca-ecuador").props["contact_role_es"] == "Departamento de Cooperación"
    assert seeded_store.get_node("municipality:herent-belgium").props["profile_public"] is True
    assert ("municipality:cuenca-ecuador", "SEEKS", "theme:water") in {e.key for e in seeded_store.edges_of(
        "municipality:cuenca-ecuador")}


def test_a_bad_row_refuses_the_whole_file_naming_row_and_field(seeded_store, tmp_path, monkeypatch):
    bad = [HEADER, ROWS[0], ["Cuenca", "Ecuador", "dragons", "", "99", "es", "", "es", "maybe"]]
    version = seeded_store.version()
    plan = plan_import(seeded_store, excel_csv(bad), "answers.csv")
    assert not plan.ok
    assert [(row, field) for row, field, _ in plan.errors] == [(3, "offers"), (3, "sdgs"), (3, "public")]
    with pytest.raises(Exception, match="row 3, field 'offers'"):
        apply_import(seeded_store, plan, "kb")
    assert seeded_store.version() == version


def test_kb_import_profiles(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["seed"]).exit_code == 0
    good, bad = tmp_path / "good.csv", tmp_path / "bad.xlsx"
    good.write_bytes(excel_csv([HEADER, *ROWS]))
    bad.write_bytes(xlsx([HEADER, ["Herent", "", "Water", "", "", "", "", "nl", ""]]))
    dry = runner.invoke(main, ["import-profiles", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "new municipality:cuenca-ecuador" in dry.output and "nothing written" in dry.output
    refused = runner.invoke(main, ["import-profiles", str(bad)])
    assert refused.exit_code != 0 and "row 2: Herent (): field 'country': required" in refused.output
    done = runner.invoke(main, ["import-profiles", str(good)])
    assert done.exit_code == 0 and "imported 2 rows" in done.output


def test_kb_import_twinnings_accepts_a_bom_and_semicolons(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    twins = tmp_path / "twins.csv"
    twins.write_bytes(excel_csv([["city1", "country1", "lat1", "lng1", "city2", "country2", "lat2", "lng2"],
                                 ["Herent", "Belgium", "50.9", "4.6667", "Cuenca", "Ecuador", "-2.9", "-79"]]))
    result = CliRunner().invoke(main, ["import-twinnings", str(twins)])
    assert result.exit_code == 0 and "1 partnerships created" in result.output


@pytest.fixture
def admin(client, app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin")
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent-belgium"])
    sign_in(client, "root")
    yield client
    accounts.clear()


@pytest.mark.both_stores
def test_admin_page_previews_then_applies(admin, seeded_store):
    token = csrf_token(admin)
    preview = admin.post("/en/admin/import-profiles.json", data={"csrf_token": token, "file": (
        io.BytesIO(xlsx([HEADER, *ROWS])), "answers.xlsx")}, content_type="multipart/form-data")
    body = preview.get_json()
    assert preview.status_code == 200 and body["ok"] and [r["status"] for r in body["rows"]] == ["matched", "new"]
    assert seeded_store.get_node("municipality:cuenca-ecuador") is None
    applied = admin.post("/en/admin/import-profiles.json", json={"token": body["token"], "apply": True},
                         headers={"X-CSRFToken": token})
    assert applied.status_code == 200 and applied.get_json()["rows"] == 2
    assert seeded_store.get_node("municipality:cuenca-ecuador") is not None
    bad = admin.post("/en/admin/import-profiles", data={"csrf_token": token, "file": (
        io.BytesIO(excel_csv([HEADER, ["X", "Peru", "dragons", "", "", "", "", "es", ""]])), "bad.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "field offers: unknown theme dragons" in bad.text
    dutch = admin.post("/nl/admin/import-profiles.json", data={"csrf_token": token, "file": (
        io.BytesIO(excel_csv([HEADER, ["X", "Peru", "dragons", "", "99", "", "", "es", ""]])), "bad.csv")},
        content_type="multipart/form-data")
    assert [(e["field"], e["message"]) for e in dutch.get_json()["rows"][0]["errors"]] == [
        ("offers", "onbekend thema dragons"), ("sdgs", "onbekende SDG 99 (1 tot 17)")]


def test_only_admins_import(client, admin, app):
    editor = app.test_client()
    sign_in(editor, "ana")
    assert editor.get("/en/admin/import-profiles").status_code == 403


@pytest.mark.both_stores
def test_translate_view_lists_missing_texts_and_saves_one(admin, seeded_store):
    from graph.model import ChangeNote
    from graph.records import make_node

    seeded_store.write([make_node("lesson:listen-first", {"name": {"nl": "Luister eerst"}, "original_lang": "nl"})],
                       change=ChangeNote("test", "a lesson in Dutch only"))
    page = admin.get("/en/translate.json?kind=Lesson&to=es").get_json()
    [item] = [i for i in page["items"] if i["node"]["id"] == "lesson:listen-first"]
    assert item["original"] == {"text": "Luister eerst", "lang": "nl", "is_original": True}
    html = admin.get("/en/translate?kind=Lesson&to=es").text
    assert "Luister eerst" in html and 'lang="es"' in html
    saved = admin.post("/en/translate?kind=Lesson&to=es", data={
        "csrf_token": csrf_token(admin), "node": "lesson:listen-first", "field": "name",
        "version": item["version"], "text": "Escuchar primero"})
    assert saved.status_code == 303
    assert seeded_store.get_node("lesson:listen-first").props["name_es"] == "Escuchar primero"
    stale = admin.post("/en/translate?kind=Lesson&to=en", data={
        "csrf_token": csrf_token(admin), "node": "lesson:listen-first", "field": "name",
        "version": item["version"], "text": "Listen first"})
    assert stale.status_code == 409 and "name_en" not in seeded_store.get_node("lesson:listen-first").props


def test_a_misspelt_town_is_refused_whole_with_suggestions_never_created(seeded_store):
    rows = [HEADER, ROWS[0], ["Brasshaat", "België", "", "Water", "", "", "", "", "", ""]]
    plan = plan_import(seeded_store, excel_csv(rows), "answers.csv")
    assert not plan.ok and plan.rows[1].status == "new" and plan.rows[1].municipality is None
    assert [(row, field) for row, field, _ in plan.errors] == [(3, "name")]
    assert plan.rows[1].suggestions[0] == ("municipality:brasschaat-belgium", "Brasschaat")
    assert "did you mean: Brasschaat" in plan.errors[0][2]


def test_nis_code_names_in_any_language_and_language_names(seeded_store):
    header = ["naam", "land", "NIS-code", "werktalen", "taal van de antwoorden", "zoekt"]
    rows = [header, ["", "België", "24062", "Nederlands, néerlandais; neerlandés|Dutch", "Frans", "Eau"],
            ["Gand", "Belgique", "", "es", "es", "agua"]]
    plan = plan_import(seeded_store, excel_csv(rows), "antwoorden.csv")
    [leuven, gent] = plan.rows
    # The name is required even with a NIS code (it is what the preview shows); the code still matches.
    assert [(f, c) for f, c, _ in leuven.codes] == [("name", "required")]
    rows[1][0] = "Leuven"
    plan = plan_import(seeded_store, excel_csv(rows), "antwoorden.csv")
    assert plan.ok, plan.errors
    leuven, gent = plan.rows
    assert (leuven.municipality, leuven.matched_by) == ("municipality:leuven-belgium", "nis_code")
    assert (gent.municipality, gent.matched_by) == ("municipality:gent-belgium", "name")
    node = next(n for n in plan.nodes if n.id == "municipality:leuven-belgium")
    assert node.props["languages"] == ["nl"] and "contact_role_fr" not in node.props
    assert leuven.seeks == ["theme:water"] and gent.seeks == ["theme:water"]


def test_the_template_in_four_languages_reads_back(seeded_store, admin):
    from openpyxl import load_workbook

    from graph.ingest.questionnaire import COLUMNS, template

    for lang in ("nl", "fr", "es", "en"):
        header, allowed = template(seeded_store, lang)
        assert len(header) == len(COLUMNS) and len(allowed) > 40
        book = admin.get(f"/{lang}/admin/import-profiles/questionnaire.xlsx")
        assert book.status_code == 200
        sheets = load_workbook(io.BytesIO(book.data)).worksheets
        assert [c.value for c in sheets[0][1]] == header and sheets[1].max_row == len(allowed)
        csv = admin.get(f"/{lang}/admin/import-profiles/questionnaire.csv")
        assert csv.data.startswith(b"\xef\xbb\xbf") and csv.data.decode("utf-8-sig") == ";".join(header) + "\r\n"
        values = admin.get(f"/{lang}/admin/import-profiles/questionnaire.csv?values=1").data.decode("utf-8-sig")
        assert "sdg" not in values.split("\r\n")[1] and len(values.split("\r\n")) == len(allowed) + 1
        # Filled in as sent, the template's own headings are read back.
        filled = [header, ["Herent", "België", "", "", "", "", "", "", "", "", "", ""]]
        plan = plan_import(seeded_store, excel_csv(filled), "filled.csv")
        assert plan.ok and plan.rows[0].municipality == "municipality:herent-belgium", plan.errors
