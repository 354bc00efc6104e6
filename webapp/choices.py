"""The choices of select fields and checkbox lists, declared as WTForms wants them.

WTForms 3.3 deprecates choices given as ``(value, label)`` tuples and 3.4 removes them; a choice is a
``SelectChoice``.  Views build their choices as pairs (from the store, in the page language) and hand
them over through :func:`options`; a page's JSON twin lists them through :func:`choice_list`.
"""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def options(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """Return ``(value, label)`` pairs as the choices of a field, in their order."""
    return [SelectChoice(value, label) for value, label in pairs]


def choice_values(field) -> list[str]:
    """Return the values a field offers, in their order."""
    return [SelectChoice.from_input(choice).value for choice in field.choices or ()]


def choice_list(field) -> list[dict]:
    """Return a field's choices as JSON: each value with its label as the page shows it."""
    chosen = (SelectChoice.from_input(choice) for choice in field.choices or ())
    return [{"value": choice.value, "label": str(choice.label)} for choice in chosen]
