"""Languages: the language is the first path segment.

The catalogs are compiled before the app runs: by the wheel build, or by
`make translations-compile` in a checkout (`make run` and `make test` do it).
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel
from werkzeug.routing import BaseConverter

from graph.schema import LANGUAGES

DEFAULT = "nl"
# Each language named in itself, for the switcher.
NATIVE_NAMES = {"nl": "Nederlands", "fr": "Français", "es": "Español", "en": "English"}
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


def init_app(app: Flask) -> None:
    """Attach Babel, the language converter and the language URL handling."""
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
