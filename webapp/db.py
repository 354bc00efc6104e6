"""The per-process store, opened on first use (after any gunicorn fork)."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from graph import GraphStore, open_store
from graph.matching import follow_match_index, warm_match_index
from graph.suggest import warm_name_index

_lock = threading.Lock()


def get_store() -> GraphStore:
    """Return the app's store, opening it on first use."""
    ext = current_app.extensions["common_ground"]
    if ext.get("store") is None:
        with _lock:
            if ext.get("store") is None:
                store = open_store(current_app.config)
                ext["store"] = store
                # Build the partner-matching index in the background, so that the
                # first search in this worker does not wait for it, and keep it
                # following writes, so that the first search after one does not either.
                warm_match_index(store)
                follow_match_index(store, current_app.config["MATCH_INDEX_FOLLOW_S"])
                warm_name_index(store)  # "did you mean" over every town name
    return ext["store"]


def init_app(app: Flask) -> None:
    """Register the store slot; a test may pass a ready store as config STORE."""
    app.extensions["common_ground"] = {"store": app.config.get("STORE")}
