"""The Neo4j store's schema, as numbered steps from an empty database to today's indexes.

The meta node (``CommonGroundMeta {id: 'meta'}``) keeps in ``schema_version``
the number of the last step the database has taken.  When a process first
connects, it takes the steps after that one, in order, each recorded as it
ends; every statement of a step may run again harmlessly, so a step cut off
half way is simply taken again.  A step, once released, never changes: a new
schema change is a new step at the end of :data:`STEPS`.

Databases made before the steps were numbered have no ``schema_version``:
they took step 1 and maybe part of step 2, which the migration finishes.
"""

from __future__ import annotations

from ... import text
from ...errors import DataError
from .cypher import BATCH, visible

STEP_1 = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX municipality_match IF NOT EXISTS FOR (n:Municipality) ON (n.match_key)",
    # The indexed text is already folded into [0-9a-z ]+ by graph.text, so a whitespace analyzer
    # tokenises exactly as the embedded store does.
    "CREATE FULLTEXT INDEX entity_search IF NOT EXISTS FOR (n:Entity) ON EACH [n._search] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}",
    "CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:CommonGroundMeta) REQUIRE m.id IS UNIQUE",
    "CREATE CONSTRAINT change_seq IF NOT EXISTS FOR (c:CommonGroundChange) REQUIRE c.seq IS UNIQUE",
    "CREATE INDEX change_items_seq IF NOT EXISTS FOR (c:CommonGroundChangeItems) ON (c.seq)",
    "CREATE INDEX staged_id IF NOT EXISTS FOR (n:CommonGroundStaged) ON (n.id)",
    "CREATE INDEX staged_token IF NOT EXISTS FOR (n:CommonGroundStaged) ON (n._staging)",
    "CREATE INDEX published_token IF NOT EXISTS FOR (n:Entity) ON (n._staging)",
    "CREATE INDEX staged_items IF NOT EXISTS FOR (n:CommonGroundChangeItems) ON (n._staging)",
)


def _drop_synchronous_search_index(session) -> None:
    """Drop the full-text index of step 1 (refreshed by each commit); step 2 makes it eventually consistent."""
    found = session.run("SHOW FULLTEXT INDEXES YIELD name, options WHERE name = 'entity_search' "
                        "RETURN options.indexConfig AS config").single()
    if found is not None and not found["config"].get("fulltext.eventually_consistent"):
        session.run("DROP INDEX entity_search").consume()


STEP_2 = (
    # Eventually consistent: a commit hands its updates to the index's own thread instead of
    # refreshing Lucene itself (most of a small write's commit, in a probe), and search() waits
    # for what was committed before it reads.
    _drop_synchronous_search_index,
    "CREATE FULLTEXT INDEX entity_search IF NOT EXISTS FOR (n:Entity) ON EACH [n._search] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace', `fulltext.eventually_consistent`: true}}",
    # Staged nodes are found by element id (graph.stores.neo4j.bulk), and published ones are no
    # longer marked: the indexes for both only cost every write.
    "DROP INDEX staged_id IF EXISTS",
    "DROP INDEX staged_token IF EXISTS",
    "DROP INDEX published_token IF EXISTS",
)

# 3: a change says what it did as ``code`` and ``params`` (JSON) on its CommonGroundChange node
# (graph.model.CHANGE_CODES); records made before keep their free-text reason and have neither.
# Properties need no statement, but the step is numbered all the same, so that a program of
# before, which would show coded changes without what they did, refuses the database instead.
STEP_3 = ()

STEPS = (STEP_1, STEP_2, STEP_3)
SCHEMA_VERSION = len(STEPS)


def schema_version(session) -> int:
    """Return the number of the last step the database took (0 for a new or unnumbered one)."""
    found = session.run("MATCH (m:CommonGroundMeta {id: 'meta'}) RETURN m.schema_version AS v").single()
    return (found["v"] if found is not None else None) or 0


def migrate(driver, database: str | None) -> None:
    """Take the schema steps the database lacks, then refresh a search index of another format.

    A database newer than this code is refused untouched.
    """
    with driver.session(database=database) as session:
        found = schema_version(session)
        if found > SCHEMA_VERSION:
            raise DataError("neo4j", None, "schema", f"database schema {found}, this version reads {SCHEMA_VERSION}")
        for number, step in enumerate(STEPS[found:], start=found + 1):
            for statement in step:
                if callable(statement):
                    statement(session)
                else:
                    session.run(statement).consume()
            session.run("MERGE (m:CommonGroundMeta {id: 'meta'}) SET m.schema_version = $v", v=number).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
        stored = session.run("MATCH (m:CommonGroundMeta {id: 'meta'}) RETURN m.search_format AS f").single()
        if stored is None or stored["f"] != text.SEARCH_FORMAT:
            _reindex(session)


def _reindex(session) -> None:
    """Recompute every node's search text, made by another version of text.search_text."""
    last = ""
    while True:
        rows = list(session.run("MATCH (n:Entity) WHERE n.id > $last RETURN n.id AS id, properties(n) AS props "
                                "ORDER BY n.id LIMIT $batch", last=last, batch=BATCH))
        if not rows:
            break
        session.run("UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n._search = row.words",
                    rows=[{"id": r["id"], "words": text.search_text(visible(r["props"]))} for r in rows]).consume()
        last = rows[-1]["id"]
    session.run("MERGE (m:CommonGroundMeta {id: 'meta'}) SET m.search_format = $f", f=text.SEARCH_FORMAT).consume()
