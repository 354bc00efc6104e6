"""Links never widen an editor's rights (graph/editing.py, "Links never widen"), on every backend.

Ownership is worked out from links, so every link an editor could make into another side's node would be
a takeover.  These tests build two partnerships with one node of every kind anchored to each, then try
every relationship type of the schema in both directions, and replay the reported takeover over HTTP.
"""

from __future__ import annotations

from collections import deque

import pytest
from webhelpers import PASSWORD, post_json, sign_in

from graph import schema
from graph.accounts.model import Account, open_accounts
from graph.editing.edits import ANCHOR_KINDS, SHARED_KINDS, belongs_to, may_edit, may_link
from graph.model import ChangeNote
from graph.records import make_edge, make_node

OURS, THEIRS = "ours", "theirs"
TOWN = {OURS: "municipality:ours-belgium", THEIRS: "municipality:theirs-belgium"}
PARTNERSHIP = {OURS: "partnership:ours-south", THEIRS: "partnership:theirs-south"}
ORGANISATION = {OURS: "organisation:ours-ngo", THEIRS: "organisation:theirs-ngo"}
EDITOR = Account("ed", "editor", "Ed", (TOWN[OURS], ORGANISATION[OURS]))


def _id(kind: str, side: str) -> str:
    return f"{schema.NODE_KINDS[kind].prefix}:{side}-{kind.lower()}"


def _path_to_partnership(kind: str) -> list[tuple[str, str, str]]:
    """The shortest chain of schema relationships from ``kind`` to a Partnership: [(kind, TYPE, kind)...]."""
    queue, seen = deque([(kind, [])]), {kind}
    while queue:
        here, path = queue.popleft()
        if here == "Partnership":
            return path
        for rel in schema.REL_TYPES.values():
            for there, step in ([(t, (here, rel.name, t)) for t in rel.targets] if here in rel.sources else []) + (
                    [(s, (s, rel.name, here)) for s in rel.sources] if here in rel.targets else []):
                if there not in seen and there not in SHARED_KINDS and there not in ("Municipality", "Organisation"):
                    seen.add(there)
                    queue.append((there, [*path, step]))
    raise AssertionError(f"no way from {kind} to a partnership")


def _props(kind: str, side: str) -> dict:
    props = {"name": f"{side} {kind}"}
    if kind == "Municipality":
        props["country"] = "Belgium"
    return props


def _build(store) -> None:
    """Two sides, each a town, an organisation, a partnership and one node of every other kind anchored there."""
    nodes, edges = {}, []
    for side in (OURS, THEIRS):
        nodes[TOWN[side]] = make_node(TOWN[side], _props("Municipality", side))
        nodes[ORGANISATION[side]] = make_node(ORGANISATION[side], _props("Organisation", side))
        nodes[PARTNERSHIP[side]] = make_node(PARTNERSHIP[side], _props("Partnership", side))
        edges.append(make_edge(TOWN[side], "PARTNER_IN", PARTNERSHIP[side]))
        edges.append(make_edge(ORGANISATION[side], "FACILITATES", PARTNERSHIP[side]))
        for kind in schema.NODE_KINDS:
            if kind in ANCHOR_KINDS or kind in SHARED_KINDS:
                continue
            # Each kind hangs off the partnership by its own chain of schema relationships.
            for source_kind, rel, target_kind in _path_to_partnership(kind):
                source, target = _chain_id(source_kind, kind, side), _chain_id(target_kind, kind, side)
                for node_id, k in ((source, source_kind), (target, target_kind)):
                    nodes.setdefault(node_id, make_node(node_id, _props(k, side)))
                edges.append(make_edge(source, rel, target))
        # A response belongs to the town that gave it, whatever else it is linked to.
        edges.append(make_edge(_id("ExerciseResponse", side), "RESPONSE_BY", TOWN[side]))
    for kind in SHARED_KINDS:
        node_id = _id(kind, "shared")
        nodes[node_id] = make_node(node_id, _props(kind, "shared"))
    store.write(list(nodes.values()), edges, ChangeNote("test", "two sides"))


def _chain_id(kind: str, for_kind: str, side: str) -> str:
    if kind == "Partnership":
        return PARTNERSHIP[side]
    return _id(kind, side) if kind == for_kind else f"{_id(kind, side)}-via-{for_kind.lower()}"


def _node_of(kind: str, side: str) -> str:
    if kind in SHARED_KINDS:
        return _id(kind, "shared")
    return {"Municipality": TOWN, "Partnership": PARTNERSHIP, "Organisation": ORGANISATION}.get(
        kind, {side: _id(kind, side)})[side]


@pytest.fixture
def two_sides(store):
    _build(store)
    return store


def test_each_side_owns_its_nodes_of_every_kind(two_sides):
    for kind in schema.NODE_KINDS:
        if kind in SHARED_KINDS:
            assert not may_edit(two_sides, EDITOR, _node_of(kind, OURS)), kind
            continue
        assert may_edit(two_sides, EDITOR, _node_of(kind, OURS)), kind
        assert not may_edit(two_sides, EDITOR, _node_of(kind, THEIRS)), kind


@pytest.mark.parametrize("rel", sorted(schema.REL_TYPES))
def test_no_relationship_links_into_the_other_side(two_sides, rel):
    """Every allowed kind pair of ``rel``: a link needs both ends the editor's, or one end shared."""
    spec = schema.REL_TYPES[rel]
    for source_kind in spec.sources:
        for target_kind in spec.targets:
            for source_side, target_side in ((OURS, THEIRS), (THEIRS, OURS), (OURS, OURS)):
                source, target = _node_of(source_kind, source_side), _node_of(target_kind, target_side)
                if source == target:
                    continue
                shared = [k in SHARED_KINDS for k in (source_kind, target_kind)]
                owned = [s or belongs_to(two_sides, end, EDITOR.scopes)
                         for s, end in zip(shared, (source, target), strict=True)]
                expected = all(owned) and not all(shared)
                assert may_link(two_sides, EDITOR, source, target) is expected, (source, rel, target)
                if THEIRS in (source_side, target_side) and not all(shared) and not any(shared):
                    assert not expected, (source, rel, target)


def test_a_permitted_link_never_makes_another_sides_node_editable(two_sides):
    """Make every link the editor may make between our nodes and shared ones: nothing of theirs becomes ours."""
    theirs = [_node_of(k, THEIRS) for k in schema.NODE_KINDS if k not in SHARED_KINDS]
    made = []
    for rel, spec in schema.REL_TYPES.items():
        for sk in spec.sources:
            for tk in spec.targets:
                source, target = _node_of(sk, OURS), _node_of(tk, OURS)
                if source != target and may_link(two_sides, EDITOR, source, target):
                    made.append(make_edge(source, rel, target))
    two_sides.write(edges=made, change=ChangeNote("user:ed", "every link allowed"))
    assert made and not [n for n in theirs if may_edit(two_sides, EDITOR, n)]


# -- the reported takeover, over HTTP -----------------------------------------------------------------

HERENT = "municipality:herent-belgium"


@pytest.fixture
def herent_editor(client, app, seeded_store):
    accounts = open_accounts(seeded_store)
    accounts.clear()
    accounts.add("ana", PASSWORD, "editor", [HERENT], "Ana")
    accounts.add("bram", PASSWORD, "editor", ["municipality:brasschaat-belgium"], "Bram")
    sign_in(client, "ana")
    yield client
    accounts.clear()


@pytest.mark.parametrize("link, other", [
    ("PARTNER_IN|out", "partnership:brasschaat-tarija"),
    ("IMPLEMENTS|out", "project:brasschaat-tarija-cooperation-agreement"),
])
def test_linking_oneself_to_another_towns_node_is_refused_and_gives_no_rights(herent_editor, seeded_store,
                                                                              link, other):
    version = seeded_store.version()
    response = post_json(herent_editor, "/en/edit/municipalities/herent-belgium/links.json",
                         {"link": link, "other": other})
    assert response.status_code == 403 and "Ask an editor" in response.get_json()["error"]["message"]
    assert seeded_store.version() == version
    plural = "partnerships" if other.startswith("partnership:") else "projects"
    assert herent_editor.get(f"/en/edit/{plural}/{other.split(':', 1)[1]}.json").status_code == 403


def test_unlinking_the_other_sides_member_is_refused(client, herent_editor, seeded_store):
    client.post("/en/sign-out", headers={"X-CSRFToken": client.get("/en/sign-in.json").get_json()["csrf_token"]})
    sign_in(client, "bram")
    version = seeded_store.version()
    response = post_json(client, "/en/edit/partnerships/brasschaat-tarija/links.json",
                         {"remove": "municipality:tarija-bolivia|PARTNER_IN|partnership:brasschaat-tarija"})
    assert response.status_code == 403 and seeded_store.version() == version
