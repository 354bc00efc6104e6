"""Common Ground's domain: the schema, the stores, loaders and analytics.

``open_store`` is the one place that picks a backend.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .errors import DataError, GraphError, NotFound, SchemaError, StaleWrite, StoreConflict, StoreUnavailable
from .model import Edge, ListQuery, Node, Page
from .stores.base import GraphStore

__all__ = [
    "DataError", "Edge", "GraphError", "GraphStore", "ListQuery", "Node", "NotFound", "Page",
    "SchemaError", "StaleWrite", "StoreConflict", "StoreUnavailable", "default_data_dir", "open_store",
]


def default_data_dir() -> Path:
    """Return where the embedded store lives unless KB_DATA_DIR says otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "common-ground"


def open_store(config: Mapping | None = None) -> GraphStore:
    """Open the store the configuration names: Neo4j if NEO4J_URI is set, else embedded.

    ``config`` is any mapping (a Flask config, ``os.environ``); keys it does
    not have fall back to the process environment, so ``{"NEO4J_URI": None}``
    asks for the embedded store whatever the environment says.
    """
    config = config if config is not None else {}

    def setting(key, default=None):
        value = config[key] if key in config else os.environ.get(key)
        return value if value not in (None, "") else default

    uri = setting("NEO4J_URI")
    if uri:
        from .stores.neo4j.store import DEFAULT_TIMEOUT_S, Neo4jStore

        user = setting("NEO4J_USER") or setting("NEO4J_USERNAME")
        auth = (user, setting("NEO4J_PASSWORD", "")) if user else None
        timeout = setting("NEO4J_TIMEOUT_S")
        try:
            timeout = float(timeout) if timeout is not None else DEFAULT_TIMEOUT_S
        except (TypeError, ValueError):
            raise ValueError(f"NEO4J_TIMEOUT_S must be a number of seconds, not {timeout!r}") from None
        return Neo4jStore(uri, auth=auth, database=setting("NEO4J_DATABASE"), timeout_s=timeout)
    from .stores.sqlite.store import EmbeddedStore

    return EmbeddedStore(setting("KB_DATA_DIR") or default_data_dir())
