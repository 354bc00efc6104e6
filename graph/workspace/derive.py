"""What a partnership's answers yield in the graph, with the run as their source.

* themes chosen  -> ``Partnership -CONCERNS-> Theme`` (matching counts it as practised by every member);
* SDGs chosen    -> ``Partnership -CONCERNS-> SDG``;
* stakeholders   -> an ``Organisation`` (an existing one whose name matches, folded, else a new one)
                    with ``Organisation -STAKEHOLDER_IN-> Partnership``;
* ambitions      -> an ``Objective`` (in the author's language) with ``Partnership -PURSUES-> Objective``;
* and always ``ExerciseRun -YIELDED-> <that node>``.

Derived edges and nodes carry ``source`` = the run id.  An edge that already
existed (seeded, or from another run) is never touched; one this run made is
removed when no response of the run names its node any more, or handed over to
another run of the partnership that still yields it.  A node this run made
goes with its last edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..editing import edits as editing
from ..model import Edge, Node
from ..records import make_edge, make_node
from ..schema import is_name
from ..text import fold
from .model import Response, Run

DERIVED_TYPES = ("CONCERNS", "PURSUES", "STAKEHOLDER_IN")


@dataclass
class Plan:
    """The nodes and edges a save writes beside the response, and what it deletes."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    delete_nodes: list[str] = field(default_factory=list)
    delete_edges: list[tuple[str, str, str]] = field(default_factory=list)


def derived_edge(partnership: str, target: str) -> tuple[str, str, str]:
    """The key of the edge that links a partnership to a node a run yielded."""
    kind = target.split(":", 1)[0]
    if kind == "organisation":
        return (target, "STAKEHOLDER_IN", partnership)
    if kind == "objective":
        return (partnership, "PURSUES", target)
    return (partnership, "CONCERNS", target)


def plan(store, run: Run, response: Response) -> Plan:
    """Work out what the run yields once ``response`` replaces its side's previous answers."""
    responses = {**run.responses, response.side: response}
    out = Plan()
    wanted: dict[str, str] = {}          # node id -> the item key that names it
    reserved: set[str] = set()
    yielded = {e.target: e for e in store.edges_of(run.id, ["YIELDED"]) if e.source == run.id}
    organisations = None
    for side in sorted(responses):
        answer = responses[side]
        for key, ids in answer.choices.items():
            for node_id in ids:
                wanted.setdefault(node_id, key)
        for key, lines in answer.lines.items():
            item = run.item(key)
            for line in lines:
                if item.type == "stakeholders":
                    if organisations is None:
                        organisations = _organisation_names(store)
                    node_id = _stakeholder(store, run, key, line, organisations, reserved, out)
                else:
                    node_id = _ambition(store, run, key, line, answer.lang, yielded, reserved, out)
                wanted.setdefault(node_id, key)
    existing = {e.key: e for e in store.edges_of_many([run.partnership], DERIVED_TYPES)}
    provenance = {"source": run.id}
    for node_id, key in sorted(wanted.items()):
        if node_id not in yielded:
            out.edges.append(make_edge(run.id, "YIELDED", node_id, {**provenance, "source_section": key}))
        link = derived_edge(run.partnership, node_id)
        if link not in existing:
            out.edges.append(make_edge(*link, {**provenance, "source_section": key}))
    for node_id in sorted(set(yielded) - set(wanted)):
        out.delete_edges.append((run.id, "YIELDED", node_id))
        link = derived_edge(run.partnership, node_id)
        edge = existing.get(link)
        if edge is not None and edge.props.get("source") == run.id:
            heir = _other_run_yielding(store, run, node_id)
            if heir:
                out.edges.append(make_edge(*link, {**edge.props, "source": heir}))
            else:
                out.delete_edges.append(link)
        _drop_if_orphaned(store, run, node_id, out)
    return out


def _organisation_names(store) -> dict[str, str]:
    """Folded names of every organisation (any language, full name too) -> its id."""
    names: dict[str, str] = {}
    for node in store.nodes("Organisation"):
        for key, value in sorted(node.props.items()):
            if isinstance(value, str) and value and (is_name(key) or key == "full_name"):
                names.setdefault(fold(value), node.id)
    return names


def _stakeholder(store, run: Run, key: str, line: str, names: dict, reserved: set, out: Plan) -> str:
    folded = fold(line)
    if folded in names:
        return names[folded]
    node_id = _new_id(store, "Organisation", line, reserved)
    out.nodes.append(make_node(node_id, {"name": line, "source": run.id, "source_section": key}))
    names[folded] = node_id
    return node_id


def _ambition(store, run: Run, key: str, line: str, lang: str, yielded: dict, reserved: set, out: Plan) -> str:
    folded = fold(line)
    mine = [n for n in store.get_nodes([t for t in yielded if t.startswith("objective:")]).values()] + [
        n for n in out.nodes if n.kind == "Objective"]
    for node in mine:
        if any(fold(v) == folded for k, v in node.props.items() if is_name(k) and isinstance(v, str)):
            return node.id
    node_id = _new_id(store, "Objective", line, reserved)
    out.nodes.append(make_node(node_id, {f"name_{lang}": line, "original_lang": lang, "objective_type": "ambition",
                                         "source": run.id, "source_section": key}))
    return node_id


def _new_id(store, kind: str, name: str, reserved: set) -> str:
    base = editing.new_node_id(store, kind, name)
    candidate, n = base, 1
    while candidate in reserved or store.get_node(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    reserved.add(candidate)
    return candidate


def _other_run_yielding(store, run: Run, node_id: str) -> str | None:
    """Another run of the same partnership that yields ``node_id`` (the edge's new source), or None."""
    others = sorted(e.source for e in store.edges_of(node_id, ["YIELDED"]) if e.source != run.id)
    for other in store.get_nodes(others).values():
        if other.props.get("partnership") == run.partnership:
            return other.id
    return None


def _drop_if_orphaned(store, run: Run, node_id: str, out: Plan) -> None:
    """Delete a node this run made when the edges this save removes were its only ones."""
    node = store.get_node(node_id)
    if node is None or node.kind not in ("Organisation", "Objective") or node.props.get("source") != run.id:
        return
    removed = set(out.delete_edges)
    if all(e.key in removed for e in store.edges_of(node_id)):
        out.delete_nodes.append(node_id)
