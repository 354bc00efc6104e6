"""Every UI string is translated in all four catalogs, and the catalogs match the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from graph.schema import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def source_messages() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_translates_every_ui_string(lang):
    cat = catalog(lang)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in cat if m.id}
    missing = sorted(source_messages() - ids)
    assert not missing, f"{lang}: {len(missing)} strings not in the catalog, run `make translations-update`: {missing[:5]}"
    untranslated = [m.id for m in cat if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])]
    assert not untranslated, f"{lang}: untranslated {untranslated[:5]}"
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_no_stale_entries(lang):
    stale = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog(lang) if m.id} - source_messages()
    assert not stale, f"{lang}: strings no longer in the code: {sorted(stale)[:5]}"


@pytest.mark.parametrize("lang", ["nl", "fr", "es"])
def test_placeholders_survive_translation(lang):
    import re

    for m in catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for s in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", s)) == wanted, (lang, m.id, s)
