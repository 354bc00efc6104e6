"""An accessible radar chart as SVG, drawn on the server: no script, every text escaped.

Up to four series (two sides x two dates) are told apart three ways at once: line dash,
marker shape and colour, so that neither colour vision nor a black-and-white print is
needed to read them.  The chart is ``role="img"`` with a ``<title>`` and a ``<desc>``;
the page shows the same numbers as a table beside it.  Only presentation attributes are
used (no ``style``), so the strict Content-Security-Policy allows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours from Okabe & Ito's palette (distinct for the common colour-vision deficiencies), each with
# a dash pattern and a marker shape of its own.
STYLES = (
    {"colour": "#0b5d7a", "dash": "", "marker": "circle"},
    {"colour": "#b34700", "dash": "8 4", "marker": "square"},
    {"colour": "#00734d", "dash": "2 4", "marker": "triangle"},
    {"colour": "#8a3a78", "dash": "12 4 3 4", "marker": "diamond"},
)
MAX_SERIES = len(STYLES)
SYMBOLS = {"circle": "●", "square": "■", "triangle": "▲", "diamond": "◆"}
# The drawing scales to its container (about 360 px on a phone), so its text is set large in user units:
# 18 units of label are 10 px at a phone's width and 18 px at the widest.
SIZE = 640  # the drawing's width in user units
RADIUS = 140
LABEL_GAP = 16
LABEL_CHARS = 16  # an axis label is wrapped at about this many characters per line
LABEL_LINES = 3
LINE_HEIGHT = 20
FONT_SIZE = 18
STEP_FONT_SIZE = 15
LEGEND_ROW = 28


@dataclass(frozen=True)
class Axis:
    """One notion of the radar: its key and its label in the page's language."""

    key: str
    label: str
    lang: str | None = None  # the label's language when it is not the page's


@dataclass(frozen=True)
class Series:
    """One line of the radar: a label for the legend and a score per axis key (None: not scored)."""

    label: str
    values: dict


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _wrap(text: str, width: int = LABEL_CHARS, lines: int = LABEL_LINES) -> list[str]:
    """Split a label into at most ``lines`` lines of about ``width`` characters; the last one ends in …"""
    words, out, current = text.split(), [], ""
    for word in words:
        while len(word) > width:  # a long compound (Dutch) is cut, not left to overflow
            if current:
                out.append(current)
                current = ""
            out.append(word[:width - 1] + "-")
            word = word[width - 1:]
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:width - 1].rstrip() + "…"
    return out or [""]


def _point(centre: tuple[float, float], angle: float, radius: float) -> tuple[float, float]:
    return centre[0] + radius * math.sin(angle), centre[1] - radius * math.cos(angle)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    fill = f'class="marker-{shape}" fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="5" {fill}/>'
    if shape == "square":
        return f'<rect x="{_fmt(x - 4.5)}" y="{_fmt(y - 4.5)}" width="9" height="9" {fill}/>'
    if shape == "triangle":
        pts = [(x, y - 6), (x + 5.5, y + 4.5), (x - 5.5, y + 4.5)]
    else:  # diamond
        pts = [(x, y - 6.5), (x + 6, y), (x, y + 6.5), (x - 6, y)]
    return f'<polygon points="{" ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in pts)}" {fill}/>'


def _series_path(points: list[tuple[float, float] | None]) -> str:
    """A path through the scored points; a gap (None) breaks the line, a full ring is closed."""
    parts, pen_down = [], False
    for p in points:
        if p is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{_fmt(p[0])},{_fmt(p[1])}")
        pen_down = True
    if points and all(p is not None for p in points) and len(points) > 2:
        parts.append("Z")
    return " ".join(parts)


def radar_svg(title: str, description: str, axes: list[Axis], series: list[Series], *,
              scale: tuple[int, int] = (1, 5), chart_id: str = "radar") -> Markup:
    """Return the radar of ``series`` over ``axes`` as an inline SVG, every text escaped.

    ``scale`` is the lowest and highest score; the lowest sits near the centre (not on it, so
    a low score is still a visible point).  Scores outside the scale are drawn at its edge.
    ``chart_id`` makes the ids of title and description unique on the page.
    """
    if not axes:
        raise ValueError("a radar needs at least one axis")
    if len(series) > MAX_SERIES:
        raise ValueError(f"a radar shows at most {MAX_SERIES} series, not {len(series)}")
    low, high = scale
    if high <= low:
        raise ValueError("the scale's highest score must be above its lowest")
    label_room = LABEL_GAP + LABEL_LINES * LINE_HEIGHT + 8
    centre = (SIZE / 2, label_room + RADIUS)
    legend_top = centre[1] + RADIUS + label_room
    height = legend_top + LEGEND_ROW * len(series) + 12
    inner = RADIUS * 0.12  # where the lowest score sits

    def radius_of(value: float) -> float:
        value = min(max(value, low), high)
        return inner + (RADIUS - inner) * (value - low) / (high - low)

    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" viewBox="0 0 {SIZE} {_fmt(height)}" '
           f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
           f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}">',
           f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
           f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
           '<g class="radar-grid" fill="none" stroke="#9aa5b1" stroke-width="1">']
    for step in range(low, high + 1):
        ring = [_point(centre, a, radius_of(step)) for a in angles]
        if len(axes) > 2:
            out.append(f'<polygon points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in ring)}"/>')
        else:
            out.append(f'<circle cx="{_fmt(centre[0])}" cy="{_fmt(centre[1])}" r="{_fmt(radius_of(step))}"/>')
    for a in angles:
        x, y = _point(centre, a, RADIUS)
        out.append(f'<line x1="{_fmt(centre[0])}" y1="{_fmt(centre[1])}" x2="{_fmt(x)}" y2="{_fmt(y)}"/>')
    out.append("</g>")
    out.append(f'<g class="radar-steps" fill="#4a5663" font-size="{STEP_FONT_SIZE}" text-anchor="end">')
    for step in range(low, high + 1):
        out.append(f'<text x="{_fmt(centre[0] - 4)}" y="{_fmt(centre[1] - radius_of(step) + 4)}">{step}</text>')
    out.append("</g>")
    out.append('<g class="radar-axes" fill="#1d2733">')
    for axis, a in zip(axes, angles, strict=True):
        x, y = _point(centre, a, RADIUS + LABEL_GAP)
        sin = math.sin(a)
        anchor = "middle" if abs(sin) < 0.3 else "start" if sin > 0 else "end"
        lines = _wrap(axis.label)
        # Labels above the chart grow upwards, below it downwards, beside it around the axis's end.
        cos = math.cos(a)
        first = y - (len(lines) - 1) * LINE_HEIGHT if cos > 0.3 else y + LINE_HEIGHT * 0.8 if cos < -0.3 \
            else y - (len(lines) - 1) * LINE_HEIGHT / 2 + 4
        # xml:lang, the attribute SVG declares: HTML's lang on an SVG element is invalid (Nu HTML Checker).
        lang = f' xml:lang="{escape(axis.lang)}"' if axis.lang else ""
        spans = "".join(f'<tspan x="{_fmt(x)}" y="{_fmt(first + i * LINE_HEIGHT)}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        out.append(f'<text text-anchor="{anchor}"{lang}>{spans}</text>')
    out.append("</g>")
    for style, s in zip(STYLES, series, strict=False):
        points = []
        for axis, a in zip(axes, angles, strict=True):
            value = s.values.get(axis.key)
            points.append(None if value is None else _point(centre, a, radius_of(value)))
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        out.append(f'<g class="radar-series"><path d="{_series_path(points)}" fill="{style["colour"]}" '
                   f'fill-opacity="0.08" stroke="{style["colour"]}" stroke-width="2.5"{dash}/>')
        out.extend(_marker(style["marker"], *p, style["colour"]) for p in points if p is not None)
        out.append("</g>")
    out.append('<g class="radar-legend" fill="#1d2733">')
    for i, (style, s) in enumerate(zip(STYLES, series, strict=False)):
        y = legend_top + LEGEND_ROW * i + LEGEND_ROW / 2
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        out.append(f'<line x1="40" y1="{_fmt(y)}" x2="96" y2="{_fmt(y)}" stroke="{style["colour"]}" '
                   f'stroke-width="2.5"{dash}/>')
        out.append(_marker(style["marker"], 68, y, style["colour"]))
        out.append(f'<text x="108" y="{_fmt(y + 6)}">{escape(s.label)}</text>')
    out.append("</g></svg>")
    return Markup("".join(out))



def symbol(index: int) -> str:
    """Return the marker of series ``index`` as a character, for the table and legend beside the chart."""
    return SYMBOLS[STYLES[index]["marker"]]
