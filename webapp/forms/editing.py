"""Edit forms generated from the schema's field declarations (graph.schema.EDITABLE).

A kind's form has, for each declared field, one input per language for a text
(plus a language-neutral one for proper names), or one input for a string,
number, yes/no or list of working languages; then the original language of
the texts and the version the edit is based on.  A new kind needs no code here.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from graph.errors import SchemaError
from graph.schema import (
    INT_MAX,
    INT_MIN,
    LANGUAGES,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    WORKING_LANGUAGES,
    check_value,
    editable_fields,
    relations_of,
)

from ..choices import choice_list, options
from ..i18n import NATIVE_NAMES
from ..labels import kind_name, language_name, property_name, relation_name, value_name
from .common import CheckboxList

# Field labels for texts, which PROPERTIES does not name.
TEXT_LABELS = {"name": _l("Name"), "title": _l("Title"), "description": _l("Description"),
               "summary": _l("Summary"), "period_label": _l("Period")}


def _limit(key: str) -> int:
    return MAX_NAME_LENGTH if key == "name" or key.startswith("name_") else MAX_TEXT_LENGTH


def _too_long(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters, please.", max=limit))


def _schema_check(form, field):
    """The schema's own check (control characters and the like), as a translated message."""
    if isinstance(field.data, str) and field.data:
        try:
            check_value(field.name, field.data)
        except SchemaError:
            raise ValidationError(gettext("This text holds characters that cannot be stored (control characters).")) \
                from None


def field_label(key: str):
    return TEXT_LABELS.get(key) or property_name(key)


def input_names(spec) -> list[tuple[str, str | None]]:
    """Return ``(input name, language or None)`` for each input a declared field takes."""
    if spec.type != "text":
        return [(spec.key, None)]
    names = [(f"{spec.key}_{lang}", lang) for lang in LANGUAGES]
    return ([(spec.key, None)] if spec.neutral else []) + names


def node_form_class(kind: str) -> type[FlaskForm]:
    """Return the form class for nodes of ``kind``, built from its declared fields."""
    attrs = {}
    for spec in editable_fields(kind):
        for name, lang in input_names(spec):
            label = field_label(spec.key)
            if spec.type == "text":
                shown = f"{label} ({NATIVE_NAMES[lang]})" if lang else gettext_lazy_neutral(label)
                cls = TextAreaField if spec.multiline else StringField
                attrs[name] = cls(shown, validators=[Optional(), _too_long(_limit(name)), _schema_check],
                                  render_kw={"lang": lang} if lang else {})
            elif spec.type == "int" and spec.low is not None:
                attrs[name] = IntegerField(label, validators=[Optional(), NumberRange(
                    spec.low, spec.high, _l("A year between %(min)s and %(max)s, please."))],
                    render_kw={"min": spec.low, "max": spec.high})
            elif spec.type == "int":
                attrs[name] = IntegerField(label, validators=[Optional(), NumberRange(
                    INT_MIN, INT_MAX, _l("A whole number, please."))])
            elif spec.type == "bool":
                attrs[name] = BooleanField(label)
            elif spec.type == "languages":
                attrs[name] = CheckboxList(label, validators=[Optional()], choices=list(WORKING_LANGUAGES))
            elif spec.choices:
                # Named in the page's language by localise_choices; "" leaves the value unset.
                attrs[name] = SelectField(label, choices=options([("", "—"), *((v, v) for v in spec.choices)]),
                                          validate_choice=True)
            else:
                attrs[name] = StringField(label, validators=[Optional(), _too_long(_limit(name)), _schema_check])
    attrs["original_lang"] = SelectField(_l("Original language of the texts"), choices=list(LANGUAGES))
    attrs["version"] = HiddenField()
    attrs["reason"] = StringField(_l("What did you change, and why? (optional)"),
                                  validators=[Optional(), _too_long(500), _schema_check])
    return type(f"{kind}Form", (FlaskForm,), attrs)


def gettext_lazy_neutral(label):
    return _l("%(field)s (in every language, e.g. a proper name)", field=label)


def localise_choices(form, lang: str, kind: str | None = None) -> None:
    """Name the choices in the page's language."""
    form.original_lang.choices = options((code, NATIVE_NAMES[code]) for code in LANGUAGES)
    closed = {spec.key: spec.choices for spec in editable_fields(kind) if spec.choices} if kind else {}
    for field in form:
        if isinstance(field, CheckboxList):
            field.choices = options((code, language_name(code, lang)) for code in WORKING_LANGUAGES)
        elif field.name in closed:
            named = sorted(((v, value_name(v)) for v in closed[field.name]), key=lambda c: c[1].casefold())
            field.choices = options([("", gettext("— not given —")), *named])


def required_missing(kind: str, form) -> list[str]:
    """Return the input names to flag for required fields left empty in every language."""
    flagged = []
    for spec in editable_fields(kind):
        if spec.required:
            names = [name for name, _ in input_names(spec)]
            if not any((form[n].data or "").strip() for n in names):
                flagged.append(names[0])
    return flagged


def form_values(kind: str, form) -> dict:
    """Return the property values the form holds (blank inputs as empty strings or absent)."""
    values = {}
    for spec in editable_fields(kind):
        for name, _ in input_names(spec):
            data = form[name].data
            if spec.type in ("text", "string"):
                values[name] = (data or "").strip().replace("\r\n", "\n")
            elif spec.type == "int":
                values[name] = data if data is not None else ""
            elif spec.type == "bool":
                values[name] = bool(data)
            elif spec.type == "languages":
                values[name] = list(data or [])
    return values


def fill_from_node(kind: str, form, props: dict) -> None:
    """Put a node's current values into an unsubmitted form."""
    for spec in editable_fields(kind):
        for name, _ in input_names(spec):
            value = props.get(name)
            if value not in (None, ""):
                form[name].data = value
    form.original_lang.data = props.get("original_lang") or form.original_lang.data


def describe_fields(kind: str, form, original_lang: str | None) -> list[dict]:
    """Return the form's fields for the JSON twin and the template: name, label, type, value, language."""
    described = []
    for spec in editable_fields(kind):
        group = {"key": spec.key, "label": str(field_label(spec.key)), "type": spec.type,
                 "required": spec.required, "multiline": spec.multiline, "inputs": []}
        for name, lang in input_names(spec):
            field = form[name]
            entry = {"name": name, "label": str(field.label.text), "lang": lang,
                     "original": bool(lang and lang == original_lang), "value": field.data,
                     "errors": [str(e) for e in field.errors]}
            if spec.type in ("text", "string") and not spec.choices:
                entry["max_length"] = _limit(name)
            if spec.choices:
                entry["choices"] = [c for c in choice_list(field) if c["value"]]
            if spec.low is not None:
                entry["min"], entry["max"] = spec.low, spec.high
            if spec.type == "languages":
                entry["choices"] = choice_list(field)
            group["inputs"].append(entry)
        described.append(group)
    return described


def describe_relations(kind: str) -> list[dict]:
    """Return the relationships a node of ``kind`` may have, with the kinds the other end may be."""
    return [{"value": f"{rel}|{direction}", "type": rel, "direction": direction,
             "label": str(relation_name(rel, direction)), "kinds": list(kinds),
             "kind_labels": [str(kind_name(k)) for k in kinds]}
            for rel, direction, kinds in relations_of(kind)]
