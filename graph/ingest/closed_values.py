"""Folding free-text values onto the schema's closed lists (graph.schema.CHOICES), as one recorded change.

Before the schema closed them, a partnership's status and kind (and the other
listed properties) took any text, so hand-typed values such as "actief" or
"ontwikkelingssamenwerking" stand beside "active" in the listings and network
tables.  This step rewrites each value that names a listed one, in any of the
four interface languages, with that listed value, and reports the values it
cannot place (an editor chooses for those on the node's edit form, which offers
only the list).  It runs in ``kb migrate`` and changes nothing a second time.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from graph.model import ChangeNote, Node
from graph.schema import CHOICES, EDITABLE, YEAR_MAX, YEAR_MIN

# What people type for a listed value, in the four languages of the interface (and English spellings).
SYNONYMS: dict[str, dict[str, str]] = {
    "status": {
        "actief": "active", "lopend": "active", "actif": "active", "en cours": "active", "activo": "active",
        "activa": "active", "vigente": "active",
        "slapend": "dormant", "en sommeil": "dormant", "inactif": "dormant", "en pausa": "dormant",
        "inactive": "dormant", "inactief": "dormant", "inactivo": "dormant",
        "beeindigd": "ended", "afgelopen": "ended", "gestopt": "ended", "termine": "ended", "terminee": "ended",
        "fini": "ended", "finalizado": "ended", "finalizada": "ended", "terminado": "ended",
        "concluido": "ended", "finished": "ended", "closed": "ended",
    },
    "partnership_type": {
        "ontwikkelingssamenwerking": "development_cooperation", "cooperation au developpement":
        "development_cooperation", "cooperation decentralisee": "development_cooperation",
        "cooperacion al desarrollo": "development_cooperation", "cooperacion para el desarrollo":
        "development_cooperation", "development cooperation": "development_cooperation",
        "stedenband": "twinning", "jumelage": "twinning", "hermanamiento": "twinning", "twin towns": "twinning",
        "zustersteden": "twinning",
    },
    "project_status": {
        "voorgesteld": "proposed", "propose": "proposed", "propuesto": "proposed",
        "gepland": "planned", "prevu": "planned", "planifie": "planned", "planificado": "planned",
        "lopend": "ongoing", "bezig": "ongoing", "en cours": "ongoing", "en curso": "ongoing",
        "afgerond": "done", "klaar": "done", "termine": "done", "finalizado": "done", "completed": "done",
        "afgewezen": "declined", "refuse": "declined", "rechazado": "declined",
    },
}


def _plain(value: str) -> str:
    """Lower case, no accents, words joined by single spaces: how typed values are compared."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("_", " ").replace("-", " ").split())


def listed_value(key: str, value) -> str | None:
    """Return the listed value of ``key`` that ``value`` names, or None when it names none."""
    if not isinstance(value, str) or key not in CHOICES:
        return None
    plain = _plain(value)
    for listed in CHOICES[key]:
        if plain == _plain(listed):
            return listed
    return SYNONYMS.get(key, {}).get(plain)


@dataclass
class Folding:
    """What a fold did: the values it rewrote, those it could not place, years out of range, its change."""

    folded: dict[tuple[str, str], str] = field(default_factory=dict)       # (key, old value) -> listed value
    nodes: int = 0
    unplaced: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (key, value) -> node ids
    years_out_of_range: dict[str, list[str]] = field(default_factory=dict)   # node id -> keys
    change: int | None = None


def fold_closed_values(store, actor: str = "kb migrate", dry_run: bool = False) -> Folding:
    """Rewrite free-text values of listed properties with the listed value they name, as one change."""
    report, writes = Folding(), {}
    for kind, specs in EDITABLE.items():
        for spec in specs:
            if spec.choices:
                found = store.property_values(kind, spec.key)
                odd = [v for v in found if v not in spec.choices and v not in ("", None)]
                for node in store.find_by_property(kind, spec.key, odd) if odd else ():
                    value = node.props.get(spec.key)
                    listed = listed_value(spec.key, value)
                    if listed is None:
                        report.unplaced.setdefault((spec.key, str(value)), []).append(node.id)
                        continue
                    report.folded[(spec.key, value)] = listed
                    writes.setdefault(node.id, Node(node.id, kind, {})).props[spec.key] = listed
            elif spec.low is not None:
                for value in store.property_values(kind, spec.key):
                    if isinstance(value, int) and not YEAR_MIN <= value <= YEAR_MAX:
                        for node in store.find_by_property(kind, spec.key, [value]):
                            report.years_out_of_range.setdefault(node.id, []).append(spec.key)
    report.nodes = len(writes)
    if writes and not dry_run:
        done = store.write(list(writes.values()), change=ChangeNote(actor, code="fold_closed_values"))
        report.change = done.seq if done else None
    return report
