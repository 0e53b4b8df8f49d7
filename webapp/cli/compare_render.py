"""Text and HTML renderings of a `samen compare` view (the JSON object of
:mod:`webapp.cli.compare_views`): the same numbers, in tables and words, in English or
Dutch. The Dutch strings are the web app's catalogue (webapp/translations); the JSON stays
English."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from webapp.cli.compare_views import IN_WAVE, NO_GROUP, NO_SCORE, NO_UNIT, OTHER_WAVES, REASONS

__all__ = ["LANGUAGES", "render_html", "render_text"]

LANGUAGES = ("en", "nl")
_TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def _(text: str) -> str:
    """Mark `text` for extraction (pybabel); :class:`_Speaker` translates it."""
    return text


class _Speaker:
    """Translation and number format of one language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
        self.lang = lang
        self.gettext: Callable[[str], str] = lambda text: text
        if lang != "en":
            from babel.support import Translations

            self.gettext = Translations.load(str(_TRANSLATIONS), [lang]).gettext

    def __call__(self, text: str, **params: Any) -> str:
        translated = self.gettext(text)
        return translated % params if params else translated

    def num(self, value: Any, digits: int = 2, sign: bool = False) -> str:
        if value is None:
            return "NA"
        text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
        return text.replace(".", ",") if self.lang == "nl" else text

    def p(self, value: Any) -> str:
        if value is None:
            return "NA"
        return "<" + self.num(0.001, 3) if value < 0.001 else self.num(value, 3)

    def ci(self, ci: Any) -> str:
        if not ci or ci[0] is None:
            return "NA"
        sep = "; " if self.lang == "nl" else ", "
        return f"[{self.num(ci[0], sign=True)}{sep}{self.num(ci[1], sign=True)}]"

    def words(self, words: str) -> str:
        suffix = ", though not after Holm's adjustment over the groups"
        if words.endswith(suffix):
            return self(words[: -len(suffix)]) + self(suffix)
        return self(words)

    def reason(self, text: str) -> str:
        """A withheld reason of the view, translated (its k and wave kept)."""
        wave = None
        match = re.fullmatch(_pattern(IN_WAVE), text)
        if match:
            text, wave = match["reason"], match["wave"]
        for template in REASONS.values():
            found = re.fullmatch(_pattern(template), text)
            if found:
                text = self(template, k=found["k"])
                break
        return text if wave is None else self(IN_WAVE, reason=text, wave=wave)

    def note(self, text: str) -> str:
        """A note of the view, translated where it is one of the view's own templates."""
        for template in (NO_GROUP, NO_UNIT, NO_SCORE, OTHER_WAVES):
            found = re.fullmatch(_pattern(template), text)
            if found:
                return self(template, **found.groupdict())
        return text


def _pattern(template: str) -> str:
    escaped = re.escape(template)
    return re.sub(r"%\\\((\w+)\\\)s|%\((\w+)\)s", lambda m: f"(?P<{m[1] or m[2]}>.+?)", escaped)


# The words of engine.comparisons, and the table headers, for extraction:
_WORDS = [
    _("higher than the rest"),
    _("lower than the rest"),
    _("not distinguishable from no difference"),
    _(", though not after Holm's adjustment over the groups"),
    _("higher than in the earlier wave"),
    _("lower than in the earlier wave"),
    _("not distinguishable from no change"),
    _("not computed"),
    _("fewer than %(k)s responses"),
    _("the rest would hold none or fewer than %(k)s responses"),
    _("withheld so that the withheld groups together hold 0 or at least %(k)s responses"),
    _("fewer than %(k)s responses in all"),
    _(
        "the other waves hold some but fewer than %(k)s responses of this group: the file"
        " without --wave minus this wave would show them"
    ),
    _(
        "the other waves hold some but fewer than %(k)s responses of this scale: the file"
        " without --wave minus this wave would show them"
    ),
    _("%(reason)s in wave %(wave)s"),
    _("respondents without a value in %(column)s are in no group, but in the rest of every group"),
    _("respondents without a value in %(column)s are in no unit"),
    _(
        "respondents who answered less than %(share)s of the items of %(scale)s have no score"
        " on it and are left out of it"
    ),
    _("waves other than %(first)s and %(second)s are left out: %(waves)s"),
]


def _title(view: dict[str, Any], say: _Speaker) -> str:
    if view["command"] == "groups":
        if view.get("wave"):
            return say(
                _("Samen group gaps: %(data)s, by %(by)s, wave %(wave)s"),
                data=view["data"],
                by=view["by"],
                wave=view["wave"]["label"],
            )
        return say(_("Samen group gaps: %(data)s, by %(by)s"), data=view["data"], by=view["by"])
    return say(
        _("Samen change between waves: %(data)s, %(first)s to %(second)s"),
        data=view["data"],
        first=view["from"],
        second=view["to"],
    )


def _subtitle(view: dict[str, Any], say: _Speaker) -> str:
    text = say(
        _(
            "k = %(k)s responses behind every number; %(confidence)s Welch intervals;"
            " g = Hedges' g"
        ),
        k=view["k"],
        confidence=f"{view['confidence']:.0%}",
    )
    if view["command"] == "groups":
        text += "; " + say(_("p Holm: adjusted over the groups of %(by)s"), by=view["by"])
    return text


def _footer(view: dict[str, Any], say: _Speaker) -> str:
    if view["command"] == "groups":
        return say(
            _(
                "A difference is marked only when its interval excludes 0; otherwise it is not"
                " distinguishable from no difference."
            )
        )
    return say(
        _(
            "A change is marked only when its interval excludes 0; otherwise it is not"
            " distinguishable from no change."
        )
    )


def _group_rows(scale: dict[str, Any], say: _Speaker) -> tuple[list[str], list[list[str]]]:
    head = [say(_("group")), "n", say(_("mean")), "SD", say(_("gap to rest")), say(_("95% CI"))]
    head += ["p", "p Holm", "g", ""]
    rows = []
    for label, g in scale["groups"].items():
        if g["n"] is None:
            rows.append([label, "", "", "", "", "", "", "", "", say.reason(g["withheld"])])
            continue
        words = say.words(g["words"]) if "words" in g else say.reason(g["withheld"])
        rows.append(
            [
                label,
                str(g["n"]),
                say.num(g["mean"]),
                say.num(g["sd"]),
                say.num(g.get("difference"), sign=True),
                say.ci(g.get("ci")),
                say.p(g.get("p")),
                say.p(g.get("p_holm")),
                say.num(g.get("g"), sign=True),
                words,
            ]
        )
    return head, rows


def _wave_rows(
    view: dict[str, Any], scale: dict[str, Any], say: _Speaker
) -> tuple[list[str], list[list[str]]]:
    head = ["", f"n {view['from']}", say(_("mean")), f"n {view['to']}", say(_("mean"))]
    head += [say(_("change")), say(_("95% CI")), "p", "g", ""]
    rows = []
    for label, c in [(say(_("all")), scale["change"]), *scale.get("units", {}).items()]:
        if "withheld" in c:
            rows.append([label, "", "", "", "", "", "", "", "", say.reason(c["withheld"])])
            continue
        rows.append(
            [
                label,
                str(c["from"]["n"]),
                say.num(c["from"]["mean"]),
                str(c["to"]["n"]),
                say.num(c["to"]["mean"]),
                say.num(c["difference"], sign=True),
                say.ci(c["ci"]),
                say.p(c["p"]),
                say.num(c["g"], sign=True),
                say.words(c["words"]),
            ]
        )
    return head, rows


def _rows(view: dict[str, Any], scale: dict[str, Any], say: _Speaker):
    return _group_rows(scale, say) if view["command"] == "groups" else _wave_rows(view, scale, say)


def _scale_line(view: dict[str, Any], name: str, scale: dict[str, Any], say: _Speaker) -> str:
    if view["command"] == "groups" and scale.get("n") is not None:
        return say(
            _("%(scale)s (n %(n)s, mean %(mean)s, SD %(sd)s)"),
            scale=name,
            n=scale["n"],
            mean=say.num(scale["mean"]),
            sd=say.num(scale["sd"]),
        )
    if scale.get("withheld"):
        return f"{name}: {say.reason(scale['withheld'])}"
    return name


def render_text(view: dict[str, Any], lang: str = "en") -> str:
    """The view as plain-text tables for a terminal, in `lang` ("en" or "nl")."""
    say = _Speaker(lang)
    lines = [_title(view, say), _subtitle(view, say), ""]
    for name, scale in view["scales"].items():
        lines.append(_scale_line(view, name, scale, say))
        head, rows = _rows(view, scale, say)
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            cells = [row[0].ljust(widths[0])]
            cells += [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)]
            lines.append(("  " + "  ".join(cells) + "  " + row[-1]).rstrip())
        lines.append("")
    lines.append(_footer(view, say))
    if view["notes"]:
        lines += ["", say(_("Notes")) + ":"] + [f"  - {say.note(n)}" for n in view["notes"]]
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}"
    "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem}"
    "th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}"
    "th:first-child,td:first-child,td:last-child{text-align:left}"
    "td,th{white-space:nowrap}td:last-child{white-space:normal}"
    "td.mark{font-weight:600}"
)


def render_html(view: dict[str, Any], lang: str = "en") -> str:
    """The view as a self-contained HTML page (inline CSS, no external resources)."""
    say = _Speaker(lang)
    esc = html.escape
    title = _title(view, say)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(_subtitle(view, say))}</p>",
    ]
    marks = {say.words(w) for w in _WORDS[:2] + _WORDS[4:6]}
    for name, scale in view["scales"].items():
        parts.append(f"<h2>{esc(_scale_line(view, name, scale, say))}</h2><table>")
        head, rows = _rows(view, scale, say)
        parts.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>")
        for row in rows:
            cells = "".join(f"<td>{esc(c)}</td>" for c in row[:-1])
            cls = ' class="mark"' if any(row[-1].startswith(m) for m in marks) else ""
            parts.append(f"<tr>{cells}<td{cls}>{esc(row[-1])}</td></tr>")
        parts.append("</table>")
    parts.append(f"<p>{esc(_footer(view, say))}</p>")
    if view["notes"]:
        parts.append(f"<h2>{esc(say(_('Notes')))}</h2><ul>")
        parts += [f"<li>{esc(say.note(note))}</li>" for note in view["notes"]]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
