"""Closed lists stay closed: the schema refuses a status or kind outside its list and a year outside a sensible
range; edit forms offer the list in the reader's language; `kb migrate` folds hand-typed values onto the list as
one recorded change; forms say what is wrong at the top, and a save says so."""

from __future__ import annotations

import re

import pytest
from webhelpers import PASSWORD, sign_in

from graph.accounts.model import open_accounts
from graph.errors import SchemaError
from graph.ingest.closed_values import fold_closed_values, listed_value
from graph.model import ChangeNote, Node
from graph.records import make_node

PARTNERSHIP = "partnership:herent-nimlahakok"
EDIT = "/nl/edit/partnerships/herent-nimlahakok"


def test_the_schema_refuses_values_outside_its_lists():
    assert make_node("partnership:a-b", {"name": "A–B", "status": "active", "start_year": 2004}).props["status"] == \
        "active"
    with pytest.raises(SchemaError) as refused:
        make_node("partnership:a-b", {"name": "A–B", "status": "actief"})
    assert refused.value.field == "status"
    with pytest.raises(SchemaError) as refused:
        make_node("partnership:a-b", {"name": "A–B", "start_year": 9_200_000_000_000_000_000})
    assert refused.value.field == "start_year"
    with pytest.raises(SchemaError):
        make_node("event:x", {"name": "X", "year": 1850})
    assert make_node("partnership:a-b", {"name": "A–B", "status": ""}).props["status"] == ""  # a cleared value


def test_typed_values_name_listed_ones_in_any_language():
    assert listed_value("status", "Actief") == "active"
    assert listed_value("status", "en pausa") == "dormant"
    assert listed_value("status", "Beëindigd") == "ended"
    assert listed_value("partnership_type", "Ontwikkelingssamenwerking") == "development_cooperation"
    assert listed_value("partnership_type", "development cooperation") == "development_cooperation"
    assert listed_value("status", "half") is None


def test_migrate_folds_free_text_values_as_one_change(store):
    # Written as an old version did, before the schema closed the lists.
    store.write([Node("partnership:a-b", "Partnership", {"name": "A–B", "status": "actief",
                                                         "partnership_type": "ontwikkelingssamenwerking"}),
                 Node("partnership:c-d", "Partnership", {"name": "C–D", "status": "half"}),
                 Node("partnership:e-f", "Partnership", {"name": "E–F", "status": "active", "start_year": 20004})],
                change=ChangeNote("old version", "typed by hand"))
    report = fold_closed_values(store)
    assert report.nodes == 1 and report.change is not None
    assert store.get_node("partnership:a-b").props["status"] == "active"
    assert store.get_node("partnership:a-b").props["partnership_type"] == "development_cooperation"
    assert report.unplaced == {("status", "half"): ["partnership:c-d"]}
    assert report.years_out_of_range == {"partnership:e-f": ["start_year"]}
    [change] = store.changes(limit=1)
    assert change.actor == "kb migrate" and change.seq == report.change
    assert {i.item for i in change.items} == {"partnership:a-b"}
    version = store.version()
    assert fold_closed_values(store).nodes == 0 and store.version() == version


@pytest.fixture
def ana(client, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", ["municipality:herent-belgium"])
    sign_in(client, "ana")
    yield client
    accounts.clear()


def _form(client):
    data = client.get(EDIT + ".json").get_json()
    values = {i["name"]: i["value"] for g in data["fields"] for i in g["inputs"]}
    values = {k: v for k, v in values.items() if v not in (None, False)}
    values.update(original_lang=data["original_lang"], version=data["version"], csrf_token=data["csrf_token"])
    return data, values


def test_the_edit_form_offers_the_lists_in_the_readers_language(ana, seeded_store):
    page = ana.get(EDIT).text
    status = re.search(r'<select[^>]*name="status".*?</select>', page, re.S).group()
    assert 'value="active">actief</option>' in status and '<option value="">' in status
    year = re.search(r'<input[^>]*name="start_year"[^>]*>', page).group()
    assert 'max="2100"' in year and 'min="1900"' in year and 'type="number"' in year
    assert 'maxlength=""' not in page and 'action=""' not in page
    data, values = _form(ana)
    status_field = next(g for g in data["fields"] if g["key"] == "status")
    assert {c["value"] for c in status_field["inputs"][0]["choices"]} == {"active", "dormant", "ended"}
    refused = ana.post(EDIT, data=dict(values, status="actief", start_year="9200000000000000000"))
    assert refused.status_code == 400
    summary = re.search(r'<div class="error-summary"[^>]*>.*?</div>', refused.text, re.S).group()
    assert "autofocus" in summary and 'href="#status"' in summary and 'href="#start_year"' in summary
    assert re.search(r'<input[^>]*aria-describedby="start_year-error"[^>]*aria-invalid="true"|'
                     r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="start_year-error"', refused.text)
    assert "Geef een jaartal tussen 1900 en 2100" in refused.text
    assert seeded_store.get_node(PARTNERSHIP).props.get("status") != "actief"
    saved = ana.post(EDIT, data=dict(values, status="dormant", start_year="2006"))
    assert saved.status_code == 303
    assert seeded_store.get_node(PARTNERSHIP).props["status"] == "dormant"
    assert "Opgeslagen" in ana.get(saved.headers["Location"]).text
