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

from graph.accounts import ROLES, AccountError

from ..auth import admin_only, current_account, get_accounts
from ..choices import options
from ..db import get_store
from ..labels import ROLES as ROLE_NAMES
from ..render import page, render

bp = Blueprint("accounts_admin", __name__)
_SCOPES = re.compile(r"[\s,;]+")


def account_error(exc: AccountError) -> str:
    """Return the translated message for a refused account operation."""
    return {
        "bad_id": gettext("An account name has 2 to 63 characters: lower-case letters, digits, '.', '_' or '-'."),
        "bad_role": gettext("Unknown role."),
        "bad_scope": gettext("An editor works for municipalities or organisations only."),
        "no_scope": gettext("An editor needs at least one municipality or organisation."),
        "bad_password": gettext("A password has 10 to 1024 characters."),
        "taken": gettext("There is already an account with this name."),
        "unknown": gettext("There is no such account."),
        "bad_name": gettext("A display name has at most 120 characters."),
    }.get(exc.code, str(exc))


class AccountForm(FlaskForm):
    """A new account, or changes to one (the fields left empty are left as they are)."""

    account = StringField(_l("Account name"), validators=[Optional(), Length(max=63)])
    display_name = StringField(_l("Name shown beside changes"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[], validators=[InputRequired()])
    scopes = StringField(_l("Municipalities and organisations (ids, separated by commas)"),
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


def _scopes(form) -> list[str]:
    scopes = [s for s in _SCOPES.split(form.scopes.data or "") if s]
    missing = sorted(set(scopes) - set(get_store().get_nodes(scopes))) if scopes else []
    if missing:
        form.scopes.errors = [gettext("There is nothing with the id %(id)s.", id=missing[0])]
        return None
    return scopes


def _context(form, error: str | None = None) -> dict:
    return {"title": gettext("Accounts"), "accounts": [a.public() for a in get_accounts().all()],
            "errors": {k: [str(m) for m in v] for k, v in form.errors.items()}, "error": error,
            "csrf_token": generate_csrf()}


def _answer(fmt: str, form, error: str | None, status: int):
    context = _context(form, error)
    return render("accounts_admin.html", dict(context, form=form) if fmt == "html" else context, fmt, status)


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
