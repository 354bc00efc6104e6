"""Probes for load balancers and orchestrators (is the process alive, can it answer?) and the API's description."""

from __future__ import annotations

from flask import Blueprint, current_app

from graph import GraphError

from ..db import get_store
from ..openapi import describe

bp = Blueprint("health", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/health")
def health():
    """Say that the process serves requests, without touching the store."""
    return {"status": "ok"}, 200, NO_STORE


@bp.route("/openapi.json")
def openapi():
    """Describe the JSON API (OpenAPI 3.1)."""
    ext = current_app.extensions["common_ground"]
    if "openapi" not in ext:
        ext["openapi"] = describe(current_app)
    return ext["openapi"], 200, {"Cache-Control": "no-cache"}


@bp.route("/ready")
def ready():
    """Say whether the store answers; 503 with Retry-After when it does not."""
    try:
        store = get_store()
        store.version()
    except GraphError as exc:
        current_app.logger.error("not ready: %s", exc)
        retry = str(current_app.config["RETRY_AFTER"])
        return {"status": "unavailable"}, 503, {**NO_STORE, "Retry-After": retry}
    return {"status": "ready", "backend": store.backend}, 200, NO_STORE
