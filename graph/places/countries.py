"""Countries: from the many ways data spells them to one ISO 3166-1 alpha-2 code.

Sources spell a country many ways (the twin-town data alone has "England",
"England, United Kingdom", "Republic of Ireland", "Georgia (country)", "Grece").
:func:`country_code` resolves a spelling through Babel's CLDR territory names
in English and the app's other languages, then through :data:`ALIASES`, a
short table of the variants CLDR does not use.  A municipality is then known
by its folded name and its code (:func:`place_key`), so two spellings of one
country can no longer make two towns.  Names for people come from CLDR in
the page's language (:func:`country_name`); the canonical stored name is the
CLDR English one (:func:`canonical_name`), which is also what node ids use.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

from ..schema import LANGUAGES
from ..text import fold, slug
from .belgium import belgian_name_aliases
from .regions import SUBREGION_OF, country_name

__all__ = ["ALIASES", "canonical_name", "country_code", "country_name", "municipality_id",
           "place_key", "resolve_country"]

# Spellings CLDR does not know, folded by _name_key.  Keep each with the
# reason it is here; add a line when an import reports an unmapped string
# that names a real country.
ALIASES = {
    # Constituent countries and informal names of the United Kingdom.
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "uk": "GB",
    # Wikipedia article titles that disambiguate or use the long form.
    "republic of ireland": "IE", "georgia country": "GE", "usa": "US",
    "united states of america": "US", "federated states of micronesia": "FM",
    "republic of macedonia": "MK", "democratic republic of the congo": "CD",
    "democratic republic of congo": "CD", "republic of the congo": "CG",
    "republic of congo": "CG", "state of palestine": "PS",
    # Former or common English names that CLDR replaced.
    "czech republic": "CZ", "turkey": "TR", "swaziland": "SZ", "cape verde": "CV",
    "east timor": "TL", "timor leste": "TL", "burma": "MM", "myanmar": "MM", "macedonia": "MK",
    "moldavia": "MD", "ivory coast": "CI", "cote d ivoire": "CI", "holland": "NL",
    "the netherlands": "NL", "vatican city": "VA", "holy see": "VA", "russia": "RU",
    "south korea": "KR", "north korea": "KP", "micronesia": "FM", "dr congo": "CD", "drc": "CD",
    "congo": "CG", "palestine": "PS",
    # Places the source writes as countries; mapped to the state that holds them.
    "west bank": "PS", "gaza strip": "PS", "northern cyprus": "CY",
    # Kosovo has no ISO code; XK is the code CLDR and the EU use for it.
    "kosovo": "XK",
    # Misspellings and stray words seen in seeds/data/twin_cities.csv.
    "surinam": "SR", "bosnia and hercegovina": "BA", "kazakhstah": "KZ", "in italy": "IT",
    "island": "IS",  # Icelandic (and Danish, German) for Iceland; the row's town is Norðurþing.
}

# Places that sources name in another language, folded, by country code: the key uses the local name,
# so "Antwerp" or "Anvers" from the twin-town lists and "Antwerpen" from Statbel are one town.  For
# Belgium the table is built from Statbel's list (graph/ingest/members.py), not typed here.

# Territories with their own ISO code that belong to another state: in "Place, Country" they win.
_DEPENDENT = ("AI AS AW AX BL BM BQ BV CC CK CW CX FK FO GF GG GI GL GP GS GU HK HM IM IO JE KY MF MO MP MQ "
              "MS NC NF NU PF PM PN PR RE SH SJ SX TC TF TK UM VG VI WF YT")
DEPENDENT_TERRITORIES = frozenset(_DEPENDENT.split())
_STOP_WORDS = frozenset({"and", "the"})
_PARENTHESES = re.compile(r"\([^)]*\)")
_CODE = re.compile(r"^[A-Za-z]{2}$")


def _name_key(name: str) -> str:
    """Fold a country name so spelling variants meet: 'St. Kitts & Nevis' ~ 'Saint Kitts and Nevis'."""
    words = fold(name).split()
    return " ".join("st" if w == "saint" else w for w in words if w not in _STOP_WORDS)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Map folded country names in every UI language (and the aliases) to codes."""
    names: dict[str, str] = {}
    for lang in ("en",) + tuple(x for x in LANGUAGES if x != "en"):
        for code, name in Locale(lang).territories.items():
            if code in SUBREGION_OF:
                names.setdefault(_name_key(name), code)
                # CLDR writes "Congo - Kinshasa", "Myanmar (Burma)": keep the plain part too.
                if " - " not in name:
                    names.setdefault(_name_key(_PARENTHESES.sub(" ", name)), code)
    for alias, code in ALIASES.items():
        names[_name_key(alias)] = code
    return names


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """Return the ISO alpha-2 code of a country name or code, or None if unknown.

    Accepts CLDR names in nl/fr/es/en, the aliases above, two-letter codes, and
    Wikipedia-style "Place, Country" (the place wins when it is a territory
    with its own code, as for "Réunion, France"; otherwise the country does).
    """
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip()
    if _CODE.match(name) and name.upper() in SUBREGION_OF:
        return name.upper()
    names = _names()
    for attempt in (name, _PARENTHESES.sub(" ", name)):
        code = names.get(_name_key(attempt))
        if code:
            return code
    if "," in name:
        parts = [p for p in (s.strip() for s in name.split(",")) if p]
        place, country = (names.get(_name_key(_PARENTHESES.sub(" ", p))) for p in (parts[0], parts[-1]))
        # "Réunion, France" is Réunion, but "Georgia, United States" is the United States.
        if place and (place in DEPENDENT_TERRITORIES or not country):
            return place
        return country
    return None


def canonical_name(code: str) -> str:
    """Return the name a country is stored under: its CLDR English name ('BO' -> 'Bolivia')."""
    return country_name(code, "en")


@lru_cache(maxsize=4096)
def resolve_country(spelling: str) -> tuple[str | None, str]:
    """Return (code, stored name) for a spelling; an unknown spelling keeps its own text."""
    code = country_code(spelling)
    return (code, canonical_name(code)) if code else (None, spelling.strip())


# An import computes each town's key several times (reading the file, making its node, planning
# folds); its 171,000 towns at ten times today's data fit.  import_twinnings empties it when done.
@lru_cache(maxsize=1 << 18)
def place_key(name: str, country: str | None, code: str | None = None) -> str:
    """Return the key a municipality is recognised by: folded name and country code.

    Without a known code the folded country text stands in (lower case, so it
    never equals a code).
    """
    code = code or country_code(country)
    if not code:
        return f"{fold(name)}|{fold(country or '')}"
    folded = fold(name)
    if code == "BE":
        folded = _belgian_aliases().get(folded, folded)
    return f"{folded}|{code}"


@lru_cache(maxsize=1)
def _belgian_aliases() -> dict[str, str]:
    return belgian_name_aliases()


def municipality_id(name: str, country: str) -> str:
    """Return the id a new municipality gets: 'municipality:<name>-<country>' with the stored country name."""
    return f"municipality:{slug(name)}-{slug(resolve_country(country)[1])}"
