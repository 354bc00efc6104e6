"""Domain errors.  Stores map their backend's failures onto these."""

from __future__ import annotations


class GraphError(Exception):
    """Base class for every error the graph layer raises on purpose."""


class SchemaError(GraphError, ValueError):
    """A node kind, relationship type or property the schema does not allow.

    ``field`` names what is at fault when it is one thing: ``"id"``, ``"type"``,
    ``"source"``, ``"target"`` or a property key, so loaders can point to it.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFound(GraphError, LookupError):
    """A node id that is not in the store."""

    def __init__(self, node_id: str):
        super().__init__(f"no node with id {node_id!r}")
        self.node_id = node_id


class DataError(GraphError, ValueError):
    """A record in a seed, import or export file that cannot be loaded.

    Carries where the problem is so that a person can fix the file.
    """

    def __init__(self, file: str, record: str | int | None, field: str | None, message: str):
        where = str(file)
        if record is not None:
            where += f", {record}" if isinstance(record, str) else f", row {record}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
        self.file, self.record, self.field, self.detail = file, record, field, message


class StoreUnavailable(GraphError, ConnectionError):
    """The backend cannot be reached (server down, bad credentials, locked file)."""


class StoreConflict(GraphError):
    """A write that would break an invariant, such as loading into a non-empty store."""


class StaleWrite(StoreConflict):
    """A write based on a version of a node that another change has since replaced."""

    def __init__(self, node_id: str, expected: int, latest: int):
        super().__init__(f"{node_id} changed after change {expected} (now at {latest})")
        self.node_id, self.expected, self.latest = node_id, expected, latest
