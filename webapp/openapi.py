"""An OpenAPI description of the JSON API, built from the routes themselves.

Every JSON twin registered with ``page()`` is described with its path
parameters and the query parameters it declares, so the description cannot
drift from the code.  Response bodies are described as objects; errors share
one schema (see views/errors.py).
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

from flask import Flask

from graph.schema import LANGUAGES, NODE_KINDS

from .converters import LocalIdConverter
from .limits import LIMITED

PATH_PARAMETERS = {
    "lang": {"type": "string", "enum": list(LANGUAGES)},
    "plural": {"type": "string", "enum": sorted(k.plural for k in NODE_KINDS.values())},
    "local": {"type": "string", "pattern": f"^{LocalIdConverter.regex}$"},
    "seq": {"type": "integer", "minimum": 0},
    # The workspace's addresses name a session, a side and an exercise by their local ids too.
    "run": {"type": "string", "pattern": f"^{LocalIdConverter.regex}$"},
    "municipality": {"type": "string", "pattern": f"^{LocalIdConverter.regex}$"},
    "exercise": {"type": "string", "pattern": f"^{LocalIdConverter.regex}$"},
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["status", "title", "message"],
        "properties": {"status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"}},
    }},
}
ERRORS = {
    "400": "The request's parameters are not valid.",
    "401": "Sign in first (the pages for editors).",
    "403": "The signed-in account may not do this.",
    "404": "There is nothing at this address.",
    "409": "Someone changed what this edit is based on: the answer shows what changed meanwhile.",
    "429": "Too many requests from this client; see Retry-After.",
    "503": "The store is unavailable or damaged; see Retry-After.",
}
# A werkzeug placeholder such as <lang:lang> or <local>; group 1 is its name.
PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# Pages that are forms: their 400 is the page itself, with the errors by field.
FORMS = ("matching.find_partner",)
# Routes outside page() that answer JSON.
PROBES = ("/health", "/ready", "/openapi.json")


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(rule, view) -> dict:
    summary = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
    in_path = re.findall(PLACEHOLDER, rule.rule)
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS.get(name, {"type": "string"})}
        for name in in_path
    ]
    parameters += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                   for name in sorted(getattr(view, "query_params", ()))]
    responses = {"200": _json(summary, {"type": "object"})}
    if rule.rule not in PROBES:
        codes = [code for code in ERRORS if (code != "429" or rule.endpoint in LIMITED) and code != "409"
                 and (code not in ("401", "403") or getattr(view, "needs_account", False))]
        responses.update({code: {"$ref": f"#/components/responses/{code}"} for code in codes})
        if rule.endpoint in FORMS:
            responses["400"] = _json("The form has errors: the page, with the messages by field in errors.",
                                     {"type": "object", "required": ["errors"]})
        # The HTTP server, not the app, refuses a request line over its limit (gunicorn: 4,094 bytes) with a
        # plain-text page; long query values percent-encode to three bytes a byte, so any GET may meet it.
        responses["414"] = {"description": "The address is too long for the HTTP server (request line over 4 kB)."}
    elif rule.rule == "/ready":
        responses["503"] = _json("The store does not answer; see Retry-After.", {"type": "object"})
    return {"operationId": rule.endpoint, "summary": summary, "parameters": parameters, "responses": responses}


def _post_operation(rule, view) -> dict:
    """A form's POST: the same fields as form data or JSON, the CSRF token in X-CSRFToken (or csrf_token)."""
    operation = _operation(rule, view)
    body = {"type": "object", "description": "The form's fields, as its GET twin lists them."}
    operation.update(
        operationId=rule.endpoint + ".post",
        requestBody={"content": {"application/json": {"schema": body},
                                 "application/x-www-form-urlencoded": {"schema": body}}},
        parameters=[p for p in operation["parameters"] if p["in"] == "path"] + [
            {"name": "X-CSRFToken", "in": "header", "required": False, "schema": {"type": "string"},
             "description": "The session's CSRF token (from the form's GET twin); or csrf_token in the body."}],
    )
    operation["responses"].update({"201": _json("Created.", {"type": "object"}),
                                   "409": {"$ref": "#/components/responses/409"}})
    return operation


def describe(app: Flask) -> dict:
    """Return the OpenAPI 3.1 document for ``app``'s JSON API."""
    try:
        release = version("common-ground")
    except PackageNotFoundError:  # run from a checkout that was never installed
        release = "0"
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule.endswith(".json") or rule.rule in PROBES):
            continue
        path, view = re.sub(PLACEHOLDER, r"{\1}", rule.rule), app.view_functions[rule.endpoint]
        if "GET" in rule.methods:
            paths.setdefault(path, {})["get"] = _operation(rule, view)
        if "POST" in rule.methods:
            paths.setdefault(path, {})["post"] = _post_operation(rule, view)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Common Ground", "version": release,
                 "description": "Every HTML page also exists as JSON at the same address plus .json."},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR},
            "responses": {code: _json(text, {"$ref": "#/components/schemas/Error"}) for code, text in ERRORS.items()},
        },
    }
