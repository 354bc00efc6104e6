"""Seeding, twin-town import, export and load: on each store."""

from __future__ import annotations

import io
import json
import shutil

import pytest

from graph import DataError, StoreConflict
from graph.ingest.exchange import export_json, load_json
from graph.ingest.seeds import SEEDS_DIR, read_record_file, read_seeds, seed
from graph.ingest.twinnings import import_twinnings
from graph.stores.sqlite.store import EmbeddedStore

TWINS = """city1,country1,lat1,lng1,city2,country2,lat2,lng2
Brasschaat,Belgium,51.3,4.5,Tarija,Bolivia,-21.5333,-64.7333
Brasschaat,Belgium,51.3,4.5,Bad Neuenahr-Ahrweiler,Germany,50.5447,7.1133
Edegem,Belgium,51.15,4.45,San Jerónimo,Peru,-13.5586,-71.8883
Tournai,Belgium,50.6056,3.3881,Tarija,Bolivia,-21.5333,-64.7333
Nienburg,Germany,52.6488,9.2578,Nienburg,Germany,52.6488,9.2578
Ningbo,China,29.8603,121.6245,"Varna, Bulgaria",,43.2167,27.9167
Saint-Jérôme,Canada,45.78,-74.0,Nimlaha'kok,Guatemala,15.5,-90.3
"""


def export_text(store) -> str:
    out = io.StringIO()
    export_json(store, out)
    return out.getvalue()


def test_seeds_hold_the_publication(store):
    written = seed(store)
    assert written["nodes"] > 200
    counts = store.count_by_kind()
    assert counts["SDG"] == 17 and counts["SDGTarget"] == 169
    # the publication's six towns and VVSG's members (285 Flemish municipalities, three of them in the publication)
    assert counts["Municipality"] == 6 + 285 - 3 and counts["Partnership"] == 3 and counts["Lesson"] == 7
    assert counts["Phase"] == 5 and counts["Tool"] >= 8
    ended = store.get_node("partnership:edegem-san-jeronimo")
    assert (ended.props["start_year"], ended.props["end_year"], ended.props["status"]) == (2004, 2020, "ended")
    nimlahakok = store.get_node("municipality:nimlahakok-guatemala")
    assert nimlahakok.props["name"] == "Nimlaha'kok"
    assert store.get_node("sdg:6").props["name_nl"] == "Schoon water en sanitair"
    for node in store.nodes():
        assert node.props.get("source", "").startswith("source:"), node.id
        assert node.props.get("source_section"), node.id
    for edge in store.edges():
        assert edge.props.get("source", "").startswith("source:") and edge.props.get("source_section"), edge.key


def test_seeding_is_idempotent(store):
    seed(store)
    first = export_text(store)
    seed(store)
    assert export_text(store) == first


def test_every_lesson_has_its_parts_and_all_four_languages(store):
    seed(store)
    for lesson in store.nodes("Lesson"):
        types = {e.type for e in store.edges_of(lesson.id)}
        assert {"HAS_CHALLENGE", "ILLUSTRATED_BY"} <= types or {"HAS_OPPORTUNITY"} <= types, lesson.id
        assert all(lesson.props.get(f"name_{lang}") for lang in ("nl", "fr", "es", "en")), lesson.id


def test_twinnings_merge_with_seeds_and_report_skips(store, tmp_path):
    seed(store)
    csv = tmp_path / "twins.csv"
    csv.write_text(TWINS, encoding="utf-8")
    report = import_twinnings(store, csv)
    assert report.rows == 7
    assert [reason for _, reason in report.skipped] == ["Nienburg is twinned with itself", "empty field country2"]
    assert [row for row, _ in report.skipped] == [6, 7]
    # Brasschaat-Tarija and Edegem-San Jerónimo are the seeded partnerships, not new ones.
    assert report.already_linked == 2 and report.partnerships_created == 3
    munis = store.find_by_property("Municipality", "country", ["Belgium"])
    names = {m.props["name"] for m in munis}
    assert {"Brasschaat", "Edegem", "Herent", "Tournai"} <= names and len(names) == 285 + 1  # members and Tournai
    tarija = [e for e in store.edges_of("municipality:tarija-bolivia", ["PARTNER_IN"])]
    assert len(tarija) == 2
    # Accents and apostrophes match the seeded municipality, not a twin of it.
    assert len(store.find_by_property("Municipality", "name", ["Nimlaha'kok"])) == 1
    before = export_text(store)
    again = import_twinnings(store, csv)
    assert again.partnerships_created == 0 and export_text(store) == before


@pytest.mark.parametrize("content,row,field", [
    ("city,country\nA,B\n", 1, "header"),
    (TWINS.splitlines()[0] + "\nA,Belgium,51.0,4.0,B,France,north,2.0\n", 2, "lat2"),
    (TWINS.splitlines()[0] + "\nA,Belgium,51.0,4.0,B,France,48.0\n", 2, None),
    (TWINS.splitlines()[0] + "\nA,Belgium,951.0,4.0,B,France,48.0,2.0\n", 2, "lat1"),
])
def test_malformed_import_names_row_and_field_and_writes_nothing(store, tmp_path, content, row, field):
    csv = tmp_path / "bad.csv"
    csv.write_text(TWINS + content.split("\n", 1)[1] if row != 1 else content, encoding="utf-8")
    with pytest.raises(DataError) as info:
        import_twinnings(store, csv)
    assert info.value.file == str(csv)
    assert info.value.field == field
    assert str(csv) in str(info.value)
    assert store.count_by_kind() == {}


def test_malformed_seed_file_is_refused_whole(store, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    bad = seeds / "publication" / "zz-bad.yaml"
    bad.write_text("source: source:vvsg-2022\nnodes:\n  - id: lesson:x\n    section: S\n"
                   "edges:\n  - {from: lesson:x, type: FUNDS, to: sdg:1, section: S}\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        seed(store, seeds)
    assert "zz-bad.yaml" in str(info.value) and "edges[0]" in str(info.value)
    assert store.count_by_kind() == {}


@pytest.mark.parametrize("text,where,field", [
    ("source: source:s\nnodes:\n  - id: lesson:x\n", "nodes[0] (lesson:x)", "section"),
    ("source: source:s\nnodes:\n  - {id: lesson:x, section: S, 'Bad key': 1}\n", "nodes[0] (lesson:x)", "Bad key"),
    ("nodes: []\n", None, "source"),
    ("source: source:s\nnodes: [\n", "line 3", None),
])
def test_seed_record_errors_point_at_the_record(tmp_path, text, where, field):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_record_file(path)
    assert (info.value.record, info.value.field) == (where, field)


def test_export_load_export_is_identical_across_stores(store, tmp_path):
    source = EmbeddedStore(tmp_path / "source")
    seed(source)
    csv = tmp_path / "twins.csv"
    csv.write_text(TWINS, encoding="utf-8")
    import_twinnings(source, csv)
    dump = tmp_path / "export.json"
    dump.write_text(export_text(source), encoding="utf-8")
    load_json(store, dump)
    assert export_text(store) == dump.read_text(encoding="utf-8")
    with pytest.raises(StoreConflict):
        load_json(store, dump)


def test_load_refuses_bad_exports_whole(store, tmp_path):
    data = {"format": "common-ground/node-link", "version": 1,
            "nodes": [{"id": "municipality:a", "kind": "Municipality", "properties": {"name": "A"}}],
            "edges": [{"source": "municipality:a", "target": "partnership:missing", "type": "PARTNER_IN",
                       "properties": {}}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_json(store, path)
    assert info.value.record == "edges[0]" and info.value.field == "target"
    assert store.count_by_kind() == {}


def test_read_seeds_checks_unique_ids():
    batch = read_seeds()
    ids = [n.id for n in batch.nodes]
    assert len(ids) == len(set(ids))
