"""Where the project's files are, in a git checkout or in an installed wheel.

A checkout keeps them at the top level (``seeds/``, ``templates/``,
``translations/``, ``node_modules/``).  A wheel carries copies made at build
time (see ``setup.py``) in ``graph/_resources/``: compiled catalogs, the seeds
with their licences and the browser libraries with theirs.  This module is the
only place that knows both layouts; nothing is ever written here at run time.
"""

from __future__ import annotations

import os
from pathlib import Path

# The folder a wheel carries its copies in, inside this package.
BUNDLE = Path(__file__).resolve().parent / "_resources"
CHECKOUT = Path(__file__).resolve().parent.parent
# Resource name -> its folder in a checkout.  The wheel uses the name itself.
CHECKOUT_FOLDERS = {
    "seeds": "seeds",
    "templates": "templates",
    "translations": "translations",
    "vendor": "node_modules",
}


def resource_dir(name: str) -> Path:
    """Return the folder holding the resource ``name``: the wheel's copy if installed, else the checkout's."""
    bundled = BUNDLE / name
    return bundled if bundled.is_dir() else CHECKOUT / CHECKOUT_FOLDERS[name]


def installed() -> bool:
    """Tell whether this code runs from an installed wheel rather than a checkout."""
    return BUNDLE.is_dir()


def seeds_dir() -> Path:
    """Return the seed files' folder: ``KB_SEEDS_DIR`` if set, else the project's ``seeds``."""
    return Path(os.environ.get("KB_SEEDS_DIR") or resource_dir("seeds"))
