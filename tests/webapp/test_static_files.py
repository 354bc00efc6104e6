"""Fast on a phone: fingerprinted files are cached for a year, text answers are compressed, graph libraries
load only where a graph is drawn."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from webapp.static_files import IMMUTABLE, REVALIDATE

pytestmark = pytest.mark.reads_only


def test_file_addresses_carry_their_fingerprint_and_are_cached_as_immutable(client):
    home = client.get("/nl").text
    address = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{12})"', home).group(1)
    kept = client.get(address)
    assert kept.status_code == 200 and kept.headers["Cache-Control"] == IMMUTABLE
    assert client.get("/static/style.css").headers["Cache-Control"] == REVALIDATE
    assert client.get("/static/style.css?v=000000000000").headers["Cache-Control"] == REVALIDATE
    network = client.get("/nl/network").text
    sigma = re.search(r'src="(/vendor/sigma/dist/sigma\.min\.js\?v=[0-9a-f]{12})"', network).group(1)
    assert client.get(sigma).headers["Cache-Control"] == IMMUTABLE


def test_text_answers_are_compressed_as_the_client_accepts(client):
    plain = client.get("/nl/network").get_data()
    squeezed = client.get("/nl/network", headers={"Accept-Encoding": "br, gzip"})
    assert squeezed.headers["Content-Encoding"] == "br" and brotli.decompress(squeezed.get_data()) == plain
    assert len(squeezed.get_data()) < len(plain) / 3
    zipped = client.get("/nl/network.json", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == client.get("/nl/network.json").get_data()
    script = client.get("/vendor/sigma/dist/sigma.min.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in script.headers["Vary"]


def test_graph_libraries_load_only_on_pages_that_draw(client):
    for page in ("/nl", "/nl/search?q=water", "/nl/sdgs", "/nl/match"):
        html = client.get(page).text
        assert "/vendor/" not in html, page
    assert "/vendor/sigma/" in client.get("/nl/network").text
