"""The report of ``samen compare programme`` as plain text and as a self-contained HTML page,
in English or Dutch (``--lang``).

The words live here, in both languages, rather than in the web app's gettext catalog: this
is a command-line report, and the JSON (with its English ``notes``) stays the contract. The
notes the engine writes are rendered in Dutch from their known forms; a note of another
form is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

__all__ = ["LANGUAGES", "render_html", "render_text", "verdict"]

LANGUAGES = ("en", "nl")

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Samen programme effect: {name}",
        "interval": "{level} CI {lo} to {hi}",
        "none": (
            "Not distinguishable from no programme effect: the programme units changed {est} "
            "relative to the other units ({interval})."
        ),
        "rose": "The programme units rose {est} more than the other units ({interval}).",
        "fell": "The programme units fell {est} more than the other units ({interval}).",
        "details": (
            "SE {se} (CR2, clustered by unit), df {df} (Satterthwaite), p = {p}; {treated} "
            "programme unit(s), {control} other unit(s), {n} responses. Random-intercept "
            "model (REML) as a second opinion: {mixed} (SE {mixed_se})."
        ),
        "intro": (
            "Waves {before} (before) and {after} (after); units with at least k = {k} "
            "responses with a valid score in both waves."
        ),
        "no_estimate": "No estimate (see the notes).",
        "notes": "Notes",
        "caption": "Unit means of {scale}",
        "headers": "unit|programme|before|after|change|n before|n after",
        "yes": "yes",
        "no": "no",
        "slope": "Mean of {scale} per unit, before and after",
        "before_axis": "before",
        "after_axis": "after",
        "legend_programme": "programme units",
        "legend_other": "other units",
    },
    "nl": {
        "title": "Samen programma-effect: {name}",
        "interval": "{level}-BI {lo} tot {hi}",
        "none": (
            "Niet te onderscheiden van geen effect van het programma: de programma-eenheden "
            "veranderden {est} ten opzichte van de andere eenheden ({interval})."
        ),
        "rose": "De programma-eenheden stegen {est} meer dan de andere eenheden ({interval}).",
        "fell": "De programma-eenheden daalden {est} meer dan de andere eenheden ({interval}).",
        "details": (
            "SE {se} (CR2, geclusterd per eenheid), df {df} (Satterthwaite), p = {p}; "
            "{treated} programma-eenheden, {control} andere eenheden, {n} antwoorden. "
            "Random-intercept-model (REML) als tweede mening: {mixed} (SE {mixed_se})."
        ),
        "intro": (
            "Metingen {before} (voor) en {after} (na); eenheden met minstens k = {k} "
            "antwoorden met een geldige score in beide metingen."
        ),
        "no_estimate": "Geen schatting (zie de opmerkingen).",
        "notes": "Opmerkingen",
        "caption": "Gemiddelden per eenheid voor {scale}",
        "headers": "eenheid|programma|voor|na|verandering|n voor|n na",
        "yes": "ja",
        "no": "nee",
        "slope": "Gemiddelde van {scale} per eenheid, voor en na",
        "before_axis": "voor",
        "after_axis": "na",
        "legend_programme": "programma-eenheden",
        "legend_other": "andere eenheden",
    },
}

# The engine's and the command's notes, and their Dutch form.
_DUTCH_NOTES = [
    (
        re.compile(
            r"^(?P<s>.+): (?P<u>\d+) unit\(s\) left out: fewer than k = (?P<k>\d+) responses"
            r" with a valid score in one of the two waves$"
        ),
        "{s}: {u} eenheid/eenheden weggelaten: minder dan k = {k} antwoorden met een geldige"
        " score in een van de twee metingen",
    ),
    (
        re.compile(
            r"^(?P<s>.+): responses with fewer than (?P<share>\d+%) of the items answered have"
            r" no score and are left out$"
        ),
        "{s}: antwoorden waarin minder dan {share} van de vragen is beantwoord, hebben geen"
        " score en zijn weggelaten",
    ),
    (
        re.compile(
            r"^(?P<s>.+): no programme effect: (?P<t>\d+) programme unit\(s\) and (?P<c>\d+)"
            r" other unit\(s\) have at least k = (?P<k>\d+) responses in both waves; at least"
            r" (?P<m>\d+) of each are needed$"
        ),
        "{s}: geen programma-effect: {t} programma-eenheden en {c} andere eenheden hebben"
        " minstens k = {k} antwoorden in beide metingen; van elk zijn er minstens {m} nodig",
    ),
    (
        re.compile(
            r"^(?P<s>.+): no programme effect: the scores do not vary within units: the effect"
            r" has no standard error$"
        ),
        "{s}: geen programma-effect: de scores variëren niet binnen eenheden, dus het effect"
        " heeft geen standaardfout",
    ),
    (
        re.compile(r"^rows without a unit or a wave are left out$"),
        "rijen zonder eenheid of meting zijn weggelaten",
    ),
]


def _note(note: str, lang: str) -> str:
    if lang == "nl":
        for pattern, dutch in _DUTCH_NOTES:
            match = pattern.match(note)
            if match:
                return dutch.format(**match.groupdict())
    return note


def _num(value: float, spec: str, lang: str) -> str:
    text = format(value, spec)
    if spec.startswith("+") and round(value, 2) == 0:
        text = format(0.0, spec[1:])
    return text.replace(".", ",") if lang == "nl" else text


def verdict(result: Mapping[str, Any], lang: str = "en") -> str:
    """The effect in words; a change is claimed only when the interval excludes 0."""
    words = _WORDS[lang]
    level = f"{result['confidence']:.0%}"
    lo, hi = result["ci"]
    interval = words["interval"].format(
        level=level, lo=_num(lo, ".2f", lang), hi=_num(hi, ".2f", lang)
    )
    if not result["excludes_zero"]:
        return words["none"].format(est=_num(result["estimate"], "+.2f", lang), interval=interval)
    key = "rose" if result["estimate"] > 0 else "fell"
    return words[key].format(est=_num(abs(result["estimate"]), ".2f", lang), interval=interval)


def _details(result: Mapping[str, Any], lang: str) -> str:
    return _WORDS[lang]["details"].format(
        se=_num(result["se"], ".3f", lang),
        df=_num(result["df"], ".1f", lang),
        p=_num(result["p"], ".3g", lang),
        treated=result["units"]["treated"],
        control=result["units"]["control"],
        n=result["n"],
        mixed=_num(result["mixed"]["estimate"], "+.3f", lang),
        mixed_se=_num(result["mixed"]["se"], ".3f", lang),
    )


def _rows(result: Mapping[str, Any], lang: str) -> list[tuple[str, ...]]:
    words = _WORDS[lang]
    return [
        (
            m["unit"],
            words["yes"] if m["treated"] else words["no"],
            _num(m["before"], ".2f", lang),
            _num(m["after"], ".2f", lang),
            _num(m["after"] - m["before"], "+.2f", lang),
            str(m["n_before"]),
            str(m["n_after"]),
        )
        for m in result["unit_means"]
    ]


def _intro(report: Mapping[str, Any], lang: str) -> str:
    design = report["design"]
    return _WORDS[lang]["intro"].format(
        before=design["before"], after=design["after"], k=design["k"]
    )


def render_text(report: Mapping[str, Any], name: str, lang: str = "en") -> str:
    """Render the dict of :func:`engine.comparisons.programme.compare_programme` as text;
    `name` is the data file's name, in the title."""
    import textwrap

    words = _WORDS[lang]
    title = words["title"].format(name=name)
    out = [title, "=" * len(title), "", textwrap.fill(_intro(report, lang), 99)]
    headers = tuple(words["headers"].split("|"))
    for scale, result in report["scales"].items():
        out += ["", scale, "-" * len(scale)]
        if result is None:
            out.append(words["no_estimate"])
            continue
        out.append(textwrap.fill(verdict(result, lang), 99))
        out.append(textwrap.fill(_details(result, lang), 99))
        rows = [headers, *_rows(result, lang)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
        out.append("")
        for row in rows:
            cells = [
                cell.rjust(width) if i > 1 else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            out.append("  ".join(cells).rstrip())
    if report["notes"]:
        out += ["", words["notes"], "-" * len(words["notes"])]
        out += [f"- {_note(note, lang)}" for note in report["notes"]]
    return "\n".join(out) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a;line-height:1.5}table{border-collapse:collapse;margin:1rem 0}"
    "caption{text-align:left;font-weight:600}th,td{padding:.25rem .75rem;text-align:left;"
    "border-bottom:1px solid #ccc}.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".marked{font-weight:600}figure{margin:1rem 0}figcaption{font-weight:600}"
)


_SVG_COLOURS = {True: "#b2182b", False: "#7f7f7f"}  # programme units red, others grey


def _slopes(result: Mapping[str, Any], scale: str, lang: str) -> str:
    """Each unit's mean before and after as a line (a slope chart), inline SVG."""
    words = _WORDS[lang]
    means = result["unit_means"]
    values = [m[key] for m in means for key in ("before", "after")]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    width, height, left, right, top, bottom = 360, 240, 60, 300, 20, 210

    def y(value: float) -> float:
        return bottom - (value - low) / span * (bottom - top)

    lines = [
        f'<line x1="{left}" y1="{y(m["before"]):.1f}" x2="{right}" y2="{y(m["after"]):.1f}" '
        f'stroke="{_SVG_COLOURS[bool(m["treated"])]}" stroke-width="2" stroke-opacity="0.8"/>'
        for m in sorted(means, key=lambda m: bool(m["treated"]))
    ]
    label = words["slope"].format(scale=scale)
    axis = [
        f'<text x="{left}" y="{height - 8}" text-anchor="middle">{escape(words["before_axis"])}'
        "</text>",
        f'<text x="{right}" y="{height - 8}" text-anchor="middle">{escape(words["after_axis"])}'
        "</text>",
        f'<text x="{left - 8}" y="{y(high) + 4:.1f}" text-anchor="end">'
        f"{escape(_num(high, '.2f', lang))}</text>",
        f'<text x="{left - 8}" y="{y(low) + 4:.1f}" text-anchor="end">'
        f"{escape(_num(low, '.2f', lang))}</text>",
    ]
    legend = (
        f'<p><span style="color:{_SVG_COLOURS[True]}">&#9632;</span> '
        f"{escape(words['legend_programme'])} "
        f'<span style="color:{_SVG_COLOURS[False]}">&#9632;</span> '
        f"{escape(words['legend_other'])}</p>"
    )
    return (
        f"<figure><figcaption>{escape(label)}</figcaption>"
        f'<svg role="img" aria-label="{escape(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-size="12" font-family="system-ui,sans-serif">'
        + "".join(lines + axis)
        + f"</svg>{legend}</figure>"
    )


def render_html(report: Mapping[str, Any], name: str, lang: str = "en") -> str:
    """Render the dict of :func:`engine.comparisons.programme.compare_programme` as a
    self-contained HTML document (inline CSS, no external resources)."""
    words = _WORDS[lang]
    title = words["title"].format(name=name)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>",
        f"<body><main><h1>{escape(title)}</h1>",
        f"<p>{escape(_intro(report, lang))}</p>",
    ]
    for scale, result in report["scales"].items():
        parts.append(f"<section><h2>{escape(scale)}</h2>")
        if result is None:
            parts.append(f"<p>{escape(words['no_estimate'])}</p></section>")
            continue
        marked = ' class="marked"' if result["excludes_zero"] else ""
        parts.append(f"<p{marked}>{escape(verdict(result, lang))}</p>")
        parts.append(f"<p>{escape(_details(result, lang))}</p>")
        parts.append(_slopes(result, scale, lang))
        caption = words["caption"].format(scale=scale)
        parts.append(f"<table><caption>{escape(caption)}</caption><thead><tr>")
        for i, header in enumerate(words["headers"].split("|")):
            numeric = ' class="num"' if i > 1 else ""
            parts.append(f'<th scope="col"{numeric}>{escape(header)}</th>')
        parts.append("</tr></thead><tbody>")
        for row in _rows(result, lang):
            cells = [f'<th scope="row">{escape(row[0])}</th>', f"<td>{escape(row[1])}</td>"]
            cells += [f'<td class="num">{escape(c)}</td>' for c in row[2:]]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table></section>")
    if report["notes"]:
        parts.append(f"<section><h2>{escape(words['notes'])}</h2><ul>")
        parts += [f"<li>{escape(_note(note, lang))}</li>" for note in report["notes"]]
        parts.append("</ul></section>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
