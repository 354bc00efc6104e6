"""Identifiers keep every name apart: names are transliterated (anyascii), a name with no Latin form
gets a hash, search folds the same letters, and kb migrate-ids moves ids that lost letters, with
redirects from the old addresses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph import Edge, Node
from graph.ingest.id_migration import legacy_fold, legacy_municipality_id, migrate_ids
from graph.ingest.twinnings import import_twinnings
from graph.model import ChangeNote
from graph.places.countries import municipality_id
from graph.stores.sqlite.store import EmbeddedStore
from graph.text import fold, slug
from webapp import create_app
from webapp.cli import main

HEADER = "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"


def test_letters_unicode_does_not_decompose_are_transliterated():
    assert [fold(n) for n in ("Łódź", "Tórshavn", "Ærøskøbing", "Þingeyri", "Straße")] == [
        "lodz", "torshavn", "aeroskobing", "thingeyri", "strasse"]
    assert slug("Москва") == "moskva" and slug("Санкт-Петербург") == "sankt-peterburg"
    assert slug("San Jerónimo") == "san-jeronimo"  # as before


def test_a_name_without_a_latin_form_gets_a_stable_hash_of_its_own():
    assert slug("★") == slug(" ★ ") != slug("☆")
    assert slug("★").startswith("x-") and len(slug("★")) == 12


def test_cities_written_only_in_cyrillic_stay_apart(store, tmp_path):
    csv = tmp_path / "twins.csv"
    csv.write_text(HEADER + "Москва,Russia,55.75,37.62,Berlin,Germany,52.52,13.40\n"
                   "Санкт-Петербург,Russia,59.94,30.31,Hamburg,Germany,53.55,9.99\n", encoding="utf-8")
    report = import_twinnings(store, csv)
    assert report.municipalities_created == 4
    moscow, petersburg = store.get_node("municipality:moskva-russia"), store.get_node("municipality:sankt-peterburg-russia")
    assert (moscow.props["name"], petersburg.props["name"]) == ("Москва", "Санкт-Петербург")
    assert [h.id for h in store.search("Москва", kinds=["Municipality"])] == [moscow.id]
    assert [h.id for h in store.search("moskva", kinds=["Municipality"])] == [moscow.id]


def test_lodz_finds_lodz(store, tmp_path):
    csv = tmp_path / "twins.csv"
    csv.write_text(HEADER + "Łódź,Poland,51.77,19.45,Lyon,France,45.76,4.83\n", encoding="utf-8")
    import_twinnings(store, csv)
    assert [n.id for n in store.search("Lodz", kinds=["Municipality"])] == ["municipality:lodz-poland"]
    assert [n.id for n in store.search("łódź", kinds=["Municipality"])] == ["municipality:lodz-poland"]


# -- kb migrate-ids ---------------------------------------------------------------------------------

def legacy_town(name: str, country: str, code: str) -> Node:
    """A municipality as the import wrote it before names were transliterated."""
    return Node(legacy_municipality_id(name, country), "Municipality",
                {"name": name, "country": country, "country_code": code, "match_key": f"{legacy_fold(name)}|{code}"})


def write_legacy_graph(store) -> None:
    lodz, lyon = legacy_town("Łódź", "Poland", "PL"), legacy_town("Lyon", "France", "FR")
    torshavn = legacy_town("Tórshavn", "Faroe Islands", "FO")
    partnership = Node("partnership:odz-poland--lyon-france", "Partnership", {"name": "Łódź – Lyon"})
    theme = Node("theme:culture", "Theme", {"name_en": "Culture"})
    store.write([lodz, lyon, torshavn, partnership, theme],
                [Edge(lodz.id, "PARTNER_IN", partnership.id, {"role": "twin"}),
                 Edge(lyon.id, "PARTNER_IN", partnership.id, {}),
                 Edge(partnership.id, "CONCERNS", theme.id, {})],
                ChangeNote("an older kb", "import"))


def test_migrate_ids_moves_what_lost_letters_with_its_edges_once(store, tmp_path):
    write_legacy_graph(store)
    assert legacy_municipality_id("Łódź", "Poland") == "municipality:odz-poland" != municipality_id("Łódź", "Poland")
    assert migrate_ids(store, dry_run=True).moved and store.get_node("municipality:odz-poland")
    before = store.version()
    report = migrate_ids(store)
    assert report.moved == {"municipality:odz-poland": "municipality:lodz-poland",
                            "partnership:odz-poland--lyon-france": "partnership:lodz-poland--lyon-france"}
    assert store.get_nodes(report.moved) == {}
    lodz = store.get_node("municipality:lodz-poland")
    assert lodz.props["former_ids"] == ["municipality:odz-poland"] and lodz.props["match_key"] == "lodz|PL"
    assert lodz.props["name"] == "Łódź" and lodz.props["country_code"] == "PL"
    assert {(e.source, e.type, e.target, tuple(e.props.items()))
            for e in store.edges_of_many(["partnership:lodz-poland--lyon-france"])} == {
        ("municipality:lodz-poland", "PARTNER_IN", "partnership:lodz-poland--lyon-france", (("role", "twin"),)),
        ("municipality:lyon-france", "PARTNER_IN", "partnership:lodz-poland--lyon-france", ()),
        ("partnership:lodz-poland--lyon-france", "CONCERNS", "theme:culture", ())}
    # Tórshavn's id lost nothing (NFKD strips the accent), so it stays.
    assert store.get_node("municipality:torshavn-faroe-islands") is not None
    # One write and one delete, each with its note.
    changes = store.changes(limit=5)
    assert [c.actor for c in changes[:2]] == ["kb migrate-ids", "kb migrate-ids"] and store.version() != before
    again = migrate_ids(store)
    assert (again.moved, again.rekeyed, again.finished) == ({}, [], [])
    # The next import finds the moved town instead of making a second Łódź.
    csv = tmp_path / "twins.csv"
    csv.write_text(HEADER + "Łódź,Poland,51.77,19.45,Lyon,France,45.76,4.83\n", encoding="utf-8")
    assert import_twinnings(store, csv).municipalities_created == 0


def test_an_interrupted_migration_is_finished_by_the_next_run(tmp_path, monkeypatch):
    store = EmbeddedStore(tmp_path / "kb")
    write_legacy_graph(store)
    monkeypatch.setattr(store, "delete", lambda *a, **k: (_ for _ in ()).throw(OSError("power cut")))
    with pytest.raises(OSError):
        migrate_ids(store)
    monkeypatch.undo()
    assert store.get_node("municipality:odz-poland") and store.get_node("municipality:lodz-poland")
    report = migrate_ids(store)
    assert sorted(report.finished) == ["municipality:odz-poland", "partnership:odz-poland--lyon-france"]
    assert store.get_node("municipality:odz-poland") is None
    assert len(store.edges_of("municipality:lodz-poland")) == 1


def test_old_addresses_redirect_to_the_new_ones(tmp_path):
    store = EmbeddedStore(tmp_path / "kb")
    write_legacy_graph(store)
    migrate_ids(store)
    client = create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "test"}).test_client()
    for old, new in [("/fr/municipalities/odz-poland", "/fr/municipalities/lodz-poland"),
                     ("/fr/municipalities/odz-poland.json", "/fr/municipalities/lodz-poland.json"),
                     ("/nl/partnerships/odz-poland--lyon-france", "/nl/partnerships/lodz-poland--lyon-france"),
                     ("/en/municipalities/odz-poland/graph.json", "/en/municipalities/lodz-poland/graph.json")]:
        response = client.get(old)
        assert response.status_code == 301 and response.headers["Location"] == new, old
        assert client.get(new).status_code == 200
    assert client.get("/en/municipalities/nowhere-atlantis").status_code == 404


def test_kb_migrate_ids(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "kb"))
    write_legacy_graph(EmbeddedStore(tmp_path / "kb"))
    runner = CliRunner()
    dry = runner.invoke(main, ["migrate-ids", "--dry-run"])
    assert dry.exit_code == 0 and "would move 2 ids" in dry.output
    assert "municipality:odz-poland -> municipality:lodz-poland" in dry.output
    assert "moved 2 ids" in runner.invoke(main, ["migrate-ids"]).output
    assert "moved 0 ids" in runner.invoke(main, ["migrate-ids"]).output
