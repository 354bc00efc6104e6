"""Request rates per client on the routes that cost the most: path search, matching, search.

Each app gets its own Flask-Limiter, with storage from RATELIMIT_STORAGE_URI
(``memory://``, per process, by default; ``redis://host:6379`` shares the
counts between workers and servers).  A request counts only when it does the
expensive work (a search with words, a path search with both ends, a submitted
match form); the limits apply before the page cache.  Over a limit, the client
gets a translated 429 with Retry-After (see views/errors.py).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# endpoint -> (config key holding its limit, whether a request does the expensive work)
LIMITED = {
    "search.search": ("RATELIMIT_SEARCH", lambda: bool(request.args.get("q", "").strip())),
    "paths.paths": ("RATELIMIT_PATHS", lambda: bool(request.args.get("from") and request.args.get("to"))),
    "matching.find_partner": ("RATELIMIT_MATCH", lambda: bool(request.args)),
    # Every sign-in attempt counts: a password guess is what the limit is for.
    "accounts.sign_in": ("RATELIMIT_SIGNIN", lambda: request.method == "POST"),
}


def init_app(app: Flask) -> None:
    """Attach a limiter to ``app`` and limit the expensive endpoints (after they are registered)."""
    # The client's address: behind a proxy, set PROXY_FIX so that this is the real client.
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["common_ground"]["limiter"] = limiter
    for endpoint, (key, costly) in LIMITED.items():
        app.view_functions[endpoint] = limiter.limit(
            lambda key=key: current_app.config[key], exempt_when=lambda costly=costly: not costly(),
        )(app.view_functions[endpoint])
