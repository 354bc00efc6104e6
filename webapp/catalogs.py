"""Are the compiled catalogs there and up to date? Never serve English by accident.

Flask-Babel falls back to the English source strings, silently, when a
language's ``messages.mo`` is missing: a checkout installed with
``pip install -e .`` instead of ``make install`` then serves English pages under
``/nl`` with ``lang="nl"``.  A ``.mo`` compiled from an older ``.po`` serves
part of the pages in English the same way.  ``kb serve`` asks this module first
and refuses to start, saying how to compile the catalogs.

"Outdated" is judged by content, not by file times (a git checkout sets those
to the checkout's time): every translated message of the ``.po`` must be in the
``.mo`` with the same translation.  A wheel carries only ``.mo`` files (setup.py
compiles them at build time), so there only their presence is checked.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from graph.schema import LANGUAGES

COMPILE_HINT = "make translations-compile  (or: pybabel compile -d translations)"


def _po_messages(po: Path, lang: str) -> dict[str, str]:
    """Return the .po file's translated, non-fuzzy messages: msgid (with context) -> msgstr."""
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    messages = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        key = ids[0] if message.context is None else f"{message.context}\x04{ids[0]}"
        if strings and strings[0]:
            messages[key] = strings[0]
    return messages


def catalog_problems(directory: Path, languages=LANGUAGES) -> list[str]:
    """Return one line per language whose compiled catalog is missing or older than its .po."""
    problems = []
    for lang in languages:
        folder = Path(directory) / lang / "LC_MESSAGES"
        po, mo = folder / "messages.po", folder / "messages.mo"
        if not mo.is_file():
            problems.append(f"{lang}: {mo} is missing")
            continue
        if not po.is_file():
            continue  # an installed wheel: compiled at build time, nothing to compare with
        try:
            with open(mo, "rb") as fh:
                compiled = gettext.GNUTranslations(fh)._catalog
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            problems.append(f"{lang}: {mo} cannot be read ({exc})")
            continue
        # A plural message is stored under (msgid, 0) for its first form.
        stale = [msgid for msgid, msgstr in _po_messages(po, lang).items()
                 if compiled.get(msgid, compiled.get((msgid, 0))) != msgstr]
        if stale:
            problems.append(f"{lang}: {mo} is older than {po.name} ({len(stale)} message(s) differ, "
                            f"e.g. {stale[0][:60]!r})")
    return problems


def catalog_error(directory: Path) -> str | None:
    """Return the message that stops the server when a catalog is missing or outdated, else None."""
    problems = catalog_problems(directory)
    if not problems:
        return None
    return ("The compiled translation catalogs are missing or out of date; the pages would be served "
            "in English whatever their language:\n  " + "\n  ".join(problems)
            + f"\nCompile them in the checkout first:\n  {COMPILE_HINT}")
