"""One context, two renderings: every page also exists as JSON at the same path + ".json"."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from .cache import cached_page


def page(bp: Blueprint, rule: str, **options):
    """Register a view under ``rule`` (HTML) and ``rule + '.json'`` (its JSON twin)."""

    def decorator(view):
        endpoint = options.pop("endpoint", view.__name__)
        view = cached_page(view)
        # HTML first, so that url_for() without fmt builds the HTML address.
        bp.add_url_rule(rule, endpoint, view, defaults={"fmt": "html"}, **options)
        bp.add_url_rule(rule + ".json", endpoint, view, defaults={"fmt": "json"}, **options)
        return view

    return decorator


def twin_url(fmt: str) -> str:
    """Return the URL of the current page in another format, keeping its query."""
    args = dict(request.view_args or {}, fmt=fmt)
    return url_for(request.endpoint, **args, **request.args.to_dict(flat=False))


def render(template: str, context: dict, fmt: str, status: int = 200):
    """Render ``context`` as the HTML page ``template`` or as JSON."""
    if fmt == "json":
        return context, status
    if fmt != "html":
        abort(404)
    return render_template(template, page=context, json_url=twin_url("json")), status
