"""Every page answers on an empty store: a new installation, or a store between the clear and the writes of
`kb restore --replace` while serving (issue 19: /<lang>/network answered 500 there, `selected|length` on None)."""

from __future__ import annotations

import pytest
from webhelpers import PASSWORD, sign_in

from graph.accounts.model import open_accounts
from graph.schema import NODE_KINDS
from graph.stores.sqlite.store import EmbeddedStore

PAGES = (
    "/", "/health", "/ready", "/{lang}", "/{lang}/sdgs", "/{lang}/lessons",
    "/{lang}/search", "/{lang}/search?q=herent", "/{lang}/paths", "/{lang}/paths?from=Herent&to=Tarija",
    "/{lang}/match", "/{lang}/match?municipality=Herent&themes=water",
    "/{lang}/match?country=BE&themes=water",
    "/{lang}/network", "/{lang}/network?country=BE&from=2000&to=2020", "/{lang}/network/embed",
    "/{lang}/network/network.gexf", "/{lang}/network/network.graphml", "/{lang}/network/nodes.csv",
    "/{lang}/network/edges.csv", "/{lang}/sign-in", "/{lang}/changes", "/{lang}/changes/1",
    "/{lang}/partnerships/herent-tarija/workspace",
)
# Pages of one node: a 404 on an empty store, never a 500.
NODE_PAGES = (
    "/{lang}/{plural}", "/{lang}/{plural}/herent-belgium", "/{lang}/history/{plural}/herent-belgium",
)
SIGNED_IN_PAGES = (
    "/{lang}/account", "/{lang}/edit/municipalities/herent-belgium", "/{lang}/edit/municipalities/new",
    "/{lang}/edit/partnerships/new", "/{lang}/profile/municipalities/herent-belgium",
    "/{lang}/admin/import-profiles", "/{lang}/admin/accounts", "/{lang}/translate",
    "/{lang}/partnerships/herent-tarija/workspace/start/participation-radar",
    "/{lang}/partnerships/herent-tarija/workspace/runs/x/answer/herent-belgium",
    "/{lang}/partnerships/herent-tarija/workspace/report",
    "/{lang}/partnerships/herent-tarija/workspace/compare",
    "/{lang}/exercises/participation-radar/adapt",
)


@pytest.fixture
def empty_app(tmp_path):
    from webapp import create_app

    store = EmbeddedStore(tmp_path / "kb")
    accounts = open_accounts(store)
    accounts.add("root", PASSWORD, "admin")
    return create_app({"TESTING": True, "STORE": store, "SECRET_KEY": "test"})


def _urls(templates, lang: str) -> list[str]:
    urls = []
    for template in templates:
        plurals = [k.plural for k in NODE_KINDS.values()] if "{plural}" in template else [None]
        urls += [template.format(lang=lang, plural=p) for p in plurals]
    return urls


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_and_its_twin_answers_on_an_empty_store(empty_app, lang):
    client = empty_app.test_client()
    for url in _urls(PAGES, lang):
        for address in (url, url.replace("?", ".json?") if "?" in url else url + ".json"):
            if address.endswith((".csv.json", ".gexf.json", ".graphml.json")) or address in ("/.json",):
                continue
            response = client.get(address)
            assert response.status_code in (200, 302, 400, 404), (address, response.status_code, response.text[:500])
    for url in _urls(NODE_PAGES, lang):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code, response.text[:500])
    network = client.get(f"/{lang}/network")
    assert network.status_code == 200
    assert client.get(f"/{lang}/network.json").get_json()["empty"] is True


def test_every_signed_in_page_answers_on_an_empty_store(empty_app):
    client = empty_app.test_client()
    assert sign_in(client, "root").status_code == 302
    for url in _urls(SIGNED_IN_PAGES, "en"):
        for address in (url, url + ".json"):
            response = client.get(address)
            assert response.status_code in (200, 302, 400, 404), (address, response.status_code, response.text[:500])
