"""Find a thematic partner: two-sided, explained matching on the graph.

A coordinator names their municipality (or describes one that is not in the
graph with a :class:`Profile`) and the themes they want to work on;
:func:`match` returns candidate partner municipalities ranked by a score
that is the sum of weighted parts (see :data:`WEIGHTS` and docs/matching.md),
each part backed by :class:`Evidence` made of real graph edges.  Candidates
with a thematic signal come before those found through the network alone.

The graph is read once per store version into a :class:`MatchIndex`
(only public :class:`~graph.stores.base.GraphStore` reads), cached per store and
rebuilt when ``store.version()`` changes.  Matching itself is pure Python
over the index, so every backend gives the same answer for the same data.

Modules: :mod:`.tuning` (weights, strengths, limits), :mod:`.request` (what
is asked, and its checks), :mod:`.result` (what is answered), :mod:`.index`
(reading and caching the graph), :mod:`.scoring` (the match),
:mod:`.network` (partnership links) and :mod:`.evidence` (explaining a
candidate).  Callers import from ``graph.matching``, which re-exports the
public names below.
"""

from __future__ import annotations

from .cache import follow_match_index, match_index, warm_match_index
from .index import EDGE_TYPES, MatchIndex, Place, Support, build_index
from .request import MatchError, MatchRequest, Profile
from .result import Candidate, Evidence, MatchResult, Path, ThemeLink, ThemeSupport
from .scoring import match
from .tuning import (
    COMMON_PARTNER,
    COMPONENTS,
    DECLARED,
    FOCUS_SHARE,
    IMPLIED_INTEREST,
    LESSON,
    MAX_EVIDENCE,
    MAX_LIMIT,
    MAX_PATHS,
    MAX_THEMES,
    PRACTISED,
    STATUS_WEIGHT,
    THEMATIC,
    WEIGHTS,
)

__all__ = [
    "COMMON_PARTNER",
    "COMPONENTS",
    "DECLARED",
    "EDGE_TYPES",
    "FOCUS_SHARE",
    "IMPLIED_INTEREST",
    "LESSON",
    "MAX_EVIDENCE",
    "MAX_LIMIT",
    "MAX_PATHS",
    "MAX_THEMES",
    "PRACTISED",
    "STATUS_WEIGHT",
    "THEMATIC",
    "WEIGHTS",
    "Candidate",
    "Evidence",
    "MatchError",
    "MatchIndex",
    "MatchRequest",
    "MatchResult",
    "Path",
    "Place",
    "Profile",
    "Support",
    "ThemeLink",
    "ThemeSupport",
    "build_index",
    "match",
    "match_index",
    "warm_match_index",
    "follow_match_index",
]
