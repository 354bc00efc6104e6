"""One URL per page: ``/nl/`` and ``/nl/lessons/`` redirect to ``/nl`` and ``/nl/lessons``."""

from __future__ import annotations

import re

from flask import Flask, redirect, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect


def init_app(app: Flask) -> None:
    """Redirect a path that is only unknown because of trailing slashes to the path without them."""

    @app.before_request
    def drop_trailing_slash():
        # Routing already failed (Flask raises the error only after before_request hooks run).
        path = request.path
        if not isinstance(request.routing_exception, NotFound) or path == "/" or not path.endswith("/"):
            return None
        # Doubled slashes collapse too, so the redirect can never read as "//other-host".
        bare = re.sub("/{2,}", "/", path).rstrip("/") or "/"
        adapter = app.url_map.bind_to_environ(request.environ)
        try:
            adapter.match(bare, method=request.method)
        except (NotFound, MethodNotAllowed):
            return None
        except RequestRedirect:
            pass  # the bare path exists and itself redirects: still the right place to go
        query = request.query_string.decode("latin-1")
        return redirect(f"{request.script_root}{bare}{'?' + query if query else ''}", code=308)
