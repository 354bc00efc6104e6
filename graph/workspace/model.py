"""The workspace's values: templates, items, roles, runs and responses, read from flat node properties."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..model import Node
from ..schema import LANGUAGES
from ..text import FALLBACK


def _pick(texts: dict[str, str], lang: str, original: str | None = None) -> tuple[str, str | None]:
    """Return ``(text, language shown)``: ``lang`` when there is a text in it, else the original, else any."""
    if texts.get(lang):
        return texts[lang], lang
    for other in (original, *FALLBACK):
        if other and texts.get(other):
            return texts[other], other
    return "", None


def _texts(props: dict, prefix: str) -> dict[str, str]:
    return {lang: props[f"{prefix}_{lang}"] for lang in LANGUAGES if props.get(f"{prefix}_{lang}")}


@dataclass(frozen=True)
class Item:
    """One prompt or notion of an exercise: its key, type, label and help in each language it has.

    A template's items have every language; a run's own notions (``own_1``...) have the
    language they were written in (``lang``) and the translations entered since.
    """

    key: str
    type: str
    label: dict = field(default_factory=dict, hash=False)
    help: dict = field(default_factory=dict, hash=False)
    max: int | None = None
    lang: str | None = None      # the original language of an own notion's label

    @property
    def own(self) -> bool:
        return self.key.startswith("own_")

    def label_in(self, lang: str) -> tuple[str, str | None]:
        """Return ``(label, language shown)``; the language differs from ``lang`` only when none exists in it."""
        return _pick(self.label, lang, self.lang)

    def help_in(self, lang: str) -> str:
        return _pick(self.help, lang, self.lang)[0]

    @classmethod
    def from_props(cls, props: dict, key: str) -> Item:
        prefix = f"item_{key}"
        return cls(key, props.get(f"{prefix}_type", "text"), _texts(props, f"{prefix}_label"),
                   _texts(props, f"{prefix}_help"), props.get(f"{prefix}_max"), props.get(f"{prefix}_lang"))

    def props(self) -> dict:
        """The flat properties that store this item on a template or a run."""
        prefix = f"item_{self.key}"
        found = {f"{prefix}_type": self.type,
                 **{f"{prefix}_label_{lang}": text for lang, text in self.label.items()},
                 **{f"{prefix}_help_{lang}": text for lang, text in self.help.items()}}
        if self.max is not None:
            found[f"{prefix}_max"] = self.max
        if self.lang:
            found[f"{prefix}_lang"] = self.lang
        return found


def _items(props: dict) -> tuple[Item, ...]:
    return tuple(Item.from_props(props, key) for key in props.get("items") or ())


class _Items:
    """What a template and a run share: ordered items, looked up by key; the radar's notions among them."""

    items: tuple[Item, ...]

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    @property
    def notion_items(self) -> tuple[Item, ...]:
        """The notions (score items), in order."""
        return tuple(i for i in self.items if i.type == "score")


@dataclass(frozen=True)
class Template(_Items):
    """An exercise as an association offers it (``ExerciseTemplate``)."""

    id: str
    kind: str                       # radar | prompts
    names: dict = field(hash=False)
    descriptions: dict = field(hash=False)
    items: tuple[Item, ...]
    scale: tuple[int, int] | None   # (min, max), radar only
    notions: tuple[int, int, int] | None  # (min, max, suggested), radar only
    highlight: int | None
    original_lang: str
    order: int
    hidden: tuple[Item, ...] = ()   # items an association hid: kept for the record, not offered
    version: int = 0

    @property
    def key(self) -> str:
        return self.id.split(":", 1)[1]

    def name(self, lang: str) -> str:
        return _pick(self.names, lang, self.original_lang)[0]

    def description(self, lang: str) -> str:
        return _pick(self.descriptions, lang, self.original_lang)[0]

    @classmethod
    def from_node(cls, node: Node, version: int = 0) -> Template:
        p = node.props
        radar = p.get("exercise_kind") == "radar"
        hidden = tuple(Item.from_props(p, key) for key in p.get("hidden_items") or ())
        return cls(node.id, p.get("exercise_kind", "prompts"), _texts(p, "name"), _texts(p, "description"),
                   _items(p), (p["scale_min"], p["scale_max"]) if radar else None,
                   (p["notions_min"], p["notions_max"], p.get("notions_suggested", p["notions_max"]))
                   if radar else None, p.get("highlight") if radar else None,
                   p.get("original_lang", "en"), p.get("order", 0), hidden, version)


@dataclass(frozen=True)
class Role:
    """A participant role (elected, civil_servant...), with its label in every language."""

    key: str
    labels: dict = field(hash=False)

    def label(self, lang: str) -> str:
        return _pick(self.labels, lang)[0]


@dataclass(frozen=True)
class Response:
    """One side's answers to a run (``ExerciseResponse``), in the language they were written in.

    ``translations`` maps ``(item key, language)`` to a translation of ``texts[key]``.
    """

    id: str
    run_id: str
    side: str
    lang: str
    participants: tuple[str, ...]
    scores: dict = field(hash=False)
    texts: dict = field(hash=False)
    translations: dict = field(hash=False)
    choices: dict = field(hash=False)
    lines: dict = field(hash=False)
    version: int = 0

    def text_in(self, key: str, lang: str) -> tuple[str | None, str | None, bool]:
        """Return ``(text, language shown, is the original)``: the translation into ``lang`` when there is one."""
        original = self.texts.get(key)
        if not original:
            return None, None, False
        if lang != self.lang and self.translations.get((key, lang)):
            return self.translations[(key, lang)], lang, False
        return original, self.lang, True

    def participant_counts(self) -> dict[str, int]:
        """How many participants of each role, in first-seen order."""
        counts: dict[str, int] = {}
        for role in self.participants:
            counts[role] = counts.get(role, 0) + 1
        return counts

    @classmethod
    def from_node(cls, node: Node, run: Run | None = None, version: int = 0) -> Response:
        p = node.props
        keys = [i.key for i in run.items] if run else _answer_keys(p)
        scores, texts, translations, choices, lines = {}, {}, {}, {}, {}
        for key in keys:
            if isinstance(p.get(f"score_{key}"), int):
                scores[key] = p[f"score_{key}"]
            if p.get(f"text_{key}"):
                texts[key] = p[f"text_{key}"]
                translations.update({(key, lang): p[f"text_{key}_{lang}"] for lang in LANGUAGES
                                     if p.get(f"text_{key}_{lang}")})
            for prefix in ("themes", "sdgs"):
                if p.get(f"{prefix}_{key}"):
                    choices[key] = tuple(p[f"{prefix}_{key}"])
            if p.get(f"lines_{key}"):
                lines[key] = tuple(p[f"lines_{key}"])
        return cls(node.id, p.get("run", ""), p.get("side", ""), p.get("lang", "en"),
                   tuple(p.get("participants") or ()), scores, texts, translations, choices, lines, version)


# An answer is kept as flat properties, one per item: score_<item>, text_<item>, themes_<item>,
# sdgs_<item>, lines_<item>, and text_<item>_<lang> for a translation of a text.
ANSWER_PROPERTY = re.compile(r"^(score|text|themes|sdgs|lines)_([a-z][a-z0-9_]*?)(?:_(nl|fr|es|en))?$")


def answer_property(name: str) -> tuple[str, str, str | None] | None:
    """Parse a response's property name into (kind, item key, language of a translation); None if not an answer."""
    found = ANSWER_PROPERTY.match(name)
    return found.groups() if found else None


def _answer_keys(props: dict) -> list[str]:
    return [parsed[1] for name in props if (parsed := answer_property(name)) and parsed[2] is None]


@dataclass(frozen=True)
class Run(_Items):
    """A dated run (snapshot) of an exercise for one partnership (``ExerciseRun``).

    ``items`` are copied from the template when the run is made (plus the run's own
    notions), so adapting the template later never changes a past run.  ``sides`` are
    the partnership's member municipalities; ``responses`` those that answered.
    """

    id: str
    partnership: str
    template_id: str
    held_on: dt.date
    kind: str
    names: dict = field(hash=False)
    items: tuple[Item, ...] = ()
    scale: tuple[int, int] | None = None
    highlight: int | None = None
    sides: tuple[str, ...] = ()
    responses: dict = field(default_factory=dict, hash=False)
    version: int = 0
    # When and by whom the run was published (graph/workspace/privacy.py); empty: not published.
    published_at: str = ""
    published_by: str = ""

    def name(self, lang: str) -> str:
        return _pick(self.names, lang)[0]

    @classmethod
    def from_node(cls, node: Node, sides=(), responses=None, version: int = 0) -> Run:
        p = node.props
        radar = p.get("exercise_kind") == "radar"
        return cls(node.id, p.get("partnership", ""), p.get("exercise", ""), dt.date.fromisoformat(p["held_on"]),
                   p.get("exercise_kind", "prompts"), _texts(p, "name"), _items(p),
                   (p["scale_min"], p["scale_max"]) if radar else None, p.get("highlight") if radar else None,
                   tuple(sides), dict(responses or {}), version, p.get("published_at") or "",
                   p.get("published_by") or "")
