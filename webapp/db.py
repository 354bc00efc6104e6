"""The per-process store, opened on first use (after any gunicorn fork)."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from graph import GraphStore, open_store

_lock = threading.Lock()


def get_store() -> GraphStore:
    """Return the app's store, opening it on first use."""
    ext = current_app.extensions["common_ground"]
    if ext.get("store") is None:
        with _lock:
            if ext.get("store") is None:
                ext["store"] = open_store(current_app.config)
    return ext["store"]


def init_app(app: Flask) -> None:
    """Register the store slot; a test may pass a ready store as config STORE."""
    app.extensions["common_ground"] = {"store": app.config.get("STORE")}
