"""Pages lead with what they are about and are valid HTML: a partnership opens with its partners, status and
years; every page has a meta description and absolute hreflang alternates; the header folds behind a menu
button on a phone (without scripts it stays open); search snippets are cut as text; SVG labels carry xml:lang;
a select always holding a choice is not marked required."""

from __future__ import annotations

import re

from webhelpers import PASSWORD, sign_in

from graph.accounts.model import open_accounts
from webapp.presenters.radar import Axis, Series, radar_svg


def test_a_partnership_page_opens_with_its_partners_status_and_years(client):
    page = client.get("/nl/partnerships/herent-nimlahakok").text
    lead = re.search(r'<div class="lead">.*?</div>', page, re.S).group()
    assert "Partners" in lead and 'href="/nl/municipalities/herent-belgium"' in lead
    assert "/nl/municipalities/nimlahakok-guatemala" in lead and "Status" in lead and "Beginjaar" in lead
    assert page.index('<div class="lead">') < page.index('id="connections-heading"')
    details = re.search(r"<h2>Gegevens</h2>.*?</dl>", page, re.S)
    assert details is None or "Status" not in details.group()  # said once, at the top


def test_meta_description_and_absolute_hreflang(client):
    page = client.get("/es/partnerships/herent-nimlahakok").text
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert 20 < len(description) <= 161
    alternates = re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)">', page)
    assert {lang for lang, _ in alternates} == {"nl", "fr", "en"}
    assert all(href.startswith("http://localhost/") for _, href in alternates)
    home = client.get("/nl").text
    assert re.search(r'<meta name="description" content="[^"]{40,}">', home)


def test_the_header_has_a_menu_button_that_needs_a_script_to_appear(client):
    page = client.get("/nl").text
    button = re.search(r'<button class="menu-toggle"[^>]*>', page).group()
    assert "hidden" in button and 'aria-controls="site-menu"' in button and 'aria-expanded="false"' in button
    assert 'id="site-menu"' in page and "/static/menu.js" in page
    assert client.get("/static/menu.js").status_code == 200


def test_search_snippets_are_cut_as_text(client):
    page = client.get("/nl/search?q=partnerschap").text
    for snippet in re.findall(r'<span class="snippet">(.*?)</span>\s*</li>', page, re.S):
        assert "<details" not in snippet and "<p" not in snippet


def test_svg_labels_carry_xml_lang_only():
    svg = str(radar_svg("T", "D", [Axis("a", "Confianza", "es"), Axis("b", "B"), Axis("c", "C")],
                        [Series("Herent", {"a": 3, "b": 4, "c": 5})]))
    assert 'xml:lang="es"' in svg and not re.search(r'<text[^>]* lang="', svg)


def test_a_select_that_always_holds_a_choice_is_not_required(client, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin")
    sign_in(client, "root")
    page = client.get("/en/admin/accounts").text
    accounts.clear()
    assert not re.search(r"<select[^>]*required", page)
