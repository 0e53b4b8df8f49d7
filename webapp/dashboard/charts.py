"""Plotly figures of the dashboard, as plain dicts (``{"data": [...], "layout": {...}}``).

Pure functions of numbers the results service already released (:mod:`webapp.results`):
they never compute a statistic or decide what is shown. A withheld number arrives as None
and is drawn as an explicit mark with the text the caller passes (e.g. "fewer than 5
responses"), never as a blank. Every text on a figure is given by the caller, already
translated, so the figures are the same in Dutch and English apart from their words.

Colours are colour-blind safe: the Okabe-Ito palette for the unit / parent / organisation
series (told apart by marker shape too) and ColorBrewer's PuOr diverging scheme for answer
distributions, with black or white labels chosen for a contrast of at least 4.5:1. The
heatmap of child units is an HTML table coloured by CSS class (:func:`heat_class`), so it
needs no script and reads on a phone; its withheld cells are grey, hatched and labelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    "distribution_figure",
    "heat_class",
    "luminance",
    "scale_comparison_figure",
    "trend_figure",
    "wrap",
]

Figure = dict[str, Any]

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 14}
_TEXT = "#1b1b1b"


def wrap(text: str, width: int = 32) -> str:
    """``text`` broken into lines of about ``width`` characters with ``<br>`` (Plotly)."""
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
    return "<br>".join(lines)


def _layout(height: int, separators: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
        "font": {**_FONT, "color": _TEXT},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "separators": separators,
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "xanchor": "left"},
        "hoverlabel": {"font": {**_FONT, "color": _TEXT}, "bgcolor": "#ffffff"},
    }
    layout.update(extra)
    return layout


def _label(text: str, y: float, width: int) -> dict[str, Any]:
    """A row's label, left-aligned above its marks (readable at 360 px as at 1280 px)."""
    return {
        "x": 0,
        "xref": "paper",
        "y": y,
        "yref": "y",
        "xanchor": "left",
        "yanchor": "top",
        "align": "left",
        "text": wrap(text, width),
        "showarrow": False,
        "font": {"size": 14, "color": _TEXT},
        "bgcolor": "#ffffff",
    }


def _withheld_mark(text: str, x: float, y: float) -> dict[str, Any]:
    return {
        "x": x,
        "xref": "x",
        "y": y,
        "yref": "y",
        "xanchor": "left",
        "text": text,
        "showarrow": False,
        "font": {"color": "#1b1b1b", "size": 13},
        "bgcolor": SUPPRESSED_FILL,
        "bordercolor": "#6f6f6f",
        "borderpad": 2,
    }


_LINE = 18  # px per line of a label
_LABEL_WIDTH = 36  # characters per label line: fits 330 px at 14 px


def scale_comparison_figure(
    rows: Sequence[Mapping[str, Any]],
    series: Mapping[str, str],
    value_range: tuple[float, float],
    *,
    withheld_text: str,
    separators: str = ".,",
) -> Figure:
    """Mean and 95% interval per scale for the unit, its parent and the organisation.

    Each scale is a block: its name, then one line per series (dot = mean, bar = interval).
    The y axis counts pixels from the top, so labels sit above their marks at any width;
    the legend is the page's (HTML), so the figure has none.

    Parameters
    ----------
    rows : sequence of mappings
        ``{"label": str, "unit": cell, "parent": cell, "organisation": cell}`` where a cell
        is a results-service scale cell (``mean``, ``ci``, ``n``, ``suppressed``) or None
        when the series does not exist (no parent unit).
    series : mapping
        Name per series key present (``"unit"``, ``"parent"``, ``"organisation"``).
    value_range : (float, float)
        Lowest and highest answer code: the x axis.
    withheld_text : str
        Drawn where a withheld mean would be, e.g. "fewer than 5 responses".
    """
    keys = list(series)
    positions: dict[str, list[float]] = {key: [] for key in keys}
    annotations: list[dict[str, Any]] = []
    top = 0.0
    for row in rows:
        label = wrap(row["label"], _LABEL_WIDTH)
        annotations.append(_label(row["label"], top, _LABEL_WIDTH))
        y = top + _LINE * (label.count("<br>") + 1) + 12
        for key in keys:
            positions[key].append(y)
            cell = row.get(key)
            if cell is not None and (cell.get("suppressed") or cell.get("mean") is None):
                annotations.append(_withheld_mark(withheld_text, value_range[0], y))
            y += 18
        top = y + 12
    data: list[dict[str, Any]] = []
    for key in keys:
        colour, symbol, _dash = COMPARISON_STYLE[key]
        x: list[float | None] = []
        lo: list[float] = []
        hi: list[float] = []
        for row in rows:
            cell = row.get(key)
            if cell and not cell.get("suppressed") and cell.get("mean") is not None:
                mean = float(cell["mean"])
                ci = cell.get("ci") or [mean, mean]
                x.append(mean)
                lo.append(mean - float(ci[0]))
                hi.append(float(ci[1]) - mean)
            else:
                x.append(None)
                lo.append(0.0)
                hi.append(0.0)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": series[key],
                "x": x,
                "y": positions[key],
                "marker": {"color": colour, "symbol": symbol, "size": 11},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": hi,
                    "arrayminus": lo,
                    "color": colour,
                    "thickness": 2,
                    "width": 5,
                },
                "hovertemplate": "%{x:.2f}<extra>" + series[key] + "</extra>",
                "cliponaxis": False,
            }
        )
    return {
        "data": data,
        "layout": _layout(
            int(top) + 50,
            separators,
            showlegend=False,
            margin={"l": 12, "r": 12, "t": 8, "b": 36},
            xaxis={
                "range": [value_range[0] - 0.05, value_range[1] + 0.05],
                "dtick": 1,
                "gridcolor": "#c8c8c8",
                "zeroline": False,
                "fixedrange": True,
            },
            yaxis={"range": [top, -4], "visible": False, "fixedrange": True},
            annotations=annotations,
        ),
    }


def distribution_figure(
    rows: Sequence[Mapping[str, Any]],
    answer_labels: Sequence[tuple[str, str]],
    *,
    withheld_text: str,
    separators: str = ".,",
) -> Figure:
    """Stacked horizontal bars: the share of each answer per item, labelled in percent.

    Each item is its text with a bar below it (pixel y axis, as in
    :func:`scale_comparison_figure`); the legend is the page's (HTML).

    Parameters
    ----------
    rows : sequence of mappings
        ``{"label": str, "distribution": {code: share} or None}`` per item; None (a
        withheld item) draws a grey hatched bar with ``withheld_text``.
    answer_labels : sequence of (code, label)
        The response scale's codes (as strings, lowest first) and their labels.
    """
    colours = answer_colours(len(answer_labels))
    annotations: list[dict[str, Any]] = []
    centres: list[float] = []
    top = 0.0
    bar = 26.0
    for row in rows:
        label = wrap(row["label"], _LABEL_WIDTH + 2)
        annotations.append(_label(row["label"], top, _LABEL_WIDTH + 2))
        centre = top + _LINE * (label.count("<br>") + 1) + 6 + bar / 2
        centres.append(centre)
        top = centre + bar / 2 + 16
    data: list[dict[str, Any]] = []
    for (code, name), (fill, text_colour) in zip(answer_labels, colours, strict=True):
        x: list[float | None] = []
        text: list[str] = []
        for row in rows:
            dist = row.get("distribution")
            share = dist.get(code) if dist else None
            value = None if share is None else round(100 * float(share), 1)
            x.append(value)
            text.append(f"{value:.0f}%" if value is not None and value >= 7 else "")
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "x": x,
                "y": centres,
                "width": bar,
                "text": text,
                "textposition": "inside",
                "insidetextanchor": "middle",
                "textangle": 0,
                "textfont": {"color": text_colour, "size": 13},
                "marker": {"color": fill, "line": {"color": "#6f6f6f", "width": 0.5}},
                "hovertemplate": "%{x:.0f}%<extra>" + name + "</extra>",
            }
        )
    withheld = [not row.get("distribution") for row in rows]
    if any(withheld):
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": withheld_text,
                "x": [100 if w else None for w in withheld],
                "y": centres,
                "width": bar,
                "text": [withheld_text if w else "" for w in withheld],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "textangle": 0,
                "textfont": {"color": "#1b1b1b", "size": 13},
                "marker": {
                    "color": SUPPRESSED_FILL,
                    "pattern": {"shape": "/", "fgcolor": "#9a9a9a", "size": 8, "solidity": 0.15},
                },
                "hoverinfo": "skip",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            int(top) + 40,
            separators,
            barmode="stack",
            showlegend=False,
            margin={"l": 12, "r": 12, "t": 8, "b": 30},
            xaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True, "dtick": 25},
            yaxis={"range": [top, -4], "visible": False, "fixedrange": True},
            annotations=annotations,
        ),
    }


def trend_figure(
    waves: Sequence[str],
    lines: Sequence[Mapping[str, Any]],
    value_range: tuple[float, float],
    *,
    separators: str = ".,",
) -> Figure:
    """One line per scale over the waves; a withheld wave is a gap in its line.

    Parameters
    ----------
    waves : sequence of str
        Wave labels, oldest first (the x axis).
    lines : sequence of mappings
        ``{"label": str, "means": [mean or None per wave], "ci": [[lo, hi] or None, ...]}``.
    """
    palette = ["#0072B2", "#B35A00", "#009E73", "#CC79A7", "#333333", "#56B4E9", "#D55E00"]
    symbols = ["circle", "diamond", "square", "triangle-up", "x", "star", "cross"]
    dashes = ["solid", "dash", "dot", "dashdot", "longdash", "solid", "dash"]
    data = []
    for i, line in enumerate(lines):
        colour = palette[i % len(palette)]
        ci = line.get("ci") or [None] * len(waves)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": line["label"],
                "x": list(waves),
                "y": list(line["means"]),
                "connectgaps": False,
                "line": {"color": colour, "width": 2.5, "dash": dashes[i % len(dashes)]},
                "marker": {"color": colour, "size": 9, "symbol": symbols[i % len(symbols)]},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        (c[1] - m) if c and m is not None else 0
                        for c, m in zip(ci, line["means"], strict=True)
                    ],
                    "arrayminus": [
                        (m - c[0]) if c and m is not None else 0
                        for c, m in zip(ci, line["means"], strict=True)
                    ],
                    "color": colour,
                    "thickness": 1.5,
                    "width": 4,
                },
                "hovertemplate": "%{x}: %{y:.2f}<extra>" + line["label"] + "</extra>",
            }
        )
    # The y axis spans the data (half a point of room), within the response scale.
    values = [v for line in lines for v in line["means"] if v is not None]
    values += [c for line in lines for ci in (line.get("ci") or []) if ci for c in ci]
    low = max(value_range[0], min(values, default=value_range[0]) - 0.5)
    high = min(value_range[1], max(values, default=value_range[1]) + 0.5)
    return {
        "data": data,
        "layout": _layout(
            360,
            separators,
            margin={"l": 40, "r": 10, "t": 10, "b": 40},
            legend={"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top", "xanchor": "left"},
            xaxis={"type": "category", "fixedrange": True},
            yaxis={"range": [low, high], "fixedrange": True, "gridcolor": "#d0d0d0"},
        ),
    }
