"""Limits the schema puts on every value, the same for both stores, and how loaders report them."""

from __future__ import annotations

import json

import pytest

from graph import DataError, SchemaError
from graph.ingest.exchange import FORMAT, FORMAT_VERSION, load_json
from graph.ingest.seeds import read_record_file
from graph.ingest.twinnings import MAX_CITY_NAME, import_twinnings
from graph.model import Node
from graph.records import make_edge, make_node
from graph.schema import INT_MAX, INT_MIN, MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_LENGTH
from graph.stores.sqlite.store import EmbeddedStore

HEADER = "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), INT_MAX + 1, INT_MIN - 1, 10**30])
def test_numbers_must_be_finite_and_fit_in_64_bits(value):
    with pytest.raises(SchemaError) as caught:
        make_node("project:p", {"name": "P", "budget": value})
    assert caught.value.field == "budget"
    with pytest.raises(SchemaError):
        make_node("project:p", {"name": "P", "amounts": [1, value]})


def test_the_64_bit_extremes_round_trip_on_each_store(store):
    store.write([make_node("project:p", {"name": "P", "low": INT_MIN, "high": INT_MAX, "share": 0.1})])
    props = store.get_node("project:p").props
    assert (props["low"], props["high"], props["share"]) == (INT_MIN, INT_MAX, 0.1)


@pytest.mark.parametrize(("key", "value"), [
    ("name", "x" * (MAX_NAME_LENGTH + 1)),
    ("name_fr", "x" * (MAX_NAME_LENGTH + 1)),
    ("description", "x" * (MAX_TEXT_LENGTH + 1)),
    ("name", "Nul\x00byte"),
    ("name", "Bell\x07"),
    ("name", "Two\nlines"),
    ("name_es", "C1\x85control"),
    ("description", "Nul\x00byte"),
    ("description", "Escape\x1b[31m"),
])
def test_texts_have_a_length_limit_and_names_no_control_characters(key, value):
    with pytest.raises(SchemaError) as caught:
        make_node("lesson:l", {key: value})
    assert caught.value.field == key
    assert len(str(caught.value)) < 200, "the message does not repeat a huge value"


def test_texts_may_hold_line_breaks_and_names_reach_the_limit():
    node = make_node("lesson:l", {"name": "x" * MAX_NAME_LENGTH, "description": "one\n\ttwo\r\n",
                                  "name_nl": "Łódź – Москва"})
    assert node.props["description"] == "one\n\ttwo\r\n"


def test_ids_have_a_length_limit():
    with pytest.raises(SchemaError, match="longer than") as caught:
        make_node("lesson:" + "x" * MAX_ID_LENGTH, {"name": "L"})
    assert caught.value.field == "id"
    with pytest.raises(SchemaError) as caught:
        make_edge("lesson:l", "CONCERNS", "sdg:" + "1" * MAX_ID_LENGTH)
    assert caught.value.field == "target"


def test_an_invalid_property_key_is_reported_as_that_key_not_as_id(tmp_path):
    record = tmp_path / "bad.yaml"
    record.write_text("source: source:vvsg-2022\nnodes:\n"
                      "  - {id: lesson:x, section: S, name: X, Colour: red}\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_record_file(record)
    assert caught.value.field == "Colour" and "field 'Colour'" in str(caught.value)


def test_a_seed_edge_to_a_malformed_id_names_the_to_field(tmp_path):
    record = tmp_path / "bad.yaml"
    record.write_text("source: source:vvsg-2022\nedges:\n"
                      "  - {from: lesson:x, type: CONCERNS, to: 'sdg 13', section: S}\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_record_file(record)
    assert caught.value.field == "to"


def test_a_seed_with_nan_is_refused(tmp_path):
    record = tmp_path / "bad.yaml"
    record.write_text("source: source:vvsg-2022\nnodes:\n"
                      "  - {id: project:x, section: S, name: X, budget: .nan}\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_record_file(record)
    assert caught.value.field == "budget" and "nodes[0] (project:x)" in str(caught.value)


def export_with(value_text: str, tmp_path):
    """An export file whose only node has ``budget`` written as ``value_text`` (raw JSON)."""
    path = tmp_path / "export.json"
    node = {"id": "project:x", "kind": "Project", "properties": {"name": "X", "budget": "@"}}
    text = json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "nodes": [node], "edges": []})
    path.write_text(text.replace('"@"', value_text), encoding="utf-8")
    return path


@pytest.mark.parametrize("value_text", ["NaN", "Infinity", "-Infinity", "1e400", str(10**30), str(-(2**63) - 1)])
def test_kb_load_refuses_numbers_no_store_can_hold(value_text, tmp_path):
    store = EmbeddedStore(tmp_path / "kb")
    with pytest.raises(DataError) as caught:
        load_json(store, export_with(value_text, tmp_path))
    assert caught.value.record == "nodes[0] ('project:x')"
    assert caught.value.field == "properties.budget"
    assert store.count_by_kind() == {}


def test_kb_load_refuses_a_number_of_thousands_of_digits_cleanly(tmp_path):
    store = EmbeddedStore(tmp_path / "kb")
    with pytest.raises(DataError, match="invalid JSON"):
        load_json(store, export_with("9" * 5000, tmp_path))


def test_kb_load_names_the_property_key_at_fault(tmp_path):
    path = tmp_path / "export.json"
    node = {"id": "project:x", "kind": "Project", "properties": {"name": "X", "Bad key": 1}}
    path.write_text(json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "nodes": [node], "edges": []}))
    with pytest.raises(DataError) as caught:
        load_json(EmbeddedStore(tmp_path / "kb"), path)
    assert caught.value.field == "properties.Bad key"


@pytest.mark.parametrize(("row", "field"), [
    (f"{'A' * (MAX_CITY_NAME + 1)},Belgium,1,1,B,France,2,2", "city1"),
    ("Ghent,Belgium,1,1,Par\x00is,France,2,2", "city2"),
    ("Ghent,Belg\x1bium,1,1,Paris,France,2,2", "country1"),
])
def test_an_import_refuses_overlong_or_control_character_names(row, field, tmp_path):
    path = tmp_path / "twins.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    store = EmbeddedStore(tmp_path / "kb")
    with pytest.raises(DataError) as caught:
        import_twinnings(store, path)
    assert (caught.value.record, caught.value.field) == (2, field)
    assert store.count_by_kind() == {}


def test_the_longest_city_names_still_make_a_twinning(tmp_path):
    path = tmp_path / "twins.csv"
    a, b = "A" * MAX_CITY_NAME, "B" * MAX_CITY_NAME
    path.write_text(HEADER + f"{a},Belgium,1,1,{b},France,2,2\n", encoding="utf-8")
    report = import_twinnings(EmbeddedStore(tmp_path / "kb"), path)
    assert report.partnerships_created == 1


def test_json_twins_never_emit_nan(seeded_store):
    from webapp import create_app

    legacy = Node("project:legacy", "Project", {"name": "Legacy", "budget": float("nan")})
    if seeded_store.backend == "embedded":
        # The embedded store keeps JSON, which has no NaN: it refuses the write as a whole.
        with pytest.raises(SchemaError):
            seeded_store.write([legacy])
        assert seeded_store.get_node("project:legacy") is None
        return
    # A value written before the schema refused it (Neo4j stores what its callers send).
    seeded_store.write([legacy])
    client = create_app({"TESTING": True, "STORE": seeded_store}).test_client()
    response = client.get("/en/projects/legacy.json")
    assert response.status_code == 200

    def refuse(constant):
        raise AssertionError(f"{constant} in a JSON twin")

    data = json.loads(response.get_data(as_text=True), parse_constant=refuse)
    assert data["node"]["id"] == "project:legacy"


def test_an_import_refuses_a_file_too_large_or_with_too_many_rows(tmp_path):
    path = tmp_path / "twins.csv"
    path.write_text(HEADER + "".join(f"A{i},Belgium,1,1,B{i},France,2,2\n" for i in range(20)), encoding="utf-8")
    store = EmbeddedStore(tmp_path / "kb")
    with pytest.raises(DataError, match="more than the 100 bytes"):
        import_twinnings(store, path, max_bytes=100)
    with pytest.raises(DataError, match="more than the 10 rows") as caught:
        import_twinnings(store, path, max_rows=10)
    assert caught.value.record == 12
    assert store.count_by_kind() == {}
    assert import_twinnings(store, path, max_rows=20).partnerships_created == 20


def test_kb_load_refuses_a_file_too_large_or_with_too_many_records(tmp_path):
    path = export_with("1", tmp_path)
    store = EmbeddedStore(tmp_path / "kb")
    with pytest.raises(DataError, match="a load may hold"):
        load_json(store, path, max_bytes=10)
    with pytest.raises(DataError, match="a load may hold"):
        load_json(store, path, max_records=0)
    assert store.count_by_kind() == {}
    assert load_json(store, path, max_records=1) == {"nodes": 1, "edges": 0}


def test_the_cli_takes_the_limits_as_options(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from webapp.cli import main

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    path = tmp_path / "twins.csv"
    path.write_text(HEADER + "Ghent,Belgium,1,1,Paris,France,2,2\nGhent,Belgium,1,1,Rome,Italy,2,2\n")
    result = CliRunner().invoke(main, ["import-twinnings", str(path), "--max-rows", "1"])
    assert result.exit_code == 1 and "more than the 1 rows" in result.output
