"""Localised error pages, in HTML or JSON like the page that failed."""

from __future__ import annotations

import time

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from graph import DataError, SchemaError, StoreUnavailable
from graph import NotFound as NodeNotFound


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def _titles() -> dict[int, str]:
    return {
        400: gettext("This request cannot be answered"),
        401: gettext("Please sign in"),
        403: gettext("Not allowed"),
        409: gettext("Someone else changed this meanwhile"),
        413: gettext("This request is too large"),
        404: gettext("Page not found"),
        405: gettext("This request cannot be answered"),
        429: gettext("Too many requests"),
        500: gettext("Something went wrong"),
        503: gettext("The knowledge base is not available right now"),
    }


def _megabytes(size: int | None) -> str:
    return f"{(size or 0) / 1_000_000:.3g}"


def render_error(code: int, message: str, headers: dict | None = None):
    """Render an error page (or JSON) with a translated title and message."""
    title = _titles().get(code, gettext("Something went wrong"))
    if _wants_json():
        return {"error": {"status": code, "title": title, "message": message}}, code, headers or {}
    page = {"title": title, "message": message, "status": code}
    return render_template("error.html", page=page), code, headers or {}


def unavailable_response():
    """The translated 503 for a store that is down or damaged, with when to try again."""
    return render_error(503, gettext("Please try again in a moment."),
                        {"Retry-After": str(current_app.config["RETRY_AFTER"])})


def _deletion(node_id: str):
    """Return the change that deleted ``node_id``, if that is the last thing that happened to it."""
    from ..db import get_store

    try:
        latest = get_store().changes(node_id=node_id, limit=1)
    except Exception:  # noqa: BLE001 - a 404 must not fail because the history cannot be read
        return None
    if latest and any(i.item == node_id and i.after is None for i in latest[0].items):
        return latest[0]
    return None


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        default = {
            404: gettext("There is no page at this address."),
            405: gettext("This address does not accept this kind of request."),
            403: gettext("Your account may not do this."),
            413: gettext("The knowledge base accepts requests of at most %(size)s MB; nothing was changed.",
                         size=_megabytes(current_app.config["MAX_CONTENT_LENGTH"])),
        }.get(exc.code, "")
        described = exc.description if exc.description and exc.description != type(exc).description else ""
        # A 405 says which methods the address takes (RFC 9110 requires Allow).
        headers = {k: v for k, v in exc.get_headers() if k == "Allow"}
        return render_error(exc.code or 500, described or default, headers)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        return render_error(400, gettext("This form has expired or did not come from this site. "
                                         "Reload the page and try again; nothing was changed."))

    @app.errorhandler(429)
    def too_many(exc):
        limit = app.extensions["common_ground"]["limiter"].current_limit
        retry = max(1, int(limit.reset_at - time.time())) if limit else 60
        return render_error(429, gettext("You sent many requests in a short time. "
                                         "Please wait a moment and try again."), {"Retry-After": str(retry)})

    @app.errorhandler(NodeNotFound)
    def node_not_found(exc: NodeNotFound):
        deleted = _deletion(exc.node_id)
        if deleted is not None:
            # Deletes are soft: the change record keeps the node whole; its editors or an admin restore it.
            return render_error(404, gettext(
                "%(id)s was deleted (change #%(seq)s, %(at)s). Its editors or an administrator can restore it: "
                "see %(url)s.",
                id=exc.node_id, seq=deleted.seq, at=deleted.at, url=url_for("history.change", seq=deleted.seq)))
        return render_error(404, gettext("There is nothing with the id %(id)s.", id=exc.node_id))

    @app.errorhandler(SchemaError)
    def bad_request(exc: SchemaError):
        return render_error(400, gettext("This request cannot be answered: %(reason)s", reason=str(exc)))

    @app.errorhandler(StoreUnavailable)
    def unavailable(exc: StoreUnavailable):
        app.logger.error("store unavailable: %s", exc)
        return unavailable_response()

    @app.errorhandler(DataError)
    def damaged(exc: DataError):
        # The web app loads no files: a DataError here is a store whose files cannot be read.
        app.logger.error("store damaged (restore its files from a backup): %s", exc)
        return unavailable_response()

    @app.errorhandler(InternalServerError)
    def internal(exc):
        return render_error(500, gettext("The error has been logged."))

