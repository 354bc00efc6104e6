"""History: each node's changes, the site's recent changes, one change, and reverting it."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm

from graph import NotFound
from graph.editing.edits import NotRevertible, get_change, may_edit, may_link, revert

from .. import present
from ..auth import current_account, signed_in
from ..changes import nodes_of, present_change
from ..db import get_store
from ..render import page, render
from ..visibility import visibility

bp = Blueprint("history", __name__)
PAGE = 50


def _before() -> int | None:
    raw = request.args.get("before", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        abort(400, description=gettext("%(name)s must be a whole number between %(low)d and %(high)d",
                                       name="before", low=1, high=10**18))
    return int(raw)


def _listing(changes, lang: str) -> dict:
    # Paged by what the store gave, so that leaving out changes of unpublished workspace runs
    # (graph/workspace/privacy.py) never ends the list early.
    older = changes[-1].seq if len(changes) == PAGE else None
    changes = visibility().changes(changes)
    nodes = nodes_of(get_store(), changes)
    shown = [present_change(c, nodes, lang) for c in changes]
    return {"changes": shown, "older": older}


@page(bp, "/<lang:lang>/history/<kind:plural>/<local:local>", params=("before",))
def node_history(plural: str, local: str, fmt: str):
    """Every change that touched a node or its links, newest first, with diffs."""
    store, lang = get_store(), present.current_lang()
    node_id = present.node_id_of(plural, local)
    node = store.get_node(node_id)
    changes = store.changes(node_id=node_id, limit=PAGE, before_seq=_before())
    if (node is None and not changes) or visibility().hides_id(node_id) or \
            (node is not None and visibility().hides_node(node)):
        raise NotFound(node_id)
    label = node.label(lang) if node else node_id
    context = {"title": gettext("History of %(name)s", name=label),
               "node": present.ref(node, lang) if node else None, **_listing(changes, lang)}
    return render("history.html", context, fmt)


@page(bp, "/<lang:lang>/changes", params=("before",))
def recent(fmt: str):
    """The latest changes anywhere in the knowledge base, newest first."""
    lang = present.current_lang()
    changes = get_store().changes(limit=PAGE, before_seq=_before())
    return render("history.html", {"title": gettext("Recent changes"), "node": None, **_listing(changes, lang)}, fmt)


@page(bp, "/<lang:lang>/changes/<int:seq>")
def change(seq: int, fmt: str):
    """One change with all its items; a signed-in editor may revert it from here."""
    store, lang = get_store(), present.current_lang()
    found = get_change(store, seq) if seq < 2**62 else None
    if found is None or visibility().hides_change(found):
        abort(404)
    context = {"title": gettext("Change #%(seq)s", seq=seq),
               "change": present_change(found, nodes_of(store, [found]), lang)}
    return render("change.html", context, fmt)


def may_revert(store, account, found) -> bool:
    """Staff and admins revert anything; an editor only changes whose every item is theirs and still there.

    Restoring a deleted node is for admins (and staff): once deleted, it belongs to no one.
    """
    if account.edits_everything:
        return True
    for item in found.items:
        if item.kind == "node":
            if store.get_node(item.item) is None or not may_edit(store, account, item.item):
                return False
        else:
            source, _, target = item.item.split("|")
            if len(store.get_nodes([source, target])) < 2 or not may_link(store, account, source, target):
                return False
    return True


@page(bp, "/<lang:lang>/changes/<int:seq>/revert", methods=["POST"], cache=False)
@signed_in
def revert_change(seq: int, fmt: str):
    """Undo a change: write back what it replaced and delete what it created, as a new change."""
    store, account = get_store(), current_account()
    FlaskForm().validate_on_submit()  # CSRF is checked for every POST; this keeps the form's contract
    found = get_change(store, seq) if seq < 2**62 else None
    if found is None:
        abort(404)
    if not may_revert(store, account, found):
        abort(403, description=gettext("Your account may not revert this change: it touches what belongs to "
                                       "others, or restores something deleted (administrators do that)."))
    try:
        done = revert(store, seq, account.actor)
    except NotRevertible as exc:
        if exc.code == "changed":
            abort(409, description=gettext("This change cannot be reverted: what it touched has changed again "
                                           "since. Revert the later changes first, or edit the page."))
        abort(404)
    if fmt == "json":
        return {"reverted": seq, "changes": [c.seq for c in done]}
    return redirect(url_for("history.change", seq=done[-1].seq) if done else url_for("history.recent"), 303)
