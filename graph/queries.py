"""Read models the web app shows, built from store primitives only.

Each function answers one question a page asks ("what links to this goal?",
"which lessons concern it?") so that views stay thin and both stores give the
same answers.  Nothing here formats text for a language; that is the web
layer's job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .errors import NotFound
from .model import Edge, Node
from .places.countries import country_code
from .schema import REL_TYPES, kind_of_id
from .stores.base import GraphStore
from .text import fold, sdg_number_key

NEIGHBOURHOOD_CAP = 150
# Lesson parts whose subjects count as the lesson's own.
LESSON_PARTS = ("HAS_CHALLENGE", "HAS_OPPORTUNITY", "ILLUSTRATED_BY")
SUBJECT_TYPES = ("CONCERNS", "CONTRIBUTES_TO")
_LESSON_SIDE = {"Lesson", "Challenge", "Opportunity", "PracticalExperience"}
# Relationship types that can join a project to a lesson or one of its parts.
_PROJECT_LINKS = tuple(sorted(
    r.name for r in REL_TYPES.values()
    if ("Project" in r.sources and _LESSON_SIDE & set(r.targets))
    or ("Project" in r.targets and _LESSON_SIDE & set(r.sources))))


@dataclass
class Connections:
    """A node's edges grouped by (type, direction), with the nodes at their far ends."""

    node: Node
    groups: list[tuple[str, str, list[tuple[Edge, Node]]]]


def connections(store: GraphStore, node_id: str) -> Connections:
    """Return a node and its connections grouped by relationship type and direction."""
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(node_id)
    edges = store.edges_of(node_id)
    far = {e.target if e.source == node_id else e.source for e in edges}
    neighbours = store.get_nodes(far)
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for e in edges:
        direction = "out" if e.source == node_id else "in"
        other = neighbours.get(e.target if direction == "out" else e.source)
        if other is not None:
            grouped[(e.type, direction)].append((e, other))
    groups = [(t, d, sorted(items, key=lambda item: item[1].id))
              for (t, d), items in sorted(grouped.items())]
    return Connections(node, groups)


def neighbourhood(store: GraphStore, node_id: str, types: list[str] | None = None,
                  cap: int = NEIGHBOURHOOD_CAP) -> dict:
    """Return a node, its neighbours (at most ``cap``), the edges among them, and its partner towns.

    For a municipality, the other towns of each of its partnerships come too,
    with their PARTNER_IN edges, so that a view can draw twin towns as partners
    linked by their partnership.  ``neighbours`` says what to show first: each
    entry is a node id and, for a partner town, the partnership it comes
    through (``via``).  Publication content comes before plain twinnings, then
    towns, actors and themes before passages.  ``twins`` maps each partnership
    present to its member towns.
    """
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(node_id)
    edges = store.edges_of(node_id, types)
    direct = sorted({e.target if e.source == node_id else e.source for e in edges})
    twins: dict[str, list[str]] = {}
    partner_edges: list[Edge] = []
    if node.kind == "Municipality" and (types is None or "PARTNER_IN" in types):
        for partnership in (i for i in direct if i.startswith("partnership:")):
            members = store.edges_of(partnership, ["PARTNER_IN"])
            twins[partnership] = sorted(e.source for e in members)
            partner_edges += [e for e in members if e.source != node_id]
    elif node.kind == "Partnership":
        twins[node_id] = sorted(e.source for e in edges if e.type == "PARTNER_IN")
    units = [(town, p) for p, towns in twins.items() if p != node_id for town in towns if town != node_id]
    through = {p for _, p in units}
    units += [(i, None) for i in direct if i not in through]
    nodes = store.get_nodes({node_id} | {i for unit in units for i in unit if i})
    units = [u for u in units if u[0] in nodes]
    units.sort(key=lambda u: _neighbour_order(nodes[u[0]], nodes.get(u[1]) if u[1] else None))
    shown = units[:cap]
    keep = {node_id} | {i for unit in shown for i in unit if i}
    kept = [e for e in edges + partner_edges if e.source in keep and e.target in keep]
    return {"center": node, "nodes": [nodes[i] for i in sorted(keep)], "edges": kept,
            "neighbours": [{"id": i, "via": via} for i, via in shown],
            "twins": {p: [t for t in towns if t in keep] for p, towns in twins.items() if p in keep},
            "truncated": len(units) > cap, "total_neighbours": len(units)}


# Kinds in the order an ego view brings them in: towns, actors and themes before passages.
_SHOW_FIRST = ("Municipality", "Organisation", "Partnership", "Theme", "SDG", "Project")


def _neighbour_order(node: Node, via: Node | None) -> tuple:
    """Sort key of a neighbour: plain twinnings last, then by kind, then by id."""
    twinning = (via or node).props.get("partnership_type") == "twinning"
    kind = _SHOW_FIRST.index(node.kind) if node.kind in _SHOW_FIRST else len(_SHOW_FIRST)
    return (twinning, kind, node.id)


def goal_of(node_id: str) -> str | None:
    """Return the goal a goal or target id belongs to: 'target:6.a' -> 'sdg:6'."""
    prefix, _, number = node_id.partition(":")
    if prefix == "sdg":
        return node_id
    return f"sdg:{number.split('.')[0]}" if prefix == "target" else None


@dataclass
class GoalSummary:
    goal: Node
    counts: dict[str, int]


def sdg_overview(store: GraphStore) -> list[GoalSummary]:
    """Return the goals in number order, each with how many nodes of each kind are about it.

    A node linked to one of a goal's targets counts for the goal, and lessons
    count as :func:`lesson_views` reaches them, so a card and the lessons
    filter always agree.
    """
    goals = sorted(store.nodes("SDG"), key=lambda g: g.props.get("number", 0))
    linked: dict[str, set[str]] = defaultdict(set)
    for e in store.edges(SUBJECT_TYPES + ("WORKS_ON",)):
        goal = goal_of(e.target)
        if goal and not e.source.startswith("lesson:"):
            linked[goal].add(e.source)
    for view in lesson_views(store):
        for goal in view.goals:
            linked[goal].add(view.lesson.id)
    kinds = {n.id: n.kind for n in store.get_nodes({i for ids in linked.values() for i in ids}).values()}
    summaries = []
    for goal in goals:
        counts: dict[str, int] = defaultdict(int)
        for source in linked.get(goal.id, ()):
            counts[kinds.get(source, "?")] += 1
        summaries.append(GoalSummary(goal, dict(sorted(counts.items()))))
    return summaries


@dataclass
class GoalDetail:
    goal: Node
    targets: list[Node]
    linked: dict[str, list[Node]] = field(default_factory=dict)


def goal_detail(store: GraphStore, info: Connections) -> GoalDetail:
    """Return a goal (given with its connections) with its targets and all linked to it or them, by kind."""
    if info.node.kind != "SDG":
        raise NotFound(info.node.id)
    targets = sorted((n for t, d, items in info.groups if t == "HAS_TARGET" for _, n in items),
                     key=lambda n: sdg_number_key(n.props.get("number", "")))
    linked: dict[str, dict[str, Node]] = defaultdict(dict)
    for _, d, items in info.groups:
        if d == "in":
            for _, n in items:
                linked[n.kind][n.id] = n
    sources = {e.source for target in targets for e in store.edges_of(target.id, SUBJECT_TYPES)}
    for n in store.get_nodes(sources).values():
        linked[n.kind][n.id] = n
    linked["Lesson"].update((v.lesson.id, v.lesson) for v in lesson_views(store, sdgs=[info.node.id]))
    return GoalDetail(info.node, targets,
                      {k: [v[i] for i in sorted(v)] for k, v in sorted(linked.items()) if v})


def goal_projects(store: GraphStore, goals) -> list[Node]:
    """Return the projects about any of ``goals`` or their targets, by id: where to look when no lesson is."""
    wanted = set(goals)
    ids = {e.source for e in store.edges(SUBJECT_TYPES)
           if e.source.startswith("project:") and goal_of(e.target) in wanted}
    found = store.get_nodes(ids)
    return [found[i] for i in sorted(found)]


# What the knowledge base can hold about a goal, in the order the lessons page shows it.
KNOWLEDGE_KINDS = ("Lesson", "PracticalExperience", "Challenge", "Opportunity", "Project", "Risk")


def sdg_knowledge(store: GraphStore, goals) -> dict[str, list[Node]]:
    """Return every lesson, practical experience, challenge, opportunity, project and risk tied to
    any of ``goals`` (SDG ids), by kind in :data:`KNOWLEDGE_KINDS` order, each list by id.

    Tied means: about the goal or one of its targets itself (CONCERNS,
    CONTRIBUTES_TO), or a lesson :func:`lesson_views` counts under it, with
    that lesson's parts and projects (what was learned from them), or a risk
    one of those lessons or projects responds to.  Kinds with nothing are
    left out.
    """
    wanted = set(goals)
    ids = {e.source for e in store.edges(SUBJECT_TYPES) if goal_of(e.target) in wanted}
    for view in lesson_views(store, sdgs=sorted(wanted)):
        ids.add(view.lesson.id)
        ids.update(n.id for n in (*view.challenges, *view.opportunities, *view.experiences, *view.projects))
    nodes = store.get_nodes(ids)
    answering = [i for i, n in nodes.items() if n.kind in ("Lesson", "Project")]
    risks = {e.target for e in store.edges_of_many(sorted(answering), ["RESPONDS_TO"])
             if e.source in nodes and e.target.startswith("risk:")} if answering else set()
    nodes.update(store.get_nodes(risks - nodes.keys()))
    by_kind: dict[str, list[Node]] = {}
    for kind in KNOWLEDGE_KINDS:
        found = sorted((n for n in nodes.values() if n.kind == kind), key=lambda n: n.id)
        if found:
            by_kind[kind] = found
    return by_kind


@dataclass
class LessonView:
    """A lesson, its parts, what it is about (directly) and the goals and themes it counts under."""

    lesson: Node
    challenges: list[Node]
    opportunities: list[Node]
    experiences: list[Node]
    subjects: list[Node]
    projects: list[Node] = field(default_factory=list)
    goals: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()

    def matches(self, sdgs=(), themes=()) -> bool:
        """True if it is about any of ``sdgs`` (or none asked) and any of ``themes`` (or none asked)."""
        return (not sdgs or bool(self.goals & set(sdgs))) and (not themes or bool(self.themes & set(themes)))


def lesson_views(store: GraphStore, sdgs=(), themes=()) -> list[LessonView]:
    """Return every lesson with its parts and subjects, optionally only those about ``sdgs`` and ``themes``.

    A lesson is about what it concerns itself, what any of its parts
    (challenges, opportunities, practical experiences) concerns, and what the
    projects linked to it or its parts concern.  A target counts for its
    goal.  Several goals (or themes) match any of them; goals and themes
    together must both match.
    """
    lessons = sorted(store.nodes("Lesson"), key=lambda n: (n.props.get("order", 0), n.id))
    parts = [e for e in store.edges(LESSON_PARTS)]
    own = {e.source for e in parts} | {e.target for e in parts} | {n.id for n in lessons}
    projects_of: dict[str, set[str]] = defaultdict(set)
    for e in store.edges(_PROJECT_LINKS):
        if e.source in own and e.target.startswith("project:"):
            projects_of[e.source].add(e.target)
        elif e.target in own and e.source.startswith("project:"):
            projects_of[e.target].add(e.source)
    project_ids = {p for ps in projects_of.values() for p in ps}
    subject_edges = [e for e in store.edges(SUBJECT_TYPES) if e.source in own or e.source in project_ids]
    nodes = store.get_nodes({e.target for e in parts} | project_ids | {e.target for e in subject_edges})
    about: dict[str, set[str]] = defaultdict(set)
    for e in subject_edges:
        about[e.source].add(e.target)
    views = []
    for lesson in lessons:
        mine = [e for e in parts if e.source == lesson.id]
        members = {lesson.id} | {e.target for e in mine}
        subject_ids = set().union(*(about.get(m, set()) for m in members))
        project_set = set().union(*(projects_of.get(m, set()) for m in members))
        reached = subject_ids.union(*(about.get(p, set()) for p in project_set))
        view = LessonView(
            lesson, *(_ends(mine, t, nodes) for t in LESSON_PARTS),
            subjects=[nodes[i] for i in sorted(subject_ids, key=_subject_order) if i in nodes],
            projects=[nodes[p] for p in sorted(project_set) if p in nodes],
            goals=frozenset(g for g in map(goal_of, reached) if g),
            themes=frozenset(t for t in reached if t.startswith("theme:")))
        if view.matches(sdgs, themes):
            views.append(view)
    return views


def lesson_counts(views: list[LessonView], sdgs=(), themes=()) -> tuple[dict[str, int], dict[str, int]]:
    """Return, per goal and per theme, how many lessons a filter on it would show (the other facet kept)."""
    by_goal: dict[str, int] = defaultdict(int)
    by_theme: dict[str, int] = defaultdict(int)
    for v in views:
        if v.matches((), themes):
            for g in v.goals:
                by_goal[g] += 1
        if v.matches(sdgs, ()):
            for t in v.themes:
                by_theme[t] += 1
    return dict(by_goal), dict(by_theme)


def _ends(edges: list[Edge], rel: str, nodes: dict[str, Node]) -> list[Node]:
    return [nodes[e.target] for e in edges if e.type == rel and e.target in nodes]


def _subject_order(node_id: str) -> tuple:
    prefix, _, rest = node_id.partition(":")
    return (prefix, sdg_number_key(rest) if prefix in ("sdg", "target") else (0, False, 0, rest))


def provenance(store: GraphStore, node: Node) -> dict:
    """Return the Source a node comes from (if known) and the section within it."""
    source_id = node.props.get("source")
    source = store.get_node(source_id) if isinstance(source_id, str) and source_id.startswith("source:") else None
    return {"source": source, "section": node.props.get("source_section")}


def find_municipality(store: GraphStore, reference: str) -> Node | None:
    """Return the municipality meant by an id, a name, or "Name, Country".

    An exact name (accents and case aside) wins over a partial one; among
    equals, the one with the most partnerships, then the smallest id.
    """
    reference = (reference or "").strip()
    if reference.startswith("municipality:"):
        node = store.get_node(reference)
        return node if node is not None and node.kind == "Municipality" else None
    name, _, country = reference.partition(",")
    hits = store.search(reference if not country else name, kinds=["Municipality"], limit=200)
    if country.strip():
        code = country_code(country)
        hits = [h for h in hits if (code and h.props.get("country_code") == code)
                or fold(str(h.props.get("country", ""))) == fold(country)]
    exact = [h for h in hits if fold(str(h.props.get("name", ""))) == fold(name)]
    pool = exact or hits
    if not pool:
        return None
    if len(pool) == 1:
        return pool[0]
    degree = {n.id: len(store.edges_of(n.id, ["PARTNER_IN"])) for n in pool[:20]}
    return min(pool[:20], key=lambda n: (-degree[n.id], n.id))


def find_moved(store: GraphStore, node_id: str) -> Node | None:
    """Return the node that had ``node_id`` before its id changed (graph.ingest.id_migration), or None."""
    kind = kind_of_id(node_id)
    if kind not in ("Municipality", "Partnership"):  # the only kinds kb migrate-ids moves
        return None
    # kb migrate-ids gives each moved node the one id it had: a list of that id alone.
    found = store.find_by_property(kind, "former_ids", [[node_id]])
    return found[0] if found else None
