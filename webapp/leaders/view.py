"""The leader pages' models: the results service's dicts with the survey's words and numbers
formatted for the locale. Nothing here decides what is shown (:mod:`webapp.results.leaders`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from surveys.definition import SurveyDefinition
from webapp.dashboard.view import withheld_text
from webapp.i18n import localized, number

__all__ = ["gap_page", "phase_text", "scale_names", "summary_page"]


def scale_names(definition: SurveyDefinition) -> dict[str, str]:
    """Scale id (as the results service names it) -> "Instrument: scale" in the language."""
    combined = len(definition.answer_instruments) > 1
    out = {}
    for inst in definition.answer_instruments:
        for scale in inst.scales:
            sid = f"{inst.id}.{scale.id}" if combined else scale.id
            out[sid] = f"{localized(inst.title)}: {localized(scale.name)}"
    return out


def phase_text(phase: str | None) -> str:
    if phase == "before":
        return _("before the programme")
    if phase == "after":
        return _("after the programme")
    return ""


def _signed(value: float) -> str:
    text = number(abs(value), 2)
    if text == number(0.0, 2):
        return text
    return ("+" if value > 0 else "\u2212") + text


def _fmt(value: float | None) -> str:
    return "" if value is None else number(value, 2)


def gap_page(definition: SurveyDefinition, gaps: Mapping[str, Any] | None) -> dict | None:
    """The dashboard include's model: per wave, per scale, you / team / gap as text."""
    if not gaps:
        return None
    names = scale_names(definition)
    k = gaps["k"]
    waves = []
    for wave in gaps["waves"]:
        rows = []
        for sid in gaps["scales"]:
            cell = wave["scales"][sid]
            shown = cell["gap"] is not None
            rows.append(
                {
                    "name": names.get(sid, sid),
                    "leader": _fmt(cell["leader"]) if cell["leader"] is not None else None,
                    "team": _fmt(cell["team"]) if cell["team"] is not None else None,
                    "team_n": cell["team_n"],
                    "gap": _signed(cell["gap"]) if shown else None,
                    "withheld": None
                    if cell["team"] is not None
                    else withheld_text(cell["reason"], k, short=True),
                }
            )
        waves.append(
            {
                "wave": wave["wave"],
                "phase": phase_text(wave["phase"]),
                "released": wave["released"],
                "rows": rows,
            }
        )
    return {"k": k, "waves": waves}


def _withheld_leaders(reason: str | None, k: int) -> str:
    if reason == "overlap":
        return _("hidden: overlaps another group by fewer than %(k)s leaders", k=k)
    return _("fewer than %(k)s leaders", k=k)


def summary_page(definition: SurveyDefinition, summary: Mapping[str, Any]) -> dict:
    """The coordinator's page model: one table per group (programme and wave)."""
    names = scale_names(definition)
    k = summary["k"]
    groups = []
    for group in summary["groups"]:
        rows = []
        for sid in summary["scales"]:
            cell = group["scales"][sid]
            shown = not cell["suppressed"]
            rows.append(
                {
                    "name": names.get(sid, sid),
                    "n": cell["n"] if shown else None,
                    "leader": _fmt(cell["leader"]) if shown else None,
                    "team": _fmt(cell["team"]) if shown else None,
                    "gap": _signed(cell["gap"]) if shown else None,
                    "withheld": None if shown else _withheld_leaders(cell["reason"], k),
                }
            )
        if group["programme"]:
            title = _(
                "%(name)s (cohort %(cohort)s), wave %(wave)s: %(phase)s",
                name=group["name"],
                cohort=group["cohort"],
                wave=group["wave"],
                phase=phase_text(group["phase"]),
            )
        else:
            title = _("All leaders, wave %(wave)s", wave=group["wave"])
        groups.append({"title": title, "rows": rows})
    return {"k": k, "groups": groups}
