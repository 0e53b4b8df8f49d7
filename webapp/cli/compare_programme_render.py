"""The report of ``samen compare programme`` as plain text and as a self-contained HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

__all__ = ["render_html", "render_text", "verdict"]


def verdict(result: Mapping[str, Any]) -> str:
    """The effect in words; a change is claimed only when the interval excludes 0."""
    level = f"{result['confidence']:.0%}"
    lo, hi = result["ci"]
    interval = f"{level} CI {lo:.2f} to {hi:.2f}"
    if not result["excludes_zero"]:
        return (
            f"Not distinguishable from no programme effect: the programme units changed "
            f"{result['estimate']:+.2f} relative to the other units ({interval})."
        )
    way = "rose" if result["estimate"] > 0 else "fell"
    return (
        f"The programme units {way} {abs(result['estimate']):.2f} more than the other units "
        f"({interval})."
    )


def _details(result: Mapping[str, Any]) -> str:
    units = result["units"]
    return (
        f"SE {result['se']:.3f} (CR2, clustered by unit), df {result['df']:.1f} "
        f"(Satterthwaite), p = {result['p']:.3g}; {units['treated']} programme unit(s), "
        f"{units['control']} other unit(s), {result['n']} responses. Random-intercept model "
        f"(REML) as a second opinion: {result['mixed']['estimate']:+.3f} "
        f"(SE {result['mixed']['se']:.3f})."
    )


def _signed(value: float) -> str:
    return "0.00" if round(value, 2) == 0 else f"{value:+.2f}"


def _rows(result: Mapping[str, Any]) -> list[tuple[str, ...]]:
    return [
        (
            m["unit"],
            "yes" if m["treated"] else "no",
            f"{m['before']:.2f}",
            f"{m['after']:.2f}",
            _signed(m["after"] - m["before"]),
            str(m["n_before"]),
            str(m["n_after"]),
        )
        for m in result["unit_means"]
    ]


_HEADERS = ("unit", "programme", "before", "after", "change", "n before", "n after")


def _intro(report: Mapping[str, Any]) -> str:
    design = report["design"]
    return (
        f"Waves {design['before']} (before) and {design['after']} (after); units with at "
        f"least k = {design['k']} responses with a valid score in both waves."
    )


def render_text(report: Mapping[str, Any], title: str = "Programme effect") -> str:
    """Render the dict of :func:`engine.comparisons.programme.compare_programme` as text."""
    import textwrap

    out = [title, "=" * len(title), "", textwrap.fill(_intro(report), 99)]
    for scale, result in report["scales"].items():
        out += ["", scale, "-" * len(scale)]
        if result is None:
            out.append("No estimate (see the notes).")
            continue
        out.append(textwrap.fill(verdict(result), 99))
        out.append(textwrap.fill(_details(result), 99))
        rows = _rows(result)
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(_HEADERS)]
        out.append("")
        out.append(
            "  ".join(
                h.rjust(w) if i > 1 else h.ljust(w)
                for i, (h, w) in enumerate(zip(_HEADERS, widths, strict=True))
            ).rstrip()
        )
        for row in rows:
            out.append(
                "  ".join(
                    c.rjust(w) if i > 1 else c.ljust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
    if report["notes"]:
        out += ["", "Notes", "-----", *(f"- {note}" for note in report["notes"])]
    return "\n".join(out) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a;line-height:1.5}table{border-collapse:collapse;margin:1rem 0}"
    "th,td{padding:.25rem .75rem;border-bottom:1px solid #ccc}td.num{text-align:right;"
    "font-variant-numeric:tabular-nums}.marked{font-weight:600}"
)


def render_html(report: Mapping[str, Any], title: str = "Programme effect") -> str:
    """Render the dict of :func:`engine.comparisons.programme.compare_programme` as a
    self-contained HTML document (inline CSS, no external resources)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>",
        f"<body><main><h1>{escape(title)}</h1>",
        f"<p>{escape(_intro(report))}</p>",
    ]
    for scale, result in report["scales"].items():
        parts.append(f"<section><h2>{escape(scale)}</h2>")
        if result is None:
            parts.append("<p>No estimate (see the notes).</p></section>")
            continue
        marked = ' class="marked"' if result["excludes_zero"] else ""
        parts.append(f"<p{marked}>{escape(verdict(result))}</p>")
        parts.append(f"<p>{escape(_details(result))}</p>")
        parts.append(f"<table><caption>Unit means of {escape(scale)}</caption><thead><tr>")
        parts += [f'<th scope="col">{escape(h)}</th>' for h in _HEADERS]
        parts.append("</tr></thead><tbody>")
        for row in _rows(result):
            cells = [f'<th scope="row">{escape(row[0])}</th>', f"<td>{escape(row[1])}</td>"]
            cells += [f'<td class="num">{escape(c)}</td>' for c in row[2:]]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table></section>")
    if report["notes"]:
        parts.append("<section><h2>Notes</h2><ul>")
        parts += [f"<li>{escape(note)}</li>" for note in report["notes"]]
        parts.append("</ul></section>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
