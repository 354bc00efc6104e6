"""A partnership's workspace is private until a session is published (issue 19), on every backend.

An unpublished session, its answers and what they yielded (an ambition, a stakeholder, a theme) are seen only
by the editors of either side, staff and admins; everyone else finds them on no page, JSON twin, search result,
node history, recent changes, change page, listing, path, network page or export.  Publishing is explicit, by
whom and when is kept, as a change of its own; then everyone sees the session.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from webhelpers import PASSWORD, csrf_token, post_json, sign_in

from graph.accounts.model import open_accounts
from graph.ingest.exchange import export_data
from graph.workspace.privacy import Visibility

# Privacy and sessions must hold on both stores (the smoke set of web tests, tests/conftest.py).
pytestmark = pytest.mark.both_stores

HERENT = "municipality:herent-belgium"
NIMLAHAKOK = "municipality:nimlahakok-guatemala"
WS = "/{lang}/partnerships/herent-nimlahakok/workspace"
CANDID = "Mensen voelden zich niet gehoord"
AMBITION = "Zwijgplicht doorbreken"
STAKEHOLDER = "Stichting Stille Vijver"


@pytest.fixture
def accounts(app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("rosa", PASSWORD, "editor", [NIMLAHAKOK], "Rosa")
    accounts.add("tom", PASSWORD, "editor", ["municipality:tarija-bolivia"])
    accounts.add("vera", PASSWORD, "staff")
    yield accounts
    accounts.clear()


def _client(app, account: str | None):
    client = app.test_client()
    if account:
        assert sign_in(client, account).status_code == 302
    return client


@pytest.fixture
def session(app, accounts, seeded_store):
    """Ana starts the six base tools for Herent–Nimlahakok and answers with candid texts; returns its paths."""
    ana = _client(app, "ana")
    base = WS.format(lang="en")
    form = ana.get(f"{base}/start/six-base-tools.json").get_json()
    started = ana.post(f"{base}/start/six-base-tools", data={"held_on": "2024-05-02", "csrf_token": form["csrf_token"],
                                                             "notions": form["values"].get("notions", [])})
    assert started.status_code == 303, started.text
    run_path = started.headers["Location"]
    answer = ana.get(f"{run_path}/answer/herent-belgium.json").get_json()
    saved = ana.post(f"{run_path}/answer/herent-belgium", data={
        "csrf_token": answer["csrf_token"], "version": answer["version"], "answer_lang": "nl",
        "text_focus": CANDID, "lines_ambitions": AMBITION, "lines_stakeholders": STAKEHOLDER})
    assert saved.status_code == 303, saved.text
    run_local = run_path.rsplit("/", 1)[1]
    return {"path": run_path, "run": f"run:{run_local}", "local": run_local,
            "response": f"response:{run_local}--herent-belgium"}


def _secrets_in(text: str, session) -> list[str]:
    return [s for s in (CANDID, AMBITION, STAKEHOLDER, session["run"], session["local"]) if s in text]


def _public_pages(session, seeded_store) -> list[str]:
    objective = next(n.id for n in seeded_store.nodes("Objective") if AMBITION in json.dumps(n.props))
    stakeholder = next(n.id for n in seeded_store.nodes("Organisation") if STAKEHOLDER in json.dumps(n.props))
    pages = []
    for lang in ("en", "nl"):
        base = WS.format(lang=lang)
        pages += [
            base, f"{base}.json", f"{base}/report", f"{base}/report.json",
            f"/{lang}/partnerships/herent-nimlahakok", f"/{lang}/partnerships/herent-nimlahakok.json",
            f"/{lang}/municipalities/herent-belgium.json", f"/{lang}/municipalities/herent-belgium",
            f"/{lang}/partnerships/herent-nimlahakok/graph.json", f"/{lang}/municipalities/herent-belgium/graph.json",
            f"/{lang}/runs", f"/{lang}/runs.json", f"/{lang}/responses.json", f"/{lang}/objectives.json",
            f"/{lang}/organisations.json?page=1",
            f"/{lang}/search?q=voelden+gehoord", f"/{lang}/search.json?q=zwijgplicht",
            f"/{lang}/search.json?q=stille+vijver", f"/{lang}/search.json?q=basic+tools+participatory",
            f"/{lang}/changes", f"/{lang}/changes.json",
            f"/{lang}/history/partnerships/herent-nimlahakok.json",
            f"/{lang}/history/municipalities/herent-belgium.json",
            f"/{lang}/network", f"/{lang}/network.json", f"/{lang}/network/nodes.csv", f"/{lang}/network/edges.csv",
            f"/{lang}/network/network.gexf", f"/{lang}/network/network.graphml",
        ]
    hidden = [session["path"], session["path"] + ".json", f"{session['path']}/answer/herent-belgium.json",
              WS.format(lang="en") + f"/compare.json?a={session['local']}",
              f"/en/runs/{session['local']}", f"/en/runs/{session['local']}.json",
              f"/en/responses/{session['response'].split(':', 1)[1]}.json",
              f"/en/history/runs/{session['local']}.json",
              f"/en/objectives/{objective.split(':', 1)[1]}.json",
              f"/en/organisations/{stakeholder.split(':', 1)[1]}.json"]
    return pages, hidden


def _change_seqs(seeded_store, session) -> list[int]:
    return [c.seq for c in seeded_store.changes(limit=50) if any(session["local"] in i.item for i in c.items)]


@pytest.mark.parametrize("reader", [None, "tom"])
def test_an_unpublished_session_is_on_no_page_for_others(app, session, seeded_store, reader):
    client = _client(app, reader)
    pages, hidden = _public_pages(session, seeded_store)
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert _secrets_in(response.get_data(as_text=True), session) == [], url
    for url in hidden:
        response = client.get(url)
        assert response.status_code in (401, 403, 404), (url, response.status_code)
        # (the address asked for is on its 404 page, in the links to other languages)
        assert _secrets_in(response.get_data(as_text=True), {"run": CANDID, "local": CANDID}) == [], url
    for seq in _change_seqs(seeded_store, session):
        assert client.get(f"/en/changes/{seq}.json").status_code == 404
    # The form keeps what was typed; no node is found for it, and no chain goes through the session.
    paths = client.get(f"/en/paths.json?from={STAKEHOLDER}&to=Herent").get_json()
    assert paths["ends"][0]["node"] is None and paths["ends"][0]["choices"] == []
    assert session["local"] not in json.dumps(client.get("/en/paths.json?from=Herent&to=Nimlaha'kok&hops=4").get_json())


@pytest.mark.parametrize("reader", ["ana", "rosa", "vera"])
def test_the_sides_editors_and_staff_see_it(app, session, seeded_store, reader):
    client = _client(app, reader)
    page = client.get(session["path"])
    assert page.status_code == 200 and CANDID in page.text
    assert "Not published" in page.text and "Publish this session for everyone" in page.text
    assert session["run"] in client.get(WS.format(lang="en") + ".json").get_data(as_text=True)
    assert CANDID in client.get(WS.format(lang="en") + "/report").text
    assert client.get(f"/en/runs/{session['local']}.json").status_code == 200
    assert any(h["id"] == session["run"] for h in client.get("/en/search.json?q=basic+tools+participatory").get_json()["results"])
    assert session["local"] in client.get("/en/changes.json").get_data(as_text=True)


def test_exports_leave_it_out_unless_asked(app, session, seeded_store, tmp_path, monkeypatch):
    public = json.dumps(export_data(seeded_store, Visibility(seeded_store)), ensure_ascii=False)
    assert _secrets_in(public, session) == []
    everything = json.dumps(export_data(seeded_store), ensure_ascii=False)
    assert CANDID in everything and AMBITION in everything  # a backup holds everything
    if seeded_store.backend == "embedded":
        from webapp.cli import main

        monkeypatch.setenv("KB_DATA_DIR", str(seeded_store.dir))
        monkeypatch.delenv("NEO4J_URI", raising=False)
        runner = CliRunner()
        out = runner.invoke(main, ["export"], catch_exceptions=False)
        assert out.exit_code == 0 and _secrets_in(out.output, session) == []
        full = runner.invoke(main, ["export", "--with-unpublished"], catch_exceptions=False)
        assert CANDID in full.output
        assert runner.invoke(main, ["export", "--format", "csv", "-o", str(tmp_path / "t")]).exit_code == 0
        for table in ("nodes.csv", "edges.csv"):
            assert _secrets_in((tmp_path / "t" / table).read_text(encoding="utf-8"), session) == []


def test_publishing_is_explicit_recorded_and_then_public(app, session, seeded_store):
    tom, rosa, reader = _client(app, "tom"), _client(app, "rosa"), _client(app, None)
    run_json = rosa.get(session["path"] + ".json").get_json()
    assert run_json["run"]["published"] is None and run_json["run"]["publish_url"]
    refused = post_json(tom, run_json["run"]["publish_url"] + ".json", {"version": run_json["run"]["version"]})
    assert refused.status_code == 404  # tom does not even see it
    assert post_json(reader, run_json["run"]["publish_url"] + ".json", {}).status_code == 401
    published = post_json(rosa, run_json["run"]["publish_url"] + ".json", {"version": run_json["run"]["version"]})
    assert published.status_code == 200, published.text
    assert published.get_json()["published_by"] == "user:rosa" and published.get_json()["published_at"]
    [change] = seeded_store.changes(node_id=session["run"], limit=1)
    assert change.actor == "user:rosa" and (change.code, change.params) == ("publish", {"run": session["run"]})
    page = reader.get(session["path"])
    assert page.status_code == 200 and CANDID in page.text and "Published on" in page.text and "rosa" in page.text
    assert "Publish this session" not in page.text
    assert any(h["id"] == session["run"] for h in reader.get("/en/search.json?q=basic+tools+participatory").get_json()["results"])
    assert AMBITION in reader.get("/en/search.json?q=zwijgplicht").get_data(as_text=True)
    assert session["local"] in reader.get("/en/changes.json").get_data(as_text=True)
    # Publishing again changes nothing.
    again = post_json(rosa, run_json["run"]["publish_url"] + ".json", {"version": run_json["run"]["version"]})
    assert again.status_code == 200 and seeded_store.changes(node_id=session["run"], limit=1) == [change]


def test_a_stale_publish_is_refused(app, session, seeded_store):
    rosa = _client(app, "rosa")
    run_json = rosa.get(session["path"] + ".json").get_json()
    stale = post_json(rosa, run_json["run"]["publish_url"] + ".json", {"version": 0})
    assert stale.status_code == 409
    assert rosa.get(session["path"] + ".json").get_json()["run"]["published"] is None
    assert csrf_token(rosa)
