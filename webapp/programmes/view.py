"""The evaluation page's model: the results service's dict in words, a chart and a table.

Everything shown comes from :func:`webapp.results.programme.programme_evaluation` (the same
dict the API returns): this module only words it in the interface language and lays out
the before/after chart (server-rendered SVG; the table beside it holds the same numbers).
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from webapp.i18n import localized, number

__all__ = ["CHART", "evaluation_page", "slope_chart", "verdict"]

#: Geometry of the before/after chart (SVG user units).
CHART = {"width": 440, "height": 210, "left": 48, "right": 200, "top": 16, "bottom": 34}
#: Colour, marker and dash per side (Okabe-Ito, as the dashboard's unit and parent series).
STYLE = {
    "programme": {"colour": "#0072B2", "dash": "", "marker": "circle"},
    "other": {"colour": "#B35A00", "dash": "6 4", "marker": "square"},
}


def _signed(value: float) -> str:
    return number(value) if round(value, 2) != 0 else number(0.0)


def verdict(scale: dict[str, Any], name: str) -> str:
    """The difference in differences in one sentence, with its interval and what it means.

    A change is claimed only when the interval excludes 0; otherwise the sentence says it
    is not distinguishable from no effect, with the number of programme teams.
    """
    teams = scale["sides"]["programme"]["units"]
    lo, hi = scale["ci"]
    values = {
        "scale": name,
        "estimate": number(abs(scale["estimate"])),
        "level": f"{scale.get('confidence', 0.95):.0%}",
        "lo": _signed(lo),
        "hi": _signed(hi),
        "teams": teams,
    }
    if scale["estimate"] >= 0:
        first = _("%(scale)s rose %(estimate)s more in programme teams than elsewhere", **values)
    else:
        first = _("%(scale)s fell %(estimate)s more in programme teams than elsewhere", **values)
    interval = _("%(level)s CI %(lo)s to %(hi)s", **values)
    if scale["excludes_zero"]:
        meaning = ngettext(
            "the interval excludes zero (%(num)d programme team)",
            "the interval excludes zero (%(num)d programme teams)",
            teams,
        )
    else:
        meaning = ngettext(
            "not distinguishable from no effect with %(num)d programme team",
            "not distinguishable from no effect with %(num)d programme teams",
            teams,
        )
    return f"{first}; {interval}: {meaning}."


def _axis(means: list[float], low: float, high: float) -> tuple[float, float, list[float]]:
    """The y range (zoomed around the means, inside the scale's ends) and its ticks."""
    lo = max(low, math.floor((min(means) - 0.15) * 4) / 4)
    hi = min(high, math.ceil((max(means) + 0.15) * 4) / 4)
    if hi - lo < 0.5:
        hi = min(high, lo + 0.5)
        lo = max(low, hi - 0.5)
    step = 0.25 if hi - lo <= 1.5 else 0.5
    ticks = [lo + i * step for i in range(round((hi - lo) / step) + 1)]
    return lo, hi, ticks


def slope_chart(
    scale: dict[str, Any], value_range: tuple[float, float], labels: dict[str, str]
) -> dict[str, Any]:
    """Coordinates of the before/after chart of one scale: two lines, axis ticks, labels.

    The y axis is zoomed around the four group means (inside the scale's ends) and says so
    with its tick labels; the table beside the chart has the exact numbers.
    """
    sides = scale["sides"]
    means = [sides[s][w]["mean"] for s in STYLE for w in ("before", "after")]
    lo, hi, ticks = _axis(means, *value_range)
    c = CHART
    x0, x1 = c["left"] + 24, c["width"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]

    def y(value: float) -> float:
        return round(c["top"] + (hi - value) / (hi - lo) * plot_h, 1)

    lines = []
    ends = {s: y(sides[s]["after"]["mean"]) for s in STYLE}
    # keep the end labels apart (at least 14 units) when the two lines end close together
    gap = 14
    if abs(ends["programme"] - ends["other"]) < gap:
        upper = "programme" if ends["programme"] <= ends["other"] else "other"
        lower = "other" if upper == "programme" else "programme"
        middle = (ends[upper] + ends[lower]) / 2
        ends[upper], ends[lower] = middle - gap / 2, middle + gap / 2
    for side, style in STYLE.items():
        before, after = sides[side]["before"]["mean"], sides[side]["after"]["mean"]
        lines.append(
            {
                "side": side,
                "colour": style["colour"],
                "dash": style["dash"],
                "marker": style["marker"],
                "x0": x0,
                "x1": x1,
                "y0": y(before),
                "y1": y(after),
                "label": f"{labels[side]} {number(after)}",
                "label_y": round(ends[side] + 4, 1),
                "start": number(before),
            }
        )
    return {
        **c,
        "x0": x0,
        "x1": x1,
        "axis_bottom": c["height"] - c["bottom"],
        "ticks": [{"y": y(t), "label": number(t)} for t in ticks],
        "lines": lines,
    }


def _rows(scale: dict[str, Any]) -> list[dict[str, Any]]:
    """The table: one row per number, one column per side (narrow enough for a phone)."""
    sides = [scale["sides"][side] for side in STYLE]

    def change(block: dict[str, Any]) -> str:
        return _signed(block["after"]["mean"] - block["before"]["mean"])

    return [
        {"label": _("Units"), "cells": [str(b["units"]) for b in sides]},
        {"label": _("n before"), "cells": [str(b["before"]["n"]) for b in sides]},
        {"label": _("Mean before"), "cells": [number(b["before"]["mean"]) for b in sides]},
        {"label": _("n after"), "cells": [str(b["after"]["n"]) for b in sides]},
        {"label": _("Mean after"), "cells": [number(b["after"]["mean"]) for b in sides]},
        {"label": _("After minus before"), "cells": [change(b) for b in sides]},
    ]


def _left_out(scale: dict[str, Any], k: int) -> str:
    programme = scale["sides"]["programme"]["units_left_out"]
    other = scale["sides"]["other"]["units_left_out"]
    if not programme and not other:
        return ""
    return _(
        "Left out: %(programme)s of the programme's units and %(other)s other units, with "
        "fewer than k = %(k)s responses in one of the two waves or withheld to protect a "
        "smaller group.",
        programme=programme,
        other=other,
        k=k,
    )


def _details(scale: dict[str, Any]) -> str:
    return _(
        "Difference in differences with unit and wave fixed effects: SE %(se)s (CR2, "
        "clustered by unit), %(df)s degrees of freedom (Satterthwaite), p = %(p)s. "
        "Random-intercept model as a second opinion: %(mixed)s (SE %(mixed_se)s).",
        se=number(scale["se"], 3),
        df=number(scale["df"], 1),
        p=number(scale["p"], 3),
        mixed=_signed(scale["mixed"]["estimate"]),
        mixed_se=number(scale["mixed"]["se"], 3),
    )


def _no_numbers(scale: dict[str, Any]) -> str:
    if scale["reason"] == "too-few-units":
        return _(
            "No estimate: each side needs at least 2 units with at least k responses in "
            "both waves (%(programme)s programme units and %(other)s other units have them).",
            programme=scale["sides"]["programme"]["units"],
            other=scale["sides"]["other"]["units"],
        )
    return _("No estimate: the scores do not vary enough within units.")


def evaluation_page(result: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, grouped by instrument."""
    labels = {"programme": _("programme teams"), "other": _("other teams")}
    k = int(result["k"])
    groups: list[dict[str, Any]] = []
    for scale in result["scales"]:
        name = str(localized(scale["name"]) or scale["scale"])
        instrument = str(localized(scale["instrument"]))
        if not groups or groups[-1]["title"] != instrument:
            groups.append({"title": instrument, "scales": []})
        shown = scale["estimate"] is not None
        groups[-1]["scales"].append(
            {
                "id": scale["scale"].replace(".", "-"),
                "name": name,
                "shown": shown,
                "marked": bool(shown and scale["excludes_zero"]),
                "verdict": verdict(scale, name) if shown else _no_numbers(scale),
                "details": _details(scale) if shown else "",
                "chart": slope_chart(scale, (scale["range"][0], scale["range"][1]), labels)
                if shown
                else None,
                "rows": _rows(scale) if shown else [],
                "left_out": _left_out(scale, k),
            }
        )
    return {"programme": result["programme"], "k": k, "groups": groups, "labels": labels}
