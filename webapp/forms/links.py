"""The forms around a node's edit form: a link to add, one more optional link, the subjects ticked."""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from graph import SchemaError
from graph import search as finder
from graph.editing.edits import SHARED_KINDS, may_edit
from graph.schema import ID_PATTERN, check_edge, kind_of_id, relations_of

from ..choices import choice_values, options
from ..i18n import current_language
from ..labels import kind_name, relation_name
from .common import CheckboxList


class LinkForm(FlaskForm):
    """Add a relationship from or to the node being edited."""

    link = SelectField(choices=[])
    other = StringField(validators=[InputRequired(), Length(max=1000)])
    remove = HiddenField()


def link_form(kind: str, form_class: type[LinkForm] = LinkForm, prefix: str = "") -> LinkForm:
    """The link form for a node of ``kind``, its relations named in the page's language."""
    form = form_class(prefix=prefix)
    form.link.choices = options((f"{rel}|{d}", str(relation_name(rel, d))) for rel, d, _ in relations_of(kind))
    form.link.label.text = gettext("Relationship")
    form.other.label.text = gettext("With (type to search, or give an id)")
    return form


class AlsoLinkForm(LinkForm):
    """One more, optional link for a new node (a lesson's practical experience); the main form holds CSRF."""

    class Meta:
        csrf = False


class SubjectsForm(FlaskForm):
    """The themes and SDGs a new node concerns, ticked from lists (shared nodes: anyone may link to them)."""

    class Meta:
        csrf = False

    themes = CheckboxList(validators=[Optional()])
    sdgs = CheckboxList(validators=[Optional()])


def subjects_form(store, kind: str, lang: str) -> SubjectsForm | None:
    """The subjects a node of ``kind`` may concern, named in ``lang``; None when it concerns none."""
    if ("CONCERNS", "out") not in {(rel, d) for rel, d, _ in relations_of(kind)}:
        return None
    form = SubjectsForm(prefix="subject")
    form.themes.label.text = gettext("Themes it concerns")
    form.sdgs.label.text = gettext("SDGs it concerns")
    themes = sorted(store.nodes("Theme"), key=lambda n: n.label(lang).casefold())
    form.themes.choices = options((n.id, n.label(lang)) for n in themes)
    sdgs = sorted(store.nodes("SDG"), key=lambda n: int(n.props.get("number") or 0))
    form.sdgs.choices = options((n.id, n.label(lang)) for n in sdgs)
    return form


def outside_link_message() -> str:
    return gettext("You can link only what belongs to your municipality or organisation, or shared things such "
                   "as SDGs and themes. Ask an editor of the other side, or the association's staff, to make "
                   "this link. Nothing was changed.")


def resolve_link(store, account, kind: str, node_id: str | None, link: LinkForm, new: bool = False,
                 extra: bool = False):
    """Check a link form: a relationship the schema allows, another node that exists, the right to link
    (``may_link``: both ends the editor's, or one end shared; a new node's first link to something of theirs).

    Returns (type, direction, other id) or None with errors on the form.
    """
    if not link.link.data or link.link.data not in choice_values(link.link):
        link.link.errors = [gettext("Choose a relationship this kind of node may have.")]
        return None
    rel, direction = link.link.data.split("|")
    allowed = dict(((r, d), k) for r, d, k in relations_of(kind))[(rel, direction)]
    other = find_other(store, (link.other.data or "").strip(), allowed, link)
    if other is None:
        return None
    try:
        if direction == "out":
            check_edge(kind, rel, other.kind)
        else:
            check_edge(other.kind, rel, kind)
    except SchemaError:
        link.other.errors = [gettext("A %(kind)s cannot be linked this way; choose a %(allowed)s.",
                                     kind=kind_name(other.kind),
                                     allowed=", ".join(str(kind_name(k)) for k in allowed))]
        return None
    if new:
        # The first link makes the new node someone's: it must be to something of the editor's own.
        # A further link may also reach a shared node (a theme, an SDG), which anyone may link to.
        permitted = account.edits_everything or may_edit(store, account, other.id) or (
            extra and other.kind in SHARED_KINDS)
    else:
        permitted = True  # an existing node's link: the caller refuses it with 403 unless may_link allows it
    if not permitted:
        link.other.errors = [outside_link_message() if extra else gettext(
            "Link the new node first to something of your own municipality or organisation (such as your "
            "partnership); themes and SDGs are ticked below.")]
        return None
    return rel, direction, other.id


def find_other(store, given: str, allowed, link: LinkForm):
    """Return the node an id names, or the one node of an allowed kind a search finds."""
    if not given:
        link.other.errors = [gettext("Choose the node to link to.")]
        return None
    if ID_PATTERN.match(given):
        try:
            kind_of_id(given)
            other = store.get_node(given)
        except SchemaError:
            other = None
        if other is not None:
            return other
    hits = finder.search(store, given, kinds=list(allowed), offset=0, limit=5,
                         lang=current_language()).hits if len(given) <= 200 else []
    if len(hits) == 1:
        return hits[0].node
    link.other.errors = [gettext("Nothing matches this; choose one of the suggestions.") if not hits
                         else gettext("Several nodes match this; choose one of the suggestions.")]
    return None
