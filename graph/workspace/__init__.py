"""The publication's method as a shared workspace for a partnership (issue 12).

Templates (``ExerciseTemplate``, seeded from ``seeds/exercises/``), dated runs
of an exercise for a partnership (``ExerciseRun``) and one response per side
(``ExerciseResponse``).  See docs/workspace.md.  No Flask here.
"""

from __future__ import annotations

from .errors import CODES, WorkspaceError

__all__ = ["CODES", "WorkspaceError"]
