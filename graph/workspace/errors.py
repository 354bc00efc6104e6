"""The one error the workspace raises on purpose, with a code the web layer translates."""

from __future__ import annotations

from ..errors import GraphError

CODES = (
    "unknown_exercise", "unknown_partnership", "unknown_run", "unknown_response", "not_a_partner",
    "not_an_editor", "bad_date", "score_out_of_range", "unknown_notion", "unknown_item",
    "unknown_theme", "unknown_sdg", "unknown_role", "too_many_notions", "too_few_notions", "too_many_choices",
    "too_many_lines", "text_too_long", "bad_text", "unknown_language", "stale", "duplicate_notion",
    "not_comparable",
)


class WorkspaceError(GraphError, ValueError):
    """A workspace action that is refused; ``code`` says why, ``params`` with what.

    ``stale`` carries ``changes``: the changes saved in between, newest first.
    """

    def __init__(self, code: str, message: str, **params):
        assert code in CODES, code
        super().__init__(message)
        self.code = code
        self.params = params
