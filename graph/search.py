"""Search ranking, grouping and paging: one place, so that every store ranks the same way.

A store only supplies *candidates*.  ``store.search(query, kinds, limit)``
must return every node (of ``kinds``, when given) whose search text
(:func:`graph.text.search_text`: every text field in every language, folded,
plus the joined forms of words an apostrophe or hyphen splits) has, for each
token of :func:`graph.text.query_tokens`, a word beginning with that token;
at most ``limit`` of them, and when there are more, those whose name matches
come first, so that the best matches survive the cap.  Their order does not
matter otherwise.  This module decides it:

1. exact name matches ("water" finds the theme Water first);
2. names holding the query's words as whole words ("Herent – Nimlaha'kok");
3. names holding words that begin with the query's words ("Herentals");
4. matches elsewhere in a node's texts (descriptions, titles such as an SDG target's text).

At equal match, the entities people look for (:data:`ENTITY_KINDS`) come
before passages (experiences, challenges, ...), a name that begins with the
query before one that only contains it, then kinds in schema order, then
names alphabetically.  Comparisons ignore case, accents, apostrophes and
punctuation: "Nimlahakok" and "nimlaha kok" both equal "Nimlaha'kok".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from .errors import SchemaError
from .model import Node
from .schema import LANGUAGES, NODE_KINDS
from .stores.base import GraphStore
from .suggest import Suggestion, sdg_reference, suggest
from .text import display_name, fold, index_words, query_tokens

# What people search for by name; everything else is a passage of the publication.
ENTITY_KINDS = ("Municipality", "Partnership", "Theme", "SDG", "Organisation")
# How many candidates a store is asked for; past it, counts are lower bounds.
CANDIDATE_CAP = 2000
MAX_LIMIT = 100
_KIND_ORDER = {kind: i for i, kind in enumerate(NODE_KINDS)}


class Match(IntEnum):
    """How well a node matches a query; lower is better."""

    EXACT = 0
    NAME_WORDS = 1
    NAME_PREFIX = 2
    TEXT = 3


class Problem:
    """Why a query cannot be searched at all."""

    EMPTY = "empty"          # nothing was typed
    NO_WORDS = "no_words"    # only punctuation or symbols were typed


@dataclass(frozen=True)
class Hit:
    """A node found, with how well it matches."""

    node: Node
    match: Match
    starts: bool  # one of its names begins with the query

    @property
    def entity(self) -> bool:
        return self.node.kind in ENTITY_KINDS


@dataclass(frozen=True)
class SearchResult:
    """One page of ranked hits, with counts per kind over every hit.

    ``total`` counts the hits of the chosen kinds; ``groups`` counts every
    kind that matched, in the order of its best hit.  When ``complete`` is
    False the store stopped at :data:`CANDIDATE_CAP` candidates, so both are
    lower bounds (the best matches by name are still among them).
    """

    query: str
    hits: list[Hit]
    total: int
    groups: list[tuple[str, int]]
    offset: int
    limit: int
    complete: bool = True
    problem: str | None = None
    # Names within an edit or two of the query, when no name matched it ("Brasshaat": Brasschaat).
    suggestions: tuple[Suggestion, ...] = ()


def names_of(node: Node) -> list[str]:
    """Return a node's names in every language (a title, such as an SDG target's text, is not a name)."""
    return [v for k, v in node.props.items() if isinstance(v, str) and v and
            (k == "name" or k[:-3] == "name" and k[-3] == "_" and k[-2:] in LANGUAGES)]


def _compact(text: str) -> str:
    return "".join(fold(text).split())


def classify(node: Node, tokens: list[str]) -> Hit:
    """Return how well ``node`` matches the folded query ``tokens``."""
    whole = "".join(tokens)
    best, starts = Match.TEXT, False
    for name in names_of(node):
        compact = _compact(name)
        if compact == whole:
            return Hit(node, Match.EXACT, True)
        starts = starts or compact.startswith(whole)
        words = set(index_words(name))
        if all(t in words for t in tokens):
            best = min(best, Match.NAME_WORDS)
        elif all(any(w.startswith(t) for w in words) for t in tokens):
            best = min(best, Match.NAME_PREFIX)
    return Hit(node, best, starts)


def rank(nodes: Iterable[Node], tokens: list[str], lang: str = "en") -> list[Hit]:
    """Return ``nodes`` as hits, best first (see the module's docstring)."""
    hits = [classify(n, tokens) for n in nodes]
    return sorted(hits, key=lambda h: (
        h.match, not h.entity, not h.starts, _KIND_ORDER.get(h.node.kind, len(_KIND_ORDER)),
        fold(display_name(h.node.props, lang)), h.node.id))


def candidates(store: GraphStore, tokens: list[str], kinds: list[str] | None = None) -> list[Node]:
    """Return the store's unranked candidates for ``tokens`` (at most :data:`CANDIDATE_CAP`).

    When nothing matches the words apart, they are tried together, so that
    "Nimlaha'kok" also finds a node written "Nimlahakok".
    """
    found = store.search(" ".join(tokens), kinds=kinds, limit=CANDIDATE_CAP)
    if not found and len(tokens) > 1:
        found = store.search("".join(tokens), kinds=kinds, limit=CANDIDATE_CAP)
    return found


def search(store: GraphStore, query: str, kinds: Iterable[str] | None = None,
           offset: int = 0, limit: int = 20, lang: str = "en", hide=None) -> SearchResult:
    """Search ``store`` for ``query``; return hits ``offset`` to ``offset + limit`` of the chosen kinds.

    ``hide`` (a node -> bool) leaves nodes out of the hits, the counts and the totals alike: the
    reader's graph.workspace.Visibility.hides_node, for runs that are not published.
    """
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit between 1 and {MAX_LIMIT}")
    kinds = sorted(set(kinds)) if kinds else None
    tokens = query_tokens(query)
    if not tokens:
        problem = Problem.NO_WORDS if (query or "").strip() else Problem.EMPTY
        return SearchResult(query, [], 0, [], offset, limit, True, problem)
    found = candidates(store, tokens)
    complete = len(found) < CANDIDATE_CAP
    if hide is not None:
        found = [n for n in found if not hide(n)]
    ranked = rank(found, tokens, lang)
    named = aliased(store, query)
    if named is not None:
        # "SDG 6", "ODD 6", "duurzame ontwikkelingsdoelstelling 6": the goal itself comes first.
        ranked = [Hit(named, Match.EXACT, True)] + [h for h in ranked if h.node.id != named.id]
    if kinds and not complete:
        # The capped candidates may miss some of the chosen kinds: ask for those alone.
        chosen = candidates(store, tokens, kinds)
        chosen_hits = rank([n for n in chosen if not hide(n)] if hide is not None else chosen, tokens, lang)
    else:
        chosen_hits = [h for h in ranked if not kinds or h.node.kind in kinds]
    counts = Counter(h.node.kind for h in ranked)
    groups = [(kind, counts[kind]) for kind in dict.fromkeys(h.node.kind for h in ranked)]
    near = ()
    if named is None and not any(h.match < Match.TEXT for h in ranked):
        near = tuple(suggest(store, query, kinds=kinds, limit=SUGGESTIONS))
    return SearchResult(query, chosen_hits[offset:offset + limit], len(chosen_hits), groups,
                        offset, limit, complete, suggestions=near)


# How many "did you mean" names a search or a typed name offers.
SUGGESTIONS = 5


def aliased(store: GraphStore, query: str) -> Node | None:
    """Return the SDG or target a query names by number in any language ("ODS 6"), if it exists."""
    reference = sdg_reference(query)
    return store.get_node(reference) if reference else None


# Kinds whose nodes are the usual ends of a path question, offered first when a name is ambiguous.
PATH_KINDS = ("Municipality", "Partnership")


@dataclass(frozen=True)
class Resolution:
    """What a typed name refers to: one node, or the candidates to choose from (maybe none)."""

    text: str
    node: Node | None
    choices: list[Hit]
    # When nothing matched: the names within an edit or two of the text, nearest first.
    suggestions: tuple[Suggestion, ...] = ()


def resolve(store: GraphStore, reference: str, limit: int = 10, lang: str = "en") -> Resolution:
    """Return the node a person means by an id or a name, or the candidates when that is unclear.

    An id, or a single exact name match among entities (or, failing any, among
    all kinds), is the answer.  Otherwise the best hits are the choices,
    municipalities and partnerships first at equal match.
    """
    reference = (reference or "").strip()
    if ":" in reference and " " not in reference:
        try:
            node = store.get_node(reference)
        except SchemaError:  # a malformed id is just text to search for
            node = None
        if node is not None:
            return Resolution(reference, node, [])
    named = aliased(store, reference)
    if named is not None:
        return Resolution(reference, named, [])
    tokens = query_tokens(reference)
    if not tokens:
        return Resolution(reference, None, [])
    hits = rank(candidates(store, tokens), tokens, lang)
    if not any(h.match < Match.TEXT for h in hits):
        near = tuple(suggest(store, reference, limit=min(limit, SUGGESTIONS)))
        if near:
            return Resolution(reference, None, [], near)
    exact = [h for h in hits if h.match == Match.EXACT]
    exact_entities = [h for h in exact if h.entity]
    if len(exact_entities) == 1 or not exact_entities and len(exact) == 1:
        return Resolution(reference, (exact_entities or exact)[0].node, [])
    ordered = sorted(hits, key=lambda h: (h.match, h.node.kind not in PATH_KINDS))  # stable: keeps rank
    return Resolution(reference, None, ordered[:limit])
