"""Reading the workspace: templates, roles, a partnership's runs with their responses."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from .. import schema
from ..editing import edits as editing
from ..errors import NotFound, SchemaError
from ..resources import seeds_dir
from .files import EXERCISES, ROLES_FILE, read_roles
from .model import Response, Role, Run, Template


def _exercises_dir() -> Path:
    return seeds_dir() / EXERCISES


def templates(store) -> list[Template]:
    """Every exercise template in the store, in the templates' order."""
    found = [Template.from_node(n, editing.version_of(store, n.id)) for n in store.nodes("ExerciseTemplate")]
    return sorted(found, key=lambda t: (t.order, t.id))


def template(store, template_id: str) -> Template:
    """One template; raises NotFound when there is none with that id."""
    node = _node_of(store, template_id, "ExerciseTemplate")
    return Template.from_node(node, editing.version_of(store, node.id))


@functools.lru_cache(maxsize=1)
def _roles(path: Path) -> tuple[Role, ...]:
    return tuple(Role(r["key"], r["label"]) for r in read_roles(path))


def roles() -> list[Role]:
    """The participant roles, in the order of ``seeds/exercises/roles.yaml``."""
    return list(_roles(_exercises_dir() / ROLES_FILE))


def role_keys() -> frozenset[str]:
    return frozenset(r.key for r in roles())


def partners(store, partnership_id: str) -> tuple[str, ...]:
    """The municipalities of a partnership (its sides), ordered by id."""
    return tuple(sorted(e.source for e in store.edges_of(partnership_id, ["PARTNER_IN"])
                        if e.target == partnership_id))


def runs_of(store, partnership_id: str) -> list[Run]:
    """A partnership's runs, newest first (by date, then id), each with its responses."""
    _node_of(store, partnership_id, "Partnership")
    ids = [e.source for e in store.edges_of(partnership_id, ["RUN_FOR"]) if e.target == partnership_id]
    sides = partners(store, partnership_id)
    runs = [_assemble(store, node, sides) for node in store.get_nodes(ids).values()]
    return sorted(runs, key=lambda r: (r.held_on, r.id), reverse=True)


def run(store, run_id: str) -> Run:
    """One run with its responses; raises NotFound when there is none with that id."""
    node = _node_of(store, run_id, "ExerciseRun")
    return _assemble(store, node, partners(store, node.props.get("partnership", "")))


def _assemble(store, node, sides) -> Run:
    bare = Run.from_node(node, sides, version=editing.version_of(store, node.id))
    ids = [e.source for e in store.edges_of(node.id, ["RESPONSE_TO"]) if e.target == node.id]
    responses = {}
    for response in store.get_nodes(ids).values():
        value = Response.from_node(response, bare, editing.version_of(store, response.id))
        responses[value.side] = value
    return dataclasses.replace(bare, responses=dict(sorted(responses.items())))


def _node_of(store, node_id: str, kind: str):
    try:
        if schema.kind_of_id(node_id) != kind:
            raise NotFound(node_id)
    except SchemaError:
        raise NotFound(str(node_id)) from None
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(node_id)
    return node
