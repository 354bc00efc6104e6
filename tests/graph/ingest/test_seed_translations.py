"""Translations of the publication: original language and section headings in the seeds and on pages."""

from __future__ import annotations

import pytest
from markupsafe import escape

from graph import DataError
from graph.ingest.seeds import read_record_file, read_seeds, seed
from graph.records import make_node

PHOTOS_FR = "Prenez des photos mentales"


def _record_file(tmp_path, text: str):
    path = tmp_path / "pub.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ loader

def test_publication_records_carry_their_original_language_and_translated_sections():
    batch = read_seeds()
    nodes = {n.id: n for n in batch.nodes}
    photos = nodes["lesson:mental-photos"].props
    assert photos["original_lang"] == "fr"
    assert photos["source_section"] == "PRENEZ DES PHOTOS MENTALES"
    assert (photos["source_section_nl"], photos["source_section_es"], photos["source_section_en"]) == (
        "NEEM MENTALE FOTO'S", "TOMEN FOTOS MENTALES", "TAKE MENTAL SNAPSHOTS")
    assert "source_section_fr" not in photos
    edge = next(e for e in batch.edges if e.source == "lesson:mental-photos")
    assert edge.props["source_section_es"] and "original_lang" not in edge.props
    # Editorial themes are written here in every language: no original, sections in all four.
    water = nodes["theme:water"].props
    assert "original_lang" not in water
    assert water["source_section_nl"] == "Thema's" and water["source_section_fr"] == "Thèmes"
    # The SDG titles are official in every language and cite files, not headings.
    assert "original_lang" not in nodes["sdg:6"].props


def test_the_store_keeps_original_language_and_sections(store):
    seed(store)
    photos = store.get_node("lesson:mental-photos").props
    assert photos["original_lang"] == "fr" and photos["source_section_en"] == "TAKE MENTAL SNAPSHOTS"
    edge = next(e for e in store.edges_of("lesson:mental-photos") if e.source == "lesson:mental-photos")
    assert edge.props["source_section_nl"]


def test_section_headings_are_not_searchable(store):
    seed(store)
    assert store.search("contextoverzicht") == []
    assert store.search("TOMEN FOTOS MENTALES", kinds=["Lesson"]) != []  # the lesson's own name still is


@pytest.mark.parametrize("sections,record,missing", [
    ('sections:\n  "S": {nl: "S nl", es: "S es"}\n', "sections[S]", "en"),
    ('sections:\n  "S": {nl: "S nl", es: "", en: "S en"}\n', "sections[S]", "es"),
])
def test_a_section_without_a_translation_is_refused(tmp_path, sections, record, missing):
    path = _record_file(tmp_path, "source: source:s\noriginal_language: fr\n" + sections
                        + 'nodes:\n  - {id: lesson:x, section: "S", name: {fr: "X"}}\n')
    with pytest.raises(DataError) as info:
        read_record_file(path)
    assert (info.value.file, info.value.record, info.value.field) == (str(path), record, "sections")
    assert "'S'" in str(info.value) and missing in str(info.value) and str(path) in str(info.value)


def test_a_cited_section_missing_from_sections_is_refused(tmp_path):
    path = _record_file(tmp_path, 'source: source:s\noriginal_language: fr\n'
                        'sections:\n  "S": {nl: "a", es: "b", en: "c"}\n'
                        'nodes:\n  - {id: lesson:x, section: "S", name: {fr: "X"}}\n'
                        'edges:\n  - {from: lesson:x, type: CONCERNS, to: sdg:1, section: "OTHER"}\n')
    with pytest.raises(DataError) as info:
        read_record_file(path)
    assert info.value.record == "edges[0] (lesson:x CONCERNS sdg:1)" and info.value.field == "section"
    assert "'OTHER'" in str(info.value) and "pub.yaml" in str(info.value)


@pytest.mark.parametrize("text,field", [
    ('source: source:s\noriginal_language: de\nnodes: []\n', "original_language"),
    ('source: source:s\noriginal_language: fr\nsections:\n  "S": {fr: "S", nl: "a", es: "b", en: "c"}\n'
     'nodes: []\n', "sections"),
    ('source: source:s\nsections: [S]\nnodes: []\n', "sections"),
])
def test_bad_original_language_or_sections_are_refused(tmp_path, text, field):
    with pytest.raises(DataError) as info:
        read_record_file(_record_file(tmp_path, text))
    assert info.value.field == field


def test_a_file_without_an_original_needs_no_section_translations(tmp_path):
    batch = read_record_file(_record_file(tmp_path, 'source: source:s\nnodes:\n  - {id: lesson:x, section: "S"}\n'))
    assert batch.nodes[0].props == {"source": "source:s", "source_section": "S"}


# ------------------------------------------------------------------ pages

@pytest.mark.both_stores
def test_a_translated_text_offers_its_french_original(client):
    data = client.get("/nl/lessons/mental-photos.json").get_json()
    name, description = data["node"]["name"], data["node"]["texts"]["description"]
    assert name == {"text": "Neem mentale foto's", "lang": "nl", "fallback": False, "is_original": False,
                    "original": {"text": PHOTOS_FR, "lang": "fr"}}
    assert description["lang"] == "nl" and not description["is_original"]
    assert description["original"]["lang"] == "fr"
    assert description["original"]["text"].startswith("Dans le cadre d'un processus de changements")
    page = client.get("/nl/lessons/mental-photos").get_data(as_text=True)
    assert ('<details class="original"><summary>Vertaald uit het Frans</summary>'
            f'<p lang="fr">{escape(description["original"]["text"])}</p></details>') in page
    assert "nog niet vertaald" not in page


def test_the_original_language_has_no_translation_note(client):
    data = client.get("/fr/lessons/mental-photos.json").get_json()
    assert data["node"]["name"]["is_original"] and data["node"]["name"]["original"] is None
    assert data["node"]["texts"]["description"]["is_original"]
    assert data["provenance"]["section"] == {"text": "PRENEZ DES PHOTOS MENTALES", "lang": "fr",
                                             "fallback": False, "is_original": True, "original": None}
    assert '<details class="original">' not in client.get("/fr/lessons/mental-photos").get_data(as_text=True)


def test_the_source_line_cites_the_section_in_the_page_language(client):
    section = client.get("/es/lessons/mental-photos.json").get_json()["provenance"]["section"]
    assert section["text"] == "TOMEN FOTOS MENTALES" and section["lang"] == "es"
    assert section["original"] == {"text": "PRENEZ DES PHOTOS MENTALES", "lang": "fr"}
    page = client.get("/es/lessons/mental-photos").get_data(as_text=True)
    assert '<span class="section">TOMEN FOTOS MENTALES</span>' in page
    assert ('<details class="original"><summary>Traducido del francés</summary>'
            '<p lang="fr">PRENEZ DES PHOTOS MENTALES</p></details>') in page


def test_proper_names_and_editorial_texts_are_no_translations(client):
    tarija = client.get("/en/municipalities/tarija-bolivia.json").get_json()
    assert tarija["node"]["name"]["is_original"] and tarija["node"]["name"]["lang"] == "en"
    water = client.get("/nl/themes/water.json").get_json()
    assert water["node"]["name"]["is_original"]
    assert water["provenance"]["section"] == {"text": "Thema's", "lang": "nl", "fallback": False,
                                              "is_original": True, "original": None}
    assert '<details class="original">' not in client.get("/nl/themes/water").get_data(as_text=True)


def test_the_lessons_page_offers_the_originals(client):
    lesson = next(x for x in client.get("/en/lessons.json").get_json()["lessons"]
                  if x["id"] == "lesson:mental-photos")
    assert lesson["description"]["lang"] == "en" and lesson["description"]["original"]["lang"] == "fr"
    challenge = lesson["challenges"][0]
    assert challenge["description"]["original"]["lang"] == "fr"
    page = client.get("/en/lessons").get_data(as_text=True)
    assert page.count("<summary>Translated from French</summary>") >= 7


def test_a_text_missing_in_the_page_language_still_says_so(app, client):
    store = app.config["STORE"]
    store.write([make_node("project:untranslated", {
        "name": {"fr": "Projet sans traduction"}, "description": {"fr": "Texte français seulement", "en": "English"},
        "original_lang": "es", "source": "source:vvsg-2022", "source_section": "X"})])
    data = client.get("/nl/projects/untranslated.json").get_json()
    # No Spanish original: the fallback is French, which is itself a translation without an original to show.
    assert data["node"]["name"] == {"text": "Projet sans traduction", "lang": "fr", "fallback": True,
                                    "is_original": False, "original": None}
    page = client.get("/nl/projects/untranslated").get_data(as_text=True)
    assert "nog niet vertaald" in page and '<details class="original">' not in page
