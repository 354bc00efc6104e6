"""The kb command, run as a user would, on the embedded store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from graph import StoreUnavailable, open_store
from webapp.cli import main

CSV = """city1,country1,lat1,lng1,city2,country2,lat2,lng2
Brasschaat,Belgium,51.3,4.5,Tarija,Bolivia,-21.5333,-64.7333
Herent,Belgium,50.9,4.6667,Klenčí pod Čerchovem,Czech Republic,49.4319,12.8147
Stryi,Ukraine,49.25,23.85,Stryi,Ukraine,49.25,23.85
"""


@pytest.fixture
def kb(tmp_path, monkeypatch):
    """Run ``kb`` with its own data directory and no Neo4j."""
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_seed_import_export_load_round_trip(kb, tmp_path, monkeypatch):
    result = kb("seed")
    assert result.exit_code == 0 and "into the embedded store" in result.output
    twins = tmp_path / "twins.csv"
    twins.write_text(CSV, encoding="utf-8")
    result = kb("import-twinnings", str(twins))
    assert result.exit_code == 0
    assert "1 partnerships created, 1 already linked" in result.output
    assert "skipped row 4: Stryi is twinned with itself" in result.output
    # The gazetteer's report: Brasschaat and Herent joined the members, within 50 km of their places.
    assert "2 Belgian places joined to a member:" in result.output
    assert "row 2: Brasschaat -> municipality:brasschaat-belgium (official name, 0.0 km)" in result.output
    assert "0 provinces or regions" in result.output and "0 places whose coordinates lie outside" in result.output
    exported = tmp_path / "graph.json"
    assert kb("export", "--format", "json", "-o", str(exported)).exit_code == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert {"id", "kind", "properties"} <= set(data["nodes"][0])
    assert {"source", "target", "type", "properties"} <= set(data["edges"][0])

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "restored"))
    result = kb("load", str(exported))
    assert result.exit_code == 0 and f"loaded {len(data['nodes'])} nodes" in result.output
    again = tmp_path / "again.json"
    kb("export", "-o", str(again))
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")
    refused = kb("load", str(exported))
    assert refused.exit_code == 1 and "not empty" in refused.output


def test_a_bad_file_is_reported_with_row_and_field(kb, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.splitlines()[0] + "\nA,Belgium,x,4,B,France,1,2\n", encoding="utf-8")
    result = kb("import-twinnings", str(bad))
    assert result.exit_code == 1
    assert f"{bad}, row 2, field 'lat1': not a number" in result.output


def test_an_unreachable_neo4j_is_a_clear_error(kb, monkeypatch):
    with pytest.raises(StoreUnavailable):
        open_store({"NEO4J_URI": "bolt://127.0.0.1:9"}).version()
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")
    result = kb("seed")
    assert result.exit_code == 1 and "cannot reach Neo4j" in result.output


def test_the_web_app_says_when_the_store_is_down():
    from webapp import create_app

    app = create_app({"TESTING": True, "NEO4J_URI": "bolt://127.0.0.1:9"})
    response = app.test_client().get("/es/sdgs")
    assert response.status_code == 503 and '<html lang="es">' in response.get_data(as_text=True)


def test_check_passes_on_a_good_store_and_names_what_is_wrong(kb, tmp_path):
    from graph.model import Node
    from graph.stores.sqlite.store import EmbeddedStore

    kb("seed")
    result = kb("check")
    assert result.exit_code == 0 and "ok: 656 nodes and 976 edges" in result.output
    # Values written before the schema refused them (stores trust their callers).
    store = EmbeddedStore(tmp_path / "data")
    store.write([Node("project:legacy", "Project", {"name": "Legacy\x00", "budget": 10**30})])
    store.close()
    result = kb("check")
    assert result.exit_code == 1
    assert "node project:legacy: property 'budget'" in result.output or "property 'name'" in result.output
    assert "1 problem in 657 nodes" in result.output


def test_check_reports_a_damaged_database_with_the_way_back(kb, tmp_path):
    kb("seed")
    database = tmp_path / "data" / "graph.sqlite3"
    for extra in ("-wal", "-shm"):
        database.with_name(database.name + extra).unlink(missing_ok=True)
    database.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 500)
    result = kb("check")
    assert result.exit_code == 1
    assert "damaged database" in result.output and "kb restore FILE" in result.output
