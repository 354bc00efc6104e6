"""The domain schema: which node kinds exist and which relationships may join them.

This module is the single source of truth for labels and relationship types.
Stores only ever put names into Cypher after looking them up here, so nothing
a user types can become a label or a type.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import SchemaError

LANGUAGES = ("nl", "fr", "es", "en")

# Properties whose value is text in a human language.  In a record they may be
# a plain string (language-neutral, e.g. a proper name) or a mapping
# {lang: text}; stores keep them flat as ``name`` / ``name_fr`` because Neo4j
# properties cannot hold maps.
TEXT_FIELDS = ("name", "title", "description", "summary", "period_label")
# List properties whose names a search must find too: a municipality's names in other languages
# and spellings (GeoNames' alternate names: Ghent, Gand, Gante for Gent) and its former
# municipalities (Zwijndrecht for Beveren-Kruibeke-Zwijndrecht); graph/members.py writes them.
SEARCH_LIST_FIELDS = ("alt_names", "former_names")


@dataclass(frozen=True)
class NodeKind:
    """A kind of node: its label and the id prefix that makes ids self-describing."""

    label: str
    prefix: str
    plural: str


NODE_KINDS: dict[str, NodeKind] = {
    k.label: k
    for k in (
        NodeKind("Municipality", "municipality", "municipalities"),
        NodeKind("Partnership", "partnership", "partnerships"),
        NodeKind("Organisation", "organisation", "organisations"),
        NodeKind("SDG", "sdg", "sdgs"),
        NodeKind("SDGTarget", "target", "targets"),
        NodeKind("Theme", "theme", "themes"),
        NodeKind("Project", "project", "projects"),
        NodeKind("Risk", "risk", "risks"),
        NodeKind("Lesson", "lesson", "lessons"),
        NodeKind("Challenge", "challenge", "challenges"),
        NodeKind("Opportunity", "opportunity", "opportunities"),
        NodeKind("PracticalExperience", "experience", "experiences"),
        NodeKind("Phase", "phase", "phases"),
        NodeKind("Event", "event", "events"),
        NodeKind("Tool", "tool", "tools"),
        NodeKind("Objective", "objective", "objectives"),
        NodeKind("Source", "source", "sources"),
        # The publication's exercises made usable by a partnership (graph/workspace/):
        # a template per exercise, a dated run of it for a partnership, one response per side.
        NodeKind("ExerciseTemplate", "exercise", "exercises"),
        NodeKind("ExerciseRun", "run", "runs"),
        NodeKind("ExerciseResponse", "response", "responses"),
    )
}

KIND_BY_PREFIX = {k.prefix: k.label for k in NODE_KINDS.values()}
KIND_BY_PLURAL = {k.plural: k.label for k in NODE_KINDS.values()}

# Nodes that take part in partnerships or programmes as actors.
ACTORS = ("Municipality", "Organisation")
# Anything that can be "about" a goal or a theme.
SUBJECTS = (
    "Partnership", "Project", "Lesson", "Risk", "Event", "Tool", "Objective",
    "Challenge", "Opportunity", "PracticalExperience", "Phase",
)


@dataclass(frozen=True)
class RelType:
    """A relationship type, read as ``source TYPE target``."""

    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    # How the type reads from the target's side ("Tarija" <- "partner in").
    inverse: str


REL_TYPES: dict[str, RelType] = {
    r.name: r
    for r in (
        RelType("PARTNER_IN", ("Municipality",), ("Partnership",), "HAS_PARTNER"),
        RelType("FACILITATES", ("Organisation",), ("Partnership", "Project", "Event"),
                "FACILITATED_BY"),
        RelType("OBSERVES", ("Organisation",), ("Partnership", "Project"), "OBSERVED_BY"),
        RelType("FUNDS", ("Organisation",), ("Partnership", "Project", "Organisation", "Event"),
                "FUNDED_BY"),
        RelType("MEMBER_OF", ACTORS, ("Organisation",), "HAS_MEMBER"),
        RelType("IMPLEMENTS", ACTORS + ("Partnership",), ("Project",), "IMPLEMENTED_BY"),
        RelType("PROPOSED", ACTORS, ("Project",), "PROPOSED_BY"),
        RelType("DECLINED", ACTORS, ("Project",), "DECLINED_BY"),
        RelType("TOOK_PART_IN", ACTORS + ("Partnership",), ("Event", "Project", "Phase"),
                "HAD_PARTICIPANT"),
        RelType("PART_OF", ("Project", "Phase", "Event", "Tool", "Objective"),
                ("Project", "Phase", "Tool", "Partnership"), "HAS_PART"),
        RelType("PRECEDES", ("Phase", "Event"), ("Phase", "Event"), "FOLLOWS"),
        RelType("LED_TO", ("Event", "Project", "Risk", "Phase"), ("Event", "Project", "Risk"),
                "RESULTED_FROM"),
        RelType("CONTRIBUTES_TO", ("Project", "Partnership", "Event", "Objective"),
                ("SDG", "SDGTarget"), "HAS_CONTRIBUTION_FROM"),
        RelType("CONCERNS", SUBJECTS, ("SDG", "SDGTarget", "Theme"), "CONCERN_OF"),
        RelType("HAS_TARGET", ("SDG",), ("SDGTarget",), "TARGET_OF"),
        RelType("OFFERS", ACTORS, ("Theme",), "OFFERED_BY"),
        RelType("SEEKS", ACTORS, ("Theme",), "SOUGHT_BY"),
        RelType("WORKS_ON", ACTORS, ("SDG",), "WORKED_ON_BY"),
        RelType("HAS_CHALLENGE", ("Lesson",), ("Challenge",), "CHALLENGE_OF"),
        RelType("HAS_OPPORTUNITY", ("Lesson",), ("Opportunity",), "OPPORTUNITY_OF"),
        RelType("ILLUSTRATED_BY", ("Lesson",), ("PracticalExperience",), "ILLUSTRATES"),
        # A lesson a partnership learned, told by its own editors (the publication's lessons reach their
        # partnerships through practical experiences instead).
        RelType("LEARNED_IN", ("Lesson",), ("Partnership",), "LESSONS_LEARNED"),
        RelType("EXPERIENCED_IN", ("PracticalExperience",), ("Partnership", "Municipality"),
                "HAD_EXPERIENCE"),
        RelType("AFFECTED", ("Risk",), ("Partnership", "Project", "Phase", "Municipality"),
                "AFFECTED_BY"),
        RelType("RESPONDS_TO", ("Lesson", "Tool", "Project"), ("Risk", "Challenge"),
                "ANSWERED_BY"),
        RelType("USED_IN", ("Tool",), ("Event", "Phase", "Partnership", "Project"), "USED"),
        RelType("PURSUES", ("Project", "Partnership", "Organisation"), ("Objective",),
                "PURSUED_BY"),
        # The workspace (graph/workspace/): runs, responses, the tools a template applies, and
        # what a run yielded.  Derived edges carry ``source`` = the run id (their provenance).
        RelType("RUN_OF", ("ExerciseRun",), ("ExerciseTemplate",), "HAS_RUN"),
        RelType("RUN_FOR", ("ExerciseRun",), ("Partnership",), "HAS_EXERCISE_RUN"),
        RelType("RESPONSE_TO", ("ExerciseResponse",), ("ExerciseRun",), "HAS_RESPONSE"),
        RelType("RESPONSE_BY", ("ExerciseResponse",), ("Municipality",), "GAVE_RESPONSE"),
        # Mental photos is a lesson of the publication, not one of its tools.
        RelType("APPLIES", ("ExerciseTemplate",), ("Tool", "Lesson"), "APPLIED_IN"),
        RelType("YIELDED", ("ExerciseRun",), ("Theme", "SDG", "Organisation", "Objective"), "YIELDED_BY"),
        RelType("STAKEHOLDER_IN", ("Organisation",), ("Partnership",), "HAS_STAKEHOLDER"),
    )
}

ID_PATTERN = re.compile(r"^[a-z]+:[A-Za-z0-9][A-Za-z0-9._-]*$")
PROPERTY_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# Keys a store manages itself; records may not set them.
RESERVED_KEYS = frozenset({"id", "kind"})

# Limits, the same for every store, so that what loads on one loads on the other.
# Ids become URLs: a server refuses request lines over about 4 kB.
MAX_ID_LENGTH = 1000
# A name in any language (``name``, ``name_fr``...), in characters.  A twinning's
# name joins two city names, so a city name may be at most half of this.
MAX_NAME_LENGTH = 250
# Any other text value, in characters (the longest text in the seeds is under 1,000).
MAX_TEXT_LENGTH = 10_000
# Values in one list property.
MAX_LIST_LENGTH = 1000
# Integers are what Neo4j holds: signed 64 bits.  Floats must be finite (JSON has no NaN).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Names hold no control characters at all; other texts may hold tabs and line breaks only.
NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def shown(value, width: int = 60) -> str:
    """Return ``repr(value)`` cut to ``width`` characters, for messages about huge inputs."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def node_kind(label: str) -> NodeKind:
    """Return the declared kind called ``label`` or raise SchemaError."""
    try:
        return NODE_KINDS[label]
    except (KeyError, TypeError):
        raise SchemaError(f"unknown node kind {shown(label)}", "kind") from None


def rel_type(name: str) -> RelType:
    """Return the declared relationship type called ``name`` or raise SchemaError."""
    try:
        return REL_TYPES[name]
    except (KeyError, TypeError):
        raise SchemaError(f"unknown relationship type {shown(name)}", "type") from None


def kind_of_id(node_id: str, field: str = "id") -> str:
    """Return the kind label encoded in an id such as ``municipality:tarija-bo``.

    ``field`` is what the error names: ``"id"``, or ``"source"``/``"target"`` for an edge's ends.
    """
    if not isinstance(node_id, str) or not ID_PATTERN.match(node_id):
        raise SchemaError(f"malformed id {shown(node_id)}", field)
    if len(node_id) > MAX_ID_LENGTH:
        raise SchemaError(f"id longer than {MAX_ID_LENGTH} characters: {shown(node_id)}", field)
    prefix = node_id.split(":", 1)[0]
    try:
        return KIND_BY_PREFIX[prefix]
    except KeyError:
        raise SchemaError(f"id {shown(node_id)} has unknown kind prefix {prefix!r}", field) from None


def check_edge(source_kind: str, rel: str, target_kind: str) -> RelType:
    """Raise SchemaError unless ``source_kind -rel-> target_kind`` is allowed."""
    rt = rel_type(rel)
    if source_kind not in rt.sources or target_kind not in rt.targets:
        raise SchemaError(
            f"{rel} may join {'|'.join(rt.sources)} to {'|'.join(rt.targets)}, "
            f"not {source_kind} to {target_kind}", "type"
        )
    return rt


def is_name(key: str) -> bool:
    """Tell whether property ``key`` holds a name (``name`` or one of its translations)."""
    return key == "name" or (key.startswith("name_") and key[5:] in LANGUAGES)


def check_value(key: str, value) -> None:
    """Raise SchemaError (naming ``key``) unless ``value`` is a scalar both stores hold alike."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise SchemaError(f"property {key!r}: integer out of the 64-bit range: {shown(value)}", key)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise SchemaError(f"property {key!r}: {value} is not a number that can be stored", key)
    elif isinstance(value, str):
        name = is_name(key)
        limit = MAX_NAME_LENGTH if name else MAX_TEXT_LENGTH
        if len(value) > limit:
            raise SchemaError(f"property {key!r}: longer than {limit} characters ({len(value)})", key)
        bad = (NAME_FORBIDDEN if name else TEXT_FORBIDDEN).search(value)
        if bad:
            raise SchemaError(
                f"property {key!r}: control character U+{ord(bad.group()):04X} at position {bad.start() + 1}", key)
    else:
        raise SchemaError(f"property {key!r}: {type(value).__name__} values are not allowed", key)


# Text rules (length limit, forbidden characters) of the property keys seen so far, which are few
# (an import checks a million values under a dozen keys).  Bounded, as keys may come from input.
_TEXT_RULES: dict[str, tuple[int, re.Pattern]] = {}
_MAX_KNOWN_KEYS = 4096


def _text_rule(key) -> tuple[int, re.Pattern] | None:
    """The (length limit, forbidden characters) of a valid key's text values; None for an invalid key."""
    rule = _TEXT_RULES.get(key)
    if rule is None:
        if not isinstance(key, str) or not PROPERTY_KEY.match(key) or key in RESERVED_KEYS:
            return None
        rule = (MAX_NAME_LENGTH, NAME_FORBIDDEN) if is_name(key) else (MAX_TEXT_LENGTH, TEXT_FORBIDDEN)
        if len(_TEXT_RULES) < _MAX_KNOWN_KEYS:
            _TEXT_RULES[key] = rule
    return rule


def check_properties(props: dict) -> None:
    """Raise SchemaError for keys or values a store cannot hold the same way twice."""
    for key, value in props.items():
        rule = _text_rule(key)
        if rule is None:
            raise SchemaError(f"invalid property name {shown(key)}", key if isinstance(key, str) else None)
        if type(value) is str:  # the common case, checked here as check_value would
            limit, forbidden = rule
            if len(value) <= limit and not forbidden.search(value):
                continue
            check_value(key, value)  # raises with the message
        elif isinstance(value, list):
            if len({type(v) for v in value}) > 1:
                raise SchemaError(f"property {key!r}: list values must share one type", key)
            if len(value) > MAX_LIST_LENGTH:
                raise SchemaError(f"property {key!r}: more than {MAX_LIST_LENGTH} values", key)
            for v in value:
                check_value(key, v)
        else:
            check_value(key, value)


# -- What editors may set, per kind ---------------------------------------------------------
# The edit forms are generated from these declarations, so a new kind needs a line here, not
# form code.  Types: "text" (one value per language, plus a language-neutral one when
# ``neutral``), "string", "int", "bool", "languages" (ISO 639 codes).  Properties not
# declared here (provenance, match keys, coordinates) are kept as they are by every edit.


@dataclass(frozen=True)
class FieldSpec:
    """One editable property of a kind."""

    key: str
    type: str = "string"
    required: bool = False
    neutral: bool = False      # a text that may also be language-neutral (a proper name)
    multiline: bool = False
    choices: tuple[str, ...] = ()  # a closed list: the only values a string may take (pages translate them)
    low: int | None = None         # the range of a number (years: a sensible span, not 64 bits)
    high: int | None = None


FIELD_TYPES = ("text", "string", "int", "bool", "languages")
# ISO 639 codes a municipality or tool may declare as working languages.
WORKING_LANGUAGES = ("nl", "fr", "es", "en", "de", "pt", "it", "pl", "kek", "qu", "ay")

_NAME = FieldSpec("name", "text", required=True)
_PROPER_NAME = FieldSpec("name", "text", required=True, neutral=True)
_DESCRIPTION = FieldSpec("description", "text", multiline=True)
# Years a partnership, project, event or source may have: the oldest town twinnings are from the 1920s.
YEAR_MIN, YEAR_MAX = 1900, 2100
_YEARS = (FieldSpec("start_year", "int", low=YEAR_MIN, high=YEAR_MAX),
          FieldSpec("end_year", "int", low=YEAR_MIN, high=YEAR_MAX))
_YEAR = FieldSpec("year", "int", low=YEAR_MIN, high=YEAR_MAX)

# Closed lists: the values the seeds, the imports and the workspace write, and nothing else, so that a
# listing or the network tables never show "actief" beside "active".  A new value needs a line here and
# its label in webapp/labels.py VALUES.
CHOICES: dict[str, tuple[str, ...]] = {
    "status": ("active", "dormant", "ended"),
    "partnership_type": ("development_cooperation", "twinning"),
    "project_status": ("proposed", "planned", "ongoing", "done", "declined"),
    "organisation_type": ("association", "facilitator", "government", "programme", "province", "region"),
    "tool_type": ("base_tool", "board", "digital_platform", "exercise", "framework", "video"),
    "objective_type": ("ambition", "focus", "future_direction", "partnership_goal", "process_goal"),
    "event_type": ("dialogue", "extension", "funding_call", "funding_end", "meeting", "training"),
}


def _choice(key: str) -> FieldSpec:
    return FieldSpec(key, choices=CHOICES[key])

EDITABLE: dict[str, tuple[FieldSpec, ...]] = {
    "Municipality": (_PROPER_NAME, FieldSpec("country", required=True), FieldSpec("region"),
                     FieldSpec("languages", "languages"), _DESCRIPTION),
    "Partnership": (_PROPER_NAME, _DESCRIPTION, _choice("status"), _choice("partnership_type"), *_YEARS),
    "Organisation": (_PROPER_NAME, FieldSpec("full_name"), _DESCRIPTION, _choice("organisation_type"),
                     FieldSpec("url")),
    "SDG": (_NAME, FieldSpec("title", "text", multiline=True)),
    "SDGTarget": (FieldSpec("title", "text", required=True, multiline=True),),
    "Theme": (_NAME, _DESCRIPTION),
    "Project": (_NAME, _DESCRIPTION, _choice("project_status"), FieldSpec("location"), *_YEARS),
    "Risk": (_NAME, _DESCRIPTION, FieldSpec("materialised", "bool")),
    "Lesson": (_NAME, _DESCRIPTION),
    "Challenge": (_NAME, _DESCRIPTION),
    "Opportunity": (_NAME, _DESCRIPTION),
    "PracticalExperience": (_NAME, _DESCRIPTION),
    "Phase": (_NAME, _DESCRIPTION, FieldSpec("period_label", "text"), FieldSpec("start_date"),
              FieldSpec("end_date")),
    "Event": (_NAME, _DESCRIPTION, _choice("event_type"), FieldSpec("date"), _YEAR,
              FieldSpec("location"), FieldSpec("online", "bool")),
    "Tool": (_PROPER_NAME, _DESCRIPTION, _choice("tool_type"), FieldSpec("languages", "languages"),
             FieldSpec("url")),
    "Objective": (_NAME, _DESCRIPTION, _choice("objective_type")),
    "Source": (_PROPER_NAME, _DESCRIPTION, FieldSpec("url"), _YEAR),
}


def check_closed(kind: str, props: dict) -> None:
    """Raise SchemaError (naming the field) for a value outside a declared closed list or number range.

    Only the fields ``kind`` declares are checked, and an empty string (a cleared value) always passes.
    """
    for spec in EDITABLE.get(kind, ()):
        value = props.get(spec.key)
        if value is None or value == "":
            continue
        if spec.choices and value not in spec.choices:
            raise SchemaError(f"property {spec.key!r}: {shown(value)} is not one of {', '.join(spec.choices)}",
                              spec.key)
        if spec.low is not None and isinstance(value, int) and not isinstance(value, bool) \
                and not spec.low <= value <= spec.high:
            raise SchemaError(f"property {spec.key!r}: {value} is not between {spec.low} and {spec.high}", spec.key)


def editable_fields(kind: str) -> tuple[FieldSpec, ...]:
    """Return what an editor may set on nodes of ``kind`` (a name and a description by default)."""
    return EDITABLE.get(node_kind(kind).label, (_NAME, _DESCRIPTION))


def relations_of(kind: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return ``(type, direction, other kinds)`` for every relationship a node of ``kind`` may have.

    ``direction`` is "out" when the node is the source, "in" when it is the target.
    """
    found = []
    for rt in REL_TYPES.values():
        if kind in rt.sources:
            found.append((rt.name, "out", rt.targets))
        if kind in rt.targets:
            found.append((rt.name, "in", rt.sources))
    return found
