"""The exercise templates and participant roles as data files (``seeds/exercises/``).

One YAML file per exercise (``<key>.yaml``) and ``roles.yaml``.  Every text is
given in nl, fr, es and en.  A template file becomes one ``ExerciseTemplate``
node with flat properties (so the history diffs it per field) and an
``APPLIES`` edge to each publication node it makes usable::

    name_<l>, description_<l>, exercise_kind, original_lang, order,
    scale_min, scale_max, notions_min, notions_max, notions_suggested, highlight,
    items (item keys, in order), item_<key>_type, item_<key>_label_<l>,
    item_<key>_help_<l>, item_<key>_max

Everything is checked before anything is returned; a bad file raises
:class:`~graph.errors.DataError` naming the file, the record and the field.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import DataError, SchemaError
from ..model import Edge, Node
from ..records import make_edge, make_node
from ..schema import LANGUAGES

# The folder of the seeds that holds the exercise templates and roles (not record files).
EXERCISES = "exercises"

ROLES_FILE = "roles.yaml"
KINDS = ("radar", "prompts")
ITEM_TYPES = ("score", "text", "themes", "sdgs", "stakeholders", "ambitions")
# Items whose answer is a choice of graph nodes, and the kind of node chosen.
CHOICE_TYPES = {"themes": "Theme", "sdgs": "SDG"}
# Items whose answer is a list of lines, each of which becomes a node.
LINE_TYPES = ("stakeholders", "ambitions")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_KEY_LENGTH = 40


def read_yaml(path: Path):
    """Return a seed file's YAML; a file that cannot be read or parsed raises DataError naming it (and the line)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(path), None, None, f"cannot read file: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise DataError(str(path), where, None, f"invalid YAML: {exc}") from exc


def four_languages(name: str, where: str | None, field: str, value) -> dict[str, str]:
    """Return ``value`` as {lang: text} when it has a text in every language, else raise DataError."""
    if not isinstance(value, dict):
        raise DataError(name, where, field, f"must give the text in {', '.join(LANGUAGES)}")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise DataError(name, where, field, f"unknown language {unknown[0]!r}")
    missing = [lang for lang in LANGUAGES if not isinstance(value.get(lang), str) or not value[lang].strip()]
    if missing:
        raise DataError(name, where, field, f"no text in {', '.join(missing)}")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _int(name: str, where, field: str, value, low: int = 0, high: int = 100) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DataError(name, where, field, f"must be a whole number from {low} to {high}")
    return value


def read_roles(path: Path) -> list[dict]:
    """Read ``roles.yaml``: ``[{key, label: {lang: text}}]`` in file order."""
    name = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("roles"), list) or not data["roles"]:
        raise DataError(name, None, "roles", "expected a mapping with a list 'roles'")
    roles, seen = [], set()
    for i, record in enumerate(data["roles"]):
        where = f"roles[{i}]"
        if not isinstance(record, dict) or not isinstance(record.get("key"), str) or not KEY.match(record["key"]):
            raise DataError(name, where, "key", "every role needs a key such as civil_servant")
        if record["key"] in seen:
            raise DataError(name, where, "key", f"role {record['key']!r} is defined twice")
        seen.add(record["key"])
        roles.append({"key": record["key"], "label": four_languages(name, where, "label", record.get("label"))})
    return roles


def read_template(path: Path) -> tuple[Node, list[Edge]]:
    """Read one template file into its node and its APPLIES edges (with provenance)."""
    name = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise DataError(name, None, None, "expected a mapping describing one exercise")
    template_id = data.get("id")
    expected = f"exercise:{path.stem}"
    if template_id != expected:
        raise DataError(name, None, "id", f"must be {expected!r} (the file's name)")
    kind = data.get("kind")
    if kind not in KINDS:
        raise DataError(name, None, "kind", f"must be one of {', '.join(KINDS)}")
    original = data.get("original_lang")
    if original not in LANGUAGES:
        raise DataError(name, None, "original_lang", f"must be one of {', '.join(LANGUAGES)}")
    source = data.get("source")
    if not isinstance(source, str) or not source.startswith("source:"):
        raise DataError(name, None, "source", "must name a Source id such as source:vvsg-2022")
    section = four_languages(name, None, "section", data.get("section"))
    props = {
        "exercise_kind": kind, "original_lang": original, "source": source,
        "source_section": section["fr"],
        **{f"source_section_{lang}": section[lang] for lang in LANGUAGES if lang != "fr"},
        "order": _int(name, None, "order", data.get("order", 0), 0, 1000),
    }
    for field in ("name", "description"):
        props.update({f"{field}_{lang}": text
                      for lang, text in four_languages(name, None, field, data.get(field)).items()})
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise DataError(name, None, "items", "must list the exercise's items")
    keys = []
    for i, item in enumerate(items):
        props.update(_item_props(name, f"items[{i}]", item, keys))
        keys.append(item["key"])
    props["items"] = keys
    scores = [k for k in keys if props[f"item_{k}_type"] == "score"]
    if kind == "radar":
        props.update(_radar_props(name, data, len(scores)))
    elif scores or any(k in data for k in ("scale", "notions", "highlight")):
        raise DataError(name, None, "kind", "only a radar has scores, a scale, notions and a highlight")
    tools = data.get("tool")
    tools = [tools] if isinstance(tools, str) else tools
    if not isinstance(tools, list) or not tools or not all(isinstance(t, str) for t in tools):
        raise DataError(name, None, "tool", "must name the publication's tool (or tools) the exercise applies")
    try:
        node = make_node(template_id, props)
        edges = [make_edge(template_id, "APPLIES", tool, {"source": source, "source_section": section["fr"]})
                 for tool in tools]
    except SchemaError as exc:
        raise DataError(name, None, exc.field, str(exc)) from exc
    return node, edges


def _item_props(name: str, where: str, item, seen: list[str]) -> dict:
    if not isinstance(item, dict):
        raise DataError(name, where, None, "an item must be a mapping")
    key = item.get("key")
    if not isinstance(key, str) or not KEY.match(key) or len(key) > MAX_KEY_LENGTH or key.startswith("own_"):
        raise DataError(name, where, "key", "must match ^[a-z][a-z0-9_]*$ (at most 40 characters, not own_...)")
    if key in seen:
        raise DataError(name, where, "key", f"item {key!r} is listed twice")
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        raise DataError(name, where, "type", f"must be one of {', '.join(ITEM_TYPES)}")
    props = {f"item_{key}_type": kind}
    props.update({f"item_{key}_label_{lang}": text
                  for lang, text in four_languages(name, where, "label", item.get("label")).items()})
    if "help" in item:
        props.update({f"item_{key}_help_{lang}": text
                      for lang, text in four_languages(name, where, "help", item["help"]).items()})
    if "max" in item:
        if kind not in CHOICE_TYPES:
            raise DataError(name, where, "max", "only themes and sdgs items take a maximum")
        props[f"item_{key}_max"] = _int(name, where, "max", item["max"], 1, 100)
    return props


def _radar_props(name: str, data: dict, score_count: int) -> dict:
    scale, notions = data.get("scale"), data.get("notions")
    if not isinstance(scale, dict) or not isinstance(notions, dict):
        raise DataError(name, None, "scale", "a radar needs a scale {min, max} and notions {min, max, suggested}")
    low = _int(name, None, "scale.min", scale.get("min"), 0, 100)
    high = _int(name, None, "scale.max", scale.get("max"), low + 1, 100)
    n_min = _int(name, None, "notions.min", notions.get("min"), 1, 50)
    n_max = _int(name, None, "notions.max", notions.get("max"), n_min, 50)
    suggested = _int(name, None, "notions.suggested", notions.get("suggested"), n_min, n_max)
    if score_count != suggested:
        raise DataError(name, None, "items", f"a radar suggests {suggested} notions but lists {score_count} scores")
    highlight = _int(name, None, "highlight", data.get("highlight"), 1, high - low)
    return {"scale_min": low, "scale_max": high, "notions_min": n_min, "notions_max": n_max,
            "notions_suggested": suggested, "highlight": highlight}


def template_files(exercises_dir: Path) -> list[Path]:
    """The template files of a directory (every YAML file but the roles)."""
    return sorted(p for p in Path(exercises_dir).glob("*.yaml") if p.name != ROLES_FILE)


def read_templates(exercises_dir: Path) -> tuple[list[Node], list[Edge]]:
    """Read every template of ``exercises_dir``; roles are checked too, so a bad roles file fails the seed."""
    exercises_dir = Path(exercises_dir)
    if not exercises_dir.is_dir():
        return [], []
    read_roles(exercises_dir / ROLES_FILE)
    nodes, edges = [], []
    for path in template_files(exercises_dir):
        node, applies = read_template(path)
        nodes.append(node)
        edges.extend(applies)
    return nodes, edges
