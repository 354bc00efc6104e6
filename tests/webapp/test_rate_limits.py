"""Request rates per client on the expensive routes, with a translated 429."""

from __future__ import annotations

import pytest

from webapp import create_app

LIMITS = {"RATELIMIT_SEARCH": "3 per minute", "RATELIMIT_PATHS": "2 per minute", "RATELIMIT_MATCH": "2 per minute"}


@pytest.fixture
def limited(seeded_store):
    return create_app({"TESTING": True, "STORE": seeded_store, **LIMITS}).test_client()


@pytest.mark.parametrize(("url", "allowed"), [
    ("/nl/search?q=water", 3),
    ("/nl/paths?from=Herent&to=Tarija", 2),
    ("/nl/match?municipality=Herent&themes=theme:water", 2),
])
def test_expensive_routes_answer_429_over_the_limit(limited, url, allowed):
    for _ in range(allowed):
        response = limited.get(url)
        assert response.status_code == 200 and "Retry-After" not in response.headers, url
    refused = limited.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    html = refused.get_data(as_text=True)
    assert "Te veel verzoeken" in html and '<html lang="nl">' in html
    assert "default-src 'self'" in refused.headers["Content-Security-Policy"]
    twin = limited.get(url.replace("?", ".json?", 1))
    assert twin.status_code == 429 and twin.get_json()["error"]["status"] == 429


def test_the_429_speaks_the_page_language(limited):
    for _ in range(3):
        limited.get("/es/search.json?q=agua")
    refused = limited.get("/es/search.json?q=agua").get_json()
    assert refused["error"]["title"] == "Demasiadas solicitudes"


def test_cheap_requests_and_other_clients_are_not_counted(limited):
    for _ in range(10):
        assert limited.get("/nl/search").status_code == 200  # the empty form does no search
        assert limited.get("/nl/paths").status_code == 200
        assert limited.get("/nl/match").status_code == 200
        assert limited.get("/nl/partnerships").status_code == 200
    for _ in range(3):
        limited.get("/nl/search?q=water")
    assert limited.get("/nl/search?q=water").status_code == 429
    other = limited.get("/nl/search?q=water", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_behind_a_configured_proxy_the_forwarded_client_is_limited(seeded_store):
    client = create_app({"TESTING": True, "STORE": seeded_store, "PROXY_FIX": 1, **LIMITS}).test_client()
    for _ in range(3):
        client.get("/nl/search?q=water", headers={"X-Forwarded-For": "198.51.100.1"})
    assert client.get("/nl/search?q=water", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert client.get("/nl/search?q=water", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_limits_can_be_turned_off(seeded_store):
    client = create_app({"TESTING": True, "STORE": seeded_store, **LIMITS, "RATELIMIT_ENABLED": False}).test_client()
    assert all(client.get("/nl/search?q=water").status_code == 200 for _ in range(6))
