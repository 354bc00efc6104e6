"""The store contract for change records, deletes, metadata and large writes, on every backend."""

from __future__ import annotations

import pytest

import graph.stores.neo4j.store
from graph import NotFound, SchemaError, StoreConflict
from graph.model import ChangeNote
from graph.records import make_edge, make_node


def theme(slug, **names):
    return make_node(f"theme:{slug}", {"name": names or {"en": slug}})


def test_a_write_commits_its_change_record(store):
    change = store.write([theme("water", en="Water"), theme("youth", en="Youth")],
                         [], ChangeNote("user:ana", "add themes"))
    assert change.actor == "user:ana" and change.reason == "add themes" and change.item_count == 2
    assert change.at.endswith("Z")
    [logged] = store.changes()
    assert (logged.seq, logged.actor, logged.reason, logged.item_count) == (change.seq, "user:ana", "add themes", 2)
    assert {(i.item, i.kind, i.before, i.after["name_en"]) for i in logged.items} == {
        ("theme:water", "node", None, "Water"), ("theme:youth", "node", None, "Youth")}


def test_a_change_keeps_its_code_and_parameters(store, monkeypatch):
    """What a change did is kept as a code with parameters, on a write, a delete and a bulk write;
    the editor's own words stay in ``reason``, and a note without a code keeps its free text."""
    monkeypatch.setattr(graph.stores.neo4j.store, "BULK_THRESHOLD", 10)
    written = store.write([theme("water", en="Water")], change=ChangeNote(
        "user:ana", "nl name from the council", code="translate", params={"field": "name", "to": "nl"}))
    assert (written.code, written.params, written.reason) == (
        "translate", {"field": "name", "to": "nl"}, "nl name from the council")
    towns = [make_node(f"municipality:t{i}", {"name": f"Town {i}", "country": "Peru"}) for i in range(12)]
    store.write(towns, change=ChangeNote("kb import-twinnings", code="import_twinnings",
                                         params={"file": "towns.csv"}))
    store.delete(["municipality:t0"], change=ChangeNote("user:ana", code="delete"))
    store.write([theme("youth", en="Youth")], change=ChangeNote("kb", "free text of before"))
    assert [(c.code, c.params, c.reason) for c in store.changes()] == [
        ("", {}, "free text of before"), ("delete", {}, ""),
        ("import_twinnings", {"file": "towns.csv"}, ""),
        ("translate", {"field": "name", "to": "nl"}, "nl name from the council")]
    assert store.changes(node_id="municipality:t3")[0].params == {"file": "towns.csv"}


def test_a_change_code_must_be_known_and_take_its_parameters():
    with pytest.raises(ValueError, match="unknown change code"):
        ChangeNote("user:ana", code="translated")
    with pytest.raises(ValueError, match="takes"):
        ChangeNote("user:ana", code="translate", params={"field": "name"})
    with pytest.raises(ValueError, match="text or a whole number"):
        ChangeNote("user:ana", code="revert", params={"seq": [1]})


def test_an_update_records_before_and_after(store):
    store.write([theme("water", en="Water")])
    store.write([make_node("theme:water", {"name": {"nl": "Water", "es": "Agua"}})],
                change=ChangeNote("user:luis", "translate"))
    latest = store.changes(node_id="theme:water")[0]
    [item] = latest.items
    assert item.before == {"name_en": "Water"}
    assert item.after == {"name_en": "Water", "name_nl": "Water", "name_es": "Agua"}
    assert [c.reason for c in store.changes(node_id="theme:water")] == ["translate", ""]


def test_a_write_that_changes_nothing_records_nothing(store):
    store.write([theme("water", en="Water")])
    version = store.version()
    assert store.write([theme("water", en="Water")]) is None
    assert store.version() == version
    assert len(store.changes()) == 1


def test_a_node_history_includes_its_edges(store):
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"}), theme("water")])
    store.write(edges=[make_edge("municipality:herent", "SEEKS", "theme:water")],
                change=ChangeNote("user:ana", "Herent seeks water"))
    [edge_change, created] = store.changes(node_id="theme:water")
    assert edge_change.reason == "Herent seeks water"
    assert [(i.item, i.kind, i.before) for i in edge_change.items] == [
        ("municipality:herent|SEEKS|theme:water", "edge", None)]
    assert [i.item for i in created.items] == ["theme:water"]


def test_changes_page_back_in_time(store):
    for n in range(5):
        store.write([theme(f"t{n}")], change=ChangeNote("kb", f"write {n}"))
    newest = store.changes(limit=2)
    assert [c.reason for c in newest] == ["write 4", "write 3"]
    older = store.changes(limit=2, before_seq=newest[-1].seq)
    assert [c.reason for c in older] == ["write 2", "write 1"]


def test_delete_removes_nodes_with_their_edges_and_records_it(store):
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"}), theme("water")],
                [make_edge("municipality:herent", "SEEKS", "theme:water", {"since": 2020})])
    version = store.version()
    change = store.delete(["theme:water"], change=ChangeNote("user:ana", "duplicate"))
    assert store.get_node("theme:water") is None and store.count_edges() == 0
    assert store.version() != version
    assert {(i.item, i.before is not None, i.after) for i in change.items} == {
        ("theme:water", True, None), ("municipality:herent|SEEKS|theme:water", True, None)}
    assert store.changes()[0].reason == "duplicate"


def test_delete_is_all_or_nothing(store):
    store.write([theme("water")])
    with pytest.raises(NotFound):
        store.delete(["theme:water", "theme:nowhere"])
    assert store.get_node("theme:water") is not None


def test_delete_an_edge_only(store):
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"}), theme("water")],
                [make_edge("municipality:herent", "SEEKS", "theme:water")])
    store.delete(edges=[("municipality:herent", "SEEKS", "theme:water")])
    assert store.count_edges() == 0 and store.get_node("theme:water") is not None


def test_a_write_adds_and_deletes_edges_in_one_change(store):
    herent = make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})
    store.write([herent, theme("water"), theme("youth")], [make_edge("municipality:herent", "SEEKS", "theme:water")])
    change = store.write([make_node("theme:youth", {"name": {"nl": "Jeugd"}})],
                         [make_edge("municipality:herent", "SEEKS", "theme:youth", {"source": "run:x"})],
                         ChangeNote("user:ana", "swap"),
                         delete_edges=[("municipality:herent", "SEEKS", "theme:water"),
                                       ("municipality:herent", "OFFERS", "theme:water")])  # not there: ignored
    assert [e.key for e in store.edges()] == [("municipality:herent", "SEEKS", "theme:youth")]
    assert {(i.item, i.before is None, i.after is None) for i in change.items} == {
        ("theme:youth", False, False), ("municipality:herent|SEEKS|theme:youth", True, False),
        ("municipality:herent|SEEKS|theme:water", False, True)}
    assert store.get_node("theme:water") is not None


def test_a_write_that_deletes_edges_is_all_or_nothing(store):
    herent = make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})
    store.write([herent, theme("water")], [make_edge("municipality:herent", "SEEKS", "theme:water")])
    seen = store.changes(limit=1)[0].seq
    store.write([theme("water", en="Water!")])
    with pytest.raises(StoreConflict):
        store.write([theme("youth")], delete_edges=[("municipality:herent", "SEEKS", "theme:water")],
                    expect={"theme:water": seen})
    with pytest.raises(NotFound):
        store.write(edges=[make_edge("municipality:herent", "OFFERS", "theme:nowhere")],
                    delete_edges=[("municipality:herent", "SEEKS", "theme:water")])
    assert store.count_edges() == 1 and store.get_node("theme:youth") is None


def test_meta_values_are_kept_without_a_version_bump(store):
    assert store.get_meta("seed_digest") is None
    version = store.version()
    store.set_meta("seed_digest", "abc")
    store.set_meta("seed_digest", "def")
    assert store.get_meta("seed_digest") == "def"
    assert store.version() == version


def test_a_large_write_is_all_or_nothing(store, monkeypatch):
    """Above the bulk threshold Neo4j commits in bounded transactions; the result is still atomic."""
    monkeypatch.setattr(graph.stores.neo4j.store, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(graph.stores.neo4j.store, "BATCH", 7)
    monkeypatch.setattr("graph.stores.neo4j.writes.BATCH", 7)
    monkeypatch.setattr("graph.stores.neo4j.bulk.BATCH", 7)
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})])
    towns = [make_node(f"municipality:t{i}", {"name": f"Town {i}", "country": "Peru"}) for i in range(30)]
    links = [make_edge(f"municipality:t{i}", "SEEKS", "theme:water") for i in range(30)]
    before = (store.count_by_kind(), store.count_edges(), store.version())
    # The last edge names a node that exists nowhere: nothing of the write may stay.
    with pytest.raises(NotFound):
        store.write([*towns, theme("water")], [*links, make_edge("municipality:nowhere", "SEEKS", "theme:water")])
    assert (store.count_by_kind(), store.count_edges(), store.version()) == before
    change = store.write([*towns, theme("water", en="Water")], links, ChangeNote("kb import", "bulk"))
    assert change.item_count == 61
    assert store.count_by_kind() == {"Municipality": 31, "Theme": 1} and store.count_edges() == 30
    assert store.search("town 29")[0].id == "municipality:t29"
    [logged] = store.changes(limit=1)
    assert logged.item_count == 61 and logged.reason == "bulk"
    assert [c.reason for c in store.changes(node_id="municipality:t29")] == ["bulk"]
    # Updating existing nodes in bulk is recorded with their before-values.
    renamed = [make_node(f"municipality:t{i}", {"name": f"Village {i}"}) for i in range(30)]
    store.write(renamed, change=ChangeNote("kb import", "rename"))
    [item] = store.changes(node_id="municipality:t3", limit=1)[0].items
    assert item.before["name"] == "Town 3" and item.after["name"] == "Village 3"
    assert store.get_node("municipality:t3").props["name"] == "Village 3"


def test_a_clash_in_a_large_write_is_undone(neo4j_store, monkeypatch):
    """A failure while publishing (here an id clash) puts back what the bulk write had done.

    Neo4j only: the embedded store writes any write in one transaction.
    """
    import graph.stores.neo4j.bulk as bulk

    store = neo4j_store
    store.clear()
    monkeypatch.setattr(graph.stores.neo4j.store, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(bulk, "BATCH", 4)
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})])
    before = (store.count_by_kind(), store.count_edges(), store.version(), store.get_node("municipality:herent"))
    real_publish = bulk._publish

    def publish_then_fail(*args):
        # Another writer creates one of the new ids meanwhile: the Entity label clashes.
        store.write([make_node("municipality:t5", {"name": "Other", "country": "Peru"})])
        return real_publish(*args)

    monkeypatch.setattr(bulk, "_publish", publish_then_fail)
    towns = [make_node(f"municipality:t{i}", {"name": f"Town {i}", "country": "Peru"}) for i in range(12)]
    with pytest.raises(StoreConflict):
        store.write([*towns, make_node("municipality:herent", {"name": "Herent (changed)"})])
    assert store.get_node("municipality:herent") == before[3]
    assert store.get_node("municipality:t0") is None
    assert store.get_node("municipality:t5").props["name"] == "Other"


def test_a_failed_batch_among_those_staged_at_once_undoes_the_others(neo4j_store, monkeypatch):
    """New nodes are staged by several transactions at once; one failing leaves none of the others behind."""
    import graph.stores.neo4j.bulk as bulk

    store = neo4j_store
    store.clear()
    monkeypatch.setattr(graph.stores.neo4j.store, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(bulk, "BATCH", 3)
    real_create = bulk._create_staged

    def create_or_fail(tx, rows, *, now, token):
        made = real_create(tx, rows, now=now, token=token)
        if any(r["id"] == "municipality:t7" for r in rows):
            raise StoreConflict("this batch fails after the others started")
        return made

    monkeypatch.setattr(bulk, "_create_staged", create_or_fail)
    before = (store.count_by_kind(), store.version())
    towns = [make_node(f"municipality:t{i}", {"name": f"Town {i}", "country": "Peru"}) for i in range(15)]
    with pytest.raises(StoreConflict):
        store.write(towns)
    assert (store.count_by_kind(), store.version()) == before
    assert store.connection.run(lambda tx: tx.run("MATCH (n:CommonGroundStaged) RETURN count(n) AS c").single()["c"]) == 0


def test_edges_of_many(store):
    store.write([make_node(f"municipality:{m}", {"name": m, "country": "Peru"}) for m in "abc"]
                + [make_node("partnership:ab", {"name": "a-b"}), theme("water")],
                [make_edge("municipality:a", "PARTNER_IN", "partnership:ab"),
                 make_edge("municipality:b", "PARTNER_IN", "partnership:ab"),
                 make_edge("municipality:a", "SEEKS", "theme:water")])
    keys = [e.key for e in store.edges_of_many(["municipality:a", "municipality:b", "municipality:c"])]
    assert keys == sorted(keys) and len(keys) == 3
    assert [e.key for e in store.edges_of_many(["partnership:ab", "municipality:a"], ["PARTNER_IN"])] == [
        ("municipality:a", "PARTNER_IN", "partnership:ab"), ("municipality:b", "PARTNER_IN", "partnership:ab")]
    assert store.edges_of_many([]) == []
    # Several types at once; a type the schema does not know is refused.
    assert len(store.edges_of_many(["municipality:a"], ["PARTNER_IN", "SEEKS"])) == 2
    with pytest.raises(SchemaError):
        store.edges_of_many(["municipality:a"], ["NO_SUCH_TYPE"])
    assert store.edges_of_many(["municipality:a"], []) == []


def test_find_by_match_key_returns_each_town_once_by_id(store):
    """The indexed lookup (Neo4j seeks match_key per value) answers as the scan does."""
    towns = [make_node(f"municipality:{m}", {"name": m.title(), "country": "Peru"}) for m in ("lima", "cusco")]
    store.write(towns)
    keys = [t.props["match_key"] for t in towns]
    found = store.find_by_property("Municipality", "match_key", [*keys, keys[0], "nowhere|pe"])
    assert [n.id for n in found] == ["municipality:cusco", "municipality:lima"]
    assert found[1].props["name"] == "Lima"
    assert store.find_by_property("Municipality", "match_key", []) == []


def test_seeding_twice_writes_once(store, tmp_path):
    from graph.ingest.seeds import SEEDS_DIR, seed

    first = seed(store)
    assert not first["unchanged"] and first["changed"] == first["nodes"] + first["edges"]
    version = store.version()
    assert seed(store)["unchanged"] and store.version() == version
    # A changed seed file is written again; only what changed is recorded.
    import shutil

    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, copy, ignore=shutil.ignore_patterns("data"))
    themes = copy / "themes.yaml"
    themes.write_text(themes.read_text(encoding="utf-8").replace('nl: "Kinderrechten"', 'nl: "Rechten van het kind"'),
                      encoding="utf-8")
    again = seed(store, copy)
    assert not again["unchanged"] and again["changed"] == 1
    assert store.get_node("theme:child-rights").props["name_nl"] == "Rechten van het kind"
    store.clear()
    assert not seed(store)["unchanged"]  # a cleared store forgets the digest


def test_neo4j_refuses_a_database_of_a_later_schema(neo4j_store):
    """A database a newer version has migrated is left alone: opening it says why, and writes nothing."""
    from graph import DataError, open_store
    from graph.stores.neo4j import migrations

    def set_version(tx, version):
        tx.run("MATCH (m:CommonGroundMeta {id: 'meta'}) SET m.schema_version = $v", v=version).consume()

    neo4j_store.version()  # the meta node exists
    neo4j_store.connection.run(set_version, 99, write=True)
    try:
        with pytest.raises(DataError, match="database schema 99, this version reads 3"), \
                open_store({"NEO4J_URI": neo4j_store.uri}) as again:
            again.version()
    finally:
        neo4j_store.connection.run(set_version, migrations.SCHEMA_VERSION, write=True)


def test_neo4j_rebuilds_a_search_index_of_another_format(neo4j_store):
    """Neo4j only (the embedded store has its own test): a driver that finds an old format re-indexes."""
    from graph import open_store

    neo4j_store.clear()
    neo4j_store.write([make_node("municipality:nimlahakok", {"name": "Nimlaha'kok", "country": "Guatemala"})])
    neo4j_store.connection.run(lambda tx: tx.run(
        "MATCH (n:Entity) SET n._search = '' WITH count(*) AS c "
        "MATCH (m:CommonGroundMeta {id: 'meta'}) SET m.search_format = 'old'").consume(), write=True)
    assert neo4j_store.search("nimlahakok") == []
    with open_store({"NEO4J_URI": neo4j_store.uri}) as again:
        assert [n.id for n in again.search("nimlahakok")] == ["municipality:nimlahakok"]


def test_a_store_of_schema_version_1_is_brought_up_to_date(neo4j_store):
    """A database of the first schema (synchronous full-text index, staged-node indexes, no version)
    takes the later steps on start; search then sees a write at once."""
    from graph import open_store
    from graph.stores.neo4j import migrations

    def config(tx):
        return tx.run("SHOW FULLTEXT INDEXES YIELD name, options WHERE name = 'entity_search' "
                      "RETURN options.indexConfig AS c").single()["c"]

    def index_names(tx):
        return {r["name"] for r in tx.run("SHOW INDEXES YIELD name RETURN name")}

    def version(tx):
        return tx.run("MATCH (m:CommonGroundMeta {id: 'meta'}) RETURN m.schema_version AS v").single()["v"]

    def forget_version(tx):
        tx.run("MATCH (m:CommonGroundMeta {id: 'meta'}) REMOVE m.schema_version").consume()

    neo4j_store.clear()
    neo4j_store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})])
    db = neo4j_store.connection
    assert db.run(version) == migrations.SCHEMA_VERSION == 3
    db.run(forget_version, write=True)
    with db.driver().session(database=db.database) as session:  # schema commands run on their own
        session.run("DROP INDEX entity_search").consume()
        for statement in migrations.STEP_1:
            session.run(statement).consume()
    assert not db.run(config)["fulltext.eventually_consistent"]
    assert {"staged_id", "staged_token", "published_token"} <= db.run(index_names)
    with open_store({"NEO4J_URI": neo4j_store.uri}) as again:
        assert again.connection.run(version) == 3
        assert again.connection.run(config)["fulltext.eventually_consistent"]
        assert not {"staged_id", "staged_token", "published_token"} & again.connection.run(index_names)
        assert [n.id for n in again.search("herent")] == ["municipality:herent"]
        for i in range(20):  # each write is found by the very next search
            again.write([make_node(f"municipality:town-{i}", {"name": f"Quillacollo {i}", "country": "Bolivia"})])
            assert [n.id for n in again.search(f"quillacollo {i}")] == [f"municipality:town-{i}"]


def test_a_write_based_on_an_old_version_is_refused(store):
    """No lost updates: ``expect`` names the change an editor saw; a newer one refuses the write whole."""
    from graph import StaleWrite

    store.write([theme("water", en="Water")], change=ChangeNote("user:ana", "create"))
    seen = store.changes(node_id="theme:water", limit=1)[0].seq
    store.write([make_node("theme:water", {"name": {"nl": "Water"}})], change=ChangeNote("user:luis", "nl"),
                expect={"theme:water": seen})
    version = store.version()
    with pytest.raises(StaleWrite) as info:  # Ana still has the form she opened before Luis saved
        store.write([make_node("theme:water", {"name": {"en": "Waters"}})], [], ChangeNote("user:ana", "en"),
                    expect={"theme:water": seen})
    assert info.value.node_id == "theme:water" and info.value.latest > seen
    assert store.version() == version and store.get_node("theme:water").props["name_en"] == "Water"
    with pytest.raises(StaleWrite):
        store.delete(["theme:water"], change=ChangeNote("user:ana", "delete"), expect={"theme:water": seen})
    assert store.get_node("theme:water") is not None


def test_a_change_to_an_edge_is_a_change_of_both_its_ends(store):
    """An editor's version of a node also moves when one of its edges changes, and history says so."""
    from graph import StaleWrite

    herent = make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})
    store.write([herent, theme("water")], change=ChangeNote("user:ana", "create"))
    seen = store.changes(node_id="theme:water", limit=1)[0].seq
    linked = store.write(edges=[make_edge("municipality:herent", "SEEKS", "theme:water")],
                         change=ChangeNote("user:luis", "link"))
    for end in ("theme:water", "municipality:herent"):
        assert [c.seq for c in store.changes(node_id=end, limit=1)] == [linked.seq]
        with pytest.raises(StaleWrite):
            store.write([make_node(end, {"name": {"en": "Changed"}} if end.startswith("theme")
                                   else {"name": "Changed", "country": "Belgium"})], expect={end: seen})
    unlinked = store.delete(edges=[("municipality:herent", "SEEKS", "theme:water")], change=ChangeNote("x", "unlink"))
    assert store.changes(node_id="theme:water", limit=1)[0].seq == unlinked.seq
    store.write([theme("water", en="Water")], expect={"theme:water": unlinked.seq})


def test_a_bulk_write_moves_the_version_of_what_it_touches(neo4j_store, monkeypatch):
    """A bulk write's change is the newest of what it touched: recorded on the nodes that were there
    before it, found in the change items for the nodes it created."""
    from graph import StaleWrite

    store = neo4j_store
    store.clear()
    store.write([make_node("municipality:herent", {"name": "Herent", "country": "Belgium"})])
    seen = store.changes(node_id="municipality:herent", limit=1)[0].seq
    monkeypatch.setattr(graph.stores.neo4j.store, "BULK_THRESHOLD", 10)
    towns = [make_node(f"municipality:t{i}", {"name": f"Town {i}", "country": "Peru"}) for i in range(12)]
    bulk = store.write(towns + [make_node("partnership:h-t0", {"name": "Herent – Town 0"})],
                       [make_edge("municipality:herent", "PARTNER_IN", "partnership:h-t0"),
                        make_edge("municipality:t0", "PARTNER_IN", "partnership:h-t0")])
    assert store.changes(node_id="municipality:herent", limit=1)[0].seq == bulk.seq > seen
    with pytest.raises(StaleWrite):
        store.write([make_node("municipality:herent", {"name": "Herent!", "country": "Belgium"})],
                    expect={"municipality:herent": seen})
    store.write([make_node("municipality:t3", {"name": "Town 3!", "country": "Peru"})],
                expect={"municipality:t3": bulk.seq})


def test_of_two_editors_racing_on_one_version_exactly_one_wins(store):
    """Two editors save at the same moment from the same version: one write lands, the other is refused."""
    import threading

    from graph import StaleWrite, open_store

    store.write([theme("water", en="Water")])
    seen = store.changes(node_id="theme:water", limit=1)[0].seq
    config = ({"NEO4J_URI": store.uri} if store.backend == "neo4j" else
              {"KB_DATA_DIR": str(store.dir), "NEO4J_URI": None})
    results, start = [], threading.Barrier(2)

    def edit(text):
        with open_store(config) as own:  # each editor has its own connection, as two workers do
            start.wait()
            try:
                own.write([make_node("theme:water", {"name": {"en": text}})], expect={"theme:water": seen})
                results.append(text)
            except StaleWrite:
                results.append("refused")

    editors = [threading.Thread(target=edit, args=(t,)) for t in ("A", "B")]
    for e in editors:
        e.start()
    for e in editors:
        e.join()
    assert sorted(results) in (["A", "refused"], ["B", "refused"])
    assert store.get_node("theme:water").props["name_en"] == next(r for r in results if r != "refused")


def test_a_recent_version_shows_own_writes_at_once_and_others_within_its_age(store, tmp_path):
    """The page cache's version: this store object's writes at once, another process's within max_age_s."""
    import time

    from graph import open_store

    other = (open_store({"NEO4J_URI": store.uri}) if store.backend == "neo4j"
             else open_store({"KB_DATA_DIR": str(store.dir), "NEO4J_URI": None}))
    try:
        seen = store.recent_version(60)
        store.write([theme("water")])
        assert store.recent_version(60) == store.version() != seen
        mine = store.recent_version(0.3)
        other.write([theme("youth")])
        assert store.recent_version(60) == mine  # kept for a moment: one version read saved per page
        time.sleep(0.35)
        assert store.recent_version(0.3) == store.version() == other.version() != mine
        assert store.recent_version(0) == store.version()
    finally:
        other.close()
