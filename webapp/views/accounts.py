"""Signing in and out.  Readers need no account; editors sign in to change the knowledge base."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..auth import User, current_account, get_accounts, signed_in
from ..db import get_store
from ..forms.common import SignInForm
from ..presenters import nodes as present
from ..render import page, render

bp = Blueprint("accounts", __name__)


def form_errors(form) -> dict[str, list[str]]:
    """Return a form's translated errors by field, as the JSON twin gives them."""
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def _safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site (never another host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@page(bp, "/<lang:lang>/sign-in", params=("next",), methods=["GET", "POST"], cache=False)
def sign_in(fmt: str):
    """Sign in with an account name and password (rate-limited per client)."""
    form = SignInForm()
    target = _safe_next(request.args.get("next"))
    status, error = 200, None
    if form.validate_on_submit():
        account = get_accounts().authenticate(form.account.data.strip().lower(), form.password.data)
        if account is not None:
            session.clear()  # nothing from before the sign-in survives it, the CSRF token included
            g.pop("csrf_token", None)
            login_user(User(account))
            if fmt == "json":
                return {"signed_in": account.public(), "csrf_token": generate_csrf()}
            return redirect(target or url_for("home.index"))
        status, error = 401, gettext("The account name or the password is wrong, or the account is disabled.")
    elif form.is_submitted():
        status = 400
    context = {"title": gettext("Sign in"), "error": error, "errors": form_errors(form),
               "fields": ["account", "password"], "csrf_token": generate_csrf(), "next": target}
    return render("accounts/sign_in.html", context, fmt, status, html={"form": form})


@bp.route("/<lang:lang>/sign-out", methods=["POST"])
def sign_out():
    """Sign out (a POST with the CSRF token, so no other site can sign anyone out).

    The account's session version moves on, so this session's cookie, and any copy of it,
    stops working on the server too (and so do the account's sessions on other devices).
    """
    account = current_account()
    if account is not None:
        get_accounts().end_sessions(account.id)
    logout_user()
    session.clear()
    return redirect(url_for("home.index"))


@page(bp, "/<lang:lang>/account", cache=False)
@signed_in
def account(fmt: str):
    """Show the signed-in account: role and what it works for (never its password)."""
    me = current_account()
    lang = present.current_lang()
    nodes = get_store().get_nodes(list(me.scopes))
    scopes = [present.ref(nodes[s], lang) if s in nodes else {"id": s, "label": s, "url": None} for s in me.scopes]
    return render("accounts/account.html", {"title": gettext("Your account"), "account": me.public(), "scopes": scopes}, fmt)
