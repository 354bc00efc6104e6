"""Load the seed knowledge: record files (YAML) and the UN SDG titles.

A record file names the Source its facts come from and lists nodes and
edges, each with the section of that source that supports it::

    source: source:vvsg-2022
    nodes:
      - {id: lesson:mental-photos, section: "PRENEZ DES PHOTOS MENTALES",
         name: {fr: ..., nl: ...}}
    edges:
      - {from: lesson:mental-photos, type: CONCERNS, to: sdg:17, section: ...}

Everything is read and validated before anything is written, and written in
one store transaction, so a bad file changes nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import DataError, SchemaError
from .model import Edge, Node, make_edge, make_node
from .resources import resource_dir
from .schema import LANGUAGES
from .store import GraphStore
from .text import sdg_number_key

SEEDS_DIR = Path(os.environ.get("KB_SEEDS_DIR") or resource_dir("seeds"))
SDG_SOURCE = "source:open-sdg-translations"
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


def _read_yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(path), None, None, f"cannot read file: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise DataError(str(path), where, None, f"invalid YAML: {exc}") from exc


def read_record_file(path: Path) -> Batch:
    """Read one record file into validated nodes and edges with provenance."""
    name = str(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise DataError(name, None, None, "expected a mapping with 'source', 'nodes' and 'edges'")
    source = data.get("source")
    if not isinstance(source, str) or not source.startswith("source:"):
        raise DataError(name, None, "source", "must name a Source id such as source:vvsg-2022")
    batch = Batch([], [])
    for i, record in enumerate(data.get("nodes") or []):
        where = f"nodes[{i}]"
        if not isinstance(record, dict):
            raise DataError(name, where, None, "a node must be a mapping")
        props = dict(record)
        node_id = props.pop("id", None)
        if node_id is not None:
            where += f" ({node_id})"
        section = props.pop("section", None)
        if not isinstance(section, str) or not section.strip():
            raise DataError(name, where, "section", "every record needs the section it comes from")
        props.update(source=source, source_section=section)
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
        section = props.pop("section", None)
        if not isinstance(section, str) or not section.strip():
            raise DataError(name, where, "section", "every record needs the section it comes from")
        props.update(source=source, source_section=section)
        try:
            batch.edges.append(make_edge(ends[0], ends[1], ends[2], props))
        except SchemaError as exc:
            raise DataError(name, where, EDGE_FIELDS.get(exc.field, exc.field), str(exc)) from exc
    return batch


def read_sdgs(sdg_dir: Path) -> Batch:
    """Read the 17 goals and 169 targets in every language whose files exist."""
    goals: dict[str, dict] = {}
    targets: dict[str, dict] = {}
    for lang in LANGUAGES:
        for filename, pattern in (("global_goals.yml", SDG_GOAL_KEY), ("global_targets.yml", SDG_TARGET_KEY)):
            path = sdg_dir / lang / filename
            if not path.exists():
                continue
            data = _read_yaml(path)
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
    colours = _read_yaml(sdg_dir / "colours.yml") if (sdg_dir / "colours.yml").exists() else {}
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


def read_seeds(seeds_dir: Path = SEEDS_DIR) -> Batch:
    """Read every seed: the SDGs, then each record file, checking ids are unique."""
    batch = read_sdgs(seeds_dir / "sdg")
    for path in sorted(seeds_dir.rglob("*.yaml")):
        batch.extend(read_record_file(path))
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


def seed(store: GraphStore, seeds_dir: Path = SEEDS_DIR) -> dict[str, int]:
    """Write the seeds into ``store`` (idempotent) and return what was written."""
    batch = read_seeds(Path(seeds_dir))  # checks every edge ends at a seeded node
    store.write(batch.nodes, batch.edges)
    return {"nodes": len(batch.nodes), "edges": len(batch.edges)}
