"""Every seeded text, and every section heading a source line cites, exists in all four languages.

One case per seed file, so a failure names the file and lists every missing
item as ``record field: languages``.  A plain string is accepted only for a
``name``: that is a proper name (Brasschaat, Miro), the same in every language.
"""

from __future__ import annotations

import pytest
import yaml

from graph.ingest.seeds import EXERCISES, SEEDS_DIR, read_sdgs, record_files
from graph.schema import LANGUAGES, TEXT_FIELDS
from graph.workspace.files import ROLES_FILE, template_files

RECORD_FILES = record_files(SEEDS_DIR)
EXERCISE_FILES = template_files(SEEDS_DIR / EXERCISES)


def _missing(value, field: str) -> list[str]:
    """Return the languages a record's text lacks (empty when it is complete or a proper name)."""
    if isinstance(value, str):
        return [] if field == "name" and value.strip() else list(LANGUAGES)
    if not isinstance(value, dict):
        return list(LANGUAGES)
    return [lang for lang in LANGUAGES if not isinstance(value.get(lang), str) or not value[lang].strip()]


def record_file_gaps(path) -> list[str]:
    """Return one line per text or section heading of a record file that lacks a language."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    original = data.get("original_language")
    sections = data.get("sections") or {}
    gaps = []
    for heading, translations in sections.items():
        translations = dict(translations or {}, **({original: heading} if original else {}))
        lacking = [lang for lang in LANGUAGES if not str(translations.get(lang) or "").strip()]
        if lacking:
            gaps.append(f"sections[{heading}]: {', '.join(lacking)}")
    for group in ("nodes", "edges"):
        for i, record in enumerate(data.get(group) or []):
            where = f"{group}[{i}] ({record.get('id') or ' '.join(str(record.get(k)) for k in ('from', 'type', 'to'))})"
            section = record.get("section")
            if section not in sections:
                gaps.append(f"{where} section {section!r}: not translated in 'sections'")
            for field in TEXT_FIELDS:
                if field in record:
                    lacking = _missing(record[field], field)
                    if lacking:
                        gaps.append(f"{where} {field}: {', '.join(lacking)}")
    return gaps


@pytest.mark.parametrize("path", RECORD_FILES, ids=[str(p.relative_to(SEEDS_DIR)) for p in RECORD_FILES])
def test_every_text_of_a_record_file_is_in_every_language(path):
    gaps = record_file_gaps(path)
    assert not gaps, f"{path.relative_to(SEEDS_DIR)} lacks {len(gaps)} translation(s):\n" + "\n".join(gaps)


def test_every_sdg_title_is_in_every_language():
    gaps = []
    for node in read_sdgs(SEEDS_DIR / "sdg").nodes:
        for field in TEXT_FIELDS:
            present = [lang for lang in LANGUAGES if node.props.get(f"{field}_{lang}")]
            if present and len(present) < len(LANGUAGES):
                gaps.append(f"{node.id} {field}: {', '.join(lang for lang in LANGUAGES if lang not in present)}")
            if node.props.get(field) and field != "name":
                gaps.append(f"{node.id} {field}: language-neutral text that is not a name")
    assert not gaps, "SDG titles lack translations:\n" + "\n".join(gaps)


def test_the_coverage_check_names_what_is_missing(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text('source: source:s\noriginal_language: fr\nsections:\n  "S": {nl: "S", es: ""}\n'
                    'nodes:\n  - {id: lesson:x, section: "S", name: {fr: "X", nl: "X"}, description: "only one"}\n'
                    '  - {id: lesson:y, section: "T", name: "Proper Name"}\n', encoding="utf-8")
    assert record_file_gaps(path) == [
        "sections[S]: es, en",
        "nodes[0] (lesson:x) name: es, en",
        "nodes[0] (lesson:x) description: nl, fr, es, en",
        "nodes[1] (lesson:y) section 'T': not translated in 'sections'",
    ]


def test_spanish_says_hermanamiento_only_for_twinnings():
    """The glossary: a partnership is a relación de cooperación; hermanamiento is town twinning only.

    Words in texts are checked by tests/webapp/test_terminology.py (docs/terminology.yaml); this one checks the
    imported data: a Partnership node that is not a twinning never calls itself hermanamiento.
    """
    from graph.ingest.seeds import read_seeds

    wrong = [n.id for n in read_seeds().nodes
             if n.kind == "Partnership" and n.props.get("partnership_type") != "twinning"
             and any("ermanamiento" in str(v) for k, v in n.props.items() if k.endswith("_es"))]
    assert wrong == []


def exercise_file_gaps(path) -> list[str]:
    """Return one line per text of an exercise template or the roles file that lacks a language."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = [(f"roles[{i}] ({r.get('key')}) label", r.get("label")) for i, r in enumerate(data.get("roles") or [])]
    texts += [(field, data.get(field)) for field in ("name", "description", "section") if "roles" not in data]
    for i, item in enumerate(data.get("items") or []):
        texts += [(f"items[{i}] ({item.get('key')}) {field}", item.get(field))
                  for field in ("label", "help") if field == "label" or field in item]
    gaps = []
    for where, value in texts:
        lacking = _missing(value, "text")
        if lacking:
            gaps.append(f"{where}: {', '.join(lacking)}")
    return gaps


def test_there_are_five_exercises_and_the_roles():
    assert [p.stem for p in EXERCISE_FILES] == [
        "mental-photos", "mutual-expectations", "participation-radar", "sdg-circle", "six-base-tools"]
    assert (SEEDS_DIR / EXERCISES / ROLES_FILE).exists()


@pytest.mark.parametrize("path", [*EXERCISE_FILES, SEEDS_DIR / EXERCISES / ROLES_FILE],
                         ids=[p.name for p in [*EXERCISE_FILES, SEEDS_DIR / EXERCISES / ROLES_FILE]])
def test_every_text_of_an_exercise_and_a_role_is_in_every_language(path):
    gaps = exercise_file_gaps(path)
    assert not gaps, f"{path.name} lacks {len(gaps)} translation(s):\n" + "\n".join(gaps)


def test_the_exercise_coverage_check_names_what_is_missing(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text('name: {nl: "N", fr: "F", es: "E", en: "E"}\ndescription: {nl: "N"}\n'
                    'items:\n  - {key: a, label: {nl: "A", fr: "A", es: "", en: "A"}, help: "one"}\n'
                    '  - {key: b, label: {nl: "B", fr: "B", es: "B", en: "B"}}\n', encoding="utf-8")
    assert exercise_file_gaps(path) == [
        "description: fr, es, en", "section: nl, fr, es, en", "items[0] (a) label: es", "items[0] (a) help: nl, fr, es, en"]
    roles = tmp_path / "roles.yaml"
    roles.write_text('roles:\n  - {key: youth, label: {nl: "Jongere", fr: "Jeune", es: "Joven"}}\n', encoding="utf-8")
    assert exercise_file_gaps(roles) == ["roles[0] (youth) label: en"]

