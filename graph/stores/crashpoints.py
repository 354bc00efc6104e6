"""Named points inside long writes where a test can have the process killed (``kill -9`` at a known step).

``KB_TEST_KILL_AT=name`` (or ``name:N``, the Nth time it is reached) makes the
process send itself SIGKILL there: no cleanup, no ``finally``, as a crash or an
operator's ``kill -9`` would.  Unset, as in every real run, a point costs one
dictionary look-up.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "KB_TEST_KILL_AT"
_reached: Counter = Counter()


def reached(name: str) -> None:
    """Mark that a write got to ``name``; die here if a test asked for it."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
