"""Security headers on the error pages gunicorn writes itself.

gunicorn answers some requests before the app sees them: a request line longer than
``limit_request_line`` (414), headers over ``limit_request_field_size`` or ``limit_request_fields``
(431), a request it cannot parse (400), and a worker's crash inside a request (500).  It writes
those pages with ``gunicorn.util.write_error``, which sends no Content-Security-Policy, no
``nosniff`` and no Referrer-Policy.  Raising the limits so that Flask answers instead would only
move the problem (an unparsable request never reaches Flask) and would drop a defence, so
webapp/gunicorn_conf.py installs this writer in each worker (``post_worker_init``): the same
status and reason, a page of its own, and the app's headers.

This module imports nothing of Flask: it runs in gunicorn's worker before the app is loaded.
"""

from __future__ import annotations

import html
import json
import os

from gunicorn import util

# The page has no script, style, image or form, so it needs no source at all.
CSP = "default-src 'none'; base-uri 'none'; form-action 'none'"


def frame_ancestors() -> str:
    """The app's KB_FRAME_ANCESTORS setting (Flask reads KB_ values as JSON when they are JSON)."""
    value = os.environ.get("KB_FRAME_ANCESTORS", "'none'")
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, str) else value


def error_response(status: int, reason: str, message: str) -> bytes:
    """Return the whole HTTP response for one of gunicorn's own errors."""
    reason = " ".join(str(reason).split()) or "Error"
    body = ("<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
            f"<title>{status} {html.escape(reason)}</title></head>\n"
            f"<body><h1>{status} {html.escape(reason)}</h1>\n<p>{html.escape(str(message))}</p></body>\n</html>\n"
            ).encode()
    headers = [
        f"HTTP/1.1 {status} {reason}",
        "Connection: close",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        f"Content-Security-Policy: {CSP}; frame-ancestors {frame_ancestors()}",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: same-origin",
        "Cache-Control: no-store",
    ]
    # The reason comes from gunicorn, never from the request; latin-1 is what HTTP/1.1 headers carry.
    return ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1", "replace") + body


def write_error(sock, status_int, reason, mesg) -> None:
    """A drop-in for gunicorn.util.write_error that sends the security headers."""
    util.write_nonblock(sock, error_response(int(status_int), reason, mesg))


def install() -> None:
    """Make this process's gunicorn write its own error pages with the security headers."""
    util.write_error = write_error
