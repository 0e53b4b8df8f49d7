"""Colours of the dashboard: colour-blind safe, with readable labels.

The Okabe-Ito palette for the unit / parent / organisation series (told apart by marker
shape too), ColorBrewer's PuOr diverging scheme for answer distributions and the heatmap,
and black or white labels chosen by WCAG relative luminance for a contrast of at least
4.5:1.
"""

from __future__ import annotations

__all__ = ["COMPARISON_STYLE", "SUPPRESSED_FILL", "answer_colours", "heat_class", "luminance"]

#: Series of the comparison and trend charts: (colour, marker symbol, dash).
COMPARISON_STYLE = {
    "unit": ("#0072B2", "circle", "solid"),
    "parent": ("#B35A00", "diamond", "dash"),
    "organisation": ("#333333", "square", "dot"),
}
#: Fill of a withheld cell in the heatmap.
SUPPRESSED_FILL = "#d9d9d9"

# ColorBrewer PuOr, low answers orange, high answers purple; one list per number of points.
_PUOR = {
    2: ["#f1a340", "#998ec3"],
    3: ["#f1a340", "#f7f7f7", "#998ec3"],
    4: ["#e66101", "#fdb863", "#b2abd2", "#5e3c99"],
    5: ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"],
    6: ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"],
    7: ["#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"],
}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _label_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""
    lum = luminance(fill)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def answer_colours(n_points: int) -> list[tuple[str, str]]:
    """(fill, label colour) per answer code, lowest code first, for 2 to 7 points."""
    if n_points < 1:
        return []
    fills = _PUOR.get(n_points)
    if fills is None:
        fills = [_PUOR[7][min(i, 6)] for i in range(n_points)] if n_points > 7 else ["#998ec3"]
    return [(fill, _label_colour(fill)) for fill in fills]


def heat_class(mean: float | None, value_range: tuple[float, float], bins: int = 8) -> str:
    """CSS class of a heatmap cell: ``heat-0`` (lowest) to ``heat-7``, ``heat-hidden``."""
    if mean is None:
        return "heat-hidden"
    low, high = value_range
    share = (mean - low) / (high - low) if high > low else 0.5
    return f"heat-{min(bins - 1, max(0, int(share * bins)))}"
