"""Questionnaire import: members' profile answers from a spreadsheet, previewed, then applied all or nothing.

Columns (header names in any case; the order does not matter):

  name, country          the municipality (required)
  official_code          optional: matched first, against the municipality's ``official_code``
  offers, seeks          themes by id (``theme:water``) or name in any language, separated by ``,``, ``;`` or ``|``
  sdgs                   SDG numbers or ids (``6, 13`` or ``sdg:6``)
  languages              ISO 639 codes of working languages (``nl, es``)
  contact                the department or role to contact (no person's name)
  answer_language        the language the answers are written in (nl, fr, es, en; default nl)
  public                 yes/no (ja/nee, oui/non, sí/no, 1/0): show the contact to every reader

Each row is matched to an existing municipality by official code, else by
name and country (the same key the twin-town import uses); unmatched rows
create a municipality.  Profile links are added to those already there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema
from ..editing.profiles import MAX_CONTACT
from ..errors import DataError, SchemaError
from ..model import Change, ChangeNote, Edge, Node
from ..places.countries import municipality_id, place_key, resolve_country
from ..records import make_edge, make_node
from ..text import fold
from .spreadsheets import read_table

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
COLUMNS = ("name", "country", "official_code", "offers", "seeks", "sdgs", "languages", "contact",
           "answer_language", "public")
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
}


@dataclass
class RowPlan:
    """What one row will do: match or create a municipality, and which problems it has, by field."""

    row: int
    name: str
    country: str
    municipality: str | None = None
    status: str = "new"            # "matched" or "new"
    matched_by: str | None = None  # "official_code" or "name"
    offers: list[str] = field(default_factory=list)
    seeks: list[str] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=list)
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


def plan_import(store, data: bytes, name: str, max_rows: int = MAX_IMPORT_ROWS) -> ImportPlan:
    """Read a questionnaire file and plan its import; problems are listed by row and field, nothing is written."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DataError(name, None, None, f"{len(data)} bytes, more than the {MAX_IMPORT_BYTES} bytes an import "
                                          "may hold")
    table = read_table(data, name, max_rows)
    if not table:
        raise DataError(name, 1, "header", "the file is empty")
    header = [fold(h).replace(" ", "_") for h in table[0]]
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
    for column in ("name", "country", "official_code"):
        try:
            schema.check_value("name", values.get(column, ""))
        except SchemaError as exc:
            row.problem(column, "invalid", detail=str(exc).split(": ", 1)[-1])
    lang = (values.get("answer_language") or "nl").lower()
    if lang not in schema.LANGUAGES:
        row.problem("answer_language", "unknown_language", value=lang, allowed=", ".join(schema.LANGUAGES))
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
    languages = [v.lower() for v in _items(values.get("languages", ""))]
    bad = [v for v in languages if not _LANGUAGE.match(v)]
    if bad:
        row.problem("languages", "bad_language_code", value=bad[0])
    contact = values.get("contact", "")
    if len(contact) > MAX_CONTACT:
        row.problem("contact", "too_long", max=MAX_CONTACT)
    public = values.get("public", "").lower()
    if public not in YES | NO:
        row.problem("public", "not_yes_no", value=public)
    if row.errors:
        return
    existing = None
    code = values.get("official_code")
    if code:
        found = store.find_by_property("Municipality", "official_code", [code])
        if found:
            existing, row.matched_by = found[0], "official_code"
    if existing is None:
        iso = resolve_country(row.country)[0]
        found = store.find_by_property("Municipality", "match_key", [place_key(row.name, row.country, iso)])
        if found:
            existing, row.matched_by = sorted(found, key=lambda n: n.id)[0], "name"
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
    if public:
        props["profile_public"] = public in YES
    try:
        plan.nodes.append(make_node(row.municipality, props))
        for rel, targets in (("OFFERS", row.offers), ("SEEKS", row.seeks), ("WORKS_ON", row.sdgs)):
            plan.edges += [make_edge(row.municipality, rel, t) for t in targets]
    except SchemaError as exc:
        row.problem(exc.field or "name", "invalid", detail=str(exc))


def apply_import(store, plan: ImportPlan, actor: str) -> Change | None:
    """Write the whole plan in one write, or nothing when any row has a problem."""
    if not plan.ok:
        first = plan.errors[0] if plan.errors else (None, None, "no rows")
        raise DataError(plan.file, first[0], first[1], first[2])
    return store.write(plan.nodes, plan.edges,
                       change=ChangeNote(actor, code="questionnaire_import", params={"file": Path(plan.file).name}))
