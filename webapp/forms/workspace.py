"""The workspace's forms, built from an exercise's items, and the translated refusals of graph.workspace.

A run decides which items its form has (its notions, prompts and pickers), so each form class is
made for the run at hand.  Field names follow the response's properties: ``score_<key>``,
``text_<key>``, ``themes_<key>``, ``sdgs_<key>``, ``lines_<key>``, ``role_<role>``.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from graph import workspace as ws
from graph.schema import LANGUAGES
from graph.workspace.checks import MAX_PARTICIPANTS, MAX_TEXT

from ..choices import choice_list, choice_values, options
from ..i18n import NATIVE_NAMES
from ..presenters import workspace as shown
from ..presenters.changes import nodes_of, present_change
from .common import CheckboxList

# What each refusal of graph.workspace (WorkspaceError.code) tells the person who filled in the form.
# The parameters come from the error; a message whose parameters are missing is shown without them.
REFUSALS = {
    "unknown_exercise": _l("This exercise does not exist (any more)."),
    "unknown_partnership": _l("This partnership does not exist (any more)."),
    "not_a_partner": _l("%(municipality)s is not a partner in this partnership, so it cannot answer here."),
    "not_an_editor": _l("Only editors of one of the partner municipalities (or the association's staff) may "
                        "do this. Nothing was saved."),
    "bad_date": _l("Give a real date, such as 2024-03-15."),
    "score_out_of_range": _l("Give a score from %(min)s to %(max)s."),
    "unknown_notion": _l("This notion is not part of the exercise: %(key)s."),
    "unknown_item": _l("This question is not part of the exercise: %(key)s."),
    "unknown_theme": _l("Unknown theme: %(value)s."),
    "unknown_sdg": _l("Unknown SDG: %(value)s."),
    "unknown_role": _l("Unknown participant role: %(value)s."),
    "too_many_notions": _l("Choose at most %(max)s notions."),
    "too_few_notions": _l("Choose at least %(min)s notions."),
    "too_many_choices": _l("Choose at most %(max)s here."),
    "text_too_long": _l("At most %(max)s characters, please."),
    "unknown_language": _l("Choose one of the languages offered."),
    "stale": _l("Someone else saved answers here after you opened the form. Your answers are still in the "
                "form; compare them with what changed meanwhile, then save again."),
    "duplicate_notion": _l("Each notion may appear only once: %(value)s."),
    "unknown_run": _l("This exercise session does not exist (any more)."),
    "unknown_response": _l("These answers do not exist (any more)."),
    "too_many_lines": _l("Give at most %(max)s lines."),
    "bad_text": _l("This text holds characters that cannot be stored (control characters)."),
    "not_comparable": _l("These two sessions cannot be compared: they belong to different partnerships or "
                         "exercises."),
}
# The kinds of items an exercise has, as the adapt form names them.
ITEM_TYPES = {
    "score": _l("a notion to score"), "text": _l("a question answered in words"),
    "themes": _l("a choice of themes"), "sdgs": _l("a choice of SDGs"),
    "stakeholders": _l("stakeholders, one per line"), "ambitions": _l("ambitions, one per line"),
}
# Where the same code means something more precise: (code, what was being done or the item key).
PRECISE_REFUSALS = {
    ("too_many_lines", "participants"): _l("Count at most %(max)s participants in all."),
    ("unknown_language", "translation"): _l("The answer was written in this language; choose another language "
                                            "to translate it into."),
    ("unknown_language", "new_item"): _l("Give the new item a label in every language."),
    ("bad_text", "new_item"): _l("Give the new item a label in every language, without control characters."),
}
# Sentences that name a language, one whole sentence per language so each catalog uses its own grammar
# ("in het Spaans", "en espagnol"), as labels.TRANSLATED_FROM does.
PHRASES = {
    "translate_into": {"nl": _l("Add a translation into Dutch"), "fr": _l("Add a translation into French"),
                       "es": _l("Add a translation into Spanish"), "en": _l("Add a translation into English")},
    "written_in": {"nl": _l("Written in Dutch; not yet translated."),
                   "fr": _l("Written in French; not yet translated."),
                   "es": _l("Written in Spanish; not yet translated."),
                   "en": _l("Written in English; not yet translated.")},
    "no_translation": {"nl": _l("No translation into Dutch yet."), "fr": _l("No translation into French yet."),
                       "es": _l("No translation into Spanish yet."), "en": _l("No translation into English yet.")},
    "original_in": {"nl": _l("Original in Dutch"), "fr": _l("Original in French"), "es": _l("Original in Spanish"),
                    "en": _l("Original in English")},
    "answered_in": {"nl": _l("answered in Dutch"), "fr": _l("answered in French"), "es": _l("answered in Spanish"),
                    "en": _l("answered in English")},
}
GENERIC_REFUSAL = _l("This cannot be saved. Nothing was changed.")


class _Details(dict):
    """An error's details; one the sentence names but the error lacks reads as a dash, not a crash."""

    def __missing__(self, key):
        return "–"


def refusal_message(exc, doing: str | None = None) -> str:
    """Return the translated message for a WorkspaceError, its details filled in.

    ``doing`` names what the form does (``translation``, ``new_item``) where a code needs a more
    precise sentence there.
    """
    code, params = getattr(exc, "code", ""), getattr(exc, "params", None) or {}
    template = (PRECISE_REFUSALS.get((code, doing)) or PRECISE_REFUSALS.get((code, params.get("key")))
                or REFUSALS.get(code, GENERIC_REFUSAL))
    params = _Details({k: (", ".join(map(str, v)) if isinstance(v, (list, tuple, set)) else str(v))
                       for k, v in params.items() if k != "changes"})
    return str(template) % params


# Browsers cut a pasted text at ``maxlength`` without a word; the server's check says so and keeps the text.
NO_BROWSER_LIMIT = {"maxlength": False}


class ScoreField(RadioField):
    """A notion's score: a choice on the scale, refused with the scale and the notion named."""

    def pre_validate(self, form):
        values = choice_values(self)
        if self.data not in (None, "", "None") and self.data not in values:
            raise ValidationError(gettext("Give a score from %(min)s to %(max)s for “%(notion)s”.",
                                          min=values[0], max=values[-1], notion=self.label.text))


def language_choices() -> list[SelectChoice]:
    return options((code, NATIVE_NAMES[code]) for code in LANGUAGES)


class StartRunForm(FlaskForm):
    """Start a dated session of an exercise; a radar also chooses its notions."""

    held_on = DateField(_l("Date of the session"), validators=[InputRequired(_l("Give the date of the session."))],
                        default=dt.date.today)
    notions = CheckboxList(_l("Notions to score"), validators=[Optional()])
    own_notions = TextAreaField(_l("Your own notions, one per line"), validators=[Optional(), Length(max=2000)],
                                render_kw=NO_BROWSER_LIMIT,
                                description=_l("Notions your group chose that are not in the list above; write "
                                               "them in the language of this page."))
    version = HiddenField()  # carries refusals that belong to no one field


def answer_form_class(items, roles, lang: str, scale: tuple[int, int]) -> type[FlaskForm]:
    """Return a form class for one side's answers to a run with these ``items``.

    ``items`` are the run's items (key, type, label); ``roles`` the participant roles.
    """

    class AnswerForm(FlaskForm):
        answer_lang = SelectField(_l("Language of your answers"), choices=language_choices(),
                                  validators=[InputRequired()], render_kw={"required": False})
        version = HiddenField()

    for role in roles:
        setattr(AnswerForm, f"role_{role.key}", IntegerField(
            role.label(lang), default=0,
            validators=[Optional(), NumberRange(0, MAX_PARTICIPANTS, _l("Give a number from %(min)s to %(max)s."))],
            render_kw={"min": 0, "max": MAX_PARTICIPANTS, "inputmode": "numeric"}))
    low, high = scale
    for item in items:
        label = item.label_in(lang)[0]
        if item.type == "score":
            setattr(AnswerForm, f"score_{item.key}", ScoreField(
                label, choices=options((str(n), str(n)) for n in range(low, high + 1)), validators=[Optional()]))
        elif item.type == "text":
            setattr(AnswerForm, f"text_{item.key}", TextAreaField(label, validators=[
                Optional(), Length(max=MAX_TEXT, message=_l("At most %(max)d characters, please."))],
                render_kw=NO_BROWSER_LIMIT))
        elif item.type in ("themes", "sdgs"):
            setattr(AnswerForm, f"{item.type}_{item.key}", CheckboxList(label, validators=[Optional()]))
        elif item.type in ("stakeholders", "ambitions"):
            setattr(AnswerForm, f"lines_{item.key}", TextAreaField(label, validators=[
                Optional(), Length(max=MAX_TEXT, message=_l("At most %(max)d characters, please."))],
                description=_l("One per line."), render_kw=NO_BROWSER_LIMIT))
    return AnswerForm


def field_of(item_type: str, key: str) -> str:
    """Return the name of the form field that holds the answer to an item."""
    return {"score": "score", "text": "text", "themes": "themes", "sdgs": "sdgs"}.get(item_type, "lines") + "_" + key


def split_lines(text: str | None) -> list[str]:
    """Return the non-empty lines of a text area, stripped, in order, without repeats."""
    seen, lines = set(), []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if line and line.casefold() not in seen:
            seen.add(line.casefold())
            lines.append(line)
    return lines


class TranslationForm(FlaskForm):
    """Add a translation of one answer into one language."""

    response = HiddenField(validators=[InputRequired()])
    key = HiddenField(validators=[InputRequired()])
    # A select always holds a choice: no "required" attribute, which HTML allows only after a placeholder.
    to = SelectField(_l("Translate into"), choices=language_choices(), validators=[InputRequired()],
                     render_kw={"required": False})
    text = TextAreaField(_l("Translation"), validators=[
        InputRequired(_l("Give the translation.")),
        Length(max=MAX_TEXT, message=_l("At most %(max)d characters, please."))], render_kw=NO_BROWSER_LIMIT)
    version = HiddenField()


class AdaptForm(FlaskForm):
    """Adapt an exercise: rename labels in any language, add a notion or prompt, hide one."""

    version = HiddenField()
    new_key = StringField(_l("Key of the new item (lower-case letters, digits and _)"),
                          validators=[Optional(), Length(max=40)])
    new_type = SelectField(_l("Kind of the new item"), choices=[], validators=[Optional()])


def refused_field(form, exc) -> str | None:
    """Return the name of the form field a WorkspaceError is about, when the form has it."""
    params = getattr(exc, "params", None) or {}
    code = getattr(exc, "code", "")
    key = params.get("key") or params.get("item")
    candidates = []
    if code in ("unknown_language",):
        candidates.append("answer_lang")
    if code in ("unknown_role",):
        value = params.get("value") or params.get("role")
        candidates.append(f"role_{value}")
    if code == "bad_date":
        candidates.append("held_on")
    if code in ("too_many_notions", "too_few_notions", "unknown_notion", "duplicate_notion"):
        candidates += ["notions", f"score_{key}"]
    if key:
        candidates += [f"score_{key}", f"text_{key}", f"themes_{key}", f"sdgs_{key}", f"lines_{key}"]
    for name in candidates:
        if name in form:
            return name
    return None


def show_refusal(form, exc, doing: str | None = None) -> None:
    """Put a refusal's message on the field it is about, or on the form's version field (shown on top)."""
    message = refusal_message(exc, doing)
    name = refused_field(form, exc) or "version"
    form[name].errors = [*list(form[name].errors or []), message]


def fill(form, existing, roles: dict, lang: str) -> None:
    """Put a side's saved answers into the form (or the page's language and nothing else)."""
    form.answer_lang.data = existing.lang if existing else lang
    form.version.data = str(existing.version if existing else 0)
    if existing is None:
        return
    for role in roles:
        form[f"role_{role}"].data = existing.participants.count(role)
    for name, field in form._fields.items():
        kind, _, key = name.partition("_")
        if kind == "score" and key in existing.scores:
            field.data = str(existing.scores[key])
        elif kind == "text":
            field.data = existing.texts.get(key, "")
        elif kind in ("themes", "sdgs"):
            field.data = list(existing.choices.get(key, []))
        elif kind == "lines":
            field.data = "\n".join(existing.lines.get(key, []))


def answers_of(form, items, roles: dict, existing) -> dict:
    """The keyword arguments of ws.save_response from a valid form."""
    participants = []
    for role in roles:
        participants += [role] * (form[f"role_{role}"].data or 0)
    scores, texts, choices, lines = {}, {}, {}, {}
    for item in items:
        name = field_of(item.type, item.key)
        data = form[name].data
        if item.type == "score" and data not in (None, "", "None"):
            scores[item.key] = int(data)
        elif item.type == "text":
            texts[item.key] = (data or "").replace("\r\n", "\n").strip()
        elif item.type in ("themes", "sdgs"):
            choices[item.key] = list(data or [])
        elif item.type in ("stakeholders", "ambitions"):
            lines[item.key] = split_lines(data)
    return {"lang": form.answer_lang.data, "participants": participants, "scores": scores, "texts": texts,
            "translations": {}, "choices": choices, "lines": lines, "based_on": int_or_invalid(form.version.data)}


def int_or_invalid(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def adaptation_of(template, values) -> dict:
    """The keyword arguments of ws.adapt_template from the adapt form."""
    labels = {}
    for code in LANGUAGES:
        given = (values.get(f"name_{code}") or "").strip()
        if given and given != template.names.get(code, ""):
            labels[("name", code)] = given
    for item in template.items:
        for code in LANGUAGES:
            given = (values.get(f"label_{item.key}_{code}") or "").strip()
            if given and given != item.label.get(code, ""):
                labels[(item.key, code)] = given
    add = []
    new_key = (values.get("new_key") or "").strip()
    if new_key:
        add.append(ws.Item(key=new_key, type=values.get("new_type") or "text",
                           label={c: (values.get(f"new_label_{c}") or "").strip() for c in LANGUAGES
                                  if (values.get(f"new_label_{c}") or "").strip()}, help={}))
    return {"labels": labels, "add": add, "hide": [k for k in values.getlist("hide")],
            "based_on": int_or_invalid(values.get("version"))}


#: Refusals that are about rights (403), not about the input (400) or a lost race (409).
FORBIDDEN = {"not_an_editor"}


def refused(store, form, exc, lang: str, doing: str | None = None) -> tuple[int, list | None]:
    """Show a refusal on the form (if any); return the status to answer with and, when stale, what changed."""
    if form is not None:
        show_refusal(form, exc, doing)
    if exc.code != "stale":
        return (403 if exc.code in FORBIDDEN else 400), None
    newer = exc.params.get("changes") or []
    return 409, [present_change(c, nodes_of(store, newer), lang) for c in newer]


def answer_choices(store, form, items, lang: str) -> None:
    """Fill the theme and SDG choices of an answer form, named in ``lang``."""
    themes = sorted(store.nodes("Theme"), key=lambda n: n.label(lang).casefold())
    goals = sorted(store.nodes("SDG"), key=lambda n: n.props.get("number", 0))
    for item in items:
        if item.type == "themes":
            form[f"themes_{item.key}"].choices = options((t.id, t.label(lang)) for t in themes)
        elif item.type == "sdgs":
            form[f"sdgs_{item.key}"].choices = options((g.id, f"{g.props.get('number', '')}. {g.label(lang)}")
                                                       for g in goals)


def describe_answer(form, items, roles: dict, lang: str) -> list[dict]:
    """The form's fields in order, for the template and the JSON twin."""
    groups = [{"group": "participants", "label": gettext("Participants by role"),
               "inputs": [{"name": f"role_{r}", "label": role.label(lang)} for r, role in roles.items()]}]
    for item in items:
        name = field_of(item.type, item.key)
        groups.append({"group": item.type, "name": name, "key": item.key, "label": shown.label(item, lang),
                       "help": shown.help_text(item, lang),
                       "choices": choice_list(form[name])
                       if item.type in ("themes", "sdgs", "score") else None,
                       "max": getattr(item, "max", None)})
    return groups
