"""How a write is recorded: the rules every store follows, written once.

A write merges each node's and edge's properties over what is stored; an item
whose merged properties equal the stored ones is a no-op, neither written nor
recorded.  Each item that changed becomes a :class:`ChangeRow` (what it is,
its key, its properties before and after), and the store commits the rows
with the write, as one change with a number, a UTC timestamp, an actor, a code
with its parameters (what the change did, :data:`graph.model.CHANGE_CODES`) and
a reason (an editor's own words, or the free text of a record made before codes).  The :class:`~graph.model.Change` a write returns carries the first
:data:`ITEMS_RETURNED` items and the count of all; the stored record keeps
every item, so the change can be shown in full and reverted.

Only where the rows are kept differs: SQLite tables in
:mod:`graph.stores.sqlite.writes`, JSON chunks on Neo4j in
:mod:`graph.stores.neo4j.writes`.
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple

from ..model import Change, ChangeItem, ChangeNote, edge_item

# A write returns the first this many items of its change (the record keeps all of them).
ITEMS_RETURNED = 100


class ChangeRow(NamedTuple):
    """One item of a change as a store records it: a node or an edge, before and after.

    ``key`` is a node's id or an edge's (source, type, target); ``before`` is None
    when the write created the item, ``after`` is None when it deleted it.
    """

    kind: str
    key: str | tuple[str, str, str]
    before: dict | None
    after: dict | None

    @classmethod
    def from_record(cls, name: str, kind: str, before: dict | None, after: dict | None) -> ChangeRow:
        """The row of an item as a change record (or a backup) names it (see :attr:`name`)."""
        return cls(kind, name if kind == "node" else tuple(name.split("|")), before, after)

    @property
    def name(self) -> str:
        """The item as a change record names it: a node's id or an edge's ``source|TYPE|target``."""
        return self.key if self.kind == "node" else edge_item(self.key)

    @property
    def ends(self) -> tuple[str, ...]:
        """The nodes the item touches: the node itself, or both ends of the edge."""
        if self.kind == "node":
            return (self.key,)
        source, _, target = self.key
        return (source,) if source == target else (source, target)


def merged(before: dict | None, props: dict) -> dict | None:
    """Return the properties ``props`` written over ``before`` give; None when that changes nothing.

    ``before`` is None for an item not stored yet, which is never a no-op.
    """
    after = {**(before or {}), **props}
    return None if before is not None and after == before else after


def written(kind: str, key, before: dict | None, props: dict) -> ChangeRow | None:
    """Return the change row of writing ``props`` over ``before``, or None for a no-op."""
    after = merged(before, props)
    return None if after is None else ChangeRow(kind, key, before, after)


def deleted(kind: str, key, before: dict) -> ChangeRow:
    """Return the change row of deleting an item that had ``before``."""
    return ChangeRow(kind, key, before, None)


def now() -> str:
    """The current time as a change records it: ISO 8601 in UTC, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def change_time(change: ChangeNote) -> str:
    """The time a change is recorded at: the caller's, or now."""
    return change.at or now()


def touched_nodes(items) -> set[str]:
    """The ids of the nodes ``items`` touch: each node item's, and both ends of each edge item's."""
    return {end for item in items for end in ChangeRow(*item).ends}


def returned_change(seq: int, at: str, change: ChangeNote, items: list) -> Change:
    """The :class:`Change` a write returns: its first ITEMS_RETURNED items and the count of all."""
    recorded = tuple(ChangeItem(row.name, row.kind, row.before, row.after)
                     for row in (ChangeRow(*item) for item in items[:ITEMS_RETURNED]))
    return Change(seq, at, change.actor, change.reason, recorded, len(items), change.code, dict(change.params))


def encode_params(params: dict) -> str:
    """A change's parameters as both stores keep them: one JSON object."""
    return json.dumps(params, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode_params(stored: str | None) -> dict:
    """A change's parameters read back; a record made before codes has none."""
    return json.loads(stored) if stored else {}
