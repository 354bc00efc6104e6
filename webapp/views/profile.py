"""A municipality's profile, kept by its own editors: themes offered and sought, SDGs, languages, contact."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import Length, Optional, ValidationError

from graph import NotFound
from graph.editing.edits import EDIT_LOCK, may_edit, version_of
from graph.editing.profiles import MAX_CONTACT, Profile, read_profile, save_profile
from graph.model import ChangeNote
from graph.schema import LANGUAGES, NAME_FORBIDDEN, WORKING_LANGUAGES

from ..auth import current_account, signed_in
from ..choices import choice_list, options
from ..db import get_store
from ..forms.common import CheckboxList, version_number
from ..forms.cycle import CONFLICTS, conflict, saved, write_expecting
from ..i18n import current_language
from ..labels import language_name
from ..presenters import nodes as present
from ..render import page, render

bp = Blueprint("profile", __name__)


def _plain(form, field):
    if field.data and NAME_FORBIDDEN.search(field.data):
        raise ValidationError(gettext("This text holds characters that cannot be stored (control characters)."))


class ProfileForm(FlaskForm):
    """What a municipality offers, seeks, works on, speaks, and whom to contact (a role, not a person)."""

    offers = CheckboxList(_l("Themes you can offer expertise in"), validators=[Optional()])
    seeks = CheckboxList(_l("Themes you want to learn about"), validators=[Optional()])
    sdgs = CheckboxList(_l("SDGs you work on"), validators=[Optional()])
    languages = CheckboxList(_l("Working languages"), validators=[Optional()])
    profile_public = BooleanField(_l("Show the contact to every reader (otherwise only to editors)"))
    version = HiddenField()
    reason = StringField(_l("What did you change, and why? (optional)"), validators=[Optional(), Length(max=500)])


for _lang in LANGUAGES:
    setattr(ProfileForm, f"contact_{_lang}", StringField(
        # The language named in the page's language ("Spaans", "español"), looked up per request.
        LazyString(lambda code=_lang: gettext("Department or role to contact (%(language)s)",
                                              language=language_name(code, current_language()))),
        validators=[Optional(), Length(max=MAX_CONTACT, message=_l("At most %(max)d characters, please.",
                                                                    max=MAX_CONTACT)), _plain],
        description=_l("A department or a role, such as “International cooperation service”; no names of "
                       "persons."), render_kw={"lang": _lang}))


def _choices(store, lang: str, form: ProfileForm) -> None:
    themes = sorted(store.nodes("Theme"), key=lambda n: n.label(lang).casefold())
    sdgs = sorted(store.nodes("SDG"), key=lambda n: n.props.get("number", 0))
    form.offers.choices = form.seeks.choices = options((t.id, t.label(lang)) for t in themes)
    form.sdgs.choices = options((s.id, f"{s.props.get('number', '')}. {s.label(lang)}") for s in sdgs)
    form.languages.choices = options((code, language_name(code, lang)) for code in WORKING_LANGUAGES)


@page(bp, "/<lang:lang>/profile/municipalities/<local:local>", methods=["GET", "POST"], cache=False)
@signed_in
def edit_profile(local: str, fmt: str):
    """Edit a municipality's profile; matching uses it as soon as it is saved."""
    store, account, lang = get_store(), current_account(), present.current_lang()
    node_id = f"municipality:{local}"
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(node_id)
    if not may_edit(store, account, node_id):
        abort(403, description=gettext("This belongs to municipalities or organisations your account does not "
                                       "work for. Nothing was changed."))
    with EDIT_LOCK:
        return _profile_page(store, account, lang, node, node_id, fmt)


def _profile_page(store, account, lang, node, node_id, fmt):
    """Show the profile form, or check and save a submitted one (under the edit lock)."""
    form = ProfileForm()
    _choices(store, lang, form)
    current = read_profile(store, node)
    status, stale = 200, None
    if not form.is_submitted():
        form.offers.data, form.seeks.data, form.sdgs.data = current.offers, current.seeks, current.sdgs
        form.languages.data, form.profile_public.data = current.languages, current.public
        for code in LANGUAGES:
            form[f"contact_{code}"].data = current.contact.get(code, "")
        form.version.data = str(version_of(store, node_id))
    elif form.validate():
        profile = Profile(form.offers.data or [], form.seeks.data or [], form.sdgs.data or [],
                          form.languages.data or [],
                          {c: (form[f"contact_{c}"].data or "").strip() for c in LANGUAGES},
                          bool(form.profile_public.data))
        note = ChangeNote(account.actor, (form.reason.data or "").strip()[:500], code="profile")
        try:
            based_on = int(form.version.data or -1)
            write_expecting(store, node_id, based_on,
                            lambda version: save_profile(store, node, profile, note, version))
        except CONFLICTS:
            status = 409
            stale = conflict(store, node_id, version_number(form.version.data), lang, form)
            form.version.data = str(version_of(store, node_id))
        else:
            if fmt == "json":
                saved_profile = read_profile(store, store.get_node(node_id))
                return {"saved": True, "profile": vars(saved_profile), "version": version_of(store, node_id)}
            return saved(present.node_url(node_id))
    else:
        status = 400
    context = {
        "title": gettext("Profile of %(name)s", name=node.label(lang)), "node": present.ref(node, lang),
        "choices": {name: choice_list(form[name]) for name in ("offers", "seeks", "sdgs", "languages")},
        "values": {name: form[name].data for name in form._fields if name != "csrf_token"},
        "errors": {k: [str(m) for m in v] for k, v in form.errors.items()},
        "csrf_token": generate_csrf(), "stale": stale, "contact_fields": [f"contact_{c}" for c in LANGUAGES],
    }
    return render("editing/profile.html", context, fmt, status, html={"form": form})
