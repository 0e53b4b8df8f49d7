"""What `samen compare` shows: the comparisons of :mod:`engine.comparisons` after disclosure
control at the minimum group size k.

k counts responses behind a number: respondents with a score on that scale. A group's gap
to the rest (everyone else) is shown only when the group and the rest each hold at least k
(:func:`engine.disclosure.rules.suppress_filter`, the rule of a demographic filter within a unit:
the groups withheld, together with respondents without a group, hold 0 or at least k, so no
small group follows by subtraction from the scale's total); a change only when both waves
hold at least k, and per unit only when the unit may be shown in both waves by the same rule
(the units withheld in a wave, with respondents without a unit, hold 0 or at least k).
A withheld number is ``null`` with ``"withheld"`` saying why, never the count itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from engine.report.pipeline import ScaleSpec

__all__ = [
    "IN_WAVE",
    "NO_GROUP",
    "NO_SCORE",
    "NO_UNIT",
    "OTHER_WAVES",
    "REASONS",
    "group_view",
    "left_out",
    "wave_view",
]

CONFIDENCE = 0.95


#: Why a number is withheld, by code; ``%(k)s`` is k. The renderer translates these (the
#: same English strings are msgids in webapp/translations).
REASONS = {
    "primary": "fewer than %(k)s responses",
    "complement": "the rest would hold none or fewer than %(k)s responses",
    "remainder": "withheld so that the withheld groups together hold 0 or at least %(k)s"
    " responses",
    "unit": "fewer than %(k)s responses in all",
    "other_waves_group": "the other waves hold some but fewer than %(k)s responses of this"
    " group: the file without --wave minus this wave would show them",
    "other_waves_scale": "the other waves hold some but fewer than %(k)s responses of this"
    " scale: the file without --wave minus this wave would show them",
}
#: Notes on respondents left out.
NO_GROUP = (
    "respondents without a value in %(column)s are in no group, but in the rest of every group"
)
NO_UNIT = "respondents without a value in %(column)s are in no unit"
NO_SCORE = (
    "respondents who answered less than %(share)s of the items of %(scale)s have no score on"
    " it and are left out of it"
)
OTHER_WAVES = "waves other than %(first)s and %(second)s are left out: %(waves)s"
#: A reason that holds in one wave: ``%(reason)s in wave %(wave)s``.
IN_WAVE = "%(reason)s in wave %(wave)s"


def _reason(code: str, k: int, wave: str | None = None) -> str:
    text = REASONS[code] % {"k": k}
    return text if wave is None else IN_WAVE % {"reason": text, "wave": wave}


def left_out(scores: pd.DataFrame, min_share: float) -> list[str]:
    """Notes naming the scales some respondents have no score on (too few items answered)."""
    from fractions import Fraction

    share = Fraction(min_share).limit_denominator(12)
    shown = f"{share.numerator}/{share.denominator}" if share.denominator > 1 else f"{min_share:g}"
    return [
        NO_SCORE % {"share": shown, "scale": scale}
        for scale in scores.columns
        if scores[scale].isna().any()
    ]


def _labels(column: pd.Series) -> list[str]:
    from engine.comparisons.groups import _label_key

    return sorted(set(column.dropna()), key=_label_key)


def _withheld(reason: str) -> dict[str, Any]:
    return {"n": None, "mean": None, "sd": None, "withheld": reason}


def group_view(
    scores: pd.DataFrame,
    specs: Sequence[ScaleSpec],
    by: pd.Series,
    k: int,
    outside: tuple[pd.DataFrame, pd.Series] | None = None,
) -> dict[str, Any]:
    """Per scale the overall n, mean and SD and each group's gap to the rest, at k.

    Holm's adjustment counts every group of the column (a withheld one as a comparison
    with a larger p). A group's rest is everyone else with a score, respondents without a
    group included, so a group and its rest are the scale's total. `outside` (scores and
    groups of the rows a ``--wave`` filter left out) guards the subtraction of this view
    from the same command run without the filter: a scale, or a group, that holds 1 to k-1
    responses outside the wave is withheld.
    """
    from engine.comparisons import describe, group_counts, group_gaps
    from engine.disclosure.rules import suppress_filter

    notes: list[str] = []
    labels = _labels(by)
    if by.isna().any():
        notes.append(NO_GROUP % {"column": repr(by.name)})
    view: dict[str, Any] = {"command": "groups", "k": k, "confidence": CONFIDENCE, "scales": {}}
    for spec in specs:
        values = scores[spec.id].to_numpy()
        total = int((~np.isnan(values)).sum())
        counts = dict(group_counts(values, by))
        rule = suppress_filter(counts, total, k)
        shown, reasons = set(rule.shown), {g: _reason(c, k) for g, c in rule.reasons.items()}
        out_total, out_counts = 0, {}
        if outside is not None:
            out_values = outside[0][spec.id].to_numpy()
            out_total = int((~np.isnan(out_values)).sum())
            out_counts = dict(group_counts(out_values, outside[1]))
        if total < k or 0 < out_total < k:
            why = _reason("unit" if total < k else "other_waves_scale", k)
            entry: dict[str, Any] = _withheld(why)
            shown = set()
            reasons = dict.fromkeys(labels, why)
        else:
            entry = describe(values).as_dict()
        for label in sorted(shown):
            if 0 < out_counts.get(label, 0) < k:  # hiding more keeps the hidden pool >= k
                shown.discard(label)
                reasons[label] = _reason("other_waves_group", k)
        # a shown group's rest (everyone else) holds >= k: suppress_filter's complement rule
        gaps = group_gaps(values, by, include=shown, confidence=CONFIDENCE) if shown else {}
        entry["groups"] = {}
        for label in labels:
            path = f"scales.{spec.id}.groups.{label}"
            if label in gaps:
                entry["groups"][label] = gaps[label].as_dict()
                notes += [f"{path}: {note}" for note in gaps[label].welch.notes]
            else:
                entry["groups"][label] = _withheld(reasons.get(label, _reason("primary", k)))
        view["scales"][spec.id] = entry
    view["notes"] = notes
    return view


def wave_view(
    scores: pd.DataFrame,
    specs: Sequence[ScaleSpec],
    wave: pd.Series,
    first: str,
    second: str,
    units: pd.Series | None,
    k: int,
) -> dict[str, Any]:
    """Per scale the change from wave `first` to wave `second`, and per unit with `units`."""
    from engine.comparisons import wave_change

    notes: list[str] = []
    in_wave = {w: (wave == w).to_numpy() for w in (first, second)}
    view: dict[str, Any] = {
        "command": "waves",
        "k": k,
        "confidence": CONFIDENCE,
        "from": first,
        "to": second,
        "scales": {},
    }
    if units is not None and units.isna().any():
        notes.append(NO_UNIT % {"column": repr(units.name)})
    for spec in specs:
        values = scores[spec.id].to_numpy()
        scored = ~np.isnan(values)
        small = [w for w in (first, second) if int((scored & in_wave[w]).sum()) < k]
        entry: dict[str, Any] = {}
        if small:
            entry["change"] = {"withheld": _reason("primary", k, small[0])}
        else:
            change = wave_change(values[in_wave[first]], values[in_wave[second]], CONFIDENCE)
            entry["change"] = change.as_dict()
            notes += [f"scales.{spec.id}.change: {note}" for note in change.welch.notes]
        if units is not None:
            entry["units"] = _unit_entries(spec.id, values, wave, units, first, second, k, notes)
        view["scales"][spec.id] = entry
    view["notes"] = notes
    return view


def _unit_entries(
    scale: str,
    values: np.ndarray,
    wave: pd.Series,
    units: pd.Series,
    first: str,
    second: str,
    k: int,
    notes: list[str],
) -> dict[str, Any]:
    from engine.comparisons import group_counts, unit_changes
    from engine.disclosure.rules import suppress_filter

    rules = {}
    for w in (first, second):
        inside = (wave == w).to_numpy()
        counts = dict(group_counts(values[inside], units[inside]))
        total = int((~np.isnan(values) & inside).sum())
        rules[w] = suppress_filter(counts, total, k)
    shown = set(rules[first].shown) & set(rules[second].shown)
    changes = unit_changes(
        values, wave, units, first, second, include=shown, confidence=CONFIDENCE
    )
    out: dict[str, Any] = {}
    labels = sorted(set(units[(wave.isin([first, second])).to_numpy()].dropna()))
    for label in labels:
        if label in changes:
            out[label] = changes[label].as_dict()
            notes += [
                f"scales.{scale}.units.{label}: {note}" for note in changes[label].welch.notes
            ]
            continue
        w = first if label not in rules[first].shown else second
        code = rules[w].reasons.get(label, "primary")
        out[label] = {"withheld": _reason(code, k, w)}
    return out
