"""One context, two renderings: every page also exists as JSON at the same path + ".json"."""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import wraps
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict

from .cache import cached_page


def page(bp: Blueprint, rule: str, params: Iterable[str] = (), **options):
    """Register a view under ``rule`` (HTML) and ``rule + '.json'`` (its JSON twin).

    ``params`` names the query parameters the view reads; others are dropped
    before the view (and the page cache) sees the request.  ``cache=False``
    keeps a page out of the page cache (forms: they carry a per-session CSRF token).
    """
    use_cache = options.pop("cache", True)

    def decorator(view):
        endpoint = options.pop("endpoint", view.__name__)
        view = only_params(cached_page(view) if use_cache else view, frozenset(params))
        view.query_params = frozenset(params)  # for the OpenAPI description
        # HTML first, so that url_for() without fmt builds the HTML address.
        bp.add_url_rule(rule, endpoint, view, defaults={"fmt": "html"}, **options)
        bp.add_url_rule(rule + ".json", endpoint, view, defaults={"fmt": "json"}, **options)
        return view

    return decorator


class DeclaredArgs(ImmutableMultiDict):
    """The query parameters a view declared.  In debug and tests, reading another one is an error,
    so that a view cannot silently lose a parameter it forgot to declare."""

    declared: frozenset[str] = frozenset()

    def _check(self, key) -> None:
        if key not in self.declared and (current_app.debug or current_app.testing):
            raise LookupError(f"{request.endpoint} reads the query parameter {key!r} "
                              "that it does not declare in page(params=...)")

    def __getitem__(self, key):
        self._check(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self._check(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self._check(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:
        self._check(key)
        return super().__contains__(key)


def only_params(view, params: frozenset[str]):
    """Wrap ``view`` so that it sees only the query parameters in ``params``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        kept = DeclaredArgs([(k, v) for k, v in request.args.items(multi=True) if k in params])
        kept.declared = params
        request.args = kept
        return view(*args, **kwargs)

    return wrapper


def current_url(query: dict | None = None, **changes) -> str:
    """Return the current page's URL with view arguments (lang, fmt) or query values changed.

    The query string is appended as it came, never passed to url_for, where
    names such as ``fmt`` or ``_external`` would mean something else.
    """
    path = url_for(request.endpoint, **{**(request.view_args or {}), **changes})
    args = request.args.to_dict(flat=False)
    args.update(query or {})
    return path + ("?" + urlencode(args, doseq=True) if args else "")


def twin_url(fmt: str) -> str:
    """Return the URL of the current page in another format, keeping its query."""
    return current_url(fmt=fmt)


def render(template: str, context: dict, fmt: str, status: int = 200, html: dict | None = None):
    """Render ``context`` as the HTML page ``template`` or as JSON.

    ``html`` holds what only the HTML page uses (a WTForms form, an inline SVG): it joins the
    context of the page and never reaches the JSON, so no view pops keys out by hand.
    """
    if fmt == "json":
        return context, status
    if fmt != "html":
        abort(404)
    return render_template(template, page={**context, **(html or {})}, json_url=twin_url("json")), status


class StrictJSONProvider(DefaultJSONProvider):
    """JSON that strict parsers accept: never NaN or Infinity.

    The schema refuses such numbers, but a store written before it did may hold
    them; they are sent as null rather than as invalid JSON.
    """

    def dumps(self, obj, **kwargs) -> str:
        kwargs["allow_nan"] = False
        try:
            return super().dumps(obj, **kwargs)
        except ValueError:
            return super().dumps(_finite(obj), **kwargs)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
