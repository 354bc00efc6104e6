"""The workspace's runs and answers as plain dicts for one language (page and JSON twin alike)."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import format_date, gettext

from graph import workspace as ws

from ..i18n import NATIVE_NAMES
from . import nodes as present
from .radar import Axis, Series, radar_svg, symbol


def date_display(value) -> str:
    """Show a run's date in the page's locale (an ISO string if it is not a date)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "long")


def iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def label(item, lang: str) -> dict:
    """An item's label in ``lang``; a run's own notion may exist only in its author's language."""
    text, shown = item.label_in(lang)
    return {"text": text, "lang": shown, "fallback": shown != lang, "is_original": True, "original": None}


def help_text(item, lang: str) -> str | None:
    return item.help_in(lang) or None


def answer_text(response, key: str, lang: str) -> dict | None:
    """One text answer in ``lang`` when translated, else in its original; a translation offers the original."""
    text, shown, is_original = response.text_in(key, lang)
    if not text:
        return None
    original = None
    if not is_original:
        original = {"text": response.texts.get(key), "lang": response.lang}
    return {"text": text, "lang": shown, "fallback": shown != lang, "is_original": is_original,
            "original": original}


def run_url(partnership_id: str, run_id: str, endpoint: str = "workspace.run", **values) -> str:
    return url_for(endpoint, local=partnership_id.split(":", 1)[1], run=run_id.split(":", 1)[1], **values)


def participants(response, roles: dict, lang: str) -> list[dict]:
    """Count the participants of one side by role, in the roles' order."""
    counts = response.participant_counts()
    return [{"role": key, "label": roles[key].label(lang) if key in roles else key, "count": counts[key]}
            for key in [*roles, *sorted(set(counts) - set(roles))] if counts.get(key)]


def run_summary(run, municipalities: dict, roles: dict, lang: str) -> dict:
    """A run as listed in a workspace: its date, link and who answered."""
    return {
        "id": run.id, "held_on": iso(run.held_on), "held_on_display": date_display(run.held_on),
        "url": run_url(run.partnership, run.id),
        "sides": [{"municipality": present.ref(municipalities[side], lang) if side in municipalities else
                   {"id": side, "label": side, "url": None},
                   "lang": response.lang, "language": NATIVE_NAMES.get(response.lang, response.lang),
                   "participants": len(response.participants)}
                  for side, response in run.responses.items()],
    }


def score_items(run) -> list:
    return [item for item in run.items if item.type == "score"]


def series_label(municipality: dict, held_on=None) -> str:
    name = municipality["label"]
    return gettext("%(side)s, %(date)s", side=name, date=date_display(held_on)) if held_on else name


def radar(run_series: list[tuple], items, scale: tuple[int, int], title: str, chart_id: str,
          lang: str, highlight: int | None = None) -> dict:
    """The radar of up to four (label, response) pairs over ``items``, with the same numbers as a table.

    A row is highlighted when the scores in it differ by ``highlight`` points or more.
    """
    series = [Series(name, dict(response.scores) if response else {}) for name, response in run_series]
    rows = []
    for item in items:
        scores = [s.values.get(item.key) for s in series]
        known = [v for v in scores if v is not None]
        spread = max(known) - min(known) if len(known) > 1 else None
        rows.append({"key": item.key, "label": label(item, lang), "scores": scores, "spread": spread,
                     "highlighted": bool(highlight and spread is not None and spread >= highlight)})
    marked = {row["key"] for row in rows if row["highlighted"]}
    axes = [_axis(item, lang, item.key in marked) for item in items]
    low, high = scale
    description = gettext("Scores from %(low)s to %(high)s on %(count)s notions. The same numbers are in the "
                          "table beside the chart.", low=low, high=high, count=len(items))
    legend = [{"label": s.label, "symbol": symbol(i)} for i, s in enumerate(series)]
    return {"title": title, "description": description, "series": legend, "rows": rows,
            "scale": {"min": low, "max": high}, "highlight": highlight,
            "svg": str(radar_svg(title, description, axes, series, scale=scale, chart_id=chart_id)) if items
            else None}


def _compared_text(runs: dict, series, key: str, lang: str) -> dict | None:
    response = runs[series.run_id].responses.get(series.side) if series.run_id in runs else None
    return answer_text(response, key, lang) if response is not None else None


def _axis_label(item, lang: str) -> tuple[str, str | None]:
    text, shown = item.label_in(lang)
    return text, shown if shown != lang else None


def _axis(item, lang: str, highlighted: bool) -> Axis:
    """A notion's axis; one the table marks with ⚠ carries the same sign on the chart."""
    text, shown = _axis_label(item, lang)
    return Axis(item.key, f"⚠ {text}" if highlighted else text, shown)


def workspace_links(store, node) -> dict | None:
    """Where a node page leads into the workspace: a partnership to its workspace, a session or one side's
    answers to the session's page, an exercise to its adaptation (for staff)."""
    if node.kind == "Partnership":
        return {"url": url_for("workspace.workspace", local=node.id.split(":", 1)[1]),
                "label": gettext("Workspace: the publication's exercises for this partnership")}
    if node.kind == "ExerciseResponse":
        node = store.get_node(node.props.get("run") or "")
        if node is None:
            return None
    if node.kind == "ExerciseRun" and str(node.props.get("partnership", "")).startswith("partnership:"):
        return {"url": run_url(node.props["partnership"], node.id), "label": gettext("Open this session")}
    return None


def comparison(found, partners: dict, name: str, lang: str) -> dict:
    """A ws.compare() result as a page: the radar of every series, and per notion each score and each
    difference, the highlighted ones marked in words (not by colour alone)."""
    by_date = found.mode == "dates"
    sides = {s: present.ref(partners[s], lang)["label"] if s in partners else s for s in {x.side for x in found.series}}

    def series_name(s) -> str:
        return series_label({"label": sides[s.side]}, s.held_on if by_date else None)

    labels = {s.key: series_name(s) for s in found.series}
    runs = {r.id: r for r in found.runs}
    scored = [row for row in found.rows if row.item.type == "score"]
    axes = [_axis(row.item, lang, row.highlighted) for row in scored]
    series = [Series(labels[s.key], {row.key: row.scores.get(s.key) for row in scored}) for s in found.series]
    dates = {r.id: date_display(r.held_on) for r in found.runs}
    rows = []
    for row in found.rows:
        differences = [{
            "from": d.from_series, "to": d.to_series, "value": d.value, "highlighted": d.highlighted,
            "display": f"{d.value:+d}" if d.value else "0",
            "label": _difference_label(d, found, sides, dates),
            "between_sides": _side_of(found, d.from_series) != _side_of(found, d.to_series)}
            for d in row.differences]
        rows.append({"key": row.key, "type": row.item.type, "label": label(row.item, lang),
                     "scores": [row.scores.get(s.key) for s in found.series],
                     # Each answer as the session page shows it: translated into the page's language when
                     # someone has, with its original behind it; else as written, saying in which language.
                     "texts": [_compared_text(runs, s, row.key, lang) if s.key in row.texts else None
                               for s in found.series],
                     "differences": differences, "highlighted": row.highlighted,
                     "only_in": dates.get(row.only_in) if row.only_in else None})
    title = gettext("%(exercise)s: %(first)s and %(second)s", exercise=name, first=dates[found.runs[0].id],
                    second=dates[found.runs[-1].id]) if by_date else gettext(
        "%(exercise)s, %(date)s: the two sides", exercise=name, date=dates[found.runs[0].id])
    low, high = found.scale or (1, 5)
    description = gettext("Scores from %(low)s to %(high)s on %(count)s notions. The same numbers are in the "
                          "table below the chart.", low=low, high=high, count=len(scored))
    return {
        "title": title, "mode": found.mode, "highlight": found.highlight,
        "runs": [{"id": r.id, "held_on": iso(r.held_on), "held_on_display": dates[r.id],
                  "url": run_url(r.partnership, r.id)} for r in found.runs],
        "series": [{"key": s.key, "label": labels[s.key], "symbol": symbol(i), "answered": s.answered}
                   for i, s in enumerate(found.series)],
        "radar": {"rows": [r for r in rows if r["type"] == "score"], "description": description,
                  "svg": str(radar_svg(title, description, axes, series, scale=(low, high),
                                       chart_id="compare")) if axes else None},
        "prompts": [r for r in rows if r["type"] == "text"],
        "highlighted": [r["label"]["text"] for r in rows if r["highlighted"]],
    }


def _side_of(found, series_key: str) -> str:
    return next(s.side for s in found.series if s.key == series_key)


def _difference_label(difference, found, sides: dict, dates: dict) -> str:
    """Say what a difference compares: one side between two dates, or the two sides on one date."""
    a = next(s for s in found.series if s.key == difference.from_series)
    b = next(s for s in found.series if s.key == difference.to_series)
    if a.side == b.side:
        return gettext("%(side)s from %(first)s to %(second)s", side=sides[a.side], first=dates[a.run_id],
                       second=dates[b.run_id])
    return gettext("%(second)s compared with %(first)s, %(date)s", first=sides[a.side], second=sides[b.side],
                   date=dates[a.run_id])


def local_part(node_id: str) -> str:
    """The part of an id after its kind's prefix, as addresses use it."""
    return node_id.split(":", 1)[1]


def run_context(store, found, template, partners: dict, roles: dict, lang: str, account, other: str | None = None):
    """What a run page (and each run of the report) shows; ``other`` adds each answer in a second language."""
    name = template.name(lang) if template else found.template_id
    held = date_display(found.held_on)
    sides = []
    for municipality_id, municipality in partners.items():
        response = found.responses.get(municipality_id)
        sides.append({
            "municipality": present.ref(municipality, lang),
            "answered": response is not None,
            "lang": response.lang if response else None,
            "language": NATIVE_NAMES.get(response.lang) if response else None,
            "participants": participants(response, roles, lang) if response else [],
            "answer_url": run_url(found.partnership, found.id, "workspace.answer",
                                        municipality=local_part(municipality_id))
            if ws.may_answer(account, municipality_id) else None,
        })
    items = []
    for item in found.items:
        if item.type == "score":
            continue
        answers = []
        for municipality_id in partners:
            response = found.responses.get(municipality_id)
            answers.append(answer_of(store, found, item, response, municipality_id, lang, other, account))
        items.append({"key": item.key, "type": item.type, "label": label(item, lang),
                      "help": help_text(item, lang), "answers": answers})
    scores = score_items(found)
    chart = None
    if scores:
        series = [(present.ref(partners[m], lang)["label"], found.responses.get(m)) for m in partners]
        chart = radar(series, scores, found.scale, gettext("%(exercise)s, %(date)s", exercise=name, date=held),
                      chart_id=f"radar-{local_part(found.id)}", lang=lang, highlight=found.highlight)
    may_publish = not found.published_at and ws.may_see_private(store, account, found.partnership)
    return {"title": gettext("%(exercise)s, %(date)s", exercise=name, date=held),
            "run": {"id": found.id, "exercise": found.template_id, "exercise_name": name,
                    "held_on": iso(found.held_on), "held_on_display": held,
                    "url": run_url(found.partnership, found.id),
                    "node_url": present.node_url(found.id),
                    "published": {"at": found.published_at, "by": found.published_by.removeprefix("user:")}
                    if found.published_at else None,
                    "publish_url": run_url(found.partnership, found.id, "workspace.publish")
                    if may_publish else None,
                    "version": found.version},
            "sides": sides, "items": items, "radar": chart,
            "compare_url": url_for("workspace.compare", local=local_part(found.partnership),
                                   a=local_part(found.id)) if scores else None}


def answer_of(store, found, item, response, municipality_id: str, lang: str, other: str | None, account) -> dict:
    """One side's answer to one item: a text (with its translations), the nodes chosen, or the lines."""
    answer = {"side": municipality_id, "text": None, "other": None, "choices": [], "lines": [],
              "translate_url": None}
    if response is None:
        return answer
    if item.type == "text":
        answer["text"] = answer_text(response, item.key, lang)
        if other:
            answer["other"] = answer_text(response, item.key, other)
        if answer["text"] and answer["text"]["fallback"] and may_translate(store, account, found):
            answer["translate_url"] = run_url(found.partnership, found.id, "workspace.translate",
                                                    municipality=local_part(municipality_id), key=item.key, to=lang)
    elif item.type in ("themes", "sdgs"):
        ids = response.choices.get(item.key, [])
        nodes = store.get_nodes(ids)
        answer["choices"] = [present.ref(nodes[i], lang) for i in ids if i in nodes]
    else:
        answer["lines"] = list(response.lines.get(item.key, []))
    return answer


def may_translate(store, account, found) -> bool:
    """Anyone who may work on the session (either side) may add a translation of an answer."""
    return account is not None and ws.may_translate(store, account, found.id)
