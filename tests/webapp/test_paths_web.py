"""The path finder: typed names resolved with the search, a choice when unclear, never a 404."""

from __future__ import annotations

import html as html_lib

import pytest

from graph.records import make_node

# Reads only, but for the tests marked writes: the others share one seeded embedded store (tests/conftest.py).
pytestmark = pytest.mark.reads_only

EDEGEM, TARIJA = "municipality:edegem-belgium", "municipality:tarija-bolivia"


@pytest.mark.both_stores
def test_names_resolve_to_the_municipalities_and_the_paths_are_drawn(client):
    data = client.get("/nl/paths.json?from=Edegem&to=Tarija").get_json()
    assert [end["node"]["id"] for end in data["ends"]] == [EDEGEM, TARIJA]
    assert data["paths"] and all(path[-1]["to"]["id"] == TARIJA for path in data["paths"])
    graph = data["graph"]
    assert graph["center"] == EDEGEM and graph["ends"] == [EDEGEM, TARIJA]
    node_ids = {n["id"] for n in graph["nodes"]}
    edge_ids = {"|".join((e["source"], e["type"], e["target"])) for e in graph["edges"]}
    assert len(graph["paths"]) == len(data["paths"])
    for path, steps in zip(graph["paths"], data["paths"], strict=True):
        assert set(path["nodes"]) <= node_ids and set(path["edges"]) <= edge_ids
        assert len(path["edges"]) == len(steps)
    html = client.get("/nl/paths?from=Edegem&to=Tarija").get_data(as_text=True)
    assert 'data-mode="paths"' in html and 'class="chain"' in html  # the graph and the text version


@pytest.fixture
def two_tarijas(app):
    app.config["STORE"].write([make_node("municipality:tarija-spain", {"name": "Tarija", "country": "Spain"})])
    return app


@pytest.mark.writes
def test_an_ambiguous_name_offers_a_choice_that_keeps_the_other_end(two_tarijas, client):
    data = client.get("/en/paths.json?from=Edegem&to=Tarija").get_json()
    assert data["paths"] == [] and data["graph"] is None
    start, goal = data["ends"]
    assert start["node"]["id"] == EDEGEM and goal["node"] is None
    assert [c["id"] for c in goal["choices"]][:2] == ["municipality:tarija-bolivia", "municipality:tarija-spain"]
    assert goal["choices"][0]["summary"] == "Bolivia" and goal["message"]
    page = client.get("/en/paths?from=Edegem&to=Tarija").get_data(as_text=True)
    assert 'type="radio" id="choice-to-1" name="to" value="municipality:tarija-bolivia" checked' in page
    assert f'<input type="hidden" name="from" value="{EDEGEM}">' in page
    assert 'value="Tarija"' in page  # the form keeps what was typed
    chosen = client.get(f"/en/paths.json?from={EDEGEM}&to=municipality:tarija-spain").get_json()
    assert [end["node"]["id"] for end in chosen["ends"]] == [EDEGEM, "municipality:tarija-spain"]


def test_municipalities_and_partnerships_come_first_among_the_choices(client):
    goal = client.get("/en/paths.json?from=Edegem&to=Tarij").get_json()["ends"][1]
    kinds = [c["kind"] for c in goal["choices"]]
    assert goal["node"] is None and kinds[0] == "Municipality"
    assert kinds == sorted(kinds, key=lambda k: k not in ("Municipality", "Partnership"))


@pytest.mark.parametrize("lang", ["nl", "es"])
def test_an_unknown_name_is_said_on_the_same_page_with_the_form_kept(client, lang):
    response = client.get(f"/{lang}/paths?from=Herent&to=zzzqqq&hops=3")
    assert response.status_code == 200
    page = html_lib.unescape(response.get_data(as_text=True))
    assert 'value="zzzqqq"' in page and 'value="Herent"' in page and 'value="3"' in page
    assert 'aria-describedby="to-problem"' in page
    data = client.get(f"/{lang}/paths.json?from=Herent&to=zzzqqq").get_json()
    assert data["ends"][1]["node"] is None and data["ends"][1]["choices"] == []
    assert "zzzqqq" in data["ends"][1]["message"]
    assert data["ends"][1]["message"] != client.get("/en/paths.json?from=Herent&to=zzzqqq").get_json()["ends"][1]["message"]


def test_a_missing_end_or_a_bad_step_count_keeps_the_form(client):
    data = client.get("/en/paths.json?from=Herent").get_json()
    assert data["ends"][0]["node"]["id"] == "municipality:herent-belgium" and data["ends"][1]["message"]
    response = client.get("/en/paths?from=Herent&to=Tarija&hops=99")
    assert response.status_code == 400
    assert 'value="Herent"' in response.get_data(as_text=True) and 'id="hops-problem"' in response.get_data(as_text=True)


def test_the_same_thing_at_both_ends_is_said_plainly(client):
    data = client.get("/en/paths.json?from=Herent&to=municipality:herent-belgium").get_json()
    assert data["paths"] == [] and "Herent" in data["note"]
