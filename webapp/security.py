"""Response headers on every response, error pages included.

A strict Content-Security-Policy (the pages load scripts and styles from
this site only and have no inline script or style), ``nosniff``, a
Referrer-Policy, HSTS when the request came over TLS, and Cache-Control on
HTML pages so that browsers and proxies revalidate them by ETag.

Whether a request came over TLS is what WSGI says; behind a proxy that
terminates TLS, set PROXY_FIX to the number of proxies so that their
X-Forwarded-Proto is believed (and only then).
"""

from __future__ import annotations

from flask import Flask, request

CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)
# Pages other sites may frame, under EMBED_FRAME_ANCESTORS instead of FRAME_ANCESTORS.
EMBEDDABLE = frozenset({"network.embed"})
# Pages change when the graph does: caches may keep them but must ask first (the ETag makes that cheap).
HTML_CACHE_CONTROL = "no-cache"
# An error or an outage is not worth keeping.
ERROR_CACHE_CONTROL = "no-store"


def content_security_policy(frame_ancestors: str) -> str:
    """Return the CSP header value with the configured frame-ancestors sources."""
    return "; ".join((*CSP, f"frame-ancestors {frame_ancestors}"))


def init_app(app: Flask) -> None:
    """Add the security and caching headers to every response."""
    csp = content_security_policy(app.config["FRAME_ANCESTORS"])
    embed_csp = content_security_policy(app.config["EMBED_FRAME_ANCESTORS"])
    hsts = f"max-age={int(app.config['HSTS_MAX_AGE'])}; includeSubDomains"

    @app.after_request
    def add_headers(response):
        headers = response.headers
        embeddable = request.endpoint in EMBEDDABLE and response.status_code < 400
        headers.setdefault("Content-Security-Policy", embed_csp if embeddable else csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure and app.config["HSTS_MAX_AGE"]:
            headers.setdefault("Strict-Transport-Security", hsts)
        if "Cache-Control" not in headers and response.mimetype in ("text/html", "application/json"):
            headers["Cache-Control"] = HTML_CACHE_CONTROL if response.status_code < 400 else ERROR_CACHE_CONTROL
        return response
