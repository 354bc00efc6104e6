"""Administrators manage accounts: add, change role and municipalities, disable, enable, reset passwords."""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from graph import search as finder
from graph.accounts.model import ROLES, AccountError

from ..auth import admin_only, current_account, get_accounts
from ..choices import options
from ..db import get_store
from ..i18n import current_language as current_lang
from ..labels import ROLES as ROLE_NAMES
from ..render import page, render

bp = Blueprint("accounts_admin", __name__)
# Scopes are given by name (or id), so a name's spaces stay: commas, semicolons or new lines separate them.
_SCOPES = re.compile(r"[,;\n]+")
SCOPE_KINDS = ("Municipality", "Organisation")


def account_error(exc: AccountError) -> str:
    """Return the translated message for a refused account operation."""
    if exc.code == "weak_password":
        reason = {
            "repeat": gettext("it repeats characters or groups of characters."),
            "sequence": gettext("it holds a sequence such as abcd or 1234."),
            "keyboard": gettext("it follows keys next to each other on a keyboard."),
            "words": gettext("it is made of common words, names or passwords, or of the account's name."),
            "date": gettext("it holds a date or a year."),
        }.get(exc.reason, gettext("it is short or simple."))
        return gettext("This password is too easy to guess: %(reason)s Choose a longer one, for example "
                       "four or more words that do not belong together.", reason=reason)
    return {
        "bad_id": gettext("An account name has 2 to 63 characters: lower-case letters, digits, '.', '_' or '-'."),
        "bad_role": gettext("Unknown role."),
        "bad_scope": gettext("An editor works for municipalities or organisations only."),
        "no_scope": gettext("An editor needs at least one municipality or organisation."),
        "bad_password": gettext("A password has 10 to 1024 characters."),
        "common_password": gettext("This password is on a list of the most common passwords, which are "
                                   "tried first. Choose another one."),
        "taken": gettext("There is already an account with this name."),
        "unknown": gettext("There is no such account."),
        "bad_name": gettext("A display name has at most 120 characters."),
    }.get(exc.code, str(exc))


class AccountForm(FlaskForm):
    """A new account, or changes to one (the fields left empty are left as they are)."""

    account = StringField(_l("Account name"), validators=[Optional(), Length(max=63)])
    display_name = StringField(_l("Name shown beside changes"), validators=[Optional(), Length(max=120)])
    # A select always holds a choice: no "required" attribute, which HTML allows only after a placeholder.
    role = SelectField(_l("Role"), choices=[], validators=[InputRequired()], render_kw={"required": False})
    scopes = StringField(_l("Municipalities and organisations (names, separated by commas)"),
                         validators=[Optional(), Length(max=5000)])
    password = PasswordField(_l("Password (at least 10 characters)"), validators=[Optional(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])


def _form() -> AccountForm:
    form = AccountForm()
    form.role.choices = options((r, str(ROLE_NAMES[r])) for r in ROLES)
    form.action.choices = options([("save", gettext("Save role and municipalities")), ("disable", gettext("Disable")),
                           ("enable", gettext("Enable")), ("password", gettext("Set the new password"))])
    return form


def _scope_of(store, given: str, lang: str) -> tuple[str | None, str | None]:
    """Return (the id of the municipality or organisation ``given`` names, None) or (None, the error)."""
    found = finder.resolve(store, given, lang=lang)
    if found.node is not None and found.node.kind in SCOPE_KINDS:
        return found.node.id, None
    choices = [h for h in found.choices if h.node.kind in SCOPE_KINDS]
    exact = [h for h in choices if h.match == finder.Match.EXACT]
    if len(exact) == 1 or (not exact and len(choices) == 1):
        return (exact or choices)[0].node.id, None
    if not choices:
        return None, gettext("No municipality or organisation is called %(name)s.", name=given)
    named = ", ".join(f"{h.node.label(lang)} ({h.node.id})" for h in (exact or choices)[:4])
    return None, gettext("Several match %(name)s: %(choices)s. Give the one you mean by its id.",
                         name=given, choices=named)


def _scopes(form) -> list[str] | None:
    store, lang = get_store(), current_lang()
    scopes, errors = [], []
    for given in (s.strip() for s in _SCOPES.split(form.scopes.data or "")):
        if not given:
            continue
        scope, error = _scope_of(store, given, lang)
        if error:
            errors.append(error)
        elif scope not in scopes:
            scopes.append(scope)
    if errors:
        form.scopes.errors = errors
        return None
    return scopes


def scope_names(store, scope_ids, lang: str) -> dict[str, str]:
    """Each scope's name in ``lang`` (its id when it is gone), as accounts are shown."""
    nodes = store.get_nodes(sorted(set(scope_ids)))
    return {s: nodes[s].label(lang) if s in nodes else s for s in scope_ids}


def _scope_text(store, scope_ids, names: dict, lang: str) -> str:
    """What the scopes field holds for an account: each name, or the id where the name is not unique."""
    return ", ".join(names[s] if _scope_of(store, names[s], lang)[0] == s else s for s in scope_ids)


def _context(form, error: str | None = None) -> dict:
    store, lang = get_store(), current_lang()
    accounts = [a.public() for a in get_accounts().all()]
    names = scope_names(store, [s for a in accounts for s in a["scopes"]], lang)
    for a in accounts:
        a["scope_names"] = [names[s] for s in a["scopes"]]
        a["scope_text"] = _scope_text(store, a["scopes"], names, lang)
    return {"title": gettext("Accounts"), "accounts": accounts,
            "errors": {k: [str(m) for m in v] for k, v in form.errors.items()}, "error": error,
            "csrf_token": generate_csrf()}


def _answer(fmt: str, form, error: str | None, status: int):
    context = _context(form, error)
    return render("accounts/admin.html", context, fmt, status, html={"form": form})


@page(bp, "/<lang:lang>/admin/accounts", methods=["GET", "POST"], cache=False)
@admin_only
def accounts(fmt: str):
    """List the accounts (never their passwords) and add one."""
    form = _form()
    if not form.is_submitted():
        return _answer(fmt, form, None, 200)
    scopes = _scopes(form) if form.validate() else None
    if scopes is None:
        return _answer(fmt, form, None, 400)
    try:
        added = get_accounts().add((form.account.data or "").strip(), form.password.data or "", form.role.data,
                                   scopes, (form.display_name.data or "").strip())
    except AccountError as exc:
        return _answer(fmt, form, account_error(exc), 400)
    if fmt == "json":
        return {"added": added.public()}, 201
    return redirect(url_for("accounts_admin.accounts"), 303)


@page(bp, "/<lang:lang>/admin/accounts/<account_id>", methods=["POST"], cache=False)
@admin_only
def change_account(account_id: str, fmt: str):
    """Change an account: role and municipalities, disable, enable, or set a new password."""
    form = _form()
    if not form.validate():
        return _answer(fmt, form, None, 400)
    store = get_accounts()
    if store.get(account_id) is None:
        abort(404)
    if account_id == current_account().id and form.action.data in ("disable", "save") and \
            (form.action.data == "disable" or form.role.data != "admin"):
        return _answer(fmt, form, gettext("You cannot disable your own account or take away your own admin "
                                          "role; ask another administrator."), 400)
    try:
        if form.action.data == "disable":
            changed = store.set_active(account_id, False)
        elif form.action.data == "enable":
            changed = store.set_active(account_id, True)
        elif form.action.data == "password":
            changed = store.set_password(account_id, form.password.data or "")
        else:
            scopes = _scopes(form)
            if scopes is None:
                return _answer(fmt, form, None, 400)
            changed = store.set_role(account_id, form.role.data, scopes or None)
    except AccountError as exc:
        return _answer(fmt, form, account_error(exc), 400)
    if fmt == "json":
        return {"changed": changed.public()}
    return redirect(url_for("accounts_admin.accounts"), 303)
