"""World regions, offline: which UN region a country (an ISO alpha-2 code) lies in.

Everything here works from codes; :mod:`graph.places.countries` turns the names
data and people use into codes.

Babel ships no territory-containment data (``babel.core.get_global`` has no
such key), so the regions are the UN M49 geoscheme written out below: each
sub-region lists its countries, and each region its parents.  Region names
for display come from Babel (CLDR names the M49 codes), so they are
translated for free.  Nothing here touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from ..text import fold


@dataclass(frozen=True)
class Region:
    """A UN M49 region: a stable key for URLs, its M49 code and its parent's key."""

    key: str
    m49: str
    parent: str | None


# The M49 hierarchy used for filtering.  Keys are what a request names.
REGIONS: dict[str, Region] = {
    r.key: r
    for r in (
        Region("africa", "002", None),
        Region("northern-africa", "015", "africa"),
        Region("sub-saharan-africa", "202", "africa"),
        Region("eastern-africa", "014", "sub-saharan-africa"),
        Region("middle-africa", "017", "sub-saharan-africa"),
        Region("southern-africa", "018", "sub-saharan-africa"),
        Region("western-africa", "011", "sub-saharan-africa"),
        Region("americas", "019", None),
        Region("latin-america", "419", "americas"),
        Region("caribbean", "029", "latin-america"),
        Region("central-america", "013", "latin-america"),
        Region("south-america", "005", "latin-america"),
        Region("northern-america", "021", "americas"),
        Region("asia", "142", None),
        Region("central-asia", "143", "asia"),
        Region("eastern-asia", "030", "asia"),
        Region("south-eastern-asia", "035", "asia"),
        Region("southern-asia", "034", "asia"),
        Region("western-asia", "145", "asia"),
        Region("europe", "150", None),
        Region("eastern-europe", "151", "europe"),
        Region("northern-europe", "154", "europe"),
        Region("southern-europe", "039", "europe"),
        Region("western-europe", "155", "europe"),
        Region("oceania", "009", None),
        Region("australia-new-zealand", "053", "oceania"),
        Region("melanesia", "054", "oceania"),
        Region("micronesia", "057", "oceania"),
        Region("polynesia", "061", "oceania"),
    )
}
_BY_M49 = {r.m49: r.key for r in REGIONS.values()}

# UN M49 sub-regions (the most specific level used) and their countries.
# Taiwan and Kosovo are placed as CLDR places them.
_MEMBERS = {
    "northern-africa": "DZ EG EH LY MA SD TN",
    "eastern-africa": "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW",
    "middle-africa": "AO CD CF CG CM GA GQ ST TD",
    "southern-africa": "BW LS NA SZ ZA",
    "western-africa": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",
    "caribbean": "AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI",
    "central-america": "BZ CR GT HN MX NI PA SV",
    "south-america": "AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE",
    "northern-america": "BM CA GL PM US",
    "central-asia": "KG KZ TJ TM UZ",
    "eastern-asia": "CN HK JP KP KR MN MO TW",
    "south-eastern-asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "southern-asia": "AF BD BT IN IR LK MV NP PK",
    "western-asia": "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE",
    "eastern-europe": "BG BY CZ HU MD PL RO RU SK UA",
    "northern-europe": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",
    "southern-europe": "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA XK",
    "western-europe": "AT BE CH DE FR LI LU MC NL",
    "australia-new-zealand": "AU CC CX HM NF NZ",
    "melanesia": "FJ NC PG SB VU",
    "micronesia": "FM GU KI MH MP NR PW UM",
    "polynesia": "AS CK NU PF PN TK TO TV WF WS",
}
SUBREGION_OF: dict[str, str] = {
    code: region for region, codes in _MEMBERS.items() for code in codes.split()
}

def regions_of(code: str | None) -> tuple[str, ...]:
    """Return the region keys containing a country code, most specific first."""
    key = SUBREGION_OF.get((code or "").upper())
    chain = []
    while key:
        chain.append(key)
        key = REGIONS[key].parent
    return tuple(chain)


def region_key(value: str | None) -> str | None:
    """Return the region key for a key, an M49 code or an English region name."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value in REGIONS:
        return value
    if value in _BY_M49:
        return _BY_M49[value]
    slug = fold(value).replace(" ", "-")
    if slug in REGIONS:
        return slug
    english = Locale("en").territories
    for region in REGIONS.values():
        if fold(english.get(region.m49, "")) == fold(value):
            return region.key
    return None


def region_name(key: str, lang: str = "en") -> str:
    """Return a region's display name in ``lang`` (CLDR), or its key."""
    region = REGIONS.get(key)
    if region is None:
        return key
    try:
        return Locale(lang).territories.get(region.m49, key)
    except (UnknownLocaleError, ValueError):
        return key


@lru_cache(maxsize=4096)
def country_name(code: str, lang: str = "en") -> str:
    """Return a country's display name in ``lang`` (CLDR), or the code.

    Cached: making a babel Locale costs more than the rest of an import row.
    """
    try:
        return Locale(lang).territories.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code


@lru_cache(maxsize=512)
def official_languages(code: str | None) -> tuple[str, ...]:
    """Return the official languages of a country (CLDR), as bare ISO 639 codes, sorted."""
    data = get_global("territory_languages").get((code or "").upper(), {})
    found = {
        lang.split("_")[0]
        for lang, info in data.items()
        if info.get("official_status") in ("official", "de_facto_official")
    }
    return tuple(sorted(found))


def countries(lang: str = "en") -> list[tuple[str, str]]:
    """Return (code, name) of every country with a region, sorted by name in ``lang``: for forms."""
    return sorted(((code, country_name(code, lang)) for code in SUBREGION_OF),
                  key=lambda pair: (fold(pair[1]), pair[0]))


def region_choices(lang: str = "en") -> list[tuple[str, str]]:
    """Return (key, name) of every region in tree order (parents before children): for forms."""
    return [(key, region_name(key, lang)) for key in REGIONS]
