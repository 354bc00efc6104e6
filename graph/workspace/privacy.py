"""Who sees a partnership's workspace: its runs stay between the partners until one is published.

A run (``ExerciseRun``) and its answers (``ExerciseResponse``) are an internal
exercise between two partners, and their answers are candid.  Until a run is
published explicitly (:func:`publish_run`, which records when and by whom, as
a change of its own), only these see it:

* the editors of either side of the partnership (accounts scoped to one of its
  municipalities), and
* staff and admins.

For everyone else the run, its answers, and whatever its answers put into the
graph (the nodes and edges whose ``source`` is the run: themes and SDGs the
partnership concerns, stakeholders, ambitions) are absent: from pages and their
JSON twins, search, node histories and the recent changes (a change that touches
any of them is left out whole), the exports and the network.

:class:`Visibility` answers those questions for one reader; the web app builds one
per request and asks it, and exports build one for no reader at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from ..model import Change, ChangeNote, Node
from .errors import WorkspaceError
from .read import partners, run

PUBLISHED_AT = "published_at"
PUBLISHED_BY = "published_by"
WORKSPACE_NODE_KINDS = frozenset({"ExerciseRun", "ExerciseResponse"})


def is_published(props) -> bool:
    """Whether the run with these properties was published."""
    return bool(props.get(PUBLISHED_AT))


def may_see_private(store, account, partnership_id: str) -> bool:
    """Whether ``account`` sees the partnership's unpublished runs: its sides' editors, staff and admins."""
    if account is None or not account.active:
        return False
    if account.edits_everything:
        return True
    return bool(set(account.scopes) & set(partners(store, partnership_id)))


def run_of(node_id: str) -> str | None:
    """The run a workspace node id belongs to (a run is its own), else None.

    A response's id is ``response:<run local id>--<municipality local id>`` (write.response_id).
    """
    if node_id.startswith("run:"):
        return node_id
    if node_id.startswith("response:") and "--" in node_id:
        return "run:" + node_id.split(":", 1)[1].rsplit("--", 1)[0]
    return None


class Visibility:
    """What of the workspace one reader (an account, or None for the public) may see, read once."""

    def __init__(self, store, account=None):
        self.account = account
        allowed: dict[str, bool] = {}
        hidden = set()
        for node in store.nodes("ExerciseRun", only=(PUBLISHED_AT, "partnership")):
            if is_published(node.props):
                continue
            partnership = str(node.props.get("partnership", ""))
            if partnership not in allowed:
                allowed[partnership] = may_see_private(store, account, partnership)
            if not allowed[partnership]:
                hidden.add(node.id)
        self.hidden_runs = frozenset(hidden)

    def __bool__(self) -> bool:
        """Whether anything is hidden from this reader at all (most of the time, nothing)."""
        return bool(self.hidden_runs)

    def hides_id(self, node_id: str) -> bool:
        """Whether the node with this id is an unpublished run or its answers, hidden from this reader."""
        return bool(self.hidden_runs) and run_of(node_id) in self.hidden_runs

    def hides_props(self, props) -> bool:
        """Whether a node or an edge with these properties came from a run hidden from this reader."""
        return bool(self.hidden_runs) and props is not None and props.get("source") in self.hidden_runs

    def hides_node(self, node: Node) -> bool:
        return self.hides_id(node.id) or self.hides_props(node.props)

    def hides_edge(self, edge) -> bool:
        return self.hides_id(edge.source) or self.hides_id(edge.target) or self.hides_props(edge.props)

    def hides_change(self, change: Change) -> bool:
        """Whether a change touches anything hidden from this reader (it is then left out whole)."""
        if not self.hidden_runs:
            return False
        for item in change.items:
            ends = item.item.split("|") if "|" in item.item else [item.item]
            if any(self.hides_id(end) for end in ends) or self.hides_props(item.before) \
                    or self.hides_props(item.after):
                return True
        return False

    def nodes(self, nodes: Iterable[Node]) -> list[Node]:
        return [n for n in nodes if not self.hides_node(n)]

    def edges(self, edges: Iterable) -> list:
        return [e for e in edges if not self.hides_edge(e)]

    def changes(self, changes: Iterable[Change]) -> list[Change]:
        return [c for c in changes if not self.hides_change(c)]


def publish_run(store, account, run_id: str, based_on: int | None = None, actor: str | None = None):
    """Publish a run: from now on everyone sees it, its answers and what they yielded.

    Whoever sees the unpublished run may publish it (its sides' editors, staff, admins).  The
    date and the account are kept on the run (``published_at``, ``published_by``) and the write
    is a change of its own, so the history says who published it, and a revert takes it back.
    Publishing a published run changes nothing.  ``based_on``: the run's version the form showed.
    """
    from ..editing.edits import version_of
    from ..errors import StaleWrite

    found = run(store, run_id)
    if not may_see_private(store, account, found.partnership):
        raise WorkspaceError("not_an_editor", f"{account.id if account else 'nobody'} may not publish {run_id}")
    node = store.get_node(run_id)
    if is_published(node.props):
        return found
    version = version_of(store, run_id) if based_on is None else based_on
    published = {PUBLISHED_AT: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 PUBLISHED_BY: actor or account.actor}
    try:
        store.write([dataclasses.replace(node, props={**node.props, **published})],
                    change=ChangeNote(actor or account.actor, code="publish", params={"run": run_id}),
                    expect={run_id: version})
    except StaleWrite:
        raise WorkspaceError("stale", f"{run_id} changed meanwhile", changes=[]) from None
    return run(store, run_id)
