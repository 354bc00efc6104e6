"""Translated names for the schema's kinds, relationship types and properties."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

KINDS = {
    "Municipality": (_l("Municipality"), _l("Municipalities")),
    "Partnership": (_l("Partnership"), _l("Partnerships")),
    "Organisation": (_l("Organisation"), _l("Organisations")),
    "SDG": (_l("Sustainable Development Goal"), _l("Sustainable Development Goals")),
    "SDGTarget": (_l("SDG target"), _l("SDG targets")),
    "Theme": (_l("Theme"), _l("Themes")),
    "Project": (_l("Project"), _l("Projects")),
    "Risk": (_l("Risk"), _l("Risks")),
    "Lesson": (_l("Lesson"), _l("Lessons")),
    "Challenge": (_l("Challenge"), _l("Challenges")),
    "Opportunity": (_l("Opportunity"), _l("Opportunities")),
    "PracticalExperience": (_l("Practical experience"), _l("Practical experiences")),
    "Phase": (_l("Phase"), _l("Phases")),
    "Event": (_l("Event"), _l("Events")),
    "Tool": (_l("Tool"), _l("Tools")),
    "Objective": (_l("Objective"), _l("Objectives")),
    "Source": (_l("Source"), _l("Sources")),
    "ExerciseTemplate": (_l("Exercise"), _l("Exercises")),
    "ExerciseRun": (_l("Exercise session"), _l("Exercise sessions")),
    "ExerciseResponse": (_l("Answers of one side"), _l("Answers of one side")),
}

ROLES = {"editor": _l("Editor"), "staff": _l("Association staff"), "admin": _l("Administrator")}

# What a change did to one node or edge.
ACTIONS = {"created": _l("created"), "changed": _l("changed"), "deleted": _l("deleted")}

# How each relationship reads from its source ("out") and from its target ("in").
RELATIONS = {
    "PARTNER_IN": (_l("partner in"), _l("partners")),
    "FACILITATES": (_l("facilitates"), _l("facilitated by")),
    "OBSERVES": (_l("observes"), _l("observed by")),
    "FUNDS": (_l("funds"), _l("funded by")),
    "MEMBER_OF": (_l("member of"), _l("members")),
    "IMPLEMENTS": (_l("implements"), _l("implemented by")),
    # Not "proposed": that is also a project status, and a relation label must read as a verb ("heeft voorgesteld").
    "PROPOSED": (_l("put forward"), _l("proposed by")),
    "DECLINED": (_l("declined"), _l("declined by")),
    "TOOK_PART_IN": (_l("took part in"), _l("participants")),
    "PART_OF": (_l("part of"), _l("parts")),
    "PRECEDES": (_l("precedes"), _l("follows")),
    "LED_TO": (_l("led to"), _l("resulted from")),
    "CONTRIBUTES_TO": (_l("contributes to"), _l("contributions from")),
    "CONCERNS": (_l("concerns"), _l("concerned by")),
    "HAS_TARGET": (_l("targets"), _l("target of")),
    "OFFERS": (_l("offers expertise in"), _l("expertise offered by")),
    "SEEKS": (_l("seeks to learn about"), _l("sought by")),
    "WORKS_ON": (_l("works on"), _l("worked on by")),
    "HAS_CHALLENGE": (_l("challenges"), _l("challenge of")),
    "HAS_OPPORTUNITY": (_l("opportunities"), _l("opportunity of")),
    "ILLUSTRATED_BY": (_l("practical experiences"), _l("illustrates")),
    "EXPERIENCED_IN": (_l("experienced in"), _l("practical experiences")),
    "LEARNED_IN": (_l("learned in"), _l("lessons learned")),
    "AFFECTED": (_l("affected"), _l("affected by")),
    "RESPONDS_TO": (_l("responds to"), _l("answered by")),
    "USED_IN": (_l("used in"), _l("uses")),
    "PURSUES": (_l("pursues"), _l("pursued by")),
    "RUN_OF": (_l("session of"), _l("sessions")),
    "RUN_FOR": (_l("held for"), _l("exercise sessions")),
    "RESPONSE_TO": (_l("answers to"), _l("answers")),
    "RESPONSE_BY": (_l("given by"), _l("answers given")),
    "APPLIES": (_l("applies"), _l("applied in")),
    "YIELDED": (_l("yielded"), _l("came out of")),
    "STAKEHOLDER_IN": (_l("stakeholder in"), _l("stakeholders")),
}

PROPERTIES = {
    "country": _l("Country"),
    "country_code": _l("Country code"),
    "country_as_given": _l("Country as the source spells it"),
    "merged_from": _l("Merged records"),
    "languages": _l("Working languages"),
    "status": _l("Status"),
    "partnership_type": _l("Kind of partnership"),
    "organisation_type": _l("Kind of organisation"),
    "tool_type": _l("Kind of tool"),
    "project_status": _l("Project status"),
    "start_year": _l("Start year"),
    "end_year": _l("End year"),
    "start_date": _l("Start"),
    "end_date": _l("End"),
    "date": _l("Date"),
    "year": _l("Year"),
    "number": _l("Number"),
    "lat": _l("Latitude"),
    "lng": _l("Longitude"),
    "url": _l("Web address"),
    "licence": _l("Licence"),
    "publisher": _l("Publisher"),
    "region": _l("Region"),
    "goal": _l("Goal"),
    "event_type": _l("Kind of event"),
    "objective_type": _l("Kind of objective"),
    "local_authority_type": _l("Kind of local authority"),
    "location": _l("Place"),
    "online": _l("Online"),
    "materialised": _l("Did it happen?"),
    "source_type": _l("Kind of source"),
    "legal_form": _l("Legal form"),
    "full_name": _l("Full name"),
    "duration_days": _l("Duration in days"),
    "available_languages": _l("Available in"),
    "provider": _l("Provided by"),
    "free_download": _l("Free download"),
    "notion_count": _l("Number of notions"),
    "nis_code": _l("NIS code"),
    "province": _l("Province"),
    "left_renewal_process": _l("Left the renewal process"),
    "symbolic_fraternity_remains": _l("The symbolic bond remains"),
    "held_on": _l("Date of the session"),
    "exercise_kind": _l("Kind of exercise"),
    "scale_min": _l("Lowest score"),
    "scale_max": _l("Highest score"),
}

# Belgian provinces by their NIS (REFNIS) code, as graph/ingest/members.py stores them.
PROVINCES = {
    "10000": _l("Antwerp"),
    "20001": _l("Flemish Brabant"),
    "30000": _l("West Flanders"),
    "40000": _l("East Flanders"),
    "70000": _l("Limburg"),
    "20002": _l("Walloon Brabant"),
    "50000": _l("Hainaut"),
    "60000": _l("Liège"),
    "80000": _l("Luxembourg"),
    "90000": _l("Namur"),
    "04000": _l("Brussels-Capital Region"),
}


def province_name(code: str) -> str:
    """Return a Belgian province's name from its NIS code (the code itself if unknown)."""
    label = PROVINCES.get(code)
    return str(label) if label else code

VALUES = {
    "Flanders": _l("Flanders"),
    "active": _l("active"),
    "ended": _l("ended"),
    "dormant": _l("dormant"),
    "twinning": _l("twinning"),
    "development_cooperation": _l("development cooperation"),
    "facilitator": _l("facilitator"),
    "association": _l("association"),
    "government": _l("government"),
    "programme": _l("programme"),
    "done": _l("done"),
    "ongoing": _l("ongoing"),
    "proposed": _l("proposed"),
    "declined": _l("declined"),
    "planned": _l("planned"),
    "base_tool": _l("base tool"),
    "board": _l("game board"),
    "digital_platform": _l("digital platform"),
    "exercise": _l("exercise"),
    "framework": _l("framework"),
    "video": _l("video"),
    "focus": _l("focus objective"),
    "future_direction": _l("future direction"),
    "partnership_goal": _l("partnership goal"),
    "process_goal": _l("process objective"),
    "dialogue": _l("dialogue"),
    "extension": _l("extension"),
    "funding_call": _l("call for funding"),
    "funding_end": _l("end of funding"),
    "meeting": _l("meeting"),
    "training": _l("training"),
    "city": _l("city"),
    "municipality": _l("municipality"),
    "region": _l("region"),
    "province": _l("province"),
    "editorial": _l("editorial"),
    "publication": _l("publication"),
    "dataset": _l("data set"),
    "radar": _l("radar"),
    "prompts": _l("questions"),
}

# Query parameters named in error messages.
PARAMETERS = {"year": _l("year"), "page": _l("page")}

SORTS = {
    "name": _l("Name"),
    "country": _l("Country"),
    "start_year": _l("Start year"),
    "number": _l("Number"),
}


_SHOWN: dict[tuple[str, int], str] = {}


def _shown(label) -> str:
    """Return a label in the request's language, looked up once per language.

    flask-babel looks a lazy string up again on every use (about 70 µs), and a
    match or node page shows a few thousand labels.  The catalogs never change
    while the app runs, and the labels here are module constants, so their
    identity is a stable key.
    """
    key = (str(get_locale()), id(label))
    shown = _SHOWN.get(key)
    if shown is None:
        shown = _SHOWN[key] = str(label)
    return shown


def kind_name(kind: str, plural: bool = False) -> str:
    """Return the translated name of a node kind."""
    names = KINDS.get(kind)
    return _shown(names[1 if plural else 0]) if names else kind


def relation_name(rel: str, direction: str) -> str:
    """Return how a relationship reads from one side, translated."""
    names = RELATIONS.get(rel)
    return _shown(names[0 if direction == "out" else 1]) if names else rel


# Properties are shown in the order the table above lists them (start before end), unknown ones after.
_PROPERTY_RANK = {key: rank for rank, key in enumerate(PROPERTIES)}


def property_order(key: str) -> tuple[int, str]:
    """Sort key that shows properties in a reader's order rather than alphabetically."""
    return (_PROPERTY_RANK.get(key, len(_PROPERTY_RANK)), key)


def property_name(key: str) -> str:
    """Return the translated label of a property key (the key itself if unknown)."""
    label = PROPERTIES.get(key)
    return _shown(label) if label else key.replace("_", " ")


def value_name(value) -> str:
    """Return a translated enumerated value, or the value as text."""
    label = VALUES.get(value) if isinstance(value, str) else None
    return _shown(label) if label else str(value)

# The parts of a partner-matching score, with a line on what each means.
COMPONENTS = {
    "you_give": (_l("You can give"), _l("Themes you offer that they want to learn about.")),
    "you_learn": (_l("You can learn"), _l("Themes they offer that you want to learn about.")),
    "mutual": (_l("Mutual benefit"), _l("Knowledge flows both ways around the themes you chose.")),
    "common_practice": (_l("Common practice"), _l("Themes you both work on: peers who can compare notes.")),
    "sdgs": (_l("Shared SDGs"), _l("Sustainable Development Goals you both work on.")),
    "facilitators": (_l("Shared facilitator"), _l("An organisation that facilitates partnerships of both.")),
    "network": (_l("Network"), _l("An existing link, or a partner of your partner.")),
    "language": (_l("Shared language"), _l("A working language you have in common.")),
}

FLAGS = {
    "declared": _l("declared"),
    "practised": _l("practised in a project"),
    "lesson": _l("from a lesson"),
    "profile": _l("from your description"),
    "focus": _l("a theme you chose"),
    "requested": _l("you asked for it"),
    "existing_partner": _l("already a partner"),
    "active": _l("active"),
    "dormant": _l("dormant"),
    "ended": _l("ended"),
    "partnership_dormant": _l("your partnership is dormant"),
    "partnership_ended": _l("your partnership has ended"),
    "partner_of_partner": _l("partner of your partner"),
    "inferred": _l("languages inferred from the country"),
    "languages_inferred": _l("languages inferred from the country"),
    "no_thematic_signal": _l("no thematic match, only the network"),
}

MATCH_ERRORS = {
    "bad_request": _l("This search cannot be answered."),
    "both_or_neither": _l("Either name a municipality in the knowledge base or describe one, not both."),
    "unknown_municipality": _l("No municipality called “%(municipality)s” is in the knowledge base. Check the "
                               "name, add the country (“Name, Country”), or describe your municipality below."),
    "no_themes": _l("Choose at least one theme."),
    "too_many_themes": _l("Choose at most %(max)s themes."),
    "unknown_theme": _l("Unknown theme: %(themes)s."),
    "unknown_sdg": _l("Unknown SDG: %(sdgs)s."),
    "unknown_country": _l("Unknown country: %(country)s."),
    "unknown_region": _l("Unknown region: %(region)s."),
    "unknown_language": _l("Unknown language: %(languages)s."),
    "no_languages": _l("The working languages of your municipality are not known, so a shared language "
                       "cannot be required. Describe your languages or untick this option."),
    "contradictory_options": _l("%(country)s does not lie in the region you chose."),
    "limit_out_of_range": _l("Choose between 1 and %(max)s suggestions."),
}


def match_error_message(exc, lang: str) -> str:
    """Return the translated message for a matcher error, with its details filled in."""
    from graph.places import countries

    template = MATCH_ERRORS.get(exc.code, MATCH_ERRORS["bad_request"])
    params = {k: str(v) for k, v in exc.params.items()}
    code = countries.country_code(params.get("country"))
    if code:
        params["country"] = countries.country_name(code, lang)
    params.setdefault("max", "100")
    try:
        return str(template) % params
    except (KeyError, ValueError):
        return str(MATCH_ERRORS["bad_request"])


# The note on a text that is a translation, one whole sentence per original
# language so each catalog can use its own grammar ("Vertaald uit het Frans").
TRANSLATED_FROM = {
    "fr": _l("Translated from French"),
    "nl": _l("Translated from Dutch"),
    "es": _l("Translated from Spanish"),
    "en": _l("Translated from English"),
}


def language_name(code: str, lang: str) -> str:
    """Return the name of a language (ISO 639 code) in the page's language."""
    from babel import Locale

    name = Locale.parse(lang).languages.get(code)
    return name or {"kek": "Q'eqchi'"}.get(code, code)


def language_label(code: str, lang: str) -> str:
    """Return a language's name in the page's language as a list item starts it ("español" -> "Español")."""
    name = language_name(code, lang)
    return name[:1].upper() + name[1:]
