"""The Common Ground web app: browse the knowledge graph in four languages."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev"),
        KB_DATA_DIR=os.environ.get("KB_DATA_DIR"),
        NEO4J_URI=os.environ.get("NEO4J_URI"),
        NEO4J_USER=os.environ.get("NEO4J_USER"),
        NEO4J_PASSWORD=os.environ.get("NEO4J_PASSWORD"),
        NEO4J_DATABASE=os.environ.get("NEO4J_DATABASE"),
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        BABEL_DEFAULT_LOCALE="nl",
        PAGE_SIZE=25,
        VENDOR_DIR=str(ROOT / "node_modules"),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KB")
    else:
        app.config.from_mapping(test_config)

    from . import db, i18n, security, slashes, templating
    from .views import browse, errors, home, matching, paths, sdgs, search

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    slashes.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    for module in (home, browse, sdgs, search, paths, matching):
        app.register_blueprint(module.bp)
    return app
