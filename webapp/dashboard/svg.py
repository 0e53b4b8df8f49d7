"""The dashboard's charts written out as inline SVG, from :mod:`webapp.dashboard.charts`.

Horizontal positions are percentages of the width and vertical ones pixels, so one SVG fits
a 360 px phone and a 1366 px screen with its text at its real size. Presentation attributes
only (the Content-Security-Policy allows no inline style). Each chart is an image
(``role="img"``) named by its ``<title>`` and described by its ``<desc>``; the table under it
holds the same numbers as text. Every text is escaped here.

Written with Python strings rather than Jinja macros: a manager's page holds some forty
charts and thousands of marks, which macros made tens of milliseconds of server time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

__all__ = ["chart_svg"]

_TEXT = "#1b1b1b"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
_NEXT_LINE = ' dy="18"'  # px: the next line of a label


def _marker(mark: Mapping[str, Any], colour: str, shape: str | None) -> str:
    title = f"<title>{escape(mark['title'])}</title>"
    if shape:
        return (
            f'<svg x="{mark["x"]}%" y="{mark["y"]}" overflow="visible">'
            f'<path d="{shape}" fill="{colour}">{title}</path></svg>'
        )
    return f'<circle cx="{mark["x"]}%" cy="{mark["y"]}" r="5.5" fill="{colour}">{title}</circle>'


def _label(y: float, lines: list[str]) -> str:
    spans = "".join(
        f'<tspan x="0"{_NEXT_LINE if i else ""}>{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="0" y="{y}" font-size="14" fill="{_TEXT}">{spans}</text>'


def _comparison(c: Mapping[str, Any]) -> list[str]:
    out = []
    axis = c["axis"]
    for t in c["ticks"]:
        out.append(
            f'<line x1="{t["x"]}%" x2="{t["x"]}%" y1="0" y2="{axis}" stroke="#c8c8c8" '
            f'stroke-width="1"/><text x="{t["x"]}%" y="{axis + 18}" text-anchor="middle" '
            f'font-size="13" fill="{_TEXT}">{escape(t["label"])}</text>'
        )
    out.extend(_label(label["y"], label["lines"]) for label in c["labels"])
    for m in c["marks"]:
        colour, y = m["colour"], m["y"]
        out.append(
            f'<line x1="{m["lo"]}%" x2="{m["hi"]}%" y1="{y}" y2="{y}" stroke="{colour}" '
            f'stroke-width="2"/><line x1="{m["lo"]}%" x2="{m["lo"]}%" y1="{y - 5}" '
            f'y2="{y + 5}" stroke="{colour}" stroke-width="2"/><line x1="{m["hi"]}%" '
            f'x2="{m["hi"]}%" y1="{y - 5}" y2="{y + 5}" stroke="{colour}" stroke-width="2"/>'
            + _marker(m, colour, m["shape"])
        )
    for w in c["withheld"]:
        out.append(
            f'<rect x="{w["x"]}%" y="{w["y"] - 9}" width="{w["width"]}" height="18" '
            f'fill="#d9d9d9" stroke="#6f6f6f" stroke-width="1"/><text x="{w["x"]}%" dx="4" '
            f'y="{w["y"] + 4}" font-size="13" fill="{_TEXT}">{escape(w["text"])}</text>'
        )
    return out


def _distribution(c: Mapping[str, Any], chart_id: str) -> list[str]:
    hatch = f"{chart_id}-hatch"
    out = [
        f'<defs><pattern id="{hatch}" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" '
        f'fill="{c["withheld_fill"]}"/><line x1="0" y1="0" x2="0" y2="8" stroke="#9a9a9a" '
        f'stroke-width="1.5"/></pattern></defs>'
    ]
    axis, bar = c["axis"], c["bar"]
    last = len(c["ticks"]) - 1
    for i, t in enumerate(c["ticks"]):
        anchor = "start" if i == 0 else ("end" if i == last else "middle")
        out.append(
            f'<line x1="{t["x"]}%" x2="{t["x"]}%" y1="0" y2="{axis}" stroke="#e0e0e0" '
            f'stroke-width="1"/><text x="{t["x"]}%" y="{axis + 14}" text-anchor="{anchor}" '
            f'font-size="13" fill="{_TEXT}">{escape(t["label"])}</text>'
        )
    for item in c["rows"]:
        out.append(_label(item["label_y"], item["lines"]))
        y = item["y"]
        middle = y + bar / 2 + 5
        if item["withheld"]:
            out.append(
                f'<rect x="0" y="{y}" width="100%" height="{bar}" fill="url(#{hatch})" '
                f'stroke="#6f6f6f" stroke-width="0.5"/><text x="50%" y="{middle}" '
                f'text-anchor="middle" font-size="13" fill="{_TEXT}">'
                f"{escape(item['withheld'])}</text>"
            )
            continue
        for s in item["segments"]:
            out.append(
                f'<rect x="{s["x"]}%" y="{y}" width="{s["width"]}%" height="{bar}" '
                f'fill="{s["fill"]}" stroke="#6f6f6f" stroke-width="0.5">'
                f"<title>{escape(s['title'])}</title></rect>"
            )
            if s["text"]:
                out.append(
                    f'<text x="{s["centre"]}%" y="{middle}" text-anchor="middle" '
                    f'font-size="13" fill="{s["text_colour"]}">{escape(s["text"])}</text>'
                )
    return out


def _dash(line: Mapping[str, Any]) -> str:
    return f' stroke-dasharray="{line["dash"]}"' if line["dash"] else ""


def _trend(c: Mapping[str, Any]) -> list[str]:
    out = []
    for t in c["ticks"]:
        out.append(
            f'<line x1="0" x2="100%" y1="{t["y"]}" y2="{t["y"]}" stroke="#d0d0d0" '
            f'stroke-width="1"/><text x="0" y="{t["y"] - 4}" font-size="13" '
            f'fill="{_TEXT}">{escape(t["label"])}</text>'
        )
    for w in c["waves"]:
        out.append(
            f'<text x="{w["x"]}%" y="{c["axis"] + 20}" text-anchor="middle" font-size="13" '
            f'fill="{_TEXT}">{escape(w["label"])}</text>'
        )
    for line in c["lines"]:
        colour = line["colour"]
        out.append("<g>")
        for x1, y1, x2, y2 in line["segments"]:
            out.append(
                f'<line x1="{x1}%" y1="{y1}" x2="{x2}%" y2="{y2}" stroke="{colour}" '
                f'stroke-width="2.5"{_dash(line)}/>'
            )
        for p in line["points"]:
            if p["lo"] is not None:
                out.append(
                    f'<line x1="{p["x"]}%" x2="{p["x"]}%" y1="{p["lo"]}" y2="{p["hi"]}" '
                    f'stroke="{colour}" stroke-width="1.5"/>'
                )
            out.append(_marker(p, colour, line["shape"]))
        out.append("</g>")
    return out


def _key_mark(line: Mapping[str, Any]) -> str:
    colour = line["colour"]
    mark = (
        f'<svg x="14" y="7" overflow="visible"><path d="{line["shape"]}" fill="{colour}"/></svg>'
        if line["shape"]
        else f'<circle cx="14" cy="7" r="5" fill="{colour}"/>'
    )
    return (
        f'<svg class="key-line" width="28" height="14" aria-hidden="true" focusable="false">'
        f'<line x1="0" x2="28" y1="7" y2="7" stroke="{colour}" stroke-width="2.5"'
        f"{_dash(line)}/>{mark}</svg>"
    )


def chart_svg(chart_id: str, chart: Mapping[str, Any] | None, title: str, desc: str) -> Markup:
    """The chart ``chart`` (geometry from :mod:`webapp.dashboard.charts`) as a ``<div
    class="chart">`` holding its SVG, named ``title`` and described by ``desc``; a trend
    chart is followed by its legend. Empty markup when there is no chart."""
    if not chart:
        return Markup("")
    cid = escape(chart_id)
    kind = chart["kind"]
    if kind == "comparison":
        body = _comparison(chart)
    elif kind == "distribution":
        body = _distribution(chart, str(cid))
    else:
        body = _trend(chart)
    out = [
        f'<div class="chart" id="{cid}">\n'
        f'<svg width="100%" height="{chart["height"]}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" focusable="false" font-family="{_FONT}">\n'
        f'<title id="{cid}-title">{escape(title)}</title>\n'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>\n',
        "\n".join(body),
        "\n</svg>\n</div>\n",
    ]
    if kind == "trend":
        keys = "".join(
            f"<li>{_key_mark(line)}{escape(line['label'])}</li>" for line in chart["lines"]
        )
        out.append(f'<ul class="chart-key" aria-hidden="true">{keys}</ul>\n')
    return Markup("".join(out))
