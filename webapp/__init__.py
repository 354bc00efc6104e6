"""The Common Ground web app: browse the knowledge graph in four languages."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from graph.resources import resource_dir


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
    )
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        KB_DATA_DIR=os.environ.get("KB_DATA_DIR"),
        NEO4J_URI=os.environ.get("NEO4J_URI"),
        NEO4J_USER=os.environ.get("NEO4J_USER"),
        NEO4J_PASSWORD=os.environ.get("NEO4J_PASSWORD"),
        NEO4J_DATABASE=os.environ.get("NEO4J_DATABASE"),
        BABEL_TRANSLATION_DIRECTORIES=str(resource_dir("translations")),
        BABEL_DEFAULT_LOCALE="nl",
        PAGE_SIZE=25,
        # The largest request body accepted, in bytes (a larger one gets a translated 413).  The
        # largest legitimate body is a questionnaire upload (graph/questionnaire.py reads at most 5 MB).
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        # Rendered pages kept per process, in bytes (0: no page cache).
        PAGE_CACHE_BYTES=32 * 1024 * 1024,
        # How old the store's version may be when the page cache checks it (seconds): another
        # worker's write shows within this time, this worker's own at once (webapp/cache.py).
        PAGE_VERSION_MAX_AGE_S=0.25,
        # How often a worker brings its partner-matching index up to the store's version in the
        # background (seconds; 0: only when a search asks).  Each tick reads the version once.
        MATCH_INDEX_FOLLOW_S=0.25,
        VENDOR_DIR=str(resource_dir("vendor")),
        # Seconds a client should wait before retrying when the store is unavailable (503).
        RETRY_AFTER=30,
        # Who may frame the pages: a CSP frame-ancestors source list.
        FRAME_ANCESTORS="'none'",
        # Who may frame the network page's embeddable variant (/<lang>/network/embed): a CSP
        # frame-ancestors source list, e.g. "'self' https://www.vvsg.be".
        EMBED_FRAME_ANCESTORS="'self'",
        # The network page's dormancy rule: years without known activity before a link counts as dormant.
        NETWORK_DORMANT_YEARS=5,
        # Proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
        PROXY_FIX=0,
        HSTS_MAX_AGE=31536000,
        # Requests per client: a signed-in account, else an address (see webapp/limits.py); limits syntax,
        # e.g. "30 per minute;5 per second".  Quick browsing (a picker searching as one types, about four
        # requests a second at most, for a few seconds) stays well under them; a flood does not.
        RATELIMIT_SEARCH="20 per 5 seconds;300 per 10 minutes",
        RATELIMIT_PATHS="60 per minute;600 per hour",
        RATELIMIT_MATCH="60 per minute;600 per hour",
        # Sign-in attempts per address (an office signs in from one) and per account name tried: the
        # second slows down guessing one account's password from any number of addresses.
        RATELIMIT_SIGNIN="30 per minute;300 per hour",
        RATELIMIT_SIGNIN_ACCOUNT="10 per minute;50 per hour",
        RATELIMIT_STORAGE_URI="memory://",
        # Off: Flask-Limiter would put Retry-After on every limited response; the 429 page sets its own.
        RATELIMIT_HEADERS_ENABLED=False,
        # A broken shared store for the counts must not take the site down: then nothing is limited.
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KB")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise RuntimeError(
                "SECRET_KEY is not set. Set it to a long random value, for example the output of "
                "`python3 -c 'import secrets; print(secrets.token_hex(32))'`, and keep it the same "
                "for every worker and restart (see docs/deployment.md)."
            )
        app.config["SECRET_KEY"] = "insecure-for-debug-and-tests-only"
    if app.config["PROXY_FIX"]:
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import auth, db, i18n, json_body, limits, security, slashes, static_files, templating
    from .render import StrictJSONProvider
    from .views import (
        accounts,
        accounts_admin,
        admin,
        browse,
        editing,
        errors,
        health,
        history,
        home,
        matching,
        network,
        paths,
        profile,
        sdg_suggest,
        sdgs,
        search,
        translate,
        workspace,
    )

    app.json = StrictJSONProvider(app)
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    json_body.init_app(app)  # after auth: a body is read only once its CSRF token has been checked
    slashes.init_app(app)
    templating.init_app(app)
    static_files.init_app(app)
    errors.init_app(app)
    for module in (health, home, browse, sdgs, search, paths, matching, network, accounts, editing, history,
                   profile, admin, accounts_admin, translate, workspace, sdg_suggest):
        app.register_blueprint(module.bp)
    limits.init_app(app)
    return app
