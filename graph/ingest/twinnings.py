"""Import twin-town pairs (city1,country1,lat1,lng1,city2,country2,lat2,lng2).

Cities are recognised by name (accents and case aside) and ISO country code,
so "Ghent, England" and "Ghent, England, United Kingdom" are one town, and a
city already in the graph, such as Brasschaat from the seeds, gains a
partnership instead of a twin.  Country spellings are resolved by
:mod:`graph.places.countries`; a town is stored under the CLDR English name of its
country, with the source's own spelling kept in ``country_as_given`` when it
differs.  The report lists the spellings no code was found for, and counts the
towns that still exist twice because of spelling (0 unless the store holds
towns imported before countries had codes; :mod:`graph.ingest.duplicates` plans how to
fold those).  A pair the graph already joins through a partnership is
left as it is.  Rows that make no sense as a twinning (a city twinned with
itself, a missing country) are skipped and reported; a file that is not in
this format at all is refused whole, with the row and field at fault.
"""

from __future__ import annotations

import csv
import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema
from ..errors import DataError, SchemaError
from ..model import ChangeNote, Edge, Node
from ..places.countries import municipality_id, place_key, resolve_country
from ..places.gazetteer import country_check, distance_km
from ..records import make_edge, make_node
from ..stores.base import GraphStore
from ..text import fold
from .duplicates import fold_country_duplicates, spelling_duplicates
from .reconcile import BelgianPlaces, PlaceReport, partnership_names, read_members
from .spreadsheets import csv_rows

COLUMNS = ["city1", "country1", "lat1", "lng1", "city2", "country2", "lat2", "lng2"]
SOURCE_ID = "source:twin-cities"
# The largest import accepted; the shared twin-town file is 1.8 MB and 25,917 rows.  An import is
# held in memory whole (it is written in one transaction), so these bound what one command may take.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
# A twinning's name joins both city names with " – ", so each may take just under half the limit.
MAX_CITY_NAME = (schema.MAX_NAME_LENGTH - 3) // 2


@dataclass
class ImportReport:
    """What an import did, row by row where it matters."""

    rows: int = 0
    municipalities_created: int = 0
    municipalities_matched: int = 0
    partnerships_created: int = 0
    already_linked: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # Country spellings with no ISO code, and how many cities were given each.
    unmapped_countries: dict[str, int] = field(default_factory=dict)
    # Towns an earlier import had made twice by country spelling, folded by this one.
    duplicates_folded: int = 0
    # Towns in the store, after the import, that exist twice only by country spelling.
    spelling_duplicates: int = 0
    # Belgian places joined to members, provinces and regions, what stayed unresolved, rows whose
    # coordinates lie outside their country and name+country keys whose rows lie far apart.
    places: PlaceReport = field(default_factory=PlaceReport)
    # Nodes an earlier import stored wrongly (a former municipality, a province as a town), fixed.
    reconciled: int = 0


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    lat: float
    lng: float
    # Worked out once per row (cached_property takes a lock per access on Python 3.11).
    resolved: tuple[str | None, str] = field(init=False, compare=False)  # (ISO code or None, name to store)
    key: str = field(init=False, compare=False)

    def __post_init__(self):
        resolved = resolve_country(self.country)
        object.__setattr__(self, "resolved", resolved)
        object.__setattr__(self, "key", place_key(self.name, resolved[1], resolved[0]))

    @property
    def legacy_keys(self) -> tuple[str, ...]:
        """Keys earlier stores gave this city: before country codes (folded name|folded country) and
        before names in another language were keyed by the local name (folded name|code)."""
        older = [f"{fold(self.name)}|{fold(c)}" for c in (self.country, self.resolved[1])]
        if self.resolved[0]:  # before place names in another language were keyed by their local name
            older.append(f"{fold(self.name)}|{self.resolved[0]}")
        return tuple(dict.fromkeys(older))


def _coordinate(path: str, row: int, name: str, value: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise DataError(path, row, name, f"not a number: {value!r}") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise DataError(path, row, name, f"out of range: {value!r}")
    return number


def _check_name(path: str, row: int, column: str, value: str) -> None:
    if len(value) > MAX_CITY_NAME:
        raise DataError(path, row, column, f"longer than {MAX_CITY_NAME} characters ({len(value)})")
    if not schema.NAME_FORBIDDEN.search(value):  # what check_value tests of a name this short
        return
    try:
        schema.check_value("name", value)
    except SchemaError as exc:
        raise DataError(path, row, column, str(exc).split(": ", 1)[-1]) from None


def read_twinnings(path: str | Path, max_bytes: int = MAX_IMPORT_BYTES,
                   max_rows: int = MAX_IMPORT_ROWS) -> tuple[list[tuple[int, _City, _City]], list[tuple[int, str]]]:
    """Parse and check the whole file; return (row number, city, city) pairs and skips."""
    name = str(path)
    pairs, skipped = [], []
    try:
        size = Path(path).stat().st_size
        if size > max_bytes:
            raise DataError(name, None, None, f"{size} bytes, more than the {max_bytes} bytes an import may hold")
        # As Excel and LibreOffice save it: a BOM or none, commas or semicolons, CRLF or LF.
        reader = iter(csv_rows(Path(path).read_bytes(), name))
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header] != COLUMNS:
            raise DataError(name, 1, "header", f"expected columns {','.join(COLUMNS)}")
        for row_number, row in enumerate(reader, start=2):
            if row_number - 1 > max_rows:
                raise DataError(name, row_number, None, f"more than the {max_rows} rows an import may hold")
            if not row:
                continue
            if len(row) != len(COLUMNS):
                raise DataError(name, row_number, None, f"expected 8 fields, found {len(row)}")
            values = dict(zip(COLUMNS, (v.strip() for v in row), strict=True))
            for column in ("city1", "country1", "city2", "country2"):
                _check_name(name, row_number, column, values[column])
            missing = [c for c in COLUMNS if not values[c]]
            if missing:
                skipped.append((row_number, f"empty field {missing[0]}"))
                continue
            cities = [
                _City(values[f"city{i}"], values[f"country{i}"],
                      _coordinate(name, row_number, f"lat{i}", values[f"lat{i}"], 90),
                      _coordinate(name, row_number, f"lng{i}", values[f"lng{i}"], 180))
                for i in (1, 2)
            ]
            if cities[0].key == cities[1].key:
                skipped.append((row_number, f"{cities[0].name} is twinned with itself"))
                continue
            pairs.append((row_number, cities[0], cities[1]))
    except UnicodeDecodeError as exc:
        raise DataError(name, None, None, f"not UTF-8 text: {exc}") from exc
    except csv.Error as exc:
        raise DataError(name, None, None, f"malformed CSV: {exc}") from exc
    except OSError as exc:
        raise DataError(name, None, None, f"cannot read file: {exc}") from exc
    return pairs, skipped


def import_twinnings(store: GraphStore, path: str | Path, max_bytes: int = MAX_IMPORT_BYTES,
                     max_rows: int = MAX_IMPORT_ROWS) -> ImportReport:
    """Merge every pair in ``path`` into ``store`` in one write; idempotent."""
    try:
        with _collector_paused():
            return _import(store, path, max_bytes, max_rows)
    finally:
        place_key.cache_clear()  # it held every town of the file: give the memory back


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector (reference counting still frees everything else).

    An import makes millions of long-lived objects and next to no cycles; each
    full collection walks all of them, which was a sixth of a 10x import's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The edges that make a node a side of a twinning: a town's, or a province's (an organisation).
SIDES = ["PARTNER_IN", "STAKEHOLDER_IN"]
# Rows of one name and country whose places lie further apart than this are reported (Newtown).
FAR_APART_KM = 100.0


def _import(store: GraphStore, path: str | Path, max_bytes: int, max_rows: int) -> ImportReport:
    from .place_migration import reconcile_store  # it builds on this module's helpers

    pairs, skipped = read_twinnings(path, max_bytes, max_rows)
    report = ImportReport(rows=len(pairs) + len(skipped), skipped=skipped)
    file_name = Path(path).name
    report.reconciled = reconcile_store(store, ChangeNote("kb import-twinnings", code="reconcile_places",
                                                          params={"file": file_name}))
    placed = _reconcile_places(store, pairs, report.places)
    cities = [c for row, a, b in pairs for i, c in enumerate((a, b)) if (row, i) not in placed]
    for city in cities:
        if city.resolved[0] is None:
            report.unmapped_countries[city.country] = report.unmapped_countries.get(city.country, 0) + 1
    spellings: dict[str, set[str]] = {}
    for city in cities:
        spellings.setdefault(city.key, set()).add(city.country)

    known, upgraded = _known_municipalities(store, cities, spellings)
    placed_ids = {r.member or r.region.node_id for r in placed.values()}
    linked = _linked_pairs(store, set(known.values()) | placed_ids)

    nodes: dict[str, Node] = {n.id: n for n in upgraded}
    edges: list[Edge] = []
    ids = _assign_ids(store, [(row, *(c for i, c in enumerate(pair) if (row, i) not in placed))
                              for row, *pair in pairs], known)
    report.municipalities_matched = len(known) + len({r.member for r in placed.values() if r.member})
    member_names = {m: _names(n.props) for m, n in store.get_nodes(
        {r.member for r in placed.values() if r.member}).items()}
    for row_number, *pair in pairs:
        provenance = {"source": SOURCE_ID, "source_section": f"{file_name} row {row_number}"}
        pair_ids, sides, parts = [], [], {}
        for i, city in enumerate(pair):
            resolution = placed.get((row_number, i))
            if resolution is None:
                node_id = ids[city.key]
                if city.key not in known and node_id not in nodes:
                    nodes[node_id] = make_node(node_id, dict(
                        name=city.name, lat=city.lat, lng=city.lng,
                        **_country_props(city.resolved, spellings[city.key]), **provenance))
                sides.append({"name": city.name})
            elif resolution.member:
                node_id = resolution.member
                sides.append(member_names[node_id])
                if resolution.lends_coordinates and node_id not in nodes:
                    # Its first confirmed row places it (graph.ingest.reconcile); the source says which.
                    nodes[node_id] = make_node(node_id, dict(
                        name=member_names[node_id]["name"], lat=city.lat, lng=city.lng,
                        coordinates_source=f"{SOURCE_ID} ({file_name} row {row_number})",
                        coordinates_via="twin-town row, at its province by GeoNames"))
                if resolution.part:
                    parts["member_part"] = resolution.part
            else:
                region = resolution.region.node()
                node_id = nodes.setdefault(region.id, region).id
                sides.append(_names(region.props))
            pair_ids.append(node_id)
        if pair_ids[0] == pair_ids[1]:  # two former municipalities of one member (Beveren and Zwijndrecht)
            report.skipped.append((row_number, f"{pair[0].name} and {pair[1].name} are both {pair_ids[0]} today"))
            continue
        if frozenset(pair_ids) in linked:
            report.already_linked += 1
            continue
        linked.add(frozenset(pair_ids))
        a, b = sorted(pair_ids)
        partnership = f"partnership:{a.split(':', 1)[1]}--{b.split(':', 1)[1]}"
        # A member (or province) is named first, as a reader of its pages expects: Gent – Kanazawa.
        both = all(i in placed_ids for i in pair_ids)
        order = sorted(range(2), key=lambda i: (pair_ids[i] not in placed_ids, pair_ids[i] if both else ""))
        nodes[partnership] = make_node(partnership, dict(
            **partnership_names([sides[i] for i in order]), partnership_type="twinning", **parts, **provenance))
        edges += [make_edge(m, "STAKEHOLDER_IN" if m.startswith("organisation:") else "PARTNER_IN",
                            partnership, provenance) for m in pair_ids]
        report.partnerships_created += 1
    nodes[SOURCE_ID] = make_node(SOURCE_ID, {
        "name": "Twin towns and sister cities (Wikipedia lists, geocoded)",
        "url": "https://en.wikipedia.org/wiki/Lists_of_twin_towns_and_sister_cities",
        "licence": "Data MIT, Copyright (c) 2026 Erik Hekman; content from Wikipedia, CC BY-SA",
        "source": SOURCE_ID, "source_section": file_name,
    })
    created = {n for n in nodes if n.startswith("municipality:")} - {n.id for n in upgraded}
    report.municipalities_created = len(created)
    store.write(nodes.values(), edges, ChangeNote("kb import-twinnings", code="import_twinnings",
                                                  params={"file": file_name}))
    # A store filled before countries were keyed by ISO code may hold a town twice: fold it now.
    report.duplicates_folded = fold_country_duplicates(store, ChangeNote(
        "kb import-twinnings", code="fold_duplicates", params={"file": file_name}))
    # When nothing was folded, the scan that planned the fold found no town twice: counting again gives 0.
    report.spelling_duplicates = spelling_duplicates(store) if report.duplicates_folded else 0
    return report


def _names(props: dict) -> dict[str, str]:
    """A node's plain name and its names in other languages (name_fr...)."""
    return {k: v for k, v in props.items() if (k == "name" or k.startswith("name_")) and isinstance(v, str)}


def _reconcile_places(store: GraphStore, pairs, report: PlaceReport) -> dict:
    """Resolve the file's Belgian places against the members; report coordinates that contradict a country.

    Returns {(row, 0 or 1): Resolution} for the places that join a member or are a
    province or region; every other place is imported as a town, as before.
    """
    from .members import ASSOCIATIONS, read_municipalities

    points = {(c.lat, c.lng, c.resolved[0]) for _, a, b in pairs for c in (a, b) if c.resolved[0]}
    points = sorted(points)
    abroad = dict(zip(points, country_check().outside(points), strict=True))
    by_key: dict[str, tuple[int, _City]] = {}
    for row, *pair in pairs:
        for city in pair:
            code = city.resolved[0]
            lies_in = abroad.get((city.lat, city.lng, code)) if code else None
            if lies_in:
                report.outside_country.append((row, city.name, city.resolved[1], lies_in))
            first = by_key.setdefault(city.key, (row, city))
            km = distance_km(first[1].lat, first[1].lng, city.lat, city.lng)
            if km > FAR_APART_KM and not any(k == city.key for k, *_ in report.far_apart):
                report.far_apart.append((city.key, round(km), first[0], row))
    codes = {m.nis_code for a in ASSOCIATIONS for m in read_municipalities(a.region_code)}
    check = country_check()
    places = BelgianPlaces(read_members(store, codes), lambda lat, lng: check.admin2_near(lat, lng, "BE"))
    placed = {}
    for row, *pair in pairs:
        for i, city in enumerate(pair):
            if city.resolved[0] != "BE":
                continue
            trusted = abroad.get((city.lat, city.lng, "BE")) is None
            resolution = places.resolve(city.name, city.lat if trusted else None, city.lng if trusted else None)
            if resolution.member:
                placed[(row, i)] = resolution
                report.joined.append((row, city.name, resolution.member, resolution.via, resolution.km))
            elif resolution.region:
                placed[(row, i)] = resolution
                report.regions.append((row, city.name, resolution.region.node_id))
            elif resolution.problem:
                report.unresolved.append((row, city.name, resolution.problem, resolution.candidates))
    return placed


def _country_props(resolved: tuple[str | None, str], given: set[str]) -> dict:
    """Return a town's country properties: the stored name, its code, and other spellings seen."""
    code, country = resolved
    props: dict = {"country": country}
    if code:
        props["country_code"] = code
    if given - {country}:
        props["country_as_given"] = sorted(given - {country})
    return props


def _known_municipalities(store: GraphStore, cities, spellings) -> tuple[dict[str, str], list[Node]]:
    """Find the towns already in the store: by today's key, else by a key written before country codes.

    Returns {key: node id} and the older nodes, brought up to today's key and
    country name so the next import finds them directly.
    """
    # Keys depend on the spelling (name and country as given): each spelling once, not each row.
    spelled = {(c.name, c.country): c for c in cities}.values()
    legacy = {k: c.key for c in spelled for k in c.legacy_keys if k != c.key}
    found = store.find_by_property("Municipality", "match_key", {c.key for c in cities} | set(legacy))
    current = {n.props["match_key"]: n for n in found if n.props["match_key"] not in legacy}
    older: dict[str, list[Node]] = {}
    for n in found:
        if n.props["match_key"] in legacy:
            older.setdefault(legacy[n.props["match_key"]], []).append(n)
    known = {key: n.id for key, n in current.items()}
    upgraded = []
    for key, candidates in older.items():
        if key in known:
            continue
        node = min(candidates, key=lambda n: n.id)  # the others are left for graph.ingest.duplicates
        known[key] = node.id
        resolved = resolve_country(str(node.props.get("country", "")))
        given = spellings[key] | {str(node.props.get("country", ""))} | set(node.props.get("country_as_given", []))
        upgraded.append(make_node(node.id, dict(name=node.props["name"], **_country_props(resolved, given))))
    return known, upgraded


def _linked_pairs(store: GraphStore, municipalities: set[str]) -> set[frozenset[str]]:
    """Return the pairs of these municipalities that already share a two-member partnership.

    Only municipalities already in the store can be linked, so only their
    partnerships are read, never every partnership edge of the graph.
    """
    partnerships = {e.target for e in store.edges_of_many(municipalities, SIDES)}
    members: dict[str, set[str]] = {}
    for e in store.edges_of_many(partnerships, SIDES):
        members.setdefault(e.target, set()).add(e.source)
    return {frozenset(m) for m in members.values() if len(m) == 2}


def _assign_ids(store: GraphStore, pairs, known: dict[str, str]) -> dict[str, str]:
    """Give each new city an id, never one that another city already holds."""
    ids = dict(known)
    wanted: dict[str, str] = {}
    for _, *cities in pairs:
        for city in cities:
            if city.key not in ids and city.key not in wanted:
                wanted[city.key] = municipality_id(city.name, city.country)
    taken = set(store.get_nodes(set(wanted.values()))) | set(known.values())
    for key, node_id in wanted.items():
        candidate, n = node_id, 1
        while candidate in taken:
            n += 1
            candidate = f"{node_id}-{n}"
        taken.add(candidate)
        ids[key] = candidate
    return ids
