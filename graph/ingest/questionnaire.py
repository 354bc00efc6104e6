"""Questionnaire import: members' profile answers from a spreadsheet, previewed, then applied all or nothing.

Columns (header names in any case, in English or as the template writes them in nl, fr, es or en;
the order does not matter):

  name, country          the municipality (required)
  nis_code               optional: Statbel's NIS code, matched first, against the stored ``nis_code``
  official_code          optional: another official code, matched against ``official_code``
  new_municipality       yes when the row describes a municipality not in the knowledge base yet
  offers, seeks          themes by id (``theme:water``) or name in any language, separated by ``,``, ``;`` or ``|``
  sdgs                   SDG numbers or ids (``6, 13`` or ``sdg:6``)
  languages              working languages by ISO 639 code (``nl``) or name in nl, fr, es or en
                         ("Nederlands", "néerlandais", "neerlandés", "Dutch"), through Babel's CLDR names
  contact                the department or role to contact (no person's name)
  answer_language        the language the answers are written in (nl, fr, es, en, by code or name; default nl)
  public                 yes/no (ja/nee, oui/non, sí/no, 1/0): show the contact to every reader
  description            optional free text on the municipality's cooperation, in answer_language: stored as
                         its description, and read by the SDG suggester (graph/sdgs/) for the preview, where
                         the admin confirms the suggested SDGs one by one (``confirm_suggestions``)

Each row is matched to an existing municipality by NIS code, by official
code, or by a name in any language (official, alternate or former, as the
name index holds them: graph/suggest.py) in the row's country, or by the
twin-town import's key.  A name that matches nothing is refused with the
nearest names ("did you mean"), unless ``new_municipality`` says yes: only
then is a municipality created.  Profile links are added to those already
there.  :func:`template` writes the questionnaire to send out, in four
languages, with the allowed values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale

from .. import schema
from ..editing.profiles import MAX_CONTACT
from ..errors import DataError, SchemaError
from ..model import Change, ChangeNote, Edge, Node
from ..places.countries import country_code, municipality_id, place_key, resolve_country
from ..records import make_edge, make_node
from ..sdgs.review import with_accepted
from ..sdgs.suggest import default_suggester
from ..suggest import name_index, suggest
from ..text import display_name, fold
from .spreadsheets import read_table

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
COLUMNS = ("name", "country", "nis_code", "official_code", "new_municipality", "offers", "seeks", "sdgs",
           "languages", "contact", "answer_language", "public", "description")
# The template's column headings in each language; the import reads these as well as the names above.
COLUMN_LABELS = {
    "name": {"nl": "naam", "fr": "nom", "es": "nombre", "en": "name"},
    "country": {"nl": "land", "fr": "pays", "es": "país", "en": "country"},
    "nis_code": {"nl": "NIS-code", "fr": "code INS", "es": "código INS", "en": "NIS code"},
    "official_code": {"nl": "andere officiële code", "fr": "autre code officiel", "es": "otro código oficial",
                      "en": "other official code"},
    "new_municipality": {"nl": "nieuwe gemeente", "fr": "nouvelle commune", "es": "municipalidad nueva",
                         "en": "new municipality"},
    "offers": {"nl": "biedt aan", "fr": "propose", "es": "ofrece", "en": "offers"},
    "seeks": {"nl": "zoekt", "fr": "recherche", "es": "busca", "en": "seeks"},
    "sdgs": {"nl": "SDG's", "fr": "ODD", "es": "ODS", "en": "SDGs"},
    "languages": {"nl": "werktalen", "fr": "langues de travail", "es": "idiomas de trabajo", "en": "working languages"},
    "contact": {"nl": "contact (dienst of functie)", "fr": "contact (service ou fonction)",
                "es": "contacto (servicio o cargo)", "en": "contact (department or role)"},
    "answer_language": {"nl": "taal van de antwoorden", "fr": "langue des réponses", "es": "idioma de las respuestas",
                        "en": "language of the answers"},
    "public": {"nl": "contact openbaar", "fr": "contact public", "es": "contacto público", "en": "contact public"},
    "description": {"nl": "beschrijving", "fr": "description", "es": "descripción", "en": "description"},
}
YES_NO = {"nl": ("ja", "nee"), "fr": ("oui", "non"), "es": ("sí", "no"), "en": ("yes", "no")}
# The template's second sheet: what each column accepts, in each language.
ALLOWED_LABELS = {
    "sheet": {"nl": "Toegelaten waarden", "fr": "Valeurs admises", "es": "Valores admitidos", "en": "Allowed values"},
    "column": {"nl": "kolom", "fr": "colonne", "es": "columna", "en": "column"},
    "value": {"nl": "waarde", "fr": "valeur", "es": "valor", "en": "value"},
    "meaning": {"nl": "betekenis", "fr": "signification", "es": "significado", "en": "meaning"},
}
REQUIRED = ("name", "country")
_SPLIT = re.compile(r"[,;|\n]")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
YES = {"yes", "y", "ja", "j", "oui", "si", "sí", "true", "1", "x"}
NO = {"no", "n", "nee", "non", "false", "0", ""}


# The English message of each problem code (the web page translates the codes).
MESSAGES = {
    "required": "required",
    "duplicate": "the same municipality as row {row}",
    "invalid": "{detail}",
    "unknown_language": "{value!r} is not one of {allowed}",
    "unknown_theme": "unknown theme {value!r}",
    "unknown_sdg": "unknown SDG {value!r} (1 to 17)",
    "bad_language_code": "not an ISO 639 code: {value!r}",
    "too_long": "longer than {max} characters",
    "not_yes_no": "{value!r} is not yes or no",
    "unknown_municipality": "no municipality {value!r} in {country}; did you mean: {suggestions}? "
                            "(to add it as a new municipality, write yes in new_municipality)",
    "ambiguous_municipality": "{value!r} names several municipalities in {country}: {candidates}; "
                              "add the NIS code",
    "unknown_nis_code": "no municipality has NIS code {value!r}",
}


@dataclass
class RowPlan:
    """What one row will do: match or create a municipality, and which problems it has, by field."""

    row: int
    name: str
    country: str
    municipality: str | None = None
    status: str = "new"            # "matched" or "new"
    matched_by: str | None = None  # "nis_code", "official_code", "name" or "key"
    suggestions: list[tuple[str, str]] = field(default_factory=list)  # (id, name) for an unknown name
    offers: list[str] = field(default_factory=list)
    seeks: list[str] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=list)
    # SDGs the row's description speaks to (graph.sdgs Suggestions), and those an admin confirmed.
    sdg_suggestions: object | None = None
    confirmed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message in English)
    codes: list[tuple[str, str, dict]] = field(default_factory=list)  # (field, code, values) for translations

    def problem(self, column: str, code: str, **values) -> None:
        """Note a problem with ``column``: a code and its values (for a translated message) and an English one."""
        self.codes.append((column, code, values))
        self.errors.append((column, MESSAGES[code].format(**values)))


@dataclass
class ImportPlan:
    """The whole file's plan: rows, and the nodes and edges one write would make."""

    file: str
    rows: list[RowPlan]
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        return [(r.row, f, m) for r in self.rows for f, m in r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


def _themes(store) -> dict[str, str]:
    """Every way a theme may be written (id, name in any language, folded) -> its id."""
    names = {}
    for theme in store.nodes("Theme"):
        names[theme.id] = theme.id
        names[fold(theme.id.split(":", 1)[1].replace("-", " "))] = theme.id
        for key, value in theme.props.items():
            if schema.is_name(key) and isinstance(value, str):
                names[fold(value)] = theme.id
    return names


def _items(value: str) -> list[str]:
    return [v.strip() for v in _SPLIT.split(value or "") if v.strip()]


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    """Every way a language may be written -> its ISO 639 code: the code itself, and its CLDR name
    in each of the four languages ("Nederlands", "néerlandais", "neerlandés", "Dutch" -> nl)."""
    names: dict[str, str] = {}
    for ui in schema.LANGUAGES:
        for code, name in Locale.parse(ui).languages.items():
            if _LANGUAGE.match(code):
                names.setdefault(fold(name), code)
                names.setdefault(code, code)
    return names


def language_code(text: str) -> str | None:
    """Return the ISO 639 code a language is written as (a code, or a name in nl, fr, es or en), or None."""
    folded = fold(text or "")
    if _LANGUAGE.match(folded) and folded in _language_names().values():
        return folded
    return _language_names().get(folded)


def _header_names() -> dict[str, str]:
    names = {fold(column): column for column in COLUMNS}
    for column, labels in COLUMN_LABELS.items():
        for label in labels.values():
            names[fold(label)] = column
    return names


def plan_import(store, data: bytes, name: str, max_rows: int = MAX_IMPORT_ROWS) -> ImportPlan:
    """Read a questionnaire file and plan its import; problems are listed by row and field, nothing is written."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DataError(name, None, None, f"{len(data)} bytes, more than the {MAX_IMPORT_BYTES} bytes an import "
                                          "may hold")
    table = read_table(data, name, max_rows)
    if not table:
        raise DataError(name, 1, "header", "the file is empty")
    known = _header_names()
    header = [known.get(fold(h), fold(h).replace(" ", "_")) for h in table[0]]
    unknown = [table[0][i] for i, h in enumerate(header) if h and h not in COLUMNS]
    if unknown:
        raise DataError(name, 1, unknown[0], f"unknown column; the columns are {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataError(name, 1, missing[0], f"required column missing; the columns are {', '.join(COLUMNS)}")
    themes = _themes(store)
    sdgs = {n.id for n in store.nodes("SDG")}
    plan = ImportPlan(name, [])
    seen: dict[str, int] = {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h}
        row = RowPlan(number, values.get("name", ""), values.get("country", ""))
        plan.rows.append(row)
        _plan_row(store, row, values, themes, sdgs, plan)
        if row.municipality:
            if row.municipality in seen:
                row.problem("name", "duplicate", row=seen[row.municipality])
            seen.setdefault(row.municipality, number)
    return plan


def _plan_row(store, row: RowPlan, values: dict, themes: dict, sdgs: set, plan: ImportPlan) -> None:
    for column in REQUIRED:
        if not values.get(column):
            row.problem(column, "required")
    for column in ("name", "country", "nis_code", "official_code"):
        try:
            schema.check_value("name", values.get(column, ""))
        except SchemaError as exc:
            row.problem(column, "invalid", detail=str(exc).split(": ", 1)[-1])
    typed_lang = values.get("answer_language") or "nl"
    lang = language_code(typed_lang) or typed_lang.lower()
    if lang not in schema.LANGUAGES:
        row.problem("answer_language", "unknown_language", value=typed_lang, allowed=", ".join(schema.LANGUAGES))
    for column in ("offers", "seeks"):
        for item in _items(values.get(column, "")):
            found = themes.get(item) or themes.get(fold(item))
            if found:
                getattr(row, column).append(found)
            else:
                row.problem(column, "unknown_theme", value=item)
    for item in _items(values.get("sdgs", "")):
        sdg = item if item.startswith("sdg:") else f"sdg:{item}"
        if sdg in sdgs:
            row.sdgs.append(sdg)
        else:
            row.problem("sdgs", "unknown_sdg", value=item)
    typed_languages = _items(values.get("languages", ""))
    languages = [language_code(v) for v in typed_languages]
    bad = [typed for typed, code in zip(typed_languages, languages, strict=True) if code is None]
    if bad:
        row.problem("languages", "bad_language_code", value=bad[0])
    new = values.get("new_municipality", "").lower()
    if new not in YES | NO:
        row.problem("new_municipality", "not_yes_no", value=new)
    description = values.get("description", "")
    if description:
        try:
            schema.check_value(f"description_{lang}", description)
        except SchemaError as exc:
            row.problem("description", "invalid", detail=str(exc).split(": ", 1)[-1])
    contact = values.get("contact", "")
    if len(contact) > MAX_CONTACT:
        row.problem("contact", "too_long", max=MAX_CONTACT)
    public = values.get("public", "").lower()
    if public not in YES | NO:
        row.problem("public", "not_yes_no", value=public)
    if row.errors:
        return
    existing = _existing(store, row, values)
    if row.errors:
        return
    if existing is None and new not in YES:
        near = suggest(store, row.name, kinds=["Municipality"])
        row.suggestions = [(s.id, s.name) for s in near]
        row.problem("name", "unknown_municipality", value=row.name, country=row.country,
                    suggestions=", ".join(s.name for s in near) or "-")
        return
    code = values.get("official_code")
    row.status = "matched" if existing else "new"
    row.municipality = existing.id if existing else municipality_id(row.name, row.country)
    props = dict(existing.props) if existing else {"name": row.name, "country": row.country,
                                                   "original_lang": lang}
    if code:
        props["official_code"] = code
    if languages:
        props["languages"] = sorted(set(props.get("languages") or []) | set(languages))
    if contact:
        props[f"contact_role_{lang}"] = contact
    if description:
        props[f"description_{lang}"] = description
        row.sdg_suggestions = default_suggester().suggest(description, lang=lang, exclude=set(row.sdgs))
    if public:
        props["profile_public"] = public in YES
    try:
        plan.nodes.append(make_node(row.municipality, props))
        for rel, targets in (("OFFERS", row.offers), ("SEEKS", row.seeks), ("WORKS_ON", row.sdgs)):
            plan.edges += [make_edge(row.municipality, rel, t) for t in targets]
    except SchemaError as exc:
        row.problem(exc.field or "name", "invalid", detail=str(exc))


def _existing(store, row: RowPlan, values: dict) -> Node | None:
    """The municipality a row names: by NIS code, official code, a name in any language in its country,
    or the twin-town key; None when it names none (a problem is noted when it names several)."""
    nis = values.get("nis_code")
    if nis:
        found = store.find_by_property("Municipality", "nis_code", [nis])
        if not found:
            row.problem("nis_code", "unknown_nis_code", value=nis)
            return None
        row.matched_by = "nis_code"
        return sorted(found, key=lambda n: n.id)[0]
    code = values.get("official_code")
    if code:
        found = store.find_by_property("Municipality", "official_code", [code])
        if found:
            row.matched_by = "official_code"
            return found[0]
    iso = resolve_country(row.country)[0]
    ids = name_index(store).named(row.name, kinds=["Municipality"])
    nodes = store.get_nodes(ids)
    here = [nodes[i] for i in ids if i in nodes and _in_country(nodes[i], row.country, iso)]
    if len(here) > 1:
        members = [n for n in here if n.props.get("nis_code")]
        if len(members) != 1:
            row.problem("name", "ambiguous_municipality", value=row.name, country=row.country,
                        candidates=", ".join(n.id for n in here[:5]))
            return None
        here = members
    if here:
        row.matched_by = "name"
        return here[0]
    found = store.find_by_property("Municipality", "match_key", [place_key(row.name, row.country, iso)])
    if found:
        row.matched_by = "key"
        return sorted(found, key=lambda n: n.id)[0]
    return None


def _in_country(node: Node, country: str, iso: str | None) -> bool:
    stored = node.props.get("country_code") or country_code(str(node.props.get("country", "")))
    return (iso is not None and stored == iso) or fold(str(node.props.get("country", ""))) == fold(country)


def template(store, lang: str) -> tuple[list[str], list[list[str]]]:
    """Return the questionnaire to send out in ``lang``: its header row, and the allowed values
    (column, value, meaning) for the second sheet or a separate table."""
    if lang not in schema.LANGUAGES:
        raise ValueError(f"no template in {lang!r}")
    header = [COLUMN_LABELS[c][lang] for c in COLUMNS]
    allowed: list[list[str]] = [[ALLOWED_LABELS[k][lang] for k in ("column", "value", "meaning")]]
    themes = sorted(store.nodes("Theme"), key=lambda t: fold(display_name(t.props, lang, t.id)))
    for column in ("offers", "seeks"):
        allowed += [[COLUMN_LABELS[column][lang], display_name(t.props, lang, t.id), t.id] for t in themes]
    goals = sorted(store.nodes("SDG"), key=lambda g: g.props.get("number", 0))
    allowed += [[COLUMN_LABELS["sdgs"][lang], str(g.props.get("number", "")), display_name(g.props, lang, g.id)]
                for g in goals]
    names = Locale.parse(lang).languages
    for code in schema.WORKING_LANGUAGES:  # any other ISO 639 code or language name is accepted too
        allowed.append([COLUMN_LABELS["languages"][lang], names.get(code, code), code])
    for code in schema.LANGUAGES:
        allowed.append([COLUMN_LABELS["answer_language"][lang], names.get(code, code), code])
    yes, no = YES_NO[lang]
    for column in ("new_municipality", "public"):
        allowed += [[COLUMN_LABELS[column][lang], yes, ""], [COLUMN_LABELS[column][lang], no, ""]]
    return header, allowed


def confirm_suggestions(plan: ImportPlan, confirmed) -> None:
    """Add the WORKS_ON links an admin confirmed among the suggested SDGs: ``confirmed`` holds
    (row number, "sdg:N") pairs; a pair the preview did not suggest is ignored."""
    for row in plan.rows:
        offered = {g.id for g in row.sdg_suggestions.goals} if row.sdg_suggestions else set()
        for sdg in sorted({i for number, i in confirmed if number == row.row} & offered):
            if row.municipality and sdg not in row.confirmed:
                row.confirmed.append(sdg)
                plan.edges.append(make_edge(row.municipality, "WORKS_ON", sdg))


def apply_import(store, plan: ImportPlan, actor: str) -> Change | None:
    """Write the whole plan in one write, or nothing when any row has a problem."""
    if not plan.ok:
        first = plan.errors[0] if plan.errors else (None, None, "no rows")
        raise DataError(plan.file, first[0], first[1], first[2])
    note = ChangeNote(actor, code="questionnaire_import", params={"file": Path(plan.file).name})
    confirmed = sorted({sdg for row in plan.rows for sdg in row.confirmed}, key=lambda i: int(i.split(":")[1]))
    return store.write(plan.nodes, plan.edges, change=with_accepted(note, confirmed))
