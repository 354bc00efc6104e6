"""Forms.  Labels and messages are lazy strings, so they follow the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from graph.schema import WORKING_LANGUAGES  # noqa: F401 - the working languages a form offers


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (usable without a pointer)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MatchForm(FlaskForm):
    """Find a thematic partner: for a municipality in the graph or one described here."""

    class Meta:
        csrf = False  # a GET search form: shareable, bookmarkable, changes nothing

    municipality = StringField(_l("Your municipality"), validators=[Optional(), Length(max=200)],
                               description=_l("A name (e.g. Herent) or, if it is not in the knowledge base, "
                                              "leave this empty and describe it below."))
    themes = CheckboxList(_l("Themes you want to cooperate on"),
                          validators=[InputRequired(_l("Choose at least one theme."))])
    country = SelectField(_l("Country of your municipality"), default="")
    languages = CheckboxList(_l("Working languages"), validators=[Optional()])
    offers = CheckboxList(_l("Themes you can offer expertise in"), validators=[Optional()])
    seeks = CheckboxList(_l("Themes you want to learn about"), validators=[Optional()])
    sdgs = CheckboxList(_l("SDGs you work on"), validators=[Optional()])
    only_country = SelectField(_l("Only partners in this country"), default="")
    only_region = SelectField(_l("Only partners in this region"), default="")
    exclude_partners = BooleanField(_l("Leave out current partners"), default=True)
    require_shared_language = BooleanField(_l("Only partners who share a working language"))
    limit = IntegerField(_l("Number of suggestions"), default=10,
                         validators=[Optional(), NumberRange(1, 50, _l("Choose between %(min)s and %(max)s suggestions."))])

    # The query parameters the form reads: its fields' names.
    FIELDS = ("municipality", "themes", "country", "languages", "offers", "seeks", "sdgs", "only_country",
              "only_region", "exclude_partners", "require_shared_language", "limit")

    def validate_country(self, field):
        if not self.municipality.data and not field.data:
            raise ValidationError(_l("Name your municipality, or give at least its country."))
        if self.municipality.data and (field.data or self.offers.data or self.seeks.data or self.sdgs.data):
            raise ValidationError(_l("Either name a municipality in the knowledge base or describe one, not both."))


class SignInForm(FlaskForm):
    """Sign in with an account name and a password."""

    account = StringField(_l("Account name"), validators=[InputRequired(_l("Enter your account name.")),
                                                           Length(max=63)],
                          render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password.")),
                                                         Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


def version_number(value) -> int:
    """The version a submitted form says it edits, or -1 when it gives none a store could have written."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
