"""Move municipalities to the ids that transliterated names give (``kb migrate-ids``).

Until names were transliterated (graph.text.fold with anyascii), letters that Unicode does not
decompose were dropped from ids and match keys: Łódź became ``municipality:odz-poland``, and a
name written only in Cyrillic became ``x``.  This migration finds the municipalities whose id is
the one that older rule made from their name and country, and re-creates each under the id the
current rule gives, with its edges, recording the old id in ``former_ids`` (the web app redirects
old addresses with a 301).  Partnerships whose id was made from a moved municipality's id move too.
Municipalities whose match key is out of date get it rewritten, so imports find them again.

It is one ``store.write`` (the new nodes, their edges, the refreshed keys) and one
``store.delete`` (the old nodes), each with its change note.  Run again, it finds nothing to do;
interrupted between the two, it finishes the deletes.

Towns that the older rule merged (two names that both lost every letter, in one country) stay
one node: which twinnings belonged to which town is not recorded.  Re-importing the twin-town
file afterwards creates the missing towns, each under its own id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..model import ChangeNote, Edge, Node
from ..places import countries
from ..records import make_node
from ..stores.base import GraphStore

FORMER_IDS = "former_ids"
_NON_WORD = re.compile(r"[^0-9a-z]+")
_PARTNERSHIP = re.compile(r"^partnership:(.+)--(.+)$")


def legacy_fold(text: str) -> str:
    """graph.text.fold as it was before transliteration: other letters were dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", bare).strip()


def legacy_municipality_id(name: str, country: str) -> str:
    """The id graph.places.countries.municipality_id gave before transliteration."""
    def legacy_slug(text: str) -> str:
        return legacy_fold(text).replace(" ", "-") or "x"

    return f"municipality:{legacy_slug(name)}-{legacy_slug(countries.resolve_country(country)[1])}"


@dataclass
class IdMigration:
    """What ``migrate_ids`` did (or, with ``dry_run``, would do)."""

    moved: dict[str, str] = field(default_factory=dict)  # old id -> new id
    rekeyed: list[str] = field(default_factory=list)  # ids whose match key was rewritten
    finished: list[str] = field(default_factory=list)  # old ids left over by an interrupted run, deleted


def _made_by_legacy_rule(node: Node) -> bool:
    name, country = node.props.get("name"), node.props.get("country")
    if not (isinstance(name, str) and isinstance(country, str)):
        return False
    legacy = legacy_municipality_id(name, country)
    # The older import added -2, -3 ... when the id was taken.
    return node.id == legacy or re.fullmatch(re.escape(legacy) + r"-\d+", node.id) is not None


def plan(store: GraphStore) -> tuple[dict[str, str], list[Node], list[str]]:
    """Return the ids to move (old -> new), the nodes whose match key to rewrite, and leftovers to delete."""
    municipalities = list(store.nodes("Municipality"))
    by_id = {n.id: n for n in municipalities}
    taken = set(by_id)
    partnerships = list(store.nodes("Partnership"))
    former = {old: n.id for n in municipalities + partnerships for old in n.props.get(FORMER_IDS, [])}
    moves: dict[str, str] = {}
    # Copied, not yet deleted (a run interrupted between its write and its delete).
    present = set(by_id) | {p.id for p in partnerships}
    leftovers = sorted(old for old in former if old in present)
    for node in municipalities:
        if node.id in former or not _made_by_legacy_rule(node):
            continue
        name, country = node.props["name"], node.props["country"]
        wanted = countries.municipality_id(name, country)
        if wanted == legacy_municipality_id(name, country):
            continue  # no letter of this name was dropped: the id stays
        candidate, n = wanted, 1
        while candidate in taken:
            n += 1
            candidate = f"{wanted}-{n}"
        taken.add(candidate)
        moves[node.id] = candidate
    rekey = []
    for node in municipalities:
        if node.id in moves or node.id in leftovers:
            continue
        fresh = make_node(node.id, node.props)
        if fresh.props.get("match_key") != node.props.get("match_key"):
            rekey.append(fresh)
    return moves, rekey, leftovers


def _partnership_moves(store: GraphStore, moved: dict[str, str]) -> dict[str, str]:
    """Partnerships whose id joins two municipality ids, one of which moves."""
    local = {old.split(":", 1)[1]: new.split(":", 1)[1] for old, new in moved.items()}
    partnerships = {e.target for e in store.edges_of_many(moved, ["PARTNER_IN"])}
    moves = {}
    for pid in sorted(partnerships):
        m = _PARTNERSHIP.match(pid)
        if m and (m[1] in local or m[2] in local):
            moves[pid] = f"partnership:{local.get(m[1], m[1])}--{local.get(m[2], m[2])}"
    taken = set(store.get_nodes(moves.values()))
    return {old: new for old, new in moves.items() if new not in taken}


def migrate_ids(store: GraphStore, dry_run: bool = False) -> IdMigration:
    """Move municipalities (and their partnerships) to today's ids; idempotent."""
    moves, rekey, leftovers = plan(store)
    if moves:
        moves.update(_partnership_moves(store, moves))
    report = IdMigration(moved=dict(sorted(moves.items())), rekeyed=[n.id for n in rekey], finished=leftovers)
    if dry_run or not (moves or rekey or leftovers):
        return report
    old_nodes = store.get_nodes(moves)
    edges = store.edges_of_many(moves)
    copies = []
    for old, new in moves.items():
        props = dict(old_nodes[old].props)
        props[FORMER_IDS] = sorted({*props.get(FORMER_IDS, []), old})
        copies.append(make_node(new, props))
    rewired = [Edge(moves.get(e.source, e.source), e.type, moves.get(e.target, e.target), e.props) for e in edges]
    if copies or rekey:
        store.write(copies + rekey, rewired, ChangeNote("kb migrate-ids", code="migrate_ids", params={"step": "new_ids"}))
    gone = sorted(set(moves) | set(leftovers))
    if gone:
        store.delete(gone, change=ChangeNote("kb migrate-ids", code="migrate_ids",
                                                           params={"step": "old_ids"}))
    return report
