"""Languages: the language is the first path segment; catalogs live in translations/."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request
from flask_babel import Babel
from werkzeug.routing import BaseConverter

from graph.schema import LANGUAGES

DEFAULT = "nl"
# Each language named in itself, for the switcher.
NATIVE_NAMES = {"nl": "Nederlands", "fr": "Français", "es": "Español", "en": "English"}
log = logging.getLogger(__name__)
babel = Babel()


class LangConverter(BaseConverter):
    """Match only the supported language codes, so /de/... is a 404."""

    regex = "|".join(LANGUAGES)


def best_language() -> str:
    """Return the supported language the browser prefers most."""
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) if request else DEFAULT


def current_language() -> str:
    """Return the language of the current page."""
    return g.get("lang") or best_language()


def compile_catalogs(directory: Path) -> None:
    """Compile every messages.po whose .mo is missing or older, atomically."""
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with open(po_path, "rb") as fh:
                catalog = read_po(fh, locale=po_path.parent.parent.name)
            fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
            with os.fdopen(fd, "wb") as out:
                write_mo(out, catalog)
            os.replace(tmp, mo_path)
        except OSError as exc:  # a read-only install must ship compiled catalogs
            log.warning("cannot compile %s: %s", po_path, exc)


def init_app(app: Flask) -> None:
    """Attach Babel, the language converter and the language URL handling."""
    compile_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    app.url_map.converters["lang"] = LangConverter
    babel.init_app(app, locale_selector=current_language)

    @app.url_value_preprocessor
    def pull_language(endpoint, values):
        if values and "lang" in values:
            g.lang = values.pop("lang")

    @app.url_defaults
    def add_language(endpoint, values):
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_language()

    @app.context_processor
    def language_context():
        return {"lang": current_language(), "languages": LANGUAGES, "native_names": NATIVE_NAMES}
