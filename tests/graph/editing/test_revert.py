"""Reverting a change as MediaWiki's undo does, on every backend: field by field, refused only when the
fields it would put back changed since; a revert that deletes is confirmed against what goes with it; an
editor may undo a deletion of their own node (its ownership read from the links the deletion recorded)."""

from __future__ import annotations

import pytest

from graph.accounts.model import Account
from graph.editing.edits import NotRevertible, may_revert, plan_revert, revert
from graph.model import ChangeNote
from graph.records import make_edge, make_node

HERENT = "municipality:herent-belgium"
TARIJA = "municipality:tarija-bolivia"
PARTNERSHIP = "partnership:herent-tarija"
ANA = Account("ana", "editor", "Ana", (HERENT,))
TOM = Account("tom", "editor", "Tom", ("municipality:cusco-peru",))
ADMIN = Account("root", "admin")


@pytest.fixture
def town(store):
    store.write([make_node(HERENT, {"name_nl": "Herent", "region": "Vlaanderen"}),
                 make_node(TARIJA, {"name_es": "Tarija"}),
                 make_node("municipality:cusco-peru", {"name_es": "Cusco"}),
                 make_node(PARTNERSHIP, {"name_nl": "Herent–Tarija"}),
                 make_node("theme:water", {"name_en": "Water"})],
                [make_edge(HERENT, "PARTNER_IN", PARTNERSHIP), make_edge(TARIJA, "PARTNER_IN", PARTNERSHIP)],
                change=ChangeNote("kb seed", "seed"))
    return store


def edit(store, node_id, actor="user:ana", **props):
    return store.write([make_node(node_id, {**store.get_node(node_id).props, **props})],
                       change=ChangeNote(actor, "edit"))


def test_a_later_change_to_another_field_does_not_block_a_revert(town):
    spanish = edit(town, HERENT, name_es="Herent (es)")
    edit(town, HERENT, region="Vlaams-Brabant")
    [done] = revert(town, spanish.seq, ANA.actor)
    herent = town.get_node(HERENT).props
    assert not herent.get("name_es") and herent["region"] == "Vlaams-Brabant"
    assert (done.code, done.params) == ("revert", {"seq": spanish.seq})
    assert [i.item for i in done.items] == [HERENT]


def test_a_revert_is_refused_when_its_field_changed_since(town):
    first = edit(town, HERENT, region="Leuven")
    edit(town, HERENT, region="Vlaams-Brabant")
    version = town.version()
    with pytest.raises(NotRevertible) as refused:
        revert(town, first.seq, ANA.actor)
    assert refused.value.code == "changed" and town.version() == version
    assert town.get_node(HERENT).props["region"] == "Vlaams-Brabant"


def test_a_revert_done_twice_is_refused(town):
    spanish = edit(town, HERENT, name_es="Herent (es)")
    revert(town, spanish.seq, ANA.actor)
    with pytest.raises(NotRevertible) as refused:
        revert(town, spanish.seq, ANA.actor)
    assert refused.value.code == "changed"


def test_reverting_a_creation_names_what_goes_and_holds_to_what_was_confirmed(town):
    created = town.write([make_node("lesson:listen-first", {"name_nl": "Luister eerst"})],
                         [make_edge("lesson:listen-first", "CONCERNS", "theme:water")],
                         change=ChangeNote("user:ana", "create"))
    plan = plan_revert(town, created)
    assert plan.deletes and plan.delete_nodes == ["lesson:listen-first"] and plan.going_with == []
    confirmed = plan.confirmation
    town.write([make_node("experience:welcome", {"name_nl": "Welkom"})],
               [make_edge("lesson:listen-first", "ILLUSTRATED_BY", "experience:welcome")],
               change=ChangeNote("user:ana", "a later link"))
    later = plan_revert(town, created)
    assert later.going_with == [("lesson:listen-first", "ILLUSTRATED_BY", "experience:welcome")]
    version = town.version()
    with pytest.raises(NotRevertible) as refused:
        revert(town, created.seq, ANA.actor, confirmed=confirmed)
    assert refused.value.code == "confirm" and town.version() == version
    [done] = revert(town, created.seq, ANA.actor, confirmed=later.confirmation)
    assert town.get_node("lesson:listen-first") is None
    assert town.edges_of("experience:welcome") == []
    # The deletion the revert made is undone, the later link included.
    [back] = revert(town, done.seq, ANA.actor)
    assert town.get_node("lesson:listen-first").props["name_nl"] == "Luister eerst"
    assert {e.key for e in town.edges_of("lesson:listen-first")} == {
        ("lesson:listen-first", "CONCERNS", "theme:water"),
        ("lesson:listen-first", "ILLUSTRATED_BY", "experience:welcome")}
    assert (back.code, back.params) == ("revert", {"seq": done.seq})


def test_a_creation_edited_since_is_not_reverted(town):
    created = town.write([make_node("lesson:listen-first", {"name_nl": "Luister eerst"})],
                         change=ChangeNote("user:ana", "create"))
    edit(town, "lesson:listen-first", name_nl="Luister altijd eerst")
    with pytest.raises(NotRevertible) as refused:
        plan_revert(town, created)
    assert refused.value.code == "changed"


def test_an_editor_may_undo_the_deletion_of_their_own_node(town):
    town.write([make_node("experience:welcome", {"name_nl": "Welkom"}),
                make_node("lesson:listen-first", {"name_nl": "Luister eerst"})],
               [make_edge("experience:welcome", "EXPERIENCED_IN", PARTNERSHIP),
                make_edge("lesson:listen-first", "ILLUSTRATED_BY", "experience:welcome"),
                make_edge("lesson:listen-first", "CONCERNS", "theme:water")],
               change=ChangeNote("user:ana", "create"))
    deleted = town.delete(["lesson:listen-first"], change=ChangeNote("user:ana", "delete"))
    assert may_revert(town, ANA, deleted)
    assert not may_revert(town, TOM, deleted)  # Cusco's editor: the lesson was Herent's and Tarija's
    assert may_revert(town, ADMIN, deleted)
    revert(town, deleted.seq, ANA.actor)
    assert town.get_node("lesson:listen-first") is not None
    assert len(town.edges_of("lesson:listen-first")) == 2


def test_a_deleted_partnership_is_its_partners_to_restore(town):
    deleted = town.delete([PARTNERSHIP], change=ChangeNote("user:ana", "delete"))
    assert may_revert(town, ANA, deleted)
    assert may_revert(town, Account("eva", "editor", "", (TARIJA,)), deleted)
    assert not may_revert(town, TOM, deleted)


def test_an_editor_may_not_revert_what_touches_others(town):
    change = edit(town, TARIJA, actor="user:tom", name_nl="Tarija (nl)")
    assert not may_revert(town, ANA, change)
    assert may_revert(town, Account("eva", "editor", "", (TARIJA,)), change)


def test_a_link_to_a_node_deleted_since_is_not_restored_alone(town):
    town.write([make_node("lesson:listen-first", {"name_nl": "Luister eerst"})],
               [make_edge("lesson:listen-first", "CONCERNS", "theme:water")], change=ChangeNote("user:ana", "c"))
    unlinked = town.delete(edges=[("lesson:listen-first", "CONCERNS", "theme:water")],
                           change=ChangeNote("user:ana", "unlink"))
    town.delete(["lesson:listen-first"], change=ChangeNote("user:ana", "delete"))
    with pytest.raises(NotRevertible) as refused:
        plan_revert(town, unlinked)
    assert refused.value.code == "changed"


def test_long_change_records_are_paged(client, seeded_store):
    seed_change = seeded_store.changes(limit=1, before_seq=None, max_items=0)
    oldest = min(c.seq for c in seeded_store.changes(limit=50, max_items=0))
    total = seeded_store.changes(limit=1, before_seq=oldest + 1, max_items=0)[0].item_count
    assert seed_change and total > 250
    recent = client.get("/en/changes")
    assert recent.status_code == 200 and len(recent.data) < 200_000
    assert f'href="/en/changes/{oldest}"' in recent.text
    first = client.get(f"/en/changes/{oldest}")
    assert first.status_code == 200 and f"Items 1 to 100 of {total:,}" in first.text
    assert first.text.count('<table class="diff">') <= 100 and 'rel="next"' in first.text
    second = client.get(f"/en/changes/{oldest}.json?page=2").get_json()
    assert len(second["change"]["items"]) == 100 and second["items_page"]["first"] == 101
    last = -(-total // 100)
    assert client.get(f"/en/changes/{oldest}?page={last + 1}").status_code == 404
    assert client.get(f"/en/changes/{oldest}?page=x").status_code == 400
