"""The web app over the seeded graph, on each store, in each language."""

from __future__ import annotations

import re

import pytest

from graph.schema import LANGUAGES

# Reads only: every test shares one seeded embedded store (tests/conftest.py checks that none writes).
pytestmark = pytest.mark.reads_only

PAGES = [
    "/{lang}",
    "/{lang}/partnerships",
    "/{lang}/municipalities?country=Bolivia",
    "/{lang}/partnerships/brasschaat-tarija",
    "/{lang}/municipalities/nimlahakok-guatemala",
    "/{lang}/sdgs",
    "/{lang}/sdgs/13",
    "/{lang}/targets/6.1",
    "/{lang}/lessons",
    "/{lang}/search?q=jeronimo",
    "/{lang}/paths?from=Herent&to=Tarija",
]


def alternate_json(html: str) -> str:
    match = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', html)
    assert match, "every page announces its JSON twin"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.both_stores
def test_every_page_works_in_every_language_with_a_json_twin(client, path, lang):
    url = path.format(lang=lang)
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    twin = client.get(alternate_json(html))
    assert twin.status_code == 200 and twin.is_json


def test_root_redirects_to_the_preferred_language(client):
    response = client.get("/", headers={"Accept-Language": "es-BO,es;q=0.9,en;q=0.5"})
    assert response.status_code == 302 and response.headers["Location"] == "/es"
    assert client.get("/", headers={"Accept-Language": "de"}).headers["Location"] == "/nl"


def test_language_switcher_keeps_the_page_and_query(client):
    html = client.get("/nl/search?q=water").get_data(as_text=True)
    assert 'href="/es/search?q=water"' in html and 'href="/fr/search?q=water"' in html


@pytest.mark.both_stores
def test_json_twin_carries_the_page_data(client):
    data = client.get("/en/partnerships/edegem-san-jeronimo.json").get_json()
    assert data["node"]["id"] == "partnership:edegem-san-jeronimo"
    props = {p["key"]: p["value"] for p in data["node"]["properties"]}
    assert props["start_year"] == 2004 and props["end_year"] == 2020 and props["status"] == "ended"
    keys = [p["key"] for p in data["node"]["properties"]]
    assert keys.index("start_year") < keys.index("end_year")  # a reader's order, not the alphabet's
    partners = next(g for g in data["connections"] if g["type"] == "PARTNER_IN")
    assert {i["id"] for i in partners["items"]} == {"municipality:edegem-belgium", "municipality:san-jeronimo-peru"}
    assert data["provenance"]["source"]["id"] == "source:vvsg-2022"
    html = client.get("/en/partnerships/edegem-san-jeronimo").get_data(as_text=True)
    for item in partners["items"]:
        assert f'href="{item["url"]}"' in html


def test_content_falls_back_and_says_so(client):
    data = client.get("/nl/sdgs.json").get_json()
    assert data["goals"][5]["label"] and not data["goals"][5]["fallback"]
    # Targets have no Spanish translation problem, but themes written only in fr/en fall back.
    page = client.get("/es/targets/6.1.json").get_json()
    assert page["node"]["texts"]["title"]["lang"] == "es"


def test_sdg_page_lists_targets_and_linked_knowledge(client):
    data = client.get("/en/sdgs/6.json").get_json()
    assert [t["id"] for t in data["goal"]["targets"]][:3] == ["target:6.1", "target:6.2", "target:6.3"]
    assert len(data["goal"]["targets"]) == 8
    linked = {g["kind"]: {i["id"] for i in g["items"]} for g in data["goal"]["linked"]}
    assert "project:water-source-protection-tarija" in linked.get("Project", set())


def test_sdg_overview_has_seventeen_goals_with_colours(client):
    goals = client.get("/fr/sdgs.json").get_json()["goals"]
    assert [g["number"] for g in goals] == list(range(1, 18))
    assert goals[0]["colour"] == "#E5243B" and goals[16]["colour"] == "#19486A"


def test_lessons_by_sdg_filter(client):
    everything = client.get("/en/lessons.json").get_json()["lessons"]
    assert len(everything) == 7
    assert all(lesson["challenges"] or lesson["opportunities"] or lesson["experiences"] for lesson in everything)
    some = client.get("/en/lessons.json?sdg=sdg:17").get_json()["lessons"]
    assert 0 < len(some) <= 7
    assert all("sdg:17" in {s["id"] for s in lesson["subjects"]} for lesson in some)


@pytest.mark.both_stores
def test_search_is_accent_and_case_insensitive(client):
    results = client.get("/es/search.json?q=JERONIMO").get_json()["results"]
    assert "municipality:san-jeronimo-peru" in [r["id"] for r in results]


@pytest.mark.parametrize("query", ['"><script>alert(1)</script>', "MATCH (n) DETACH DELETE n",
                                   "' OR 1=1 --", "{{7*7}}"])
def test_search_input_is_harmless_and_escaped(client, query):
    response = client.get("/nl/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "49" not in html.split("<main", 1)[1] or "{{7*7}}" not in query
    assert client.get("/nl.json").get_json()["total"] > 200


@pytest.mark.both_stores
def test_list_facets_sort_and_page(client):
    data = client.get("/en/partnerships.json?status=ended").get_json()
    assert [i["id"] for i in data["items"]] == ["partnership:edegem-san-jeronimo"]
    data = client.get("/en/municipalities.json?sort=country&order=desc").get_json()
    assert data["items"][0]["id"] == "municipality:san-jeronimo-peru"
    data = client.get("/en/partnerships.json?year=2003").get_json()
    assert [i["id"] for i in data["items"]] == ["partnership:herent-nimlahakok"]
    assert client.get("/en/sdgs.json").status_code == 200
    assert client.get("/en/targets.json?page=7").get_json()["page"] == 7


@pytest.mark.parametrize("url,status", [
    ("/de/sdgs", 404),
    ("/nl/planets", 404),
    ("/nl/municipalities/atlantis", 404),
    ("/nl/municipalities/atlantis.json", 404),
    ("/nl/partnerships?status=bogus", 400),
    ("/nl/partnerships?theme=theme:nope", 400),
    ("/nl/partnerships?year=twenty", 400),
    ("/nl/partnerships?sort=secret", 400),
    ("/nl/targets?page=999", 404),
    ("/nl/lessons?sdg=sdg:99", 400),
    ("/nl/search?kind=Planet&q=x", 400),
    ("/nl/paths?from=Herent&to=zzzzqqq", 200),  # the page says so and keeps the form (test_paths_web)
    ("/nl/paths?from=Herent&to=Tarija&hops=99", 400),
    ("/nl/municipalities/tarija-bolivia/graph.json?type=LIKES", 400),
    ("/nl/partnerships?page=%C2%B2", 400),
    ("/nl/partnerships?year=%C2%B2", 400),
    ("/nl/paths?from=Herent&to=Tarija&hops=%C2%B2", 400),
])
def test_bad_input_gets_a_localised_error_not_a_crash(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    if url.endswith(".json") or ".json?" in url:
        assert response.get_json()["error"]["status"] == status
    else:
        assert "<h1>" in response.get_data(as_text=True)


def test_error_pages_speak_the_page_language(client):
    titles = {}
    for lang in LANGUAGES:
        html = client.get(f"/{lang}/municipalities/atlantis").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        titles[lang] = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert len(set(titles.values())) == 4, titles


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/nl/municipalities/tarija-bolivia")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.get_data(as_text=True)
    assert "style=" not in response.get_data(as_text=True)


@pytest.mark.both_stores
def test_graph_json_expands_and_filters(client):
    full = client.get("/en/municipalities/tarija-bolivia/graph.json").get_json()
    assert full["center"] == "municipality:tarija-bolivia"
    assert {e["type"] for e in full["edges"]} >= {"PARTNER_IN", "OFFERS"}
    only = client.get("/en/municipalities/tarija-bolivia/graph.json?type=PARTNER_IN").get_json()
    assert {e["type"] for e in only["edges"]} == {"PARTNER_IN"}


def test_path_finder_shows_a_readable_chain(client):
    data = client.get("/en/paths.json?from=municipality:herent-belgium&to=municipality:nimlahakok-guatemala").get_json()
    assert data["paths"]
    for path in data["paths"]:
        here = "municipality:herent-belgium"
        for step in path:
            ends = (step["source"]["id"], step["target"]["id"])
            assert here in ends and step["label"]
            here = step["to"]["id"]
        assert here == "municipality:nimlahakok-guatemala"


def test_dates_and_numbers_follow_the_locale(client):
    en = client.get("/en/phases/start-up").get_data(as_text=True)
    fr = client.get("/fr/phases/start-up").get_data(as_text=True)
    assert "January 2019" in en and "janvier 2019" in fr


@pytest.mark.writes
def test_only_web_addresses_become_links(seeded_store):
    from graph.records import make_node
    from webapp import create_app

    seeded_store.write([make_node("organisation:trap", {"name": "Trap", "url": "javascript:alert(1)"})])
    html = create_app({"TESTING": True, "STORE": seeded_store}).test_client().get(
        "/en/organisations/trap").get_data(as_text=True)
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


@pytest.mark.parametrize("query", ["fmt=json", "lang=fr", "plural=x", "endpoint=x", "_scheme=x", "_anchor=x",
                                   "_method=POST", "_external=1"])
def test_any_query_parameter_is_harmless(client, query):
    for url in (f"/nl/municipalities?{query}", f"/nl/search?q=a&{query}", f"/nl/match?{query}",
                f"/nl/sdgs?{query}", f"/nl/municipalities/atlantis?{query}"):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        head = response.get_data(as_text=True).split("<main", 1)[0]
        # Only the hreflang alternates are absolute (as they must be), and only on this site, in a language.
        absolute = re.findall(r'href="(http[^"]*)"', head)
        assert all(re.match(r"http://localhost/(nl|fr|es|en)([/?][^:]*)?$", href) for href in absolute), url
        assert len(absolute) == len(re.findall(r'<link rel="alternate" hreflang=', head)), url


@pytest.mark.parametrize("path,target", [
    ("/nl/", "/nl"), ("/es/", "/es"), ("/fr/lessons/", "/fr/lessons"),
    ("/en/municipalities/tarija-bolivia/", "/en/municipalities/tarija-bolivia"),
    ("/nl/search/?q=water", "/nl/search?q=water"), ("/nl//", "/nl"), ("/en/sdgs.json/", "/en/sdgs.json"),
])
def test_a_trailing_slash_redirects_to_the_page_without_it(client, path, target):
    response = client.get(path)
    assert response.status_code == 308 and response.headers["Location"] == target
    assert client.get(target).status_code == 200


def test_an_unknown_path_with_a_slash_is_still_not_found(client):
    assert client.get("/nl/nowhere/").status_code == 404
    assert client.get("/de/").status_code == 404


def test_every_page_links_the_favicon(client):
    html = client.get("/nl").get_data(as_text=True)
    address = re.search(r'<link rel="icon" type="image/svg\+xml" href="(/static/favicon\.svg\?v=[0-9a-f]{12})">',
                        html).group(1)  # fingerprinted: webapp/static_files.py
    icon = client.get(address)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    assert client.get("/favicon.ico").headers["Location"] == address


@pytest.mark.parametrize("lang, province, region, left", [
    ("nl", "Vlaams-Brabant", "Vlaanderen", "Stapte uit het vernieuwingstraject"),
    ("es", "Brabante Flamenco", "Flandes", "Abandonó el proceso de renovación"),
])
def test_codes_and_keys_are_shown_in_the_page_language(client, lang, province, region, left):
    """A province is named, not given as its NIS code; region values and property keys are translated."""
    herent = client.get(f"/{lang}/municipalities/herent-belgium").get_data(as_text=True)
    assert province in herent and region in herent and ">20001<" not in herent
    edegem = client.get(f"/{lang}/partnerships/edegem-san-jeronimo").get_data(as_text=True)
    assert left in edegem and "left renewal process" not in edegem
