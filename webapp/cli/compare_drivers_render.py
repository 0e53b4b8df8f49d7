"""The view of ``samen compare drivers`` as plain text and as a self-contained HTML page, in
English or Dutch (``--lang``).

As in :mod:`webapp.cli.compare_programme_render`, the words of this command-line report live
here in both languages; the notes shared with the other compare commands are translated by
the web app's catalogue (:mod:`webapp.cli.compare_render`). The JSON stays English.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from webapp.cli.compare_drivers import NO_CASE
from webapp.cli.compare_render import LANGUAGES, _Speaker

__all__ = ["render_html", "render_text"]

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Samen drivers of {outcome}: {data}",
        "intro": (
            "Relative importance (LMG) of {p} scales for {outcome}; n = {n} complete cases "
            "(k = {k} responses behind every number)."
        ),
        "boot": "{level} percentile bootstrap intervals: {boot} replicates, seed {seed}.",
        "no_boot": "No intervals (--boot 0).",
        "r2": "Together the scales explain R² = {r2} {ci} of the variance of {outcome}.",
        "no_r2": "No R² and no importances (see the notes).",
        "headers": "rank|scale|share of R²|{level} CI|LMG|{level} CI|r",
        "footer": (
            "LMG: a scale's increase in R² when it enters the model, averaged over every order "
            "of entering the scales; the LMGs add up to R², the shares to 100%. They describe "
            "association, not cause."
        ),
        "notes": "Notes",
        "no_case": NO_CASE,
        "boot_failed": (
            "%(failed)s of %(boot)s bootstrap replicates had a constant column or collinear"
            " predictors and were left out"
        ),
    },
    "nl": {
        "title": "Samen drijfveren van {outcome}: {data}",
        "intro": (
            "Relatief belang (LMG) van {p} schalen voor {outcome}; n = {n} volledige gevallen "
            "(k = {k} antwoorden achter elk getal)."
        ),
        "boot": (
            "{level}-bootstrapintervallen (percentielmethode): {boot} trekkingen, seed {seed}."
        ),
        "no_boot": "Geen intervallen (--boot 0).",
        "r2": "Samen verklaren de schalen R² = {r2} {ci} van de variantie van {outcome}.",
        "no_r2": "Geen R² en geen belang (zie de opmerkingen).",
        "headers": "rang|schaal|aandeel in R²|{level}-BI|LMG|{level}-BI|r",
        "footer": (
            "LMG: de toename van R² wanneer een schaal het model in gaat, gemiddeld over alle "
            "volgordes waarin de schalen erin kunnen gaan; de LMG's tellen op tot R², de "
            "aandelen tot 100%. Ze beschrijven samenhang, geen oorzaak."
        ),
        "notes": "Opmerkingen",
        "no_case": (
            "rijen zonder %(outcome)s of zonder een score op elke schaal zijn weggelaten"
            " (listwise)"
        ),
        "boot_failed": (
            "%(failed)s van de %(boot)s bootstraptrekkingen hadden een constante kolom of"
            " collineaire voorspellers en zijn weggelaten"
        ),
    },
}


def _pattern(template: str) -> str:
    escaped = re.escape(template)
    return re.sub(r"%\\\((\w+)\\\)s|%\((\w+)\)s", lambda m: f"(?P<{m[1] or m[2]}>.+?)", escaped)


def _note(note: str, lang: str, say: _Speaker) -> str:
    words = _WORDS[lang]
    for key in ("no_case", "boot_failed"):
        found = re.fullmatch(_pattern(_WORDS["en"][key]), note)
        if found:
            return words[key] % found.groupdict()
    return say.note(note)


def _percent(value: Any, say: _Speaker) -> str:
    return "NA" if value is None else say.num(100 * value, 1) + "%"


def _ci(ci: Any, say: _Speaker, percent: bool = False) -> str:
    if not ci or ci[0] is None:
        return "NA"
    sep = "; " if say.lang == "nl" else ", "
    show = (lambda v: _percent(v, say)) if percent else (lambda v: say.num(v, 3))
    return f"[{show(ci[0])}{sep}{show(ci[1])}]"


def _parts(view: dict[str, Any], lang: str) -> dict[str, Any]:
    """Title, sentences, table and notes of the view in `lang`."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    say = _Speaker(lang)
    words = _WORDS[lang]
    outcome = view["outcome"]["name"]
    level = f"{view['confidence']:.0%}"
    sentences = [
        words["intro"].format(p=len(view["drivers"]), outcome=outcome, n=view["n"], k=view["k"])
    ]
    sentences.append(
        words["boot"].format(level=level, boot=view["boot"], seed=view["seed"])
        if view["boot"]
        else words["no_boot"]
    )
    if view["r2"] is None:
        sentences.append(words["no_r2"])
    else:
        r2 = say.num(view["r2"], 3)
        sentences.append(words["r2"].format(r2=r2, ci=_ci(view["r2_ci"], say), outcome=outcome))
    ranked = sorted(
        view["drivers"].items(), key=lambda item: (item[1]["rank"] is None, item[1]["rank"] or 0)
    )
    rows = [
        [
            "" if d["rank"] is None else str(d["rank"]),
            name,
            _percent(d["share"], say),
            _ci(d["share_ci"], say, percent=True),
            say.num(d["lmg"], 3),
            _ci(d["lmg_ci"], say),
            say.num(d["r"], 2),
        ]
        for name, d in ranked
    ]
    return {
        "title": words["title"].format(outcome=outcome, data=view["data"]),
        "sentences": sentences,
        "headers": words["headers"].format(level=level).split("|"),
        "rows": rows,
        "footer": words["footer"],
        "notes_title": words["notes"],
        "notes": [_note(note, lang, say) for note in view["notes"]],
    }


def render_text(view: dict[str, Any], lang: str = "en") -> str:
    """The drivers view as plain text for a terminal, in `lang` ("en" or "nl")."""
    import textwrap

    parts = _parts(view, lang)
    out = [parts["title"], "=" * len(parts["title"]), ""]
    out += [textwrap.fill(sentence, 99) for sentence in parts["sentences"]]
    rows = [parts["headers"], *parts["rows"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out.append("")
    for row in rows:
        cells = [
            cell.ljust(width) if i == 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  " + "  ".join(cells).rstrip())
    out += ["", textwrap.fill(parts["footer"], 99)]
    if parts["notes"]:
        out += ["", parts["notes_title"] + ":"] + [f"  - {note}" for note in parts["notes"]]
    return "\n".join(out) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a;line-height:1.5}table{border-collapse:collapse;margin:1rem 0}"
    "th,td{padding:.25rem .75rem;border-bottom:1px solid #ccc;text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}th:nth-child(2),td:nth-child(2)"
    "{text-align:left}.bar{display:inline-block;height:.8em;background:#2166ac;"
    "vertical-align:middle;margin-right:.4rem}"
)


def render_html(view: dict[str, Any], lang: str = "en") -> str:
    """The drivers view as a self-contained HTML page (inline CSS, no external resources),
    with a bar per scale for its share of R²."""
    parts = _parts(view, lang)
    html = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{escape(parts['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(parts['title'])}</h1>",
    ]
    html += [f"<p>{escape(sentence)}</p>" for sentence in parts["sentences"]]
    html.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in parts["headers"]))
    html.append("</tr>")
    shares = {name: d["share"] for name, d in view["drivers"].items()}
    for row in parts["rows"]:
        share = shares.get(row[1])
        bar = (
            "" if share is None else f'<span class="bar" style="width:{8 * share:.2f}rem"></span>'
        )
        cells = [escape(c) for c in row]
        cells[2] = bar + cells[2]
        html.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    html.append("</table>")
    html.append(f"<p>{escape(parts['footer'])}</p>")
    if parts["notes"]:
        html.append(f"<h2>{escape(parts['notes_title'])}</h2><ul>")
        html += [f"<li>{escape(note)}</li>" for note in parts["notes"]]
        html.append("</ul>")
    html.append("</body></html>")
    return "\n".join(html) + "\n"
