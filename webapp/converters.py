"""URL converters for node kinds; registered by the browse blueprint."""

from __future__ import annotations

from werkzeug.routing import BaseConverter

from graph.schema import NODE_KINDS


class KindConverter(BaseConverter):
    """Match the plural of a node kind, such as ``municipalities``."""

    regex = "|".join(sorted((k.plural for k in NODE_KINDS.values()), key=len, reverse=True))


class LocalIdConverter(BaseConverter):
    """Match the part of a node id after its kind prefix (never ending in .json)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._-]*?"
