"""An XLSX questionnaire is read within limits: a zip bomb and a billion-laughs sheet are refused quickly, with
little memory, as a clear error in kb and a translated 400 on the admin page (they were a MemoryError and an
uncaught ParseError, both 500s)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from webhelpers import PASSWORD, csrf_token, sign_in

from graph.accounts.model import open_accounts
from graph.errors import DataError
from graph.ingest.questionnaire import plan_import
from graph.ingest.spreadsheets import xlsx_rows

HEADER = ["name", "country", "offers", "seeks", "sdgs", "languages", "contact", "answer_language", "public"]
GIB = 1 << 30

# A sheet whose one cell is an entity that expands to 10^9 "lol"s.
BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [\n<!ENTITY lol "lol">\n'
                  + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
SHEET = "xl/worksheets/sheet1.xml"


def _workbook() -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["Herent", "België", "Water", "", "6", "nl", "", "nl", "ja"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_part(name: str, write) -> bytes:
    """The workbook with the part ``name`` replaced by what ``write(file)`` writes."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        with target.open(name, "w", force_zip64=True) as part:
            write(part)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A small XLSX whose shared strings hold one string of 1 GiB."""
    def write(part):
        part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   b"<si><t>")
        chunk = b"a" * (1 << 20)
        for _ in range(GIB // len(chunk)):
            part.write(chunk)
        part.write(b"</t></si></sst>")
    return _with_part("xl/sharedStrings.xml", write)


def test_the_zip_bomb_is_small_and_refused_before_anything_is_unpacked(zip_bomb):
    assert len(zip_bomb) < 5 * 1024 * 1024  # under the import's byte limit: only the unpacked size tells
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="shared strings unpack to"):
            xlsx_rows(zip_bomb, "bomb.xlsx", 100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_a_part_that_unpacks_beyond_the_total_limit_is_refused():
    def write(part):
        chunk = b" " * (1 << 20)
        for _ in range(101):
            part.write(chunk)
    with pytest.raises(DataError, match="unpacks to"):
        xlsx_rows(_with_part("docProps/padding.xml", write), "big.xlsx", 100)


def test_billion_laughs_is_refused_by_defusedxml():
    bomb = _with_part(SHEET, lambda part: part.write(BILLION_LAUGHS))
    with pytest.raises(DataError, match="not a readable XLSX workbook: EntitiesForbidden"):
        xlsx_rows(bomb, "laughs.xlsx", 100)


@pytest.mark.parametrize("damage", ["no workbook", "broken xml", "cut off", "not a zip"])
def test_any_damage_is_a_data_error(damage):
    good = _workbook()
    if damage == "no workbook":
        source = zipfile.ZipFile(io.BytesIO(good))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                if info.filename != "xl/workbook.xml":
                    target.writestr(info, source.read(info))
        data = out.getvalue()
    elif damage == "broken xml":
        data = _with_part("xl/worksheets/sheet1.xml", lambda part: part.write(b"<worksheet><sheetData><row>"))
    elif damage == "cut off":
        data = good[: len(good) // 2]
    else:
        data = b"PK\x03\x04" + b"\x00" * 100
    with pytest.raises(DataError, match="damaged.xlsx"):
        plan_import(None, data, "damaged.xlsx")


def test_the_workbook_itself_still_reads():
    assert xlsx_rows(_workbook(), "good.xlsx", 100)[1][:2] == ["Herent", "België"]


@pytest.fixture
def admin(client, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin")
    sign_in(client, "root")
    yield client
    accounts.clear()


def test_the_admin_page_answers_a_translated_400(admin, seeded_store, zip_bomb):
    token = csrf_token(admin)
    laughs = _with_part(SHEET, lambda part: part.write(BILLION_LAUGHS))
    before = seeded_store.changes(limit=1)
    for lang, expected in (("nl", "Het bestand kan niet gelezen worden"), ("en", "The file cannot be read")):
        for data in (zip_bomb, laughs):
            response = admin.post(f"/{lang}/admin/import-profiles", data={"csrf_token": token, "file": (
                io.BytesIO(data), "answers.xlsx")}, content_type="multipart/form-data")
            assert response.status_code == 400 and expected in response.text
    assert seeded_store.changes(limit=1) == before


def test_kb_import_profiles_says_what_is_wrong(tmp_path, monkeypatch, zip_bomb):
    from webapp.cli import main

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "kb"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(zip_bomb)
    result = CliRunner().invoke(main, ["import-profiles", str(bomb)])
    assert result.exit_code == 1 and "bomb.xlsx" in result.output and "shared strings" in result.output
    assert "Traceback" not in result.output
