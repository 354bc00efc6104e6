"""Request bodies in JSON, read in one place: a JSON body is another way of sending a form.

Every JSON endpoint takes the fields its HTML form takes, so a body must be an
object whose values are texts, numbers, true, false or null, or lists of those
(a field with several values).  Anything else is a translated 400 before a
view runs, whether the view reads the body or not: bodies that are not objects,
objects as values, nesting (which also keeps Python's recursion out of reach),
NaN and Infinity, numbers too large for any field, text that is not UTF-8 and
lone surrogates (``"\\ud800"`` is valid JSON but no text a store can write).

The values then reach the views as form values do, as texts: a number as its
JSON spelling, ``true``/``false`` as "true"/"false" (which WTForms' boolean
fields read as such), and null as an absent field.  So a view and its form see
the same thing from a browser's form and from a JSON client.
"""

from __future__ import annotations

import json
import math

from flask import Flask, Request, request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest

# Integers beyond this are no count, year or score any field takes (and floats from them overflow).
MAX_INTEGER_DIGITS = 18


class MalformedBody(BadRequest):
    """A JSON body that is not a form's worth of fields."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number too large")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError("a number too large")
    return int(text)


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _as_form_value(value):
    """Return ``value`` as the text a form would send, or None for an absent value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return value


def form_fields(body: bytes) -> dict:
    """Return the fields of a JSON request body as form values; raise MalformedBody if it is not one."""
    try:
        text = body.decode("utf-8")
        parsed = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                            parse_int=_bounded_int)
    except UnicodeDecodeError:
        raise MalformedBody(gettext("The body of this request is not UTF-8 text.")) from None
    except (ValueError, RecursionError):
        # RecursionError: nesting deeper than Python parses; ValueError: not JSON, or NaN/Infinity.
        raise MalformedBody(gettext("The body of this request is not valid JSON, or holds a number "
                                    "that is not finite or too large.")) from None
    if not isinstance(parsed, dict):
        raise MalformedBody(gettext("The body of this request must be a JSON object of fields and values."))
    fields = {}
    for name, value in parsed.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) for v in values):
            raise MalformedBody(gettext("The field %(field)s must be a text, a number, true, false or null, "
                                        "or a list of those.", field=_shown(name)))
        if not _valid_text(name) or not all(_valid_text(v) for v in values if isinstance(v, str)):
            raise MalformedBody(gettext("The body of this request holds text that is not valid Unicode."))
        kept = [_as_form_value(v) for v in values]
        if isinstance(value, list):
            fields[name] = [v for v in kept if v is not None]
        elif kept[0] is not None:
            fields[name] = kept[0]
    return fields


def _shown(name: str) -> str:
    return name.encode("utf-8", "replace").decode("utf-8")[:100]


class FormRequest(Request):
    """Flask's request, whose JSON is always read and checked by form_fields()."""

    _form_fields: dict | None = None

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        if not (force or self.is_json):
            return super().get_json(force=force, silent=silent, cache=cache)
        if self._form_fields is None:
            try:
                self._form_fields = form_fields(self.get_data(cache=True))
            except MalformedBody:
                if silent:
                    return None
                raise
        return self._form_fields

    def on_json_loading_failed(self, e):
        if e is None:  # not a JSON content type: Flask's own answer (415)
            return super().on_json_loading_failed(e)
        raise MalformedBody(gettext("The body of this request is not valid JSON, or holds a number "
                                    "that is not finite or too large.")) from e


def init_app(app: Flask) -> None:
    """Read every JSON body through form_fields(), and refuse a malformed one before any view runs."""
    app.request_class = FormRequest

    @app.before_request
    def check_json_body():
        if request.is_json and request.method in ("POST", "PUT", "PATCH", "DELETE") and request.content_length != 0:
            request.get_json()
