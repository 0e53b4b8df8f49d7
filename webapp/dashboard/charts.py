"""The dashboard's charts as geometry for inline SVG (written by :mod:`webapp.dashboard.svg`).

Pure functions of numbers the results service already released (:mod:`webapp.results`),
called with the very cells the page's tables show: they never compute a statistic or decide
what is shown. A withheld number arrives as None and is drawn as an explicit mark with the
text the caller passes (e.g. "fewer than 5 responses"), never as a blank. Every text is given
by the caller, already translated.

The charts are drawn by the server, so the page needs no charting script and a phone shows
them with the first paint. Horizontal positions are percentages of the chart's width and
vertical ones pixels, so one SVG fits 360 px and 1366 px with its text at its real size.

Colours are colour-blind safe: the Okabe-Ito palette for the unit / parent / organisation
series (told apart by marker shape too) and ColorBrewer's PuOr diverging scheme for answer
distributions, with black or white labels chosen for a contrast of at least 4.5:1. The
heatmap of child units is an HTML table coloured by CSS class (:func:`heat_class`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from webapp.dashboard.palette import (
    COMPARISON_STYLE,
    SUPPRESSED_FILL,
    answer_colours,
    heat_class,
    luminance,
)

__all__ = [
    "COMPARISON_STYLE",
    "SUPPRESSED_FILL",
    "answer_colours",
    "distribution_chart",
    "heat_class",
    "luminance",
    "scale_comparison_chart",
    "trend_chart",
    "wrap",
]

Chart = dict[str, Any]

_LINE = 18  # px per line of a label
_LABEL_WIDTH = 36  # characters per label line: fits 330 px at 14 px
_AXIS = 30  # px under the marks for the axis' tick labels
#: Marker shapes around (0, 0), as SVG paths (the circle is drawn as a circle).
SHAPES = {
    "diamond": "M0,-7L7,0L0,7L-7,0Z",
    "square": "M-5,-5H5V5H-5Z",
    "triangle-up": "M0,-7L6.5,5H-6.5Z",
    "triangle-down": "M0,7L6.5,-5H-6.5Z",
    "cross": "M-2,-6H2V-2H6V2H2V6H-2V2H-6V-2H-2Z",
    "hexagon": "M-3.5,-6H3.5L7,0L3.5,6H-3.5L-7,0Z",
}
#: stroke-dasharray per Plotly dash name used for the series.
DASHES = {"solid": "", "dash": "6 4", "dot": "2 3", "dashdot": "6 3 2 3", "longdash": "10 4"}
_TREND_STYLE = [
    ("#0072B2", "circle", "solid"),
    ("#B35A00", "diamond", "dash"),
    ("#009E73", "square", "dot"),
    ("#CC79A7", "triangle-up", "dashdot"),
    ("#333333", "cross", "longdash"),
    ("#1F6F9F", "hexagon", "solid"),
    ("#A34400", "triangle-down", "dash"),
]


def wrap(text: str, width: int = 32) -> list[str]:
    """``text`` broken into lines of about ``width`` characters (at spaces)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def number(value: float, separators: str, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals and the language's decimal mark (``separators[0]``)."""
    return f"{value:.{digits}f}".replace(".", separators[0])


def _percent(value: float, low: float, high: float, pad: float = 3.0) -> float:
    """Horizontal position of ``value`` on a [low, high] axis, in percent of the width."""
    share = (value - low) / (high - low) if high > low else 0.5
    return round(pad + share * (100 - 2 * pad), 2)


def _shown(cell: Mapping[str, Any] | None) -> bool:
    return bool(cell) and not cell.get("suppressed") and cell.get("mean") is not None  # type: ignore[union-attr]


def scale_comparison_chart(
    rows: Sequence[Mapping[str, Any]],
    series: Mapping[str, str],
    value_range: tuple[float, float],
    *,
    withheld_text: str,
    separators: str = ".,",
) -> Chart:
    """Mean and 95% interval per scale for the unit, its parent and the organisation.

    Each scale is a block: its name, then one line per series (marker = mean, bar =
    interval); the legend is the page's (HTML).

    Parameters
    ----------
    rows : sequence of mappings
        ``{"label": str, "unit": cell, "parent": cell, "organisation": cell}`` where a cell
        is a results-service scale cell (``mean``, ``ci``, ``n``, ``suppressed``) or None
        when the series does not exist (no parent unit).
    series : mapping
        Name per series key present (``"unit"``, ``"parent"``, ``"organisation"``).
    value_range : (float, float)
        Lowest and highest answer code: the horizontal axis.
    withheld_text : str
        Drawn where a withheld mean would be, e.g. "fewer than 5 responses".
    """
    low, high = float(value_range[0]), float(value_range[1])
    labels: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    top = 4.0
    for row in rows:
        lines = wrap(row["label"], _LABEL_WIDTH)
        labels.append({"y": top + 14, "lines": lines})
        y = top + _LINE * len(lines) + 12
        for key, name in series.items():
            cell = row.get(key)
            colour, symbol, _dash = COMPARISON_STYLE[key]
            if _shown(cell):
                mean = float(cell["mean"])  # type: ignore[index]
                ci = cell.get("ci") or [mean, mean]  # type: ignore[union-attr]
                text = f"{name}: {number(mean, separators)}"
                if cell.get("ci"):  # type: ignore[union-attr]
                    text += f" ({number(ci[0], separators)} – {number(ci[1], separators)})"
                marks.append(
                    {
                        "y": y,
                        "x": _percent(mean, low, high),
                        "lo": _percent(float(ci[0]), low, high),
                        "hi": _percent(float(ci[1]), low, high),
                        "colour": colour,
                        "shape": SHAPES.get(symbol),
                        "title": text,
                    }
                )
            elif cell is not None:
                withheld.append(
                    {
                        "y": y,
                        "x": _percent(low, low, high),
                        "text": withheld_text,
                        "width": 7 * len(withheld_text) + 10,  # px, ~13 px text
                    }
                )
            y += 18
        top = y + 12
    ticks = [
        {"x": _percent(code, low, high), "label": str(code)}
        for code in range(int(low), int(high) + 1)
    ]
    return {
        "kind": "comparison",
        "height": int(top) + _AXIS,
        "axis": top,
        "ticks": ticks,
        "labels": labels,
        "marks": marks,
        "withheld": withheld,
    }


def distribution_chart(
    rows: Sequence[Mapping[str, Any]],
    answer_labels: Sequence[tuple[str, str]],
    *,
    withheld_text: str,
    separators: str = ".,",
) -> Chart:
    """Stacked horizontal bars: the share of each answer per item, labelled in percent.

    Each item is its text with a bar below it; the legend is the page's (HTML).

    Parameters
    ----------
    rows : sequence of mappings
        ``{"label": str, "distribution": {code: share} or None}`` per item; None (a
        withheld item) draws a grey hatched bar with ``withheld_text``.
    answer_labels : sequence of (code, label)
        The response scale's codes (as strings, lowest first) and their labels.
    """
    colours = answer_colours(len(answer_labels))
    bar = 26.0
    items: list[dict[str, Any]] = []
    top = 4.0
    for row in rows:
        lines = wrap(row["label"], _LABEL_WIDTH + 2)
        y = top + _LINE * len(lines) + 6
        dist = row.get("distribution")
        segments: list[dict[str, Any]] = []
        if dist:
            left = 0.0
            for (code, name), (fill, text_colour) in zip(answer_labels, colours, strict=True):
                share = dist.get(code)
                if not share:
                    continue
                value = 100 * float(share)
                segments.append(
                    {
                        "x": round(left, 2),
                        "width": round(value, 2),
                        "centre": round(left + value / 2, 2),
                        "fill": fill,
                        "text_colour": text_colour,
                        # A label only where it fits a 360 px phone's bar (~30 px).
                        "text": f"{value:.0f}%" if value >= 9 else "",
                        "title": f"{name}: {number(value, separators, 0)}%",
                    }
                )
                left += value
        items.append(
            {
                "label_y": top + 14,
                "lines": lines,
                "y": y,
                "segments": segments,
                "withheld": None if dist else withheld_text,
            }
        )
        top = y + bar + 16
    ticks = [{"x": share, "label": f"{share}%"} for share in (0, 25, 50, 75, 100)]
    return {
        "kind": "distribution",
        "height": int(top) + _AXIS - 8,
        "axis": top,
        "bar": bar,
        "ticks": ticks,
        "rows": items,
        "withheld_fill": SUPPRESSED_FILL,
    }


def _steps(low: float, high: float) -> list[float]:
    step = 0.5 if high - low <= 2.5 else 1.0
    first = step * -(-low // step)  # the first multiple of step at or above low
    values = []
    value = first
    while value <= high + 1e-9:
        values.append(round(value, 2))
        value += step
    return values


def trend_chart(
    waves: Sequence[str],
    lines: Sequence[Mapping[str, Any]],
    value_range: tuple[float, float],
    *,
    separators: str = ".,",
) -> Chart:
    """One line per scale over the waves; a withheld wave is a gap in its line.

    Parameters
    ----------
    waves : sequence of str
        Wave labels, oldest first (the horizontal axis).
    lines : sequence of mappings
        ``{"label": str, "means": [mean or None per wave], "ci": [[lo, hi] or None, ...]}``.
    """
    values = [v for line in lines for v in line["means"] if v is not None]
    values += [c for line in lines for ci in (line.get("ci") or []) if ci for c in ci]
    # The vertical axis spans the data (half a point of room), within the response scale.
    low = max(value_range[0], min(values, default=value_range[0]) - 0.5)
    high = min(value_range[1], max(values, default=value_range[1]) + 0.5)
    plot_top, plot_bottom = 12.0, 232.0

    def y_of(value: float) -> float:
        share = (value - low) / (high - low) if high > low else 0.5
        return round(plot_bottom - share * (plot_bottom - plot_top), 1)

    count = len(waves)
    # From 16 % (the tick labels sit at the left edge, ~50 px on a phone) to 92 %.
    xs = [round(16 + i * 76 / (count - 1), 2) if count > 1 else 50.0 for i in range(count)]
    drawn: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        colour, symbol, dash = _TREND_STYLE[i % len(_TREND_STYLE)]
        ci = line.get("ci") or [None] * count
        points = []
        for wave, x, mean, interval in zip(waves, xs, line["means"], ci, strict=True):
            if mean is None:
                points.append(None)
                continue
            text = f"{line['label']}, {wave}: {number(mean, separators)}"
            if interval:
                text += f" ({number(interval[0], separators)} – {number(interval[1], separators)})"
            points.append(
                {
                    "x": x,
                    "y": y_of(mean),
                    "lo": y_of(interval[0]) if interval else None,
                    "hi": y_of(interval[1]) if interval else None,
                    "title": text,
                }
            )
        segments = [
            (a["x"], a["y"], b["x"], b["y"])
            for a, b in pairwise(points)
            if a is not None and b is not None
        ]
        drawn.append(
            {
                "label": line["label"],
                "colour": colour,
                "shape": SHAPES.get(symbol),
                "dash": DASHES[dash],
                "points": [p for p in points if p is not None],
                "segments": segments,
            }
        )
    ticks = [
        {"y": y_of(v), "label": number(v, separators, 1 if v != int(v) else 0)}
        for v in _steps(low, high)
    ]
    return {
        "kind": "trend",
        "height": int(plot_bottom) + _AXIS,
        "axis": plot_bottom,
        "ticks": ticks,
        "waves": [{"x": x, "label": wave} for x, wave in zip(xs, waves, strict=True)],
        "lines": drawn,
    }
