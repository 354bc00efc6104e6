"""Sign-in: Flask-Login sessions over the accounts beside the graph, CSRF on every state change.

Session cookies are HttpOnly and SameSite=Lax always, and Secure whenever the
request came over TLS (or SESSION_COOKIE_SECURE says so): a local `kb serve`
over plain HTTP still works, a public server behind TLS never sends the cookie
in clear.  A session holds the account id and a key derived from the password
hash and the account's session version (graph/accounts.py), checked on every
request: signing out, a password reset, disabling or enabling the account end
every open session, and a cookie copied before stops working.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from graph.accounts.model import Account, AccountStore, open_accounts
from graph.editing.edits import may_edit

from .db import get_store

login_manager = LoginManager()
csrf = CSRFProtect()


class User(UserMixin):
    """The signed-in account, as Flask-Login wants it."""

    def __init__(self, account: Account):
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}|{self.account.session_key}"

    @property
    def is_active(self) -> bool:
        return self.account.active


class TLSAwareSessions(SecureCookieSessionInterface):
    """Mark the session cookie Secure when the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def get_accounts() -> AccountStore:
    """Return the accounts beside the app's store, opened on first use."""
    ext = current_app.extensions["common_ground"]
    if ext.get("accounts") is None:
        ext["accounts"] = open_accounts(get_store())
    return ext["accounts"]


def current_account() -> Account | None:
    """Return the signed-in account, or None for a reader."""
    return current_user.account if current_user.is_authenticated else None


def signed_in(view):
    """Let only signed-in accounts in; a page sends others to sign in, a JSON twin answers 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            if kwargs.get("fmt") == "json" or request.path.endswith(".json"):
                abort(401, description=gettext("Please sign in to edit the knowledge base."))
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapper.needs_account = True  # for the OpenAPI description
    return wrapper


def admin_only(view):
    """Let only admins in."""

    @wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        if current_account().role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def init_app(app: Flask) -> None:
    """Attach sessions, Flask-Login and CSRF protection."""
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      WTF_CSRF_TIME_LIMIT=None)  # a token lives as long as the session
    app.session_interface = TLSAwareSessions()
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to edit the knowledge base.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(key: str):
        account_id, _, session_key = key.partition("|")
        account = get_accounts().get(account_id)
        if account is None or not account.active or account.session_key != session_key:
            return None
        return User(account)

    @app.after_request
    def private_pages(response):
        # A page for one account, or one holding a session's CSRF token, is no one else's to keep.
        # Only a session that names an account can be signed in (the app sets no remember-me
        # cookie): asking current_user only then spares every anonymous request Flask-Login's
        # user loading, which was a third of a cached page's time.
        if ("_user_id" in session and current_user.is_authenticated) or "csrf_token" in g:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    @app.context_processor
    def account_context():
        account = current_account()

        def may_edit_node(node_id: str) -> bool:
            """Whether the reader may edit ``node_id``: a page shows only the controls that would work."""
            return account is not None and may_edit(get_store(), account, node_id)

        return {"account": account, "may_edit": may_edit_node}
