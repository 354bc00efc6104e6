"""Multilingual text and search normalisation.

A translatable field ``name`` is kept flat: ``name`` holds language-neutral
text (a proper name), ``name_fr``, ``name_nl``... hold translations.  Both
stores keep exactly these keys, so one representation serves networkx and
Neo4j (whose properties cannot be maps).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Mapping

from anyascii import anyascii

from .errors import SchemaError
from .schema import LANGUAGES, SEARCH_LIST_FIELDS, TEXT_FIELDS

# Fallback order when a text is missing in the wanted language, after the
# text's original language (``original_lang``) when it has one.  French first
# because the publication is French, so every publication text exists in fr.
FALLBACK = ("fr", "en", "nl", "es")

_NON_WORD = re.compile(r"[^0-9a-z]+")


def flatten_text(props: Mapping) -> dict:
    """Turn ``{"name": {"fr": "x"}}`` into ``{"name_fr": "x"}``; leave the rest alone."""
    flat: dict = {}
    for key, value in props.items():
        if key in TEXT_FIELDS and isinstance(value, Mapping):
            for lang, text in value.items():
                if lang not in LANGUAGES:
                    raise SchemaError(f"{key}: unknown language {lang!r}", key)
                if not isinstance(text, str):
                    raise SchemaError(f"{key}.{lang}: text expected", f"{key}_{lang}")
                flat[f"{key}_{lang}"] = text
        else:
            flat[key] = value
    return flat


def localized(props: Mapping, field: str, lang: str) -> tuple[str | None, str | None]:
    """Return ``(text, language_of_text)`` for ``field`` in ``lang`` with fallback.

    The language is ``None`` for language-neutral text, and differs from
    ``lang`` when a fallback was used, so a page can say so.  A fallback tries
    the text's original language first.
    """
    text = props.get(f"{field}_{lang}")
    if text:
        return text, lang
    if props.get(field):
        return props[field], None
    original = props.get("original_lang")
    for other in (original, *FALLBACK) if original else FALLBACK:
        text = props.get(f"{field}_{other}")
        if text:
            return text, other
    return None, None


def display_name(props: Mapping, lang: str, fallback: str = "") -> str:
    """Return the best human label for a node: its name, else its title, else ``fallback``."""
    for field in ("name", "title"):
        text, _ = localized(props, field, lang)
        if text:
            return text
    return fallback


def sort_keys(field: str, lang: str) -> list[str]:
    """Return property keys to try, in order, when sorting by ``field`` in ``lang``."""
    return [f"{field}_{lang}", field] + [f"{field}_{o}" for o in FALLBACK if o != lang]


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case, strip accents, write other scripts in Latin letters and turn punctuation into spaces.

    'Jerónimo' -> 'jeronimo', 'Łódź' -> 'lodz', 'Þórshöfn' -> 'thorshofn', 'Москва' -> 'moskva'.
    Accents are stripped first (NFKD), so the letters Unicode decomposes never depend on anyascii;
    anyascii then transliterates what is left (ł, ø, æ, þ, Cyrillic, Greek, Han...).
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():  # no combining marks to strip, nothing to transliterate
        return _NON_WORD.sub(" ", decomposed).strip()
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not bare.isascii():
        bare = anyascii(bare).lower()
    return _NON_WORD.sub(" ", bare).strip()


def joined_words(text: str) -> list[str]:
    """Return the words that apostrophes, hyphens or dots split, written together.

    "Nimlaha'kok" folds to "nimlaha kok"; its joined form "nimlahakok" lets a
    reader who types the name without the apostrophe find it too.
    """
    joined = []
    for chunk in text.split():
        words = fold(chunk).split()
        if len(words) > 1:
            joined.append("".join(words))
    return joined


def index_words(text: str) -> list[str]:
    """Return the folded words of ``text`` followed by its joined forms (see :func:`joined_words`).

    Folding works character by character, so the words of a text are the words of its
    whitespace-separated chunks, in order: each chunk (a word of a name, which many names share)
    is folded once, through fold's cache, instead of the whole, usually unique, text.
    """
    words, joined = [], []
    for chunk in text.split():
        folded = fold(chunk).split()
        words += folded
        if len(folded) > 1:
            joined.append("".join(folded))
    return words + joined


# Stores keep search_text() of every node in their search index.  Change this
# whenever search_text() would give other words for the same properties: a
# store that finds another value here re-indexes every node when it opens.
SEARCH_FORMAT = "4-alternate-names"


def search_text(props: Mapping) -> str:
    """Return the folded text a search should match for a node, across all languages.

    It holds every word of every text field and of the name lists (schema.SEARCH_LIST_FIELDS), plus the joined forms of words an
    apostrophe or hyphen splits, so both stores index "nimlahakok" for "Nimlaha'kok".
    """
    parts = []
    for key, value in props.items():
        base = key.rsplit("_", 1)[0] if key[-3:-2] == "_" and key[-2:] in LANGUAGES else key
        if base in TEXT_FIELDS and isinstance(value, str):
            parts.append(value)
        elif key in SEARCH_LIST_FIELDS and isinstance(value, list):
            parts += [v for v in value if isinstance(v, str)]
    return " ".join(index_words(" ".join(parts)))


def query_tokens(query: str) -> list[str]:
    """Return the folded tokens of a user's search query (at most 8, deduplicated)."""
    seen: list[str] = []
    for token in fold(query or "").split():
        if token not in seen:
            seen.append(token)
    return seen[:8]


def slug(text: str) -> str:
    """Return an id-safe slug: 'San Jerónimo' -> 'san-jeronimo', 'Łódź' -> 'lodz', 'Москва' -> 'moskva'.

    A text with no Latin form at all (only symbols, say) gets 'x-' and a stable hash of the text,
    so that two such names never share a slug.
    """
    return fold(text).replace(" ", "-") or f"x-{name_hash(text)}"


def name_hash(text: str) -> str:
    """Return a short hash of a text, the same in every process and version (unlike hash())."""
    normal = unicodedata.normalize("NFC", text.strip())
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=5).hexdigest()


def sdg_number_key(number) -> tuple:
    """Order goal and target numbers as the UN lists them: 6 < 6.1 < 6.2 < 6.10 < 6.a < 6.b."""
    goal, _, sub = str(number).partition(".")
    return (int(goal) if goal.isdigit() else 0, not sub.isdigit(), int(sub) if sub.isdigit() else 0, sub)


def sort_value(props: Mapping, field: str, lang: str):
    """Return the value a listing sorts ``props`` by; text sorts case-insensitively.

    Mirrors the Cypher ``toLower(coalesce(...))`` the Neo4j store uses.
    """
    if field in TEXT_FIELDS:
        for key in sort_keys(field, lang):
            value = props.get(key)
            if value is not None:
                return value.lower() if isinstance(value, str) else value
        return None
    return props.get(field)


def rank_hits(nodes: list, tokens: list[str]) -> list:
    """Order search hits: those whose name or title matches every token first, then by id."""

    def names_match(node) -> bool:
        names = " ".join(
            fold(v) for k, v in node.props.items()
            if isinstance(v, str) and k.split("_")[0] in ("name", "title")
        ).split()
        return all(any(w.startswith(t) for w in names) for t in tokens)

    return sorted(nodes, key=lambda n: (not names_match(n), n.id))
