"""Plain values passed between stores, loaders and analytics.

Nothing here knows places or languages beyond the schema: building a validated node from a
record (which keys a town by its country) is :mod:`graph.records`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import schema, text


@dataclass(frozen=True)
class Node:
    """A node: its id, its kind (a schema label) and its flat properties."""

    id: str
    kind: str
    props: dict = field(default_factory=dict, compare=True, hash=False)

    def label(self, lang: str) -> str:
        """Return the node's display name in ``lang``, falling back to its id."""
        return text.display_name(self.props, lang, self.id)


@dataclass(frozen=True)
class Edge:
    """A relationship ``source -type-> target``; one per (source, type, target)."""

    source: str
    type: str
    target: str
    props: dict = field(default_factory=dict, compare=True, hash=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.type, self.target)


@dataclass(frozen=True)
class Page:
    """One page of a node listing, with the total the filters matched."""

    total: int
    nodes: list[Node]


@dataclass(frozen=True)
class ListQuery:
    """What a node listing asks for.  Keys are checked before any store sees them.

    ``where`` holds property equality filters, ``related`` node ids the listed
    nodes must be linked to (either direction, any type), ``year`` keeps nodes
    whose start_year..end_year span contains it.
    """

    kind: str
    where: tuple[tuple[str, object], ...] = ()
    related: tuple[str, ...] = ()
    year: int | None = None
    sort: str = "name"
    descending: bool = False
    lang: str = "nl"
    offset: int = 0
    limit: int = 50

    def __post_init__(self):
        schema.node_kind(self.kind)
        for key, _ in self.where:
            schema.check_properties({key: ""})
        schema.check_properties({self.sort: ""})
        if self.lang not in schema.LANGUAGES:
            raise schema.SchemaError(f"unknown language {self.lang!r}")
        if not (self.offset >= 0 and 1 <= self.limit <= 1000):
            raise schema.SchemaError("offset must be >= 0 and limit between 1 and 1000")
        for node_id in self.related:
            schema.kind_of_id(node_id)


# What a change did, as a code and the names of its parameters.  Every write the code makes
# names itself by one of these, so history can say it in the reader's language: the sentences
# are in webapp/changes.py (CHANGE_SENTENCES), one per code, and a test checks that both lists
# agree.  A new kind of write adds its code here and its sentence there.  Parameters are plain
# strings or whole numbers: node ids, file names, language codes, property names, change numbers.
CHANGE_CODES: dict[str, tuple[str, ...]] = {
    # an editor's edits; their own typed reason, if any, rides along in ``reason``
    "create": (),                                # a node made from the editing form
    "edit": (),                                  # a node's fields edited
    "delete": (),                                # a node deleted
    "profile": (),                               # a municipality's profile saved
    "add_link": ("source", "rel", "target"),     # a link made between two nodes
    "remove_link": ("source", "rel", "target"),  # a link taken away
    "translate": ("field", "to"),                # one text field translated into language ``to``
    "revert": ("seq",),                          # change #seq undone
    # SDG tags the suggester proposed and a person accepted (graph/sdgs): ``tags`` the ids, comma-separated
    "suggestion_accepted": ("tag", "suggester"),                  # one suggested tag accepted on its own
    "edit_with_suggestions": ("tags", "suggester"),               # an edit that also accepted suggested tags
    "create_with_suggestions": ("tags", "suggester"),             # a new node with suggested tags accepted
    "questionnaire_import_with_suggestions": ("file", "tags", "suggester"),
    # exercises run by both sides (graph/workspace)
    "start_run": ("template", "held_on"),        # a session of an exercise started
    "adapt_exercise": ("template",),             # an exercise adapted
    "answers": ("run", "side"),                  # one side's answers to a session saved
    "translate_answer": ("run", "item", "to"),   # one answer translated into language ``to``
    "publish": ("run",),                         # a session's results published
    # processes (the kb command line)
    "seed": ("digest",),                         # the seeds loaded (first 12 hex digits of their digest)
    "load": ("file",),                           # an exchange file loaded
    "import_twinnings": ("file",),               # twin towns imported
    "fold_duplicates": ("file",),                # one town spelt twice folded, after an import of ``file``
    "questionnaire_import": ("file",),           # a questionnaire imported
    "reconcile_places": ("file",),               # Belgian places reconciled with the gazetteer before an import
    "fold_closed_values": (),                    # free-text values folded onto the schema's closed lists
    "restore": ("file", "digest"),               # a backup restored
    "migrate_snapshot": ("file",),               # a JSON snapshot of the first embedded store copied in
    "migrate_ids": ("step",),                    # ids from transliterated names: "new_ids" or "old_ids"
}


@dataclass(frozen=True)
class ChangeNote:
    """Who makes a write and why; stores commit it with the write, as one change record.

    ``actor`` names a person or a process ("kb seed", "user:42"); ``at`` is an
    ISO 8601 UTC timestamp, filled in by the store when empty.  ``code`` and
    ``params`` say what the change did (one of :data:`CHANGE_CODES`), so it can
    be told in any language; ``reason`` holds only an editor's own typed words
    (shown as typed), and the free text of records made before codes.
    """

    actor: str = "system"
    reason: str = ""
    at: str = ""
    code: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        check_change_code(self.code, self.params)


def check_change_code(code: str, params) -> None:
    """Refuse a code not in CHANGE_CODES, or parameters other than the ones it names."""
    if not code:
        if params:
            raise ValueError("change parameters without a code")
        return
    names = CHANGE_CODES.get(code)
    if names is None:
        raise ValueError(f"unknown change code {code!r} (add it to graph.model.CHANGE_CODES)")
    if set(params) != set(names):
        raise ValueError(f"change code {code!r} takes {sorted(names)}, not {sorted(params)}")
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError(f"change parameter {name!r} must be text or a whole number")


@dataclass(frozen=True)
class ChangeItem:
    """One node or edge a change touched: its properties before and after.

    ``before`` is None when the change created the item, ``after`` is None
    when it deleted the item.  Together they make a change diffable and
    revertible without looking at any other change.
    """

    item: str            # a node id, or "source|TYPE|target" for an edge
    kind: str            # "node" or "edge"
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class Change:
    """A committed change: a number that orders it, the note, and what it touched."""

    seq: int
    at: str
    actor: str
    reason: str
    items: tuple[ChangeItem, ...] = ()
    item_count: int = 0
    code: str = ""               # what it did (CHANGE_CODES); "" for records made before codes
    params: dict = field(default_factory=dict)


def edge_item(key: tuple[str, str, str]) -> str:
    """Return the change-log name of an edge: 'source|TYPE|target'."""
    return "|".join(key)


def fold_repeats(nodes: list[Node], edges: list[Edge]) -> tuple[list[Node], list[Edge]]:
    """Fold repeated ids and edge keys of one write into one record each, later properties winning."""
    by_id: dict[str, Node] = {}
    for n in nodes:
        if n.id in by_id:
            n = Node(n.id, n.kind, {**by_id[n.id].props, **n.props})
        by_id[n.id] = n
    by_key: dict[tuple, Edge] = {}
    for e in edges:
        if e.key in by_key:
            e = Edge(e.source, e.type, e.target, {**by_key[e.key].props, **e.props})
        by_key[e.key] = e
    return list(by_id.values()), list(by_key.values())
