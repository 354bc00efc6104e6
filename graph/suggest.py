"""Did you mean: the nearest names to a misspelling, and the ways people write an SDG.

Search, the path finder, matching and the questionnaire all ask the same
question when a typed name finds nothing: which names lie within an edit or
two of it?  :func:`suggest` answers it from a :class:`NameIndex`, the folded
names (every language, plus any ``alt_names`` and ``former_names``) of the
kinds people type by name, read through the public
:class:`~graph.store.GraphStore` calls only, so both stores give the same
answer.  Distances are optimal string alignment (Levenshtein with adjacent
transpositions, so "Brasschaat" typed "Brasshaat" or "Barsschaat" is one
edit away), computed by ``rapidfuzz`` in C over every name at once.

The index is cached per store and version.  After a write it follows the
store's change log and re-reads just the named nodes that changed (as the
match index does); a change it cannot follow (a clear, a large import)
rebuilds it, which reads two or three properties of every town.

:func:`sdg_reference` reads "SDG 6", "SDG6", "ODD 6", "ODS 6", "Goal 6" or
"duurzame ontwikkelingsdoelstelling 6" as the id ``sdg:6`` (and "SDG 6.1" as
the target ``target:6.1``), in any of the four languages.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from .model import Node
from .schema import LANGUAGES
from .stores.base import GraphStore
from .text import fold

# The kinds a person types by name.  Partnerships are named after their members, so a typo in one
# is a typo in a town; the passages of the publication are found by their words, not their names.
SUGGESTED_KINDS = ("Municipality", "Theme", "SDG", "Organisation")
# Properties holding other spellings of a node's name: alternate names from a gazetteer
# (Gent: Ghent, Gand, Gante) and the names of municipalities merged into it.
ALTERNATE_NAME_PROPERTIES = ("alt_names", "former_names")
NAME_PROPERTIES = ("name", *(f"name_{lang}" for lang in LANGUAGES))
READ_PROPERTIES = (*NAME_PROPERTIES, *ALTERNATE_NAME_PROPERTIES, "nis_code", "place_type")
# Past this many changes since the index's version, it is rebuilt instead of followed.
MAX_FOLLOWED_CHANGES = 64
MAX_FOLLOWED_ITEMS = 2000
# Edits allowed: none under 3 letters (anything is 1 edit from "Ath"), 1 up to 5, else 2.
MAX_QUERY_LENGTH = 200


def max_edits(length: int) -> int:
    """How many edits a typed name of ``length`` letters may be from a name it suggests."""
    if length < 3:
        return 0
    return 1 if length <= 5 else 2


@dataclass(frozen=True)
class Suggestion:
    """A name near what was typed: the node, the name that matched it, and how many edits away."""

    id: str
    kind: str
    name: str       # the name as stored (the spelling that was near)
    distance: int   # edits from the typed text, after folding case, accents and punctuation
    member: bool    # a town with an official (NIS) code: members are what most people mean


class NameIndex:
    """Folded names of the suggested kinds, one entry per (name, node), at one store version."""

    def __init__(self, version: str, entries: dict[str, list[tuple[str, str]]], members: set[str],
                 kinds: dict[str, str]):
        self.version = version
        self._by_node = entries        # node id -> [(folded name, name as stored)]
        self._members = members        # node ids of towns with a NIS code
        self._kinds = kinds            # node id -> kind
        # Folded names by length, each with its owners (node id, stored name) in a parallel list: a name
        # more than N letters longer or shorter is more than N edits away, so most are never compared.
        self._by_length: dict[int, tuple[list[str], list[tuple[str, str]]]] | None = None
        self._exact: dict[str, tuple[str, ...]] | None = None  # folded name -> node ids
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_node)

    def _lengths(self) -> dict[int, tuple[list[str], list[tuple[str, str]]]]:
        """The names rapidfuzz scans, by length, built once per index version (splicing copies the dicts only)."""
        with self._lock:
            if self._by_length is None:
                by_length: dict[int, tuple[list[str], list[tuple[str, str]]]] = {}
                # In any order: every name within reach is compared and the result sorted in full, so
                # a followed index answers exactly as a fresh build does.
                for node_id, names in self._by_node.items():
                    for folded, stored in names:
                        choices, owners = by_length.setdefault(len(folded), ([], []))
                        choices.append(folded)
                        owners.append((node_id, stored))
                self._by_length = by_length
            return self._by_length

    def named(self, typed: str, kinds: Iterable[str] | None = None) -> list[str]:
        """Return the ids of the nodes one of whose names (any language, alternate or former) is
        ``typed``, case, accents and punctuation aside; sorted, members first."""
        with self._lock:
            if self._exact is None:
                exact: dict[str, list[str]] = {}
                for node_id in sorted(self._by_node):
                    for folded, _ in self._by_node[node_id]:
                        exact.setdefault(folded, []).append(node_id)
                self._exact = {k: tuple(v) for k, v in exact.items()}
        wanted = set(kinds) if kinds else None
        found = [i for i in self._exact.get(" ".join(fold(typed or "").split()), ())
                 if wanted is None or self._kinds[i] in wanted]
        return sorted(found, key=lambda i: (i not in self._members, i))

    def spliced(self, version: str, nodes: dict[str, Node | None]) -> NameIndex:
        """Return this index at ``version`` with the entries of ``nodes`` replaced (None: deleted)."""
        entries, members, kinds = dict(self._by_node), set(self._members), dict(self._kinds)
        for node_id, node in nodes.items():
            entries.pop(node_id, None)
            members.discard(node_id)
            kinds.pop(node_id, None)
            if node is not None and node.kind in SUGGESTED_KINDS and _is_place_or_other(node):
                _add(entries, members, kinds, node)
        return NameIndex(version, entries, members, kinds)

    def nearest(self, typed: str, kinds: Iterable[str] | None = None, limit: int = 5,
                exclude: Iterable[str] = ()) -> list[Suggestion]:
        """Return up to ``limit`` nodes with a name within :func:`max_edits` of ``typed``, nearest first.

        At equal distance, members before other towns, then the name that
        shares more letters with the typed text in order (Indel similarity,
        which ranks a swapped pair above two replaced letters), then names
        closer in length, then by name; one suggestion per node (its nearest name).
        """
        folded = " ".join(fold(typed or "")[:MAX_QUERY_LENGTH].split())
        edits = max_edits(len(folded.replace(" ", "")))
        if not edits:
            return []
        wanted = set(kinds) if kinds else None
        skip = set(exclude)
        by_length = self._lengths()
        best: dict[str, tuple[Suggestion, float]] = {}
        for length in range(len(folded) - edits, len(folded) + edits + 1):
            choices, owners = by_length.get(length, ((), ()))
            if not choices:
                continue
            # Every name within ``edits`` (few: a cap here would make the answer depend on list order).
            for choice, distance, i in process.extract(folded, choices, scorer=OSA.distance,
                                                       score_cutoff=edits, limit=None):
                node_id, stored = owners[i]
                kind = self._kinds[node_id]
                if node_id in skip or wanted is not None and kind not in wanted:
                    continue
                seen = best.get(node_id)
                if seen is None or distance < seen[0].distance:
                    found = Suggestion(node_id, kind, stored, int(distance), node_id in self._members)
                    best[node_id] = (found, Indel.normalized_similarity(folded, choice))
        ordered = sorted(best.values(), key=lambda pair: (
            pair[0].distance, not pair[0].member, -pair[1], abs(len(fold(pair[0].name)) - len(folded)),
            fold(pair[0].name), pair[0].id))
        return [s for s, _ in ordered[:limit]]


def _is_place_or_other(node: Node) -> bool:
    """Whether a node is offered as a suggestion: every node, except a municipality node the
    gazetteer marks as a province, district or region (``place_type``; see graph/places/)."""
    return node.kind != "Municipality" or node.props.get("place_type") in (None, "", "municipality")


def _names(node: Node) -> Iterator[str]:
    for key in NAME_PROPERTIES:
        value = node.props.get(key)
        if isinstance(value, str) and value.strip():
            yield value
    for key in ALTERNATE_NAME_PROPERTIES:
        value = node.props.get(key)
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        yield from (v for v in values if isinstance(v, str) and v.strip())


def _add(entries: dict, members: set, kinds: dict, node: Node) -> None:
    names = {}
    for name in _names(node):
        folded = " ".join(fold(name).split())
        if folded:
            names.setdefault(folded, name)
    if names:
        entries[node.id] = sorted(names.items())
        kinds[node.id] = node.kind
        if node.props.get("nis_code"):
            members.add(node.id)


def build_name_index(store: GraphStore, version: str | None = None) -> NameIndex:
    """Read the names of every node of :data:`SUGGESTED_KINDS` (public reads only) into an index."""
    version = store.version() if version is None else version
    entries: dict[str, list[tuple[str, str]]] = {}
    members: set[str] = set()
    kinds: dict[str, str] = {}
    for kind in SUGGESTED_KINDS:
        for node in store.nodes(kind, only=READ_PROPERTIES):
            if _is_place_or_other(node):
                _add(entries, members, kinds, node)
    return NameIndex(version, entries, members, kinds)


def _generation(version: str) -> tuple[str, int] | None:
    lineage, _, generation = version.rpartition("-")
    return (lineage, int(generation)) if generation.isdigit() else None


def follow(store: GraphStore, index: NameIndex, version: str) -> NameIndex | None:
    """Return ``index`` brought up to ``version`` from the change log, or None when it must be rebuilt."""
    seen, now = _generation(index.version), _generation(version)
    if seen is None or now is None or seen[0] != now[0] or not 0 <= now[1] - seen[1] <= MAX_FOLLOWED_CHANGES:
        return None
    changes = store.changes(limit=MAX_FOLLOWED_CHANGES, after_seq=seen[1], max_items=MAX_FOLLOWED_ITEMS)
    if sorted(c.seq for c in changes) != list(range(seen[1] + 1, now[1] + 1)) or any(
            c.item_count > len(c.items) for c in changes):
        return None
    touched = {i.item for c in changes for i in c.items if i.kind == "node"}
    if not touched:
        return NameIndex(version, index._by_node, index._members, index._kinds)
    present = store.get_nodes(touched)
    return index.spliced(version, {node_id: present.get(node_id) for node_id in touched})


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def name_index(store: GraphStore) -> NameIndex:
    """Return the name index of the store's current version: cached, followed, or built (one at a time)."""
    version = store.recent_version(0.5)
    with _GUARD:
        index = _CACHE.get(store)
        lock = _LOCKS.setdefault(store, threading.Lock())
    if index is not None and index.version == version:
        return index
    with lock:
        index = _CACHE.get(store)
        if index is not None and index.version == version:
            return index
        fresh = follow(store, index, version) if index is not None else None
        if fresh is None:
            fresh = build_name_index(store, version)
        with _GUARD:
            _CACHE[store] = fresh
        return fresh


def warm_name_index(store: GraphStore) -> threading.Thread:
    """Build the store's name index in the background, so that the first typo does not wait for it
    (seconds on Neo4j with the twin towns: docs/performance.md)."""

    def build() -> None:
        # A failure here is met again, and reported, by the first suggestion that needs the index.
        with contextlib.suppress(Exception):
            name_index(store)

    thread = threading.Thread(target=build, name="name-index-build", daemon=True)
    thread.start()
    return thread


def suggest(store: GraphStore, typed: str, kinds: Iterable[str] | None = None, limit: int = 5,
            exclude: Iterable[str] = ()) -> list[Suggestion]:
    """Return the names nearest to ``typed`` (see :meth:`NameIndex.nearest`); [] when nothing is near."""
    return name_index(store).nearest(typed, kinds=kinds, limit=limit, exclude=exclude)


# -- SDGs by number ---------------------------------------------------------------------------
# What precedes the number when people name a goal, folded: the abbreviation and the full name in
# each language (nl, fr, es, en), and the bare word for goal.
_SDG_WORDS = (
    "sdg", "sdgs", "odd", "ods", "ozd", "sustainable development goal", "global goal", "goal",
    "duurzame ontwikkelingsdoelstelling", "duurzame ontwikkelingsdoel", "ontwikkelingsdoelstelling",
    "ontwikkelingsdoel", "doelstelling", "doel",
    "objectif de developpement durable", "objectif du developpement durable", "objectif",
    "objetivo de desarrollo sostenible", "objetivo del desarrollo sostenible", "objetivo",
)
_SDG_WORD = "|".join(re.escape(w) for w in sorted(_SDG_WORDS, key=len, reverse=True))
_SDG = re.compile(rf"^(?:{_SDG_WORD})\s*(?:n(?:o|r|um|umero)?\s*)?(\d{{1,2}})(?:\s+(\d{{1,2}}|[a-c]))?$")


def sdg_reference(typed: str) -> str | None:
    """Return the SDG (``sdg:6``) or target (``target:6.1``) id that ``typed`` names, or None.

    Accepts the goal's number after its abbreviation or its name in any of the
    four languages, with or without a space ("SDG6", "ODD 6", "ODS 6",
    "duurzame ontwikkelingsdoelstelling 6"); a target after a dot ("SDG 6.1",
    "ODS 6.a").  Numbers outside 1-17 name nothing.
    """
    folded = " ".join(fold(typed or "")[:MAX_QUERY_LENGTH].split())
    found = _SDG.match(folded)
    if not found:
        return None
    goal = int(found.group(1))
    if not 1 <= goal <= 17:
        return None
    if found.group(2):
        return f"target:{goal}.{found.group(2)}"
    return f"sdg:{goal}"
