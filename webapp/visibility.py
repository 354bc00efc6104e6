"""What of the partnership workspaces the reader of this request may see (graph/workspace/privacy.py).

One Visibility per request, read on first use.  Pages that can show a workspace's
run, its answers or what they yielded ask it: an unpublished run is absent for
everyone but its sides' editors, staff and admins.  Signed-in pages are never
in the page cache, so a cached page is always what the public may see.
"""

from __future__ import annotations

from flask import g

from graph.workspace.privacy import Visibility

from .auth import current_account
from .db import get_store


def visibility() -> Visibility:
    """The workspace visibility for this request's reader."""
    if "visibility" not in g:
        g.visibility = Visibility(get_store(), current_account())
    return g.visibility
