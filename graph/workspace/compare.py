"""Comparing snapshots: the two sides of one run, or one partnership's two runs of the same exercise."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..text import fold
from .errors import WorkspaceError
from .model import Item, Run


@dataclass(frozen=True)
class Series:
    """One line of the radar: one side's answers to one run.  ``key`` is ``"<run id>|<municipality id>"``."""

    key: str
    run_id: str
    held_on: object
    side: str
    answered: bool


@dataclass(frozen=True)
class Difference:
    """``to`` minus ``from`` on one notion; ``highlighted`` when it is at least the run's highlight."""

    from_series: str
    to_series: str
    value: int
    highlighted: bool


@dataclass(frozen=True)
class Row:
    """One notion (or prompt) across the series.

    ``scores`` maps series keys to a score (a series without one is absent);
    ``texts`` maps series keys to ``(text, lang)``, the original answer, for prompts;
    ``only_in`` names the run id holding the notion when only one of two runs has it.
    """

    key: str
    item: Item
    scores: dict = field(default_factory=dict, hash=False)
    texts: dict = field(default_factory=dict, hash=False)
    differences: tuple[Difference, ...] = ()
    only_in: str | None = None

    @property
    def highlighted(self) -> bool:
        return any(d.highlighted for d in self.differences)


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` finds.

    ``mode`` is ``"sides"`` (one run: side against side) or ``"dates"`` (two runs,
    older first: each side against itself, and side against side on each date).
    ``series`` are at most four lines (sides x dates), ``rows`` the notions in order
    (radar) or the prompts (prompts exercises), ``scale`` and ``highlight`` those of
    the runs.  A notion that only one run has is listed with ``only_in``.
    """

    mode: str
    runs: tuple[Run, ...]
    series: tuple[Series, ...]
    rows: tuple[Row, ...]
    scale: tuple[int, int] | None
    highlight: int | None

    @property
    def highlighted(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.highlighted)


def compare(run_a: Run, run_b: Run | None = None) -> Comparison:
    """Compare one run's two sides, or two runs of the same exercise for the same partnership."""
    if run_b is None or run_b.id == run_a.id:
        runs = (run_a,)
    else:
        if run_b.partnership != run_a.partnership or run_b.template_id != run_a.template_id:
            raise WorkspaceError("not_comparable", f"{run_a.id} and {run_b.id} are not runs of one exercise "
                                 "for one partnership", value=run_b.id)
        runs = tuple(sorted((run_a, run_b), key=lambda r: (r.held_on, r.id)))
    sides = sorted({s for r in runs for s in r.sides} | {s for r in runs for s in r.responses})
    series = tuple(Series(f"{r.id}|{s}", r.id, r.held_on, s, s in r.responses) for r in runs for s in sides)
    highlight = max((r.highlight or 0) for r in runs) or None
    rows = tuple(_row(runs, series, key, items, highlight) for key, items in _aligned(runs))
    return Comparison("sides" if len(runs) == 1 else "dates", runs, series, rows, runs[0].scale, highlight)


def _aligned(runs: tuple[Run, ...]) -> list[tuple[str, dict[str, Item]]]:
    """Pair the runs' items: by key, and a run's own notions by their label in a shared language."""
    rows: list[tuple[str, dict[str, Item]]] = []
    for run in runs:
        for item in run.items:
            match = next((items for key, items in rows if run.id not in items and _same(item, key, items)), None)
            if match is not None:
                match[run.id] = item
            else:
                rows.append((item.key, {run.id: item}))
    return rows


def _same(item: Item, key: str, items: dict[str, Item]) -> bool:
    other = next(iter(items.values()))
    if not (item.own or other.own):
        return item.key == key
    if item.type != other.type:
        return False
    return any(fold(item.label[lang]) == fold(other.label[lang]) for lang in set(item.label) & set(other.label))


def _row(runs, series, key: str, items: dict[str, Item], highlight: int | None) -> Row:
    scores, texts = {}, {}
    order = {r.id: n for n, r in enumerate(runs)}
    for s in series:
        run = next(r for r in runs if r.id == s.run_id)
        item, response = items.get(run.id), run.responses.get(s.side)
        if item is None or response is None:
            continue
        if item.key in response.scores:
            scores[s.key] = response.scores[item.key]
        if item.key in response.texts:
            texts[s.key] = (response.texts[item.key], response.lang)
    differences = []
    for a in series:
        for b in series:
            if a is b or a.key not in scores or b.key not in scores:
                continue
            same_run_other_side = a.run_id == b.run_id and a.side < b.side
            same_side_later = a.side == b.side and order[a.run_id] < order[b.run_id]
            if same_run_other_side or same_side_later:
                value = scores[b.key] - scores[a.key]
                differences.append(Difference(a.key, b.key, value, highlight is not None and abs(value) >= highlight))
    only_in = next(iter(items)) if len(runs) > 1 and len(items) == 1 else None
    return Row(key, next(iter(items.values())), scores, texts, tuple(differences), only_in)
