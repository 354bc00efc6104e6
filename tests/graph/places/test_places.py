"""The gazetteer and the reconciliation of the twin-town file's places, on the real shipped data.

The twin-town file is cut to its Belgian rows and a few rows the issue names
(Oxford and Cambridge "United States" at English coordinates, Newtown), so the
import runs in seconds on both stores; the rows are the file's own, unchanged.
"""

from __future__ import annotations

import csv

import pytest

from graph.editing.edits import revert
from graph.ingest.members import read_municipalities
from graph.ingest.place_migration import reconcile_store
from graph.ingest.seeds import seed
from graph.ingest.twinnings import import_twinnings
from graph.model import ChangeNote
from graph.places.gazetteer import (
    MAX_JOIN_KM,
    country_check,
    distance_km,
    locate_flemish_municipality,
    mergers,
)
from graph.records import make_edge, make_node
from graph.resources import CHECKOUT

TWIN_CITIES_FILE = CHECKOUT / "seeds" / "data" / "twin_cities.csv"

NAMED_ROWS = {"Oxford", "Cambridge", "Newtown"}


@pytest.fixture(scope="module")
def belgian_rows(tmp_path_factory):
    """The shipped file's Belgian rows and the rows of the towns the issue names, as a CSV file."""
    with TWIN_CITIES_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    kept = [rows[0]] + [r for r in rows[1:] if "Belgium" in (r[1], r[5]) or {r[0], r[4]} & NAMED_ROWS]
    path = tmp_path_factory.mktemp("twins") / "twin_cities_belgium.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(kept)
    return path


def test_at_least_280_of_the_285_members_are_located_and_say_where_from():
    members = read_municipalities("02000")
    located = {m.nis_code: locate_flemish_municipality(m.nis_code, (m.name_nl, m.name_fr)) for m in members}
    assert len(members) == 285
    assert sum(1 for v in located.values() if v) >= 279
    gent = located["44021"]
    assert gent.place.name == "Gent" and gent.source == f"geonames:{gent.place.geonameid}"
    assert {"Ghent", "Gand", "Gante"} <= set(gent.place.reader_names())


def test_every_located_member_lies_in_belgium():
    points = []
    for m in read_municipalities("02000"):
        found = locate_flemish_municipality(m.nis_code, (m.name_nl, m.name_fr))
        if found:
            points.append((found.place.lat, found.place.lng, "BE"))
    assert country_check().outside(points) == [None] * len(points)


def test_the_mergers_files_name_28_former_municipalities_of_13_members_in_2025():
    merged = mergers()
    codes = {m.nis_code for m in read_municipalities("02000")}
    assert set(merged) <= codes
    of_2025 = [m for m in merged.values() if m.nis_code not in {"44085", "72042", "45068", "72043", "44083",
                                                                   "44084", "12041"}]
    assert len(of_2025) == 13 and sum(len(m.former) for m in of_2025) == 28
    assert "Zwijndrecht" in merged["46030"].former_names() and "Melle" in merged["44088"].former_names()


def test_coordinates_outside_their_country_are_found_offline():
    check = country_check()
    # Oxford "United States" at English coordinates; Baarle-Hertog is Belgian amid Dutch places.
    assert check.outside([(51.7519, -1.2578, "US"), (51.4406, 4.9305, "BE"), (51.05, 3.72, "BE")]) == ["GB", None, None]
    assert distance_km(51.05, 3.72, 51.2194, 4.4025) == pytest.approx(51, abs=2)


def test_the_belgian_rows_join_members_and_provinces_become_organisations(store, belgian_rows):
    seed(store)
    report = import_twinnings(store, belgian_rows)
    places = report.places
    joined = {(name, member) for _, name, member, _, _ in places.joined}
    assert ("Ghent", "municipality:gent-belgium") in joined
    for name, member in [("Zwijndrecht", "beveren-kruibeke-zwijndrecht"), ("Beveren", "beveren-kruibeke-zwijndrecht"),
                         ("Melle", "merelbeke-melle"), ("Ruiselede", "wingene"),
                         ("Antwerp – Ekeren", "antwerpen"), ("Ekeren (Antwerp)", "antwerpen"),
                         ("Eke (Nazareth)", "nazareth-de-pinte")]:
        assert (name, f"municipality:{member}-belgium") in joined, name
    assert all(km is None or km <= MAX_JOIN_KM for *_, km in places.joined)
    # Kluisbergen has no place in GeoNames' cities500: its row's coordinates, in its province, place it.
    assert ("Kluisbergen", "municipality:kluisbergen-belgium") in joined and not places.unresolved
    kluisbergen = store.get_node("municipality:kluisbergen-belgium").props
    assert kluisbergen["coordinates_source"].startswith("source:twin-cities") and kluisbergen["nis_code"] == "45060"
    # No town of the file stands beside a member under another of its names.
    for gone in ("ghent", "zwijndrecht", "melle", "ruiselede", "beveren", "flemish-brabant", "west-flanders",
                 "antwerp-province", "walloon-brabant", "antwerp-ekeren"):
        assert store.get_node(f"municipality:{gone}-belgium") is None, gone
    provinces = {organisation for *_, organisation in places.regions}
    assert provinces == {"organisation:province-vlaams-brabant", "organisation:province-antwerpen",
                         "organisation:province-waals-brabant", "organisation:province-west-vlaanderen"}
    for organisation in provinces:
        assert store.get_node(organisation).props["organisation_type"] == "province"
        assert {e.type for e in store.edges_of(organisation)} == {"STAKEHOLDER_IN"}
    assert not [n for n in store.nodes("Municipality") if "brabant" in n.props["name"].lower()]
    # The partnership is named from its members' names in each language.
    [kanazawa] = [e.target for e in store.edges_of("municipality:gent-belgium", ["PARTNER_IN"])
                  if "kanazawa" in e.target]
    props = store.get_node(kanazawa).props
    assert (props["name"], props["name_fr"], props["name_en"]) == (
        "Gent – Kanazawa", "Gand – Kanazawa", "Ghent – Kanazawa")
    assert store.get_node("municipality:gent-belgium").props["coordinates_source"].startswith("geonames:")
    # Every spelling finds the town; the Dutch name finds its partnerships.
    for spelling in ("Gent", "Ghent", "Gand", "Gante"):
        assert "municipality:gent-belgium" in [n.id for n in store.search(spelling, ["Municipality"])], spelling
    assert kanazawa in [n.id for n in store.search("Gent Kanazawa", ["Partnership"])]
    # The report names the rows whose coordinates contradict their country, and far-apart keys.
    outside = {(name, country, lies_in) for _, name, country, lies_in in places.outside_country}
    assert ("Oxford", "United States", "GB") in outside and ("Cambridge", "United States", "GB") in outside
    assert any(key == "newtown|GB" and km > 10_000 for key, km, *_ in places.far_apart)


def _older_store(store):
    """A seeded store as the import left it before the gazetteer: Zwijndrecht and Flemish Brabant as towns."""
    seed(store)
    provenance = {"source": "source:twin-cities", "source_section": "twin_cities.csv row 2498"}
    store.write([
        make_node("municipality:zwijndrecht-belgium", dict(name="Zwijndrecht", country="Belgium",
                                                           lat=51.2167, lng=4.3333, **provenance)),
        make_node("municipality:flemish-brabant-belgium", dict(name="Flemish Brabant", country="Belgium",
                                                               lat=50.9167, lng=4.5833, **provenance)),
        make_node("municipality:chengdu-china", dict(name="Chengdu", country="China", lat=30.66, lng=104.06,
                                                     **provenance)),
        make_node("partnership:chengdu-china--flemish-brabant-belgium",
                  dict(name="Chengdu – Flemish Brabant", partnership_type="twinning", **provenance)),
    ], [make_edge("municipality:zwijndrecht-belgium", "PARTNER_IN", "partnership:chengdu-china--flemish-brabant-belgium",
                  provenance),
        make_edge("municipality:flemish-brabant-belgium", "PARTNER_IN",
                  "partnership:chengdu-china--flemish-brabant-belgium", provenance),
        make_edge("municipality:chengdu-china", "PARTNER_IN",
                  "partnership:chengdu-china--flemish-brabant-belgium", provenance)],
        ChangeNote("test", "an older import"))


def test_an_older_store_is_reconciled_in_one_recorded_change(store, belgian_rows):
    _older_store(store)
    report = import_twinnings(store, belgian_rows)
    assert report.reconciled >= 2
    assert store.get_node("municipality:zwijndrecht-belgium") is None
    assert store.get_node("municipality:flemish-brabant-belgium") is None
    partnership = "partnership:chengdu-china--flemish-brabant-belgium"
    sides = {(e.source, e.type) for e in store.edges_of(partnership)}
    assert ("organisation:province-vlaams-brabant", "STAKEHOLDER_IN") in sides
    assert ("municipality:beveren-kruibeke-zwijndrecht-belgium", "PARTNER_IN") in sides
    notes = [c for c in store.changes(limit=50) if c.code == "reconcile_places"]
    assert notes
    # Importing again changes nothing more.
    assert import_twinnings(store, belgian_rows).reconciled == 0


def test_the_reconciliation_can_be_reverted(store):
    _older_store(store)
    assert reconcile_store(store, ChangeNote("kb import-twinnings", "reconcile Belgian places")) >= 2
    assert store.get_node("municipality:zwijndrecht-belgium") is None
    [change] = store.changes(limit=1)
    revert(store, change.seq, "test")
    assert store.get_node("municipality:zwijndrecht-belgium").props["name"] == "Zwijndrecht"
    assert store.get_node("municipality:flemish-brabant-belgium") is not None
    assert store.get_node("organisation:province-vlaams-brabant") is None


def test_two_former_municipalities_of_one_member_make_no_partnership_with_itself(store, tmp_path):
    seed(store)
    path = tmp_path / "twins.csv"
    path.write_text("city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
                    "Beveren,Belgium,51.2117,4.2567,Zwijndrecht,Belgium,51.2167,4.3333\n", encoding="utf-8")
    report = import_twinnings(store, path)
    assert report.partnerships_created == 0
    assert report.skipped == [(2, "Beveren and Zwijndrecht are both "
                                  "municipality:beveren-kruibeke-zwijndrecht-belgium today")]
    assert not store.edges_of("municipality:beveren-kruibeke-zwijndrecht-belgium", ["PARTNER_IN"])


def test_pages_name_the_partnership_in_the_readers_language_and_every_spelling_finds_it(app, belgian_rows):
    store = app.config["STORE"]
    import_twinnings(store, belgian_rows)
    client = app.test_client()
    dutch = client.get("/nl/search?q=Gent").get_data(as_text=True)
    assert "Gent – Kanazawa" in dutch and "Ghent – Kanazawa" not in dutch
    french = client.get("/fr/search?q=Gand").get_data(as_text=True)
    assert "Gand – Kanazawa" in french
    for spelling in ("Ghent", "Gante"):
        assert "/municipalities/gent-belgium" in client.get(f"/es/search?q={spelling}").get_data(as_text=True)


def test_the_slice_of_one_country_holds_all_of_its_places_at_either_end_of_the_file():
    from graph.places.gazetteer import places_of

    assert len(places_of("BE")) == 2256 and {p.country_code for p in places_of("BE")} == {"BE"}
    assert "Andorra la Vella" in {p.name for p in places_of("AD")}  # the file's first country
    assert "Harare" in {p.name for p in places_of("ZW")}  # and its last
    assert places_of("XX") == ()
