"""Text and HTML renderings of a `samen compare` view (the JSON object of
:mod:`webapp.cli.compare_views`): the same numbers, in tables and words."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["render_html", "render_text"]


def _num(value: Any, digits: int = 2, sign: bool = False) -> str:
    if value is None:
        return "NA"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _p(value: Any) -> str:
    if value is None:
        return "NA"
    return "<.001" if value < 0.001 else f"{value:.3f}"


def _ci(ci: Any) -> str:
    if not ci or ci[0] is None:
        return "NA"
    return f"[{ci[0]:+.2f}, {ci[1]:+.2f}]"


def _title(view: dict[str, Any]) -> str:
    if view["command"] == "groups":
        where = f", wave {view['wave']['label']}" if view.get("wave") else ""
        return f"Samen group gaps: {view['data']}, by {view['by']}{where}"
    return f"Samen change between waves: {view['data']}, {view['from']} to {view['to']}"


def _subtitle(view: dict[str, Any]) -> str:
    text = (
        f"k = {view['k']} responses behind every number; {view['confidence']:.0%} Welch "
        "intervals; g = Hedges' g"
    )
    if view["command"] == "groups":
        text += f"; p Holm: adjusted over the groups of {view['by']}"
    return text


def _rows(view: dict[str, Any], scale: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one scale's table."""
    if view["command"] == "groups":
        head = ["group", "n", "mean", "SD", "gap to rest", "95% CI", "p", "p Holm", "g", ""]
        rows = []
        for label, g in scale["groups"].items():
            if g.get("difference") is None and "withheld" in g and g["n"] is None:
                rows.append([label, "", "", "", "", "", "", "", "", g["withheld"]])
                continue
            words = g.get("words") or g.get("withheld", "")
            rows.append(
                [
                    label,
                    str(g["n"]),
                    _num(g["mean"]),
                    _num(g["sd"]),
                    _num(g.get("difference"), sign=True),
                    _ci(g.get("ci")),
                    _p(g.get("p")),
                    _p(g.get("p_holm")),
                    _num(g.get("g"), sign=True),
                    words,
                ]
            )
        return head, rows
    head = ["", f"n {view['from']}", "mean", f"n {view['to']}", "mean", "change", "95% CI", "p"]
    head += ["g", ""]
    entries = [("all", scale["change"]), *scale.get("units", {}).items()]
    rows = []
    for label, c in entries:
        if "withheld" in c:
            rows.append([label, "", "", "", "", "", "", "", "", c["withheld"]])
            continue
        rows.append(
            [
                label,
                str(c["from"]["n"]),
                _num(c["from"]["mean"]),
                str(c["to"]["n"]),
                _num(c["to"]["mean"]),
                _num(c["difference"], sign=True),
                _ci(c["ci"]),
                _p(c["p"]),
                _num(c["g"], sign=True),
                c["words"],
            ]
        )
    return head, rows


def _scale_line(view: dict[str, Any], name: str, scale: dict[str, Any]) -> str:
    if view["command"] == "groups" and scale.get("n") is not None:
        return f"{name} (n {scale['n']}, mean {_num(scale['mean'])}, SD {_num(scale['sd'])})"
    return name


def render_text(view: dict[str, Any]) -> str:
    """The view as plain-text tables for a terminal."""
    lines = [_title(view), _subtitle(view), ""]
    for name, scale in view["scales"].items():
        lines.append(_scale_line(view, name, scale))
        head, rows = _rows(view, scale)
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            cells = [row[0].ljust(widths[0])]
            cells += [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)]
            lines.append(("  " + "  ".join(cells) + "  " + row[-1]).rstrip())
        lines.append("")
    lines.append(
        "A difference is marked only when its interval excludes 0; otherwise it is not "
        "distinguishable from no " + ("difference." if view["command"] == "groups" else "change.")
    )
    if view["notes"]:
        lines += ["", "Notes:"] + [f"  - {note}" for note in view["notes"]]
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
    "th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}"
    "th:first-child,td:first-child,td:last-child{text-align:left}"
    "td.mark{font-weight:600}"
)


def render_html(view: dict[str, Any]) -> str:
    """The view as a self-contained HTML page (inline CSS, no external resources)."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(_title(view))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(_title(view))}</h1>",
        f"<p>{esc(_subtitle(view))}</p>",
    ]
    for name, scale in view["scales"].items():
        parts.append(f"<h2>{esc(_scale_line(view, name, scale))}</h2><table>")
        head, rows = _rows(view, scale)
        parts.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>")
        for row in rows:
            mark = row[-1].startswith(("higher", "lower"))
            cells = "".join(f"<td>{esc(c)}</td>" for c in row[:-1])
            cls = ' class="mark"' if mark else ""
            parts.append(f"<tr>{cells}<td{cls}>{esc(row[-1])}</td></tr>")
        parts.append("</table>")
    parts.append(
        "<p>A difference is marked only when its interval excludes 0; otherwise it is not "
        "distinguishable from no "
        + ("difference" if view["command"] == "groups" else "change")
        + ".</p>"
    )
    if view["notes"]:
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{esc(note)}</li>" for note in view["notes"]]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
