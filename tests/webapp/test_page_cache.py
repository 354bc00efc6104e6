"""The page cache is bounded in bytes and unknown query parameters never reach its key."""

from __future__ import annotations

import pytest

from webapp import create_app
from webapp.cache import PageCache


def test_the_cache_holds_at_most_its_budget_and_evicts_the_least_recently_used():
    cache = PageCache(10_000)
    for i in range(100):
        cache.put(("/p", str(i)), (b"x" * 900, "text/html"))
        assert cache.bytes <= 10_000
    assert len(cache) < 10
    assert cache.get(("/p", "0")) is None and cache.get(("/p", "99")) is not None
    assert cache.bytes == sum(PageCache.cost(k, v) for k, v in cache._items.items())


def test_a_page_is_counted_once_however_often_it_is_stored():
    cache = PageCache(100_000)
    for _ in range(50):
        cache.put(("/p", ""), (b"x" * 1000, "text/html"))
    assert len(cache) == 1 and cache.bytes == PageCache.cost(("/p", ""), (b"x" * 1000, "text/html"))


def test_a_page_bigger_than_an_eighth_of_the_budget_is_not_kept():
    cache = PageCache(8_000)
    cache.put(("/small", ""), (b"x" * 500, "text/html"))
    cache.put(("/huge", ""), (b"x" * 1_000, "text/html"))
    assert cache.get(("/huge", "")) is None and cache.get(("/small", "")) is not None


def page_cache(app) -> PageCache:
    return app.extensions["common_ground"]["page_cache"]


def test_junk_query_parameters_do_not_grow_the_cache(seeded_store):
    app = create_app({"TESTING": True, "STORE": seeded_store, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    first = client.get("/nl/search?q=water")
    for i in range(300):
        response = client.get(f"/nl/search?q=water&junk{i}=x&utm_source={i}")
        assert response.status_code == 200 and response.headers["ETag"] == first.headers["ETag"]
    assert len(page_cache(app)) == 1
    html = client.get("/nl/search?q=water&junk=1").get_data(as_text=True)
    assert "junk" not in html and 'href="/fr/search?q=water"' in html


def test_parameters_a_view_reads_still_count(client):
    first = client.get("/en/partnerships.json?sort=start_year&order=desc").get_json()
    second = client.get("/en/partnerships.json?sort=start_year&order=asc").get_json()
    assert first["order"] == "desc" and second["order"] == "asc"
    assert client.get("/en/paths.json?from=Herent&to=Tarija&hops=2").get_json()["hops"] == 2
    assert client.get("/en/lessons.json?theme=nowhere").status_code == 400


def test_a_junk_parameter_does_not_submit_the_match_form(client):
    page = client.get("/en/match.json?utm_source=newsletter").get_json()
    assert page["submitted"] is False and not page["errors"]


def test_the_match_form_declares_every_field_it_reads(app):
    from webapp.forms.common import MatchForm

    with app.test_request_context("/en/match"):
        assert set(MatchForm()._fields) == set(MatchForm.FIELDS)


@pytest.mark.parametrize("budget", [150_000])
def test_many_distinct_pages_stay_within_the_budget(seeded_store, budget):
    app = create_app({"TESTING": True, "STORE": seeded_store, "PAGE_CACHE_BYTES": budget, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    for url in ("/{}/sdgs/{}", "/{}/sdgs/{}.json", "/{}/targets/{}.1", "/{}/search?q=goal+{}"):
        for lang in ("nl", "fr", "es", "en"):
            for n in range(1, 18):
                assert client.get(url.format(lang, n)).status_code == 200
    assert 0 < page_cache(app).bytes <= budget


def test_a_budget_of_zero_turns_the_cache_off(seeded_store):
    app = create_app({"TESTING": True, "STORE": seeded_store, "PAGE_CACHE_BYTES": 0})
    assert app.test_client().get("/nl").status_code == 200
    assert page_cache(app) is None


def test_a_view_that_reads_an_undeclared_parameter_fails_in_tests(seeded_store):
    from flask import Blueprint, request

    from webapp.render import page

    bp = Blueprint("probe", __name__)

    @page(bp, "/<lang:lang>/probe", params=("declared",))
    def probe(fmt):
        return {"declared": request.args.get("declared"), "other": request.args.get("other")}

    app = create_app({"TESTING": True, "STORE": seeded_store})
    app.register_blueprint(bp)
    with pytest.raises(LookupError, match="'other' that it does not declare"):
        app.test_client().get("/nl/probe.json?declared=1&other=2")
