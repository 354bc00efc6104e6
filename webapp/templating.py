"""Template helpers and the route that serves JavaScript installed by npm."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, current_app, request, send_from_directory
from flask_babel import format_decimal

from .forms.editing import TEXT_LABELS
from .labels import ACTIONS, ROLES, TRANSLATED_FROM, language_name
from .render import current_url

# npm packages the pages may load, all installed from package.json; nothing comes from a CDN.
VENDOR_PACKAGES = ("cytoscape", "graphology", "sigma", "d3-array", "d3-geo", "topojson-client", "world-atlas")
# Data files a page may load besides scripts: the country shapes of the network map.
VENDOR_DATA = frozenset({"world-atlas/countries-110m.json"})


def switch_url(lang: str) -> str:
    """Return the current page's URL in another language."""
    return current_url(lang=lang)


def page_url(number: int) -> str:
    """Return the current page's URL at another page of results."""
    return current_url(query={"page": [str(number)]})


def page_url_before(seq: int) -> str:
    """Return the current history page's URL one page further back."""
    return current_url(query={"before": [str(seq)]})


def absolute_url(path: str) -> str:
    """Return ``path`` as a full address on this site (hreflang alternates must be absolute)."""
    return request.host_url.rstrip("/") + path


def form_action() -> str:
    """The address a form posts back to: this page's, with its query (HTML forbids an empty action)."""
    query = request.query_string.decode("utf-8", "replace")
    return request.path + (f"?{query}" if query else "")


def vendor_available(package: str) -> bool:
    """Tell whether an npm package was installed (the graph view degrades to its list without it)."""
    return (Path(current_app.config["VENDOR_DIR"]) / package / "package.json").is_file()


def init_app(app: Flask) -> None:
    """Register template globals and the vendor route."""
    app.jinja_env.globals.update(switch_url=switch_url, form_action=form_action, absolute_url=absolute_url, page_url=page_url, page_url_before=page_url_before, vendor_available=vendor_available,
                                 translated_from=TRANSLATED_FROM, role_names=ROLES, action_names=ACTIONS,
                                 text_labels=TEXT_LABELS, language_name=language_name)
    app.jinja_env.filters["number"] = lambda value: format_decimal(value)

    @app.route("/vendor/<path:filename>")
    def vendor(filename: str):
        if filename.split("/", 1)[0] not in VENDOR_PACKAGES or not (filename.endswith(".js") or filename in VENDOR_DATA):
            abort(404)
        return send_from_directory(app.config["VENDOR_DIR"], filename)  # cache policy: static_files
