"""The glossary's terms, checked: forbidden and required words per language (docs/terminology.yaml).

docs/glossary.md decides the words; docs/terminology.yaml lists, per language,
the patterns that must never occur and the phrases that must occur, and where:
the seeded publication texts and themes, the exercises, the SDG titles and
the UI catalogs.  One case per rule, so a failure names the rule, its reason
and every text that breaks it.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
import yaml
from babel.messages.pofile import read_po

from graph.resources import CHECKOUT

RULES_FILE = CHECKOUT / "docs" / "terminology.yaml"
SEEDS = CHECKOUT / "seeds"
RULES = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
PLACES = ("seeds", "exercises", "catalog", "sdg")
# The SDG titles and targets are the UN's own wording: a forbidden term is checked there only when a rule names "sdg".
FORBIDDEN_IN = ("seeds", "exercises", "catalog")


def _language_values(data, lang: str):
    """Yield every text of ``lang`` in a seed file: values under the key ``lang`` anywhere in it."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == lang and isinstance(value, str):
                yield value
            else:
                yield from _language_values(value, lang)
    elif isinstance(data, list):
        for item in data:
            yield from _language_values(item, lang)


def _seed_texts(paths, lang: str) -> list[tuple[str, str]]:
    texts = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [(path.relative_to(CHECKOUT).as_posix(), text) for text in _language_values(data, lang)]
    return texts


def _catalog_texts(lang: str) -> list[tuple[str, str]]:
    path = CHECKOUT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    texts = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        texts += [(f"{path.relative_to(CHECKOUT).as_posix()} msgid {msgid[:60]!r}", s) for s in strings if s]
    return texts


def _sdg_texts(lang: str) -> list[tuple[str, str]]:
    texts = []
    for path in sorted((SEEDS / "sdg" / lang).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts += [(f"{path.relative_to(CHECKOUT).as_posix()} {key}", str(value)) for key, value in data.items()]
    return texts


@cache
def texts(lang: str, place: str) -> list[tuple[str, str]]:
    """Return (where, text) for every text of ``lang`` in one place."""
    if place == "seeds":
        return _seed_texts([*sorted((SEEDS / "publication").glob("*.yaml")), SEEDS / "themes.yaml"], lang)
    if place == "exercises":
        return _seed_texts(sorted((SEEDS / "exercises").glob("*.yaml")), lang)
    if place == "catalog":
        return _catalog_texts(lang)
    if place == "sdg":
        return _sdg_texts(lang)
    raise ValueError(place)


def _cases(kind: str):
    for lang, rules in RULES.items():
        for rule in rules.get(kind) or []:
            label = rule.get("pattern") or rule.get("phrase")
            yield pytest.param(lang, rule, id=f"{lang}:{label[:50]}")


@pytest.mark.parametrize("lang,rule", list(_cases("forbidden")))
def test_a_forbidden_term_occurs_nowhere(lang, rule):
    pattern = re.compile(rule["pattern"])
    hits = [f"{where}: …{text[max(0, m.start() - 40):m.end() + 40]}…"
            for place in rule.get("in", FORBIDDEN_IN) for where, text in texts(lang, place)
            for m in [pattern.search(text)] if m]
    assert not hits, f"{rule['why']}:\n" + "\n".join(hits)


@pytest.mark.parametrize("lang,rule", list(_cases("required")))
def test_a_required_term_is_used(lang, rule):
    missing = [place for place in rule.get("in", PLACES)
               if not any(rule["phrase"] in text for _, text in texts(lang, place))]
    assert not missing, f"{lang} {rule['phrase']!r} is not used in: {', '.join(missing)}"


def test_every_place_has_texts_so_no_check_passes_on_nothing():
    for lang in RULES:
        for place in PLACES:
            assert len(texts(lang, place)) > 10, (lang, place)


def test_a_planted_forbidden_term_is_caught(tmp_path):
    """The checks see what they claim to see: a bare asociación in a Spanish seed text is found."""
    path = tmp_path / "x.yaml"
    path.write_text('nodes:\n  - {id: lesson:x, name: {es: "Fin de la asociación", nl: "Einde"}}\n', encoding="utf-8")
    found = [t for t in _language_values(yaml.safe_load(path.read_text(encoding="utf-8")), "es")
             if re.search(RULES["es"]["forbidden"][0]["pattern"], t)]
    assert found == ["Fin de la asociación"]
    assert not re.search(RULES["es"]["forbidden"][0]["pattern"], "una asociación de municipios")


def test_the_glossary_names_the_rules_file():
    assert "docs/terminology.yaml" in (CHECKOUT / "docs" / "glossary.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ language names on the pages

@pytest.fixture
def translator(client, seeded_store):
    from webhelpers import PASSWORD, sign_in

    from graph.accounts.model import open_accounts

    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("root", PASSWORD, "admin")
    sign_in(client, "root")
    yield client
    accounts.clear()


@pytest.mark.parametrize("lang,to,title,option", [
    ("nl", "es", "Vertalen naar het Spaans", ">Spaans<"),
    ("es", "nl", "Traducir al neerlandés", ">Neerlandés<"),
    ("fr", "es", "Traduire en espagnol", ">Espagnol<"),
    ("en", "es", "Translate into Spanish", ">Spanish<"),
])
def test_the_translate_page_names_languages_in_the_page_language(translator, lang, to, title, option):
    page = translator.get(f"/{lang}/translate?kind=Lesson&to={to}").text
    assert title in page and option in page
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    if lang != "es":
        assert "Español" not in main, "a language is named in the page's language, not in itself"


def test_babel_language_names_fit_the_dutch_article():
    """The Dutch messages carry "het" themselves: the name Babel gives must be the bare noun."""
    from webapp.labels import language_name

    assert [language_name(c, "nl") for c in ("nl", "fr", "es", "en")] == ["Nederlands", "Frans", "Spaans", "Engels"]
    assert [language_name(c, "es") for c in ("nl", "fr", "es", "en")] == ["neerlandés", "francés", "español", "inglés"]


# ------------------------------------------------------------------ the rules cover issue 21

# What the native readers of issue 21 found, as they found it: each must be caught by a forbidden rule.
ISSUE_21_FINDINGS = {
    "es": ["la asociación", "nuestra asociación", "mandato claro del municipio", "funcionamiento del municipio",
           "formación", "financiación", "acompañante", "puntuación", "calificación", "base de conocimiento",
           "vacíos", "legislatura", "períodos de gobierno", "stakeholders", "noción", "nociones",
           "objetivo de enfoque", "(sin presupuesto o presupuesto adicional)", "Apropiación compartida",
           "Diseño de la intervención", "reflejo ODS", "denominador común", "Tome fotos mentales",
           "Atreverse a hacer ajustes", "Comunidades (Louvain)"],
    "nl": ["Gebeurtenissen", "Gebeurtenis", "begeleider", "knoop", "knopen", "alstublieft", "gekend", "opladen",
           "het opgeladen bestand", "duurzameontwikkelingsdoelstellingen", "Vertalen naar het Español",
           "Gemeenschappen (Louvain)", "voorgesteld (1)", "trof", "interventieontwerp", "omgevingsanalyse",
           "SDG-reflex", "spreek jullie verwachtingen uit, dan zie je", "Begeleidende ngo"],
}
# ... and the words that replace them must be required somewhere.
ISSUE_21_DECISIONS = {
    "es": ["relación de cooperación", "asociación de municipios", "municipalidad", "capacitación", "financiamiento",
           "facilitador", "puntaje", "base de conocimientos", "brechas", "gestiones municipales", "actores",
           "idea clave", "Entidad editora", "Idioma de destino", "Tomen fotos mentales", "Agua limpia y saneamiento"],
    "nl": ["evenement", "facilitator", "knooppunt", "Clusters (Louvain-methode)", "Vertalen naar het %(language)s",
           "duurzame-ontwikkelingsdoelstellingen", "had gevolgen voor", "heeft voorgesteld", "kernidee"],
}


@pytest.mark.parametrize("lang", sorted(ISSUE_21_FINDINGS))
def test_every_finding_of_issue_21_is_caught_by_a_rule(lang):
    patterns = [re.compile(rule["pattern"]) for rule in RULES[lang]["forbidden"]]
    uncaught = [finding for finding in ISSUE_21_FINDINGS[lang] if not any(p.search(finding) for p in patterns)]
    assert uncaught == []


@pytest.mark.parametrize("lang", sorted(ISSUE_21_DECISIONS))
def test_every_decision_of_issue_21_is_required(lang):
    required = {rule["phrase"] for rule in RULES[lang]["required"]}
    assert [d for d in ISSUE_21_DECISIONS[lang] if d not in required] == []


def test_the_spanish_sdg_short_titles_are_in_sentence_case():
    """The UN writes "Agua limpia y saneamiento": a capital only at the start (and in names such as ODS)."""
    goals = yaml.safe_load((SEEDS / "sdg" / "es" / "global_goals.yml").read_text(encoding="utf-8"))
    shorts = {key: title for key, title in goals.items() if key.endswith("-short")}
    assert len(shorts) == 17
    title_case = [title for title in shorts.values() if any(word[:1].isupper() for word in title.split()[1:])]
    assert title_case == []


@pytest.mark.parametrize("lang,expected,native", [
    ("nl", "Dienst of functie om te contacteren (Spaans)", "(Español)"),
    ("es", "Departamento o cargo de contacto (neerlandés)", "(Nederlands)"),
])
def test_the_profile_form_names_the_contact_languages_in_the_page_language(translator, lang, expected, native):
    page = translator.get(f"/{lang}/profile/municipalities/herent-belgium").text
    assert expected in page and native not in page


# ------------------------------------------------------------------ the native review of the translations branch

# What the native reviewers of the translations branch found (docs/glossary.md, section 9): each is caught by a rule.
REVIEW_FINDINGS = {
    "es": ["Iniciar una sesión", "Iniciar la sesión", "Iniciar: %(exercise)s", "La sesión está iniciada.",
           "Los cambios políticos modifican los mandatos", "implica cambios de mandatos", "La fraternidad simbólica",
           "listas de ciudades hermanadas", "Código INS", "Cambio n.º %(seq)s", "a «%(notion)s»."],
    "nl": ["Instrument", "Soort instrument", "basisinstrument", "ontmoeting", "dwong tot een herdenking",
           "van bij het begin te herdenken", "Ga met Tab naar de graaf", "Deze sessie in de kennisgraaf",
           "Jullie antwoorden zijn bewaard.", "Keren bewaard", "Oefensessie", "Het internationale gemeentelijke partnerschap",
           "voor ‘%(notion)s’."],
}
REVIEW_DECISIONS = {
    "es": ["Abrir una sesión de ejercicio", "Iniciar sesión", "cambios de autoridades", "hermandad simbólica",
           "Informar a los participantes"],
    "nl": ["Soort tool", "basistool", "bijeenkomst", "verbroedering", "opgeslagen", "opnieuw uit te tekenen"],
}


@pytest.mark.parametrize("lang", sorted(REVIEW_FINDINGS))
def test_every_finding_of_the_native_review_is_caught_by_a_rule(lang):
    patterns = [re.compile(rule["pattern"]) for rule in RULES[lang]["forbidden"]]
    assert [f for f in REVIEW_FINDINGS[lang] if not any(p.search(f) for p in patterns)] == []


@pytest.mark.parametrize("lang", sorted(REVIEW_DECISIONS))
def test_every_decision_of_the_native_review_is_required(lang):
    required = {rule["phrase"] for rule in RULES[lang]["required"]}
    assert [d for d in REVIEW_DECISIONS[lang] if d not in required] == []


# The forms of an exercise session (start, answer, translate an answer) are filled in by a group: ustedes, jullie.
SESSION_FORM_MESSAGES = [
    "Give a score from %(min)s to %(max)s for “%(notion)s”.", "Give a score from %(min)s to %(max)s.",
    "Count at most %(max)s participants in all.", "Give at most %(max)s lines.", "Choose at most %(max)s here.",
    "Choose one of the languages offered.", "Give a number from %(min)s to %(max)s.",
    "Choose at least %(min)s notions.", "Choose at most %(max)s notions.", "Give a real date, such as 2024-03-15.",
    "Give the date of the session.", "Give the translation.",
    "Keep the notions your group chose; you can add your own below.",
    "Score each notion from %(low)s (weak) to %(high)s (strong).",
    "How many people of each role took part on your side.",
    "Write in your own language; the other side can add a translation.", "Language of your answers",
    "Your own notions, one per line", "Your answers are saved.",
    "Nothing was saved. Please correct the fields marked below.",  # shared with the other forms: impersonal in Spanish
    "Someone else saved answers here after you opened the form. Your answers are still in the form; compare them "
    "with what changed meanwhile, then save again.",
]
ONE_READER = {
    "es": re.compile(r"\b(?:usted|Corrija|Asigne|Cuente|Escriba|Elija|Indique|Conserve|Vuelva|compárelas|Dé)\b"),
    "nl": re.compile(r"(?i)\b(?:je|jij|jou|jouw|u|uw)\b"),
}


@pytest.mark.parametrize("lang", sorted(ONE_READER))
def test_the_session_forms_speak_to_the_group(lang):
    path = CHECKOUT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    found = {msgid: catalog.get(msgid) for msgid in SESSION_FORM_MESSAGES}
    assert [msgid for msgid, message in found.items() if message is None] == []
    assert [(msgid, m.string) for msgid, m in found.items() if ONE_READER[lang].search(m.string)] == []


def test_the_event_rule_leaves_the_un_wording_of_the_sdg_targets_alone():
    """SDG target 1.5 speaks of extreme weather "gebeurtenissen"; the evenement rule is not applied there."""
    rule = next(r for r in RULES["nl"]["forbidden"] if "gebeurtenis" in r["pattern"])
    assert "sdg" not in rule.get("in", FORBIDDEN_IN)
    assert any(re.search(rule["pattern"], text) for _, text in texts("nl", "sdg"))
