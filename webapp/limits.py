"""Request rates per client on the routes that cost the most: path search, matching, search, sign-in.

A client is a signed-in account, or else an address: the people of a municipal
office share one address, and each of them signed in has their own count.  The
limits are set so that a person browsing quickly (a picker asks the search as
they type) never meets them, while an automated flood still does.  Sign-in
attempts count per address and, separately, per account name tried, so that
guessing one account's password stays slow from any number of addresses.

Each app gets its own Flask-Limiter, with storage from RATELIMIT_STORAGE_URI
(``memory://``, per process, by default; ``redis://host:6379`` shares the
counts between workers and servers).  A request counts only when it does the
expensive work (a search with words, a path search with both ends, a submitted
match form); the limits apply before the page cache.  Over a limit, the client
gets a translated 429 with Retry-After (see views/errors.py).
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .auth import current_account

# endpoint -> (config key holding its limit, whether a request does the expensive work)
LIMITED = {
    "search.search": ("RATELIMIT_SEARCH", lambda: bool(request.args.get("q", "").strip())),
    "paths.paths": ("RATELIMIT_PATHS", lambda: bool(request.args.get("from") and request.args.get("to"))),
    "matching.find_partner": ("RATELIMIT_MATCH", lambda: bool(request.args)),
    # Every sign-in attempt counts: a password guess is what the limit is for.
    "accounts.sign_in": ("RATELIMIT_SIGNIN", lambda: request.method == "POST"),
}


def client_key() -> str:
    """Who a request counts for: the signed-in account, else the address it came from."""
    # Only a session that names an account can be signed in: readers are spared Flask-Login's user loading.
    account = current_account() if "_user_id" in session else None
    if account is not None:
        return f"account:{account.id}"
    # The client's address: behind a proxy, set PROXY_FIX so that this is the real client.
    return f"address:{get_remote_address()}"


def account_tried() -> str:
    """The account name a sign-in attempt tries (as the sign-in form folds it)."""
    return "sign-in:" + (request.form.get("account") or "").strip().lower()[:63]


def init_app(app: Flask) -> None:
    """Attach a limiter to ``app`` and limit the expensive endpoints (after they are registered)."""
    limiter = Limiter(client_key, app=app)
    app.extensions["common_ground"]["limiter"] = limiter
    for endpoint, (key, costly) in LIMITED.items():
        app.view_functions[endpoint] = limiter.limit(
            lambda key=key: current_app.config[key], exempt_when=lambda costly=costly: not costly(),
        )(app.view_functions[endpoint])
    app.view_functions["accounts.sign_in"] = limiter.limit(
        lambda: current_app.config["RATELIMIT_SIGNIN_ACCOUNT"], key_func=account_tried,
        exempt_when=lambda: request.method != "POST",
    )(app.view_functions["accounts.sign_in"])
