"""History: each node's changes, the site's recent changes, one change, and reverting it."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf

from graph import NotFound
from graph.editing.edits import EDIT_LOCK, NotRevertible, get_change, may_revert, plan_revert, revert

from ..auth import current_account, signed_in
from ..db import get_store
from ..labels import relation_name
from ..presenters import nodes as present
from ..presenters.changes import nodes_of, present_change
from ..render import page, render
from ..visibility import visibility

bp = Blueprint("history", __name__)
PAGE = 50
# A listing shows this many items of each change (an import touches thousands); its page shows them all,
# ITEMS_PAGE at a time.
ITEMS_IN_LISTING = 5
ITEMS_PAGE = 100


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
    changes = store.changes(node_id=node_id, limit=PAGE, before_seq=_before(), max_items=ITEMS_IN_LISTING)
    if (node is None and not changes) or visibility().hides_id(node_id) or \
            (node is not None and visibility().hides_node(node)):
        raise NotFound(node_id)
    label = node.label(lang) if node else node_id
    context = {"title": gettext("History of %(name)s", name=label),
               "node": present.ref(node, lang) if node else None, **_listing(changes, lang)}
    return render("history/history.html", context, fmt)


@page(bp, "/<lang:lang>/changes", params=("before",))
def recent(fmt: str):
    """The latest changes anywhere in the knowledge base, newest first."""
    lang = present.current_lang()
    changes = get_store().changes(limit=PAGE, before_seq=_before(), max_items=ITEMS_IN_LISTING)
    return render("history/history.html", {"title": gettext("Recent changes"), "node": None, **_listing(changes, lang)}, fmt)


def _items_page() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        abort(400, description=gettext("%(name)s must be a whole number between %(low)d and %(high)d",
                                       name="page", low=1, high=10**9 - 1))
    return int(raw)


@page(bp, "/<lang:lang>/changes/<int:seq>", params=("page",))
def change(seq: int, fmt: str):
    """One change with its items, a hundred a page; an editor whose items they all are may revert it here."""
    store, lang = get_store(), present.current_lang()
    found = _found(store, seq)
    number = _items_page()
    pages = max(1, -(-len(found.items) // ITEMS_PAGE))
    if number > pages:
        abort(404)
    shown = replace(found, items=found.items[(number - 1) * ITEMS_PAGE:number * ITEMS_PAGE])
    account = current_account()
    context = {"title": gettext("Change #%(seq)s", seq=seq),
               "change": present_change(shown, nodes_of(store, [shown]), lang),
               "items_page": {"number": number, "pages": pages, "first": (number - 1) * ITEMS_PAGE + 1,
                              "last": min(number * ITEMS_PAGE, len(found.items)), "total": len(found.items)},
               "may_revert": may_revert(store, account, found) if account else False}
    return render("history/change.html", context, fmt)


def _found(store, seq: int):
    found = get_change(store, seq) if seq < 2**62 else None
    if found is None or visibility().hides_change(found):
        abort(404)  # an unpublished workspace run's change is not there for whoever may not see it
    return found


def _refusal(exc: NotRevertible) -> str:
    if exc.code == "done":
        return gettext("This change is undone already: everything it touched is as it was before it.")
    if exc.code == "confirm":
        return gettext("More would be deleted now than you confirmed: someone linked to it meanwhile. "
                       "Check what goes and confirm again.")
    return gettext("This change cannot be reverted: fields it set have changed again since. "
                   "Revert the later changes first, or edit the page.")


def _edge_label(key, nodes: dict, lang: str) -> str:
    source, rel, target = key
    label = {n: nodes[n].label(lang) if n in nodes else n for n in (source, target)}
    return f"{label[source]} — {relation_name(rel, 'out')} → {label[target]}"


def _preview(store, found, plan, lang: str) -> dict:
    """What a revert writes back and deletes, for the reader to confirm."""
    ends = {e for key in plan.going_with for e in key[::2]}
    nodes = {**nodes_of(store, [found]), **store.get_nodes(sorted(ends))}
    return {"deletes": [present.ref(nodes[n], lang) if n in nodes else {"id": n, "label": n, "url": None}
                        for n in plan.delete_nodes],
            "going_with": [{"key": "|".join(k), "label": _edge_label(k, nodes, lang)} for k in plan.going_with],
            "restores": [n.id for n in plan.nodes], "confirmation": plan.confirmation,
            "needs_confirmation": plan.deletes}


def _revert_page(store, found, fmt: str, status: int = 200, plan=None, refusal: str | None = None):
    lang = present.current_lang()
    shown = replace(found, items=found.items[:ITEMS_PAGE])  # the change's page has them all
    context = {"title": gettext("Revert change #%(seq)s", seq=found.seq),
               "change": present_change(shown, nodes_of(store, [shown]), lang),
               "refusal": refusal, "csrf_token": generate_csrf(),
               **(_preview(store, found, plan, lang) if plan else {"deletes": [], "going_with": [], "restores": [],
                                                                    "confirmation": None,
                                                                    "needs_confirmation": False})}
    return render("history/revert.html", context, fmt, status)


def _check_may_revert(store, account, found) -> None:
    if not may_revert(store, account, found):
        abort(403, description=gettext("Your account may not revert this change: it touches what belongs to "
                                       "municipalities or organisations you do not work for."))


def _confirmed() -> str | None:
    given = request.form.get("confirmed")
    if given is None and request.is_json:
        body = request.get_json(silent=True)
        given = body.get("confirmed") if isinstance(body, dict) else None
    return given if isinstance(given, str) and given else None


@page(bp, "/<lang:lang>/changes/<int:seq>/revert", methods=["GET", "POST"], cache=False)
@signed_in
def revert_change(seq: int, fmt: str):
    """Undo a change: write back what it replaced and delete what it created, as a new change.

    GET answers the preview: what the revert writes back and, for one that deletes, what
    goes (links added later included), with the button that does it.  A revert that
    deletes a node is done only with the ``confirmed`` digest of what goes (the preview's
    form sends it); a POST without it answers the preview again.
    """
    store, account = get_store(), current_account()
    found = _found(store, seq)
    _check_may_revert(store, account, found)
    if request.method == "GET":
        try:
            return _revert_page(store, found, fmt, plan=plan_revert(store, found))
        except NotRevertible as exc:
            return _revert_page(store, found, fmt, 409, refusal=_refusal(exc))
    FlaskForm().validate_on_submit()  # CSRF is checked for every POST; this keeps the form's contract
    confirmed = _confirmed()
    with EDIT_LOCK:
        try:
            plan = plan_revert(store, found)
            if plan.deletes and confirmed is None:
                return _revert_page(store, found, fmt, 409 if fmt == "json" else 200, plan=plan)
            done = revert(store, seq, account.actor, confirmed=confirmed if plan.deletes else None)
        except NotRevertible as exc:
            if exc.code == "unknown":
                abort(404)
            plan = None if exc.code != "confirm" else plan_revert(store, found)
            return _revert_page(store, found, fmt, 409, plan=plan, refusal=_refusal(exc))
    if fmt == "json":
        return {"reverted": seq, "changes": [c.seq for c in done]}
    if done:
        flash(gettext("Change #%(seq)s is reverted.", seq=seq))
    return redirect(url_for("history.change", seq=done[-1].seq) if done else url_for("history.recent"), 303)
