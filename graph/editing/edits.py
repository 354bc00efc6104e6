"""Editing the graph by people: who may change what, versions, diffs and reverts.

What belongs to an editor
-------------------------
An editor works for one or more municipalities or organisations (their
*scopes*).  What belongs to a scope:

* the municipality or organisation itself;
* its partnerships: those it is ``PARTNER_IN`` (a municipality) or ``FACILITATES``
  (an organisation);
* any other node whose *nearest anchors* include the scope or one of its
  partnerships.  A node's anchors are the partnerships, municipalities and
  organisations it is linked to; when it has none, those of the nodes it is
  linked to, and so on up to ``OWNERSHIP_HOPS`` links away, never walking
  through a shared node.  So a lesson (linked to a practical experience that
  was lived in Herent's partnership) belongs to Herent's editors, and a joint
  project of three partnerships belongs to the editors of each.

Shared nodes (SDGs, targets, themes, sources, exercise templates) belong to no
editor: anyone may link to them.  A workspace run (``ExerciseRun``) belongs to its
partnership and a response (``ExerciseResponse``) to the municipality that gave
it, whatever else they are linked to (a run yields organisations, which must not
make it theirs).  Staff and admins may change everything.

Links never widen an editor's rights
------------------------------------
Ownership is worked out from links, so a link is a claim: had an editor been
allowed to link anything of theirs to anything at all, linking Herent to
Brasschaat's partnership with ``PARTNER_IN`` would have made that partnership,
and everything anchored to it, Herent's.  So an editor may add or remove an
edge only when *both* ends are theirs, or one end is theirs and the other is a
shared node (an SDG, a theme...), which no one owns and ownership never passes
through.  Every link in the graph was therefore made by someone allowed to link
both ends, and what an editor may change follows from their scopes alone.  A
link into another side's node is for that side's editors, staff or admins to
make; unlinking another side's member is refused the same way.

Empty values
------------
A store merges the properties a write gives with those it has, so a property
is cleared by writing an empty string; everywhere here an empty string counts
as absent (diffs, reverts, displays).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from .. import schema, text
from ..errors import GraphError, NotFound
from ..model import Change, ChangeItem, ChangeNote, Edge, Node
from ..records import make_node

# Kinds no editor owns, and through which ownership never passes.
SHARED_KINDS = frozenset({"SDG", "SDGTarget", "Theme", "Source", "ExerciseTemplate"})
# Kinds that belong to whoever owns the node at the end of one relationship, and only to them.
OWNED_THROUGH = {"ExerciseRun": "RUN_FOR", "ExerciseResponse": "RESPONSE_BY"}
ANCHOR_KINDS = frozenset({"Partnership", "Municipality", "Organisation"})
# The relationships that make a partnership an actor's own.
OWNING_LINKS = ("PARTNER_IN", "FACILITATES")
OWNERSHIP_HOPS = 3
# A walk that finds this many nodes without an anchor stops: a node so central is no one's.
OWNERSHIP_MAX_NODES = 5000


class StaleEdit(GraphError):
    """The node changed after the version an edit was based on; ``changes`` says how."""

    def __init__(self, changes: list[Change]):
        super().__init__(f"changed meanwhile by change {', '.join(str(c.seq) for c in changes)}")
        self.changes = changes


class NotRevertible(GraphError):
    """A change cannot be reverted: ``code`` says why.

    ``unknown`` (no such change), ``changed`` (what it touched changed again since),
    ``done`` (undone already), ``confirm`` (it would delete other than what was confirmed).
    """

    def __init__(self, code: str, message: str, changes: tuple = ()):
        super().__init__(message)
        self.code = code
        self.changes = changes


def nearest_anchors(store, node_id: str) -> set[str]:
    """Return the partnerships, municipalities and organisations nearest to ``node_id`` (see above)."""
    seen, frontier = {node_id}, {node_id}
    for _ in range(OWNERSHIP_HOPS):
        anchors, following = set(), set()
        for edge in store.edges_of_many(sorted(frontier)):
            for end in (edge.source, edge.target):
                if end in seen:
                    continue
                seen.add(end)
                kind = schema.kind_of_id(end)
                if kind in ANCHOR_KINDS:
                    anchors.add(end)
                elif kind not in SHARED_KINDS:
                    following.add(end)
        if anchors or not following or len(seen) > OWNERSHIP_MAX_NODES:
            return anchors
        frontier = following
    return set()


def _partnership_of(store, partnership_id: str, scopes: set[str]) -> bool:
    return any(e.target == partnership_id and e.source in scopes for e in store.edges_of(partnership_id, OWNING_LINKS))


def belongs_to(store, node_id: str, scopes) -> bool:
    """Tell whether ``node_id`` belongs to one of the municipalities or organisations in ``scopes``."""
    scopes = set(scopes)
    if node_id in scopes:
        return True
    kind = schema.kind_of_id(node_id)
    if kind in SHARED_KINDS or kind in ("Municipality", "Organisation"):
        return False
    if kind == "Partnership":
        return _partnership_of(store, node_id, scopes)
    if kind in OWNED_THROUGH:
        owners = [e.target for e in store.edges_of(node_id, [OWNED_THROUGH[kind]]) if e.source == node_id]
        return any(_anchor_is_theirs(store, o, scopes) for o in owners)
    return any(_anchor_is_theirs(store, a, scopes) for a in nearest_anchors(store, node_id))


def may_edit(store, account, node_id: str) -> bool:
    """Tell whether ``account`` may change the node ``node_id``."""
    return account is not None and account.active and (
        account.edits_everything or belongs_to(store, node_id, account.scopes))


def may_link(store, account, source: str, target: str) -> bool:
    """Tell whether ``account`` may add or remove an edge between ``source`` and ``target``.

    Both ends must be the account's, or one end its own and the other shared (see "Links never widen").
    """
    if account is None or not account.active:
        return False
    if account.edits_everything:
        return True
    shared = [schema.kind_of_id(end) in SHARED_KINDS for end in (source, target)]
    if all(shared):
        return False
    return all(is_shared or belongs_to(store, end, account.scopes)
               for end, is_shared in zip((source, target), shared, strict=True))


# Checking an edit's version and writing it must not interleave with another edit in this process
# (threaded workers).  Between processes the store closes the window: the views pass the version to
# store.write(expect=...), which checks it again inside the write's own transaction.
EDIT_LOCK = threading.RLock()
# Items a revert writes in one transaction (a store's writes that delete must stay bounded).
REVERT_IN_ONE_WRITE = 5000


def version_of(store, node_id: str) -> int:
    """Return the newest change number that touched ``node_id`` (0 if none): what an edit is based on."""
    latest = store.changes(node_id=node_id, limit=1, max_items=0)
    return latest[0].seq if latest else 0


def check_version(store, node_id: str, based_on: int) -> None:
    """Raise StaleEdit when changes touched ``node_id`` after change ``based_on``."""
    newer = [c for c in store.changes(node_id=node_id, limit=20) if c.seq > based_on]
    if newer:
        raise StaleEdit(newer)


def blank(value) -> bool:
    return value is None or value == "" or value == []


def diff(before: dict | None, after: dict | None) -> list[dict]:
    """Return ``[{key, before, after}]`` for every property that differs (blank counts as absent)."""
    before, after = before or {}, after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if blank(old) and blank(new):
            continue
        if old != new:
            rows.append({"key": key, "before": None if blank(old) else old, "after": None if blank(new) else new})
    return rows


def changed_props(node: Node | None, values: dict) -> dict:
    """Return the part of ``values`` that differs from ``node``'s properties (blank counts as absent)."""
    current = node.props if node else {}
    return {k: v for k, v in values.items() if not (blank(v) and blank(current.get(k))) and current.get(k) != v}


def new_node_id(store, kind: str, name: str) -> str:
    """Return a free id for a new node of ``kind`` named ``name``: ``lesson:listen-first``, then ``-2``..."""
    prefix = schema.node_kind(kind).prefix
    base = f"{prefix}:{text.slug(name)[:80].strip('-') or prefix}"
    candidate, n = base, 1
    while store.get_node(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def get_change(store, seq: int) -> Change | None:
    """Return change ``seq`` with all its items, or None."""
    found = store.changes(limit=1, before_seq=seq + 1, max_items=1_000_000)
    return found[0] if found and found[0].seq == seq else None


def _edge_key(item: ChangeItem) -> tuple[str, str, str]:
    source, rel, target = item.item.split("|")
    return source, rel, target


def _current(store, item: ChangeItem) -> dict | None:
    if item.kind == "node":
        node = store.get_node(item.item)
        return dict(node.props) if node else None
    key = _edge_key(item)
    for edge in store.edges_of(key[0], [key[1]]):
        if edge.key == key:
            return dict(edge.props)
    return None


def _same(a, b) -> bool:
    return (blank(a) and blank(b)) or a == b


@dataclass(frozen=True)
class RevertPlan:
    """What reverting a change writes back and deletes.

    ``going_with`` names the links that exist now and go with the nodes the revert
    deletes, though the change did not make them (links added later): a reader
    confirms a revert that deletes after seeing them.  ``untouched`` counts the
    items already as the change found them (nothing to undo there).
    """

    nodes: list[Node]
    edges: list[Edge]
    delete_nodes: list[str]
    delete_edges: list[tuple[str, str, str]]
    going_with: list[tuple[str, str, str]]
    untouched: int

    @property
    def deletes(self) -> bool:
        """Whether the revert deletes a node: such a revert is confirmed first."""
        return bool(self.delete_nodes)

    @property
    def confirmation(self) -> str:
        """A short digest of what the revert deletes: a confirmation holds only for what was shown."""
        gone = "\n".join([*sorted(self.delete_nodes), *("|".join(k) for k in self.going_with)])
        return hashlib.sha256(gone.encode("utf-8")).hexdigest()[:16]


def plan_revert(store, change: Change) -> RevertPlan:
    """Return how to undo ``change``, as MediaWiki's undo does: field by field.

    A revert puts back the fields the change set, and only those.  It is refused
    (NotRevertible ``changed``) only when one of those fields has changed again
    since, or a node it would delete was edited since, or a node it would restore
    exists again, or a link it would restore has lost an end; later changes to
    other fields of the same node stand.  An item already as the change found it
    needs nothing; when every item is so, the revert is refused as ``done``.
    """
    current = {i.item: _current(store, i) for i in change.items}
    restored = {i.item for i in change.items if i.kind == "node" and i.after is None and current[i.item] is None}
    moved, nodes, edges, delete_nodes, delete_edges, untouched = [], [], [], [], [], 0
    for item in change.items:
        now = current[item.item]
        if item.before is None:  # created: undone by deleting it, unless it was edited since
            if now is None:
                untouched += 1
            elif diff(now, item.after):
                moved.append(item)
            elif item.kind == "node":
                delete_nodes.append(item.item)
            else:
                delete_edges.append(_edge_key(item))
        elif item.after is None:  # deleted: undone by restoring it, unless it is there again
            if now is not None:
                if diff(now, item.before):
                    moved.append(item)
                else:
                    untouched += 1
            elif item.kind == "node":
                nodes.append(Node(item.item, schema.kind_of_id(item.item), dict(item.before)))
            else:
                key = _edge_key(item)
                ends = (key[0], key[2])
                present = set(store.get_nodes([e for e in ends if e not in restored]))
                if not all(e in restored or e in present for e in ends):
                    moved.append(item)  # an end was deleted since: the link cannot come back alone
                else:
                    edges.append(Edge(*key, dict(item.before)))
        else:  # changed: only the fields it set go back, and only if they still hold what it set
            touched = [row["key"] for row in diff(item.before, item.after)]
            if now is None or any(not _same(now.get(k), item.after.get(k)) for k in touched):
                moved.append(item)
                continue
            back = {k: ("" if blank(item.before.get(k)) else item.before[k]) for k in touched
                    if not _same(now.get(k), item.before.get(k))}
            if not back:
                untouched += 1
            elif item.kind == "node":
                nodes.append(Node(item.item, schema.kind_of_id(item.item), back))
            else:
                edges.append(Edge(*_edge_key(item), back))
    if moved:
        names = ", ".join(i.item for i in moved[:5])
        raise NotRevertible("changed", f"changed again since change {change.seq}: {names}", tuple(moved))
    doomed = set(delete_nodes)
    delete_edges = [k for k in delete_edges if k[0] not in doomed and k[2] not in doomed]
    if not (nodes or edges or delete_nodes or delete_edges):
        raise NotRevertible("done", f"change {change.seq} is undone already")
    made = {_edge_key(i) for i in change.items if i.kind == "edge"}
    going_with = sorted({e.key for e in store.edges_of_many(sorted(doomed)) if e.key not in made}) if doomed else []
    return RevertPlan(nodes, edges, delete_nodes, delete_edges, going_with, untouched)


def _recorded_links(change: Change, node_id: str) -> list[tuple[str, str, str]]:
    """The links of ``node_id`` as the change found them (those it deleted with the node)."""
    return [_edge_key(i) for i in change.items
            if i.kind == "edge" and i.before is not None and node_id in _edge_key(i)[::2]]


def _anchor_is_theirs(store, anchor: str, scopes: set[str]) -> bool:
    return anchor in scopes or (schema.kind_of_id(anchor) == "Partnership" and _partnership_of(store, anchor, scopes))


def belonged_to(store, change: Change, node_id: str, scopes) -> bool:
    """Tell whether ``node_id``, deleted by ``change``, belonged to ``scopes`` before it went.

    A deleted node has no links left to ask, so the links the change recorded with it
    stand in for them, by the rules of :func:`belongs_to` (one hop: the record holds
    no more).  So the editor who deleted their own lesson may restore it.
    """
    scopes = set(scopes)
    if node_id in scopes:
        return True
    kind = schema.kind_of_id(node_id)
    if kind in SHARED_KINDS or kind in ("Municipality", "Organisation"):
        return False
    links = _recorded_links(change, node_id)
    if kind == "Partnership":
        return any(rel in OWNING_LINKS and target == node_id and source in scopes for source, rel, target in links)
    if kind in OWNED_THROUGH:
        return any(_anchor_is_theirs(store, target, scopes) for source, rel, target in links
                   if source == node_id and rel == OWNED_THROUGH[kind])
    others = {target if source == node_id else source for source, _, target in links}
    anchors = [o for o in others if schema.kind_of_id(o) in ANCHOR_KINDS]
    if anchors:
        return any(_anchor_is_theirs(store, a, scopes) for a in anchors)
    return any(schema.kind_of_id(o) not in SHARED_KINDS and belongs_to(store, o, scopes) for o in others)


def may_revert(store, account, change: Change) -> bool:
    """Tell whether ``account`` may revert ``change``: every item it would touch is theirs to edit.

    Staff and admins revert anything.  A node the change deleted counts as the
    editor's when it was theirs before it went (:func:`belonged_to`); an item the
    change created that is gone already needs no undoing, and so no right.
    """
    if account is None or not account.active:
        return False
    if account.edits_everything:
        return True
    restored_theirs = set()
    for item in change.items:
        if item.kind != "node":
            continue
        node = store.get_node(item.item)
        if node is not None:
            if not may_edit(store, account, item.item):
                return False
        elif item.after is None:
            if not belonged_to(store, change, item.item, account.scopes):
                return False
            restored_theirs.add(item.item)
    for item in change.items:
        if item.kind != "edge":
            continue
        source, _, target = _edge_key(item)
        if source in restored_theirs or target in restored_theirs:
            # A link of a node this revert restores comes back as it was before the deletion: it was made
            # by someone allowed to make it, so putting it back claims nothing (see "Links never widen").
            continue
        if len(store.get_nodes([source, target])) < 2:
            continue  # an end is gone and not coming back: the plan refuses or skips this link
        if not may_link(store, account, source, target):
            return False
    return True


def revert(store, seq: int, actor: str, confirmed: str | None = None) -> list[Change]:
    """Undo change ``seq``: write back each item's before, delete what it created; return the new changes.

    A revert is one write, so it is one change in the history, like the change it
    undoes.  Only a change too large for one bounded write (an import) is undone
    by a write and then a delete, each with a note naming the reverted change.
    ``confirmed`` is the :attr:`RevertPlan.confirmation` a reader saw and confirmed:
    when more would go now (a link added meanwhile), the revert is refused as
    ``confirm`` and the reader confirms again.
    """
    change = get_change(store, seq)
    if change is None:
        raise NotRevertible("unknown", f"there is no change {seq}")
    plan = plan_revert(store, change)
    if confirmed is not None and confirmed != plan.confirmation:
        raise NotRevertible("confirm", f"what reverting change {seq} deletes is not what was confirmed")
    note = ChangeNote(actor, code="revert", params={"seq": seq})
    existing = set(store.get_nodes(plan.delete_nodes))
    doomed = [n for n in plan.delete_nodes if n in existing]
    if len(plan.nodes) + len(plan.edges) + len(doomed) + len(plan.delete_edges) <= REVERT_IN_ONE_WRITE:
        done = store.write(plan.nodes, plan.edges, change=note, delete=doomed, delete_edges=plan.delete_edges)
        return [done] if done is not None else []
    done = []
    if plan.nodes or plan.edges:
        done.append(store.write(plan.nodes, plan.edges, change=note))
    if doomed or plan.delete_edges:
        done.append(store.delete(doomed, plan.delete_edges, change=note))
    return [c for c in done if c is not None]


def build_node(node_id: str, props: dict) -> Node:
    """Return a validated node (the schema's limits apply); raises SchemaError naming the field."""
    return make_node(node_id, props)


def require_node(store, node_id: str) -> Node:
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(node_id)
    return node
