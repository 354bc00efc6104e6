"""Countries as ISO codes: one town per place whatever the spelling, and folding older duplicates."""

from __future__ import annotations

import pytest

from graph.ingest.duplicates import plan_country_folds, spelling_duplicates
from graph.ingest.seeds import SEEDS_DIR, seed
from graph.ingest.twinnings import import_twinnings
from graph.model import Node
from graph.places.countries import canonical_name, country_code, country_name, municipality_id, place_key
from graph.records import make_edge, make_node
from graph.stores.sqlite.store import EmbeddedStore
from graph.text import fold

HEADER = "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
SPELLINGS = HEADER + """\
Portsmouth,England,50.8,-1.08,Duisburg,Germany,51.43,6.76
"Portsmouth","England, United Kingdom",50.8,-1.08,Caen,France,49.18,-0.37
Cork,Republic of Ireland,51.9,-8.47,Rennes,France,48.11,-1.68
Cork,Ireland,51.9,-8.47,Coburg,Germany,50.26,10.96
Tbilisi,Georgia (country),41.72,44.79,Bristol,England,51.45,-2.58
Bristol,"England, United Kingdom",51.45,-2.58,Hannover,Germany,52.37,9.73
Glasgow,Scotland,55.86,-4.25,Bethlehem,West Bank,31.7,35.2
Glasgow,"Scotland, United Kingdom",55.86,-4.25,Rostock,Germany,54.08,12.13
Brasschaat,België,51.3,4.5,Poseidonia,Atlantis,10.0,10.0
"""


@pytest.mark.parametrize("spelling, code", [
    ("England", "GB"), ("England, United Kingdom", "GB"), ("Republic of Ireland", "IE"), ("Ireland", "IE"),
    ("Georgia (country)", "GE"), ("Kosovo", "XK"), ("Grece", "GR"), ("Kazakhstah", "KZ"), ("Island", "IS"),
    ("Bolivië", "BO"), ("Pérou", "PE"), ("Atlantis", None), ("Georgia, United States", "US"),
    ("Réunion, France", "RE"), ("Åland Islands, Finland", "AX"), ("Wales, United Kingdom", "GB"),
    ("Tinn, Norway", "NO"), ("Georgia, Atlantis", "GE"),
])
def test_spellings_resolve_to_iso_codes(spelling, code):
    assert country_code(spelling) == code


def test_names_come_from_cldr_in_each_language():
    assert canonical_name("BO") == "Bolivia" and canonical_name("GB") == "United Kingdom"
    assert [country_name("BE", lang) for lang in ("nl", "fr", "es", "en")] == [
        "België", "Belgique", "Bélgica", "Belgium"]
    assert place_key("Gent", "België") == place_key("GENT", "Belgium") == "gent|BE"
    assert place_key("Atlantis City", "Atlantis") == "atlantis city|atlantis"


def test_ids_keep_the_seeded_scheme():
    assert municipality_id("Brasschaat", "België") == "municipality:brasschaat-belgium"
    assert municipality_id("Tarija", "BO") == "municipality:tarija-bolivia"
    assert municipality_id("San Jerónimo", "Perú") == "municipality:san-jeronimo-peru"
    assert municipality_id("Glasgow", "Scotland, United Kingdom") == "municipality:glasgow-united-kingdom"


def test_spellings_of_one_country_make_one_town(store, tmp_path):
    seed(store)
    csv = tmp_path / "twins.csv"
    csv.write_text(SPELLINGS, encoding="utf-8")
    report = import_twinnings(store, csv)
    assert report.unmapped_countries == {"Atlantis": 1}
    assert report.spelling_duplicates == 0
    names = sorted(m.props["name"] for m in store.nodes("Municipality"))
    assert names.count("Portsmouth") == names.count("Cork") == names.count("Bristol") == 1
    portsmouth = store.get_node("municipality:portsmouth-united-kingdom")
    assert portsmouth.props["country"] == "United Kingdom" and portsmouth.props["country_code"] == "GB"
    assert portsmouth.props["country_as_given"] == ["England", "England, United Kingdom"]
    assert len(store.edges_of(portsmouth.id, ["PARTNER_IN"])) == 2
    assert store.get_node("municipality:cork-ireland").props["country_code"] == "IE"
    assert store.get_node("municipality:tbilisi-georgia").props["country_code"] == "GE"
    assert store.get_node("municipality:bethlehem-palestinian-territories").props["country_code"] == "PS"
    # The seeded Brasschaat is found through its Dutch country name, and keeps its id.
    assert len(store.edges_of("municipality:brasschaat-belgium", ["PARTNER_IN"])) == 2
    atlantis = store.get_node("municipality:poseidonia-atlantis")
    assert atlantis.props["country"] == "Atlantis" and "country_code" not in atlantis.props
    again = import_twinnings(store, csv)
    assert (again.municipalities_created, again.partnerships_created, again.spelling_duplicates) == (0, 0, 0)


def test_the_shared_twin_town_file_has_no_duplicates_and_every_country_mapped(tmp_path):
    store = EmbeddedStore(tmp_path / "kb")
    seed(store)
    report = import_twinnings(store, SEEDS_DIR / "data" / "twin_cities.csv")
    assert report.unmapped_countries == {}
    assert report.spelling_duplicates == 0 == spelling_duplicates(store)
    assert all(m.props.get("country_code") for m in store.nodes("Municipality"))
    # the seeded towns (Nimlaha'kok aside) and the 123 other Flemish members (graph/ingest/members.py) the lists
    # name, by today's name or, since the gazetteer (graph/ingest/reconcile.py), by a former municipality
    # of 2025 (Melle, Ruiselede, Zwijndrecht) or a part (Eke), or with no GeoNames place (Kluisbergen)
    assert report.municipalities_matched == 128
    portsmouths = [m.props["country_code"] for m in store.nodes("Municipality") if m.props["name"] == "Portsmouth"]
    assert sorted(portsmouths) == ["GB", "US"]


def _legacy_town(node_id: str, name: str, country: str, row: int) -> Node:
    """A municipality as imports wrote it before countries had codes."""
    return Node(node_id, "Municipality", {
        "name": name, "country": country, "match_key": f"{fold(name)}|{fold(country)}",
        "source": "source:twin-cities", "source_section": f"twin_cities.csv row {row}"})


def _legacy_store(store):
    towns = [_legacy_town("municipality:bath-england", "Bath", "England", 2),
             _legacy_town("municipality:bath-england-united-kingdom", "Bath", "England, United Kingdom", 3),
             _legacy_town("municipality:aix-en-provence-france", "Aix-en-Provence", "France", 2),
             _legacy_town("municipality:braunschweig-germany", "Braunschweig", "Germany", 3)]
    links = [("partnership:aix-en-provence-france--bath-england", "municipality:bath-england",
              "municipality:aix-en-provence-france", 2),
             ("partnership:aix-en-provence-france--bath-england-united-kingdom",
              "municipality:bath-england-united-kingdom", "municipality:aix-en-provence-france", 3),
             ("partnership:bath-england-united-kingdom--braunschweig-germany",
              "municipality:bath-england-united-kingdom", "municipality:braunschweig-germany", 4)]
    nodes, edges = list(towns), []
    for pid, a, b, row in links:
        provenance = {"source": "source:twin-cities", "source_section": f"twin_cities.csv row {row}"}
        nodes.append(make_node(pid, dict(name=pid, partnership_type="twinning", **provenance)))
        edges += [make_edge(a, "PARTNER_IN", pid, provenance), make_edge(b, "PARTNER_IN", pid, provenance)]
    nodes.append(make_node("source:twin-cities", {"name": "Twin towns"}))
    store.write(nodes, edges)


def test_a_store_from_before_codes_is_matched_and_its_duplicates_planned(store, tmp_path):
    _legacy_store(store)
    assert spelling_duplicates(store) == 1
    plan = plan_country_folds(store)
    assert plan.duplicates == 1
    [town] = plan.municipalities
    assert (town.survivor, town.folded) == ("municipality:bath-england", ("municipality:bath-england-united-kingdom",))
    [twinning] = plan.partnerships
    assert twinning.survivor == "partnership:aix-en-provence-france--bath-england"
    assert plan.delete == sorted(["municipality:bath-england-united-kingdom",
                                  "partnership:aix-en-provence-france--bath-england-united-kingdom"])
    # Bath's twinning with Braunschweig moves to the surviving Bath; the duplicate twinning's edges do not.
    assert {e.key for e in plan.edges} == {
        ("municipality:bath-england", "PARTNER_IN", "partnership:bath-england-united-kingdom--braunschweig-germany")}
    assert all(e.props["source_section"] == "twin_cities.csv row 4" for e in plan.edges)
    survivor = {n.id: n for n in plan.nodes}["municipality:bath-england"]
    assert survivor.props["country_code"] == "GB" and survivor.props["country"] == "United Kingdom"
    assert survivor.props["country_as_given"] == ["England", "England, United Kingdom"]
    assert survivor.props["merged_from"] == ["municipality:bath-england-united-kingdom"]
    assert survivor.props["merged_provenance"] == [
        "municipality:bath-england-united-kingdom (source:twin-cities: twin_cities.csv row 3)"]

    # A re-import finds the old towns by their old keys instead of adding a third Bath, and folds them.
    csv = tmp_path / "twins.csv"
    csv.write_text(HEADER + "Bath,England,51.38,-2.36,Aix-en-Provence,France,43.53,5.45\n", encoding="utf-8")
    report = import_twinnings(store, csv)
    assert (report.municipalities_created, report.partnerships_created, report.already_linked) == (0, 0, 1)
    assert (report.duplicates_folded, report.spelling_duplicates) == (1, 0)
    bath = store.get_node("municipality:bath-england")
    assert (bath.props["country_code"], bath.props["match_key"]) == ("GB", "bath|GB")
    assert bath.props["merged_from"] == ["municipality:bath-england-united-kingdom"]
    assert store.get_node("municipality:bath-england-united-kingdom") is None
    partners = {e.target for e in store.edges_of("municipality:bath-england", ["PARTNER_IN"])}
    assert partners == {"partnership:aix-en-provence-france--bath-england",
                        "partnership:bath-england-united-kingdom--braunschweig-germany"}
    assert store.count_by_kind()["Municipality"] == 3
    # One change holds the whole fold, so it can be read back (and reverted) as one.
    [fold] = [c for c in store.changes(limit=5) if c.code == "fold_duplicates"]
    assert {i.item for i in fold.items if i.after is None} >= {"municipality:bath-england-united-kingdom"}


def test_a_fold_is_atomic(store, tmp_path):
    """The upserts and the deletes of a fold commit together or not at all."""
    from graph import NotFound
    from graph.ingest.duplicates import fold_country_duplicates
    from graph.model import ChangeNote

    _legacy_store(store)
    plan = plan_country_folds(store)
    before = (store.count_by_kind(), store.count_edges(), store.version())
    with pytest.raises(NotFound):  # one id to delete no longer exists: nothing of the plan may stay
        store.write(plan.nodes, plan.edges, ChangeNote("test", "fold"), delete=[*plan.delete, "municipality:gone"])
    assert (store.count_by_kind(), store.count_edges(), store.version()) == before
    assert fold_country_duplicates(store, ChangeNote("test", "fold")) == 1
    assert spelling_duplicates(store) == 0 and plan_country_folds(store).duplicates == 0


def test_import_report_names_unmapped_countries_and_duplicates(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from webapp.cli import main

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    csv = tmp_path / "twins.csv"
    csv.write_text(SPELLINGS, encoding="utf-8")
    result = CliRunner().invoke(main, ["import-twinnings", str(csv)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "1 country spellings without an ISO code" in result.output
    assert "'Atlantis': 1 city" in result.output
    assert "0 duplicate towns caused by country spellings" in result.output


@pytest.mark.parametrize("lang, belgium, bolivia", [
    ("nl", "België", "Bolivia"), ("fr", "Belgique", "Bolivie"), ("es", "Bélgica", "Bolivia"), ("en", "Belgium", "Bolivia"),
])
def test_pages_name_countries_in_the_page_language(client, lang, belgium, bolivia):
    listing = client.get(f"/{lang}/municipalities.json").get_json()
    facet = next(f for f in listing["facets"] if f["name"] == "country")
    assert {o["value"]: o["label"] for o in facet["options"]} == {"BE": belgium, "BO": bolivia,
                                                                  "GT": country_name("GT", lang),
                                                                  "PE": country_name("PE", lang)}
    assert next(i["summary"] for i in listing["items"] if i["id"].endswith("-belgium")) == belgium
    assert [o["label"] for o in facet["options"]] == sorted((o["label"] for o in facet["options"]), key=fold)
    html = client.get(f"/{lang}/municipalities").get_data(as_text=True)
    assert f'<option value="BE">{belgium} (285)</option>' in html  # VVSG's members
    node = client.get(f"/{lang}/municipalities/tarija-bolivia.json").get_json()
    shown = {p["key"]: p["display"] for p in node["node"]["properties"]}
    assert shown["country"] == bolivia and shown["country_code"] == "BO"


@pytest.mark.parametrize("value", ["Bolivia", "BO", "bo", "Bolivië", "Bolivie"])
@pytest.mark.both_stores
def test_the_country_filter_takes_a_code_or_a_name_in_any_language(client, value):
    data = client.get(f"/fr/municipalities.json?country={value}").get_json()
    assert [i["id"] for i in data["items"]] == ["municipality:tarija-bolivia"]
    assert next(f for f in data["facets"] if f["name"] == "country")["selected"] == "BO"


def test_an_unknown_country_is_a_clear_error(client):
    response = client.get("/es/municipalities?country=Atlantis")
    assert response.status_code == 400 and "Atlantis" in response.get_data(as_text=True)
