"""The publication's method as a shared workspace for a partnership (issue 12, docs/workspace.md).

Templates (``ExerciseTemplate``, seeded from ``seeds/exercises/``), dated runs
of an exercise for a partnership (``ExerciseRun``) and one response per side
(``ExerciseResponse``).  Answers a partnership gives become graph edges
(themes, SDGs, stakeholders, ambitions) with the run as their ``source``, so
matching and the network page use them.  No Flask here; refusals are
:class:`WorkspaceError` with a ``code`` the web layer translates.
"""

from __future__ import annotations

from ..editing.edits import version_of
from .answers import add_translation, response_id, save_response
from .checks import may_answer, may_start, may_translate
from .compare import Comparison, Difference, Row, Series, compare
from .errors import CODES, WorkspaceError
from .model import Item, Response, Role, Run, Template, answer_property
from .privacy import Visibility, is_published, may_see_private, publish_run
from .read import partners, role_keys, roles, run, runs_of, template, templates
from .write import adapt_template, start_run

__all__ = [
    "CODES", "Comparison", "Difference", "Item", "Row", "Series", "compare", "Response", "Role", "Run", "Template", "WorkspaceError", "adapt_template", "add_translation", "answer_property",
    "may_answer", "may_start", "may_translate", "partners", "response_id", "role_keys", "roles", "run", "runs_of",
    "save_response", "start_run", "template", "templates", "version_of",
    "Visibility", "is_published", "may_see_private", "publish_run",
]
