"""Can a scale be trusted here? Reliability and agreement of a released scale cell.

For each scale whose cell disclosure control released for the unit (and only those:
:func:`webapp.results.unit_results` asks :func:`scale_trust` for released cells, and this
module never decides on its own what may be shown), this computes with :mod:`engine`:

- **reliability** of the scale in the unit: Cronbach's alpha (``psych::alpha`` raw_alpha)
  and McDonald's omega total of one factor (``psych::omega(nfactors = 1)``);
- **agreement** within the unit: rwg(j) with the uniform null (``multilevel::rwg.j``),
  the unit's whole subtree taken as one group, each item's variance over its own answers
  (:func:`cell_rwg_j`: the cell's respondents, not only those who answered every item);
- **team differences** in the organisation: ICC(1) of the scale scores on the units the
  respondents belong to, over the units with at least k scores each (a group below k is
  not used at all), so one number for the organisation.

The thresholds (:func:`reliability`, :func:`agreement`, :func:`differences`) and the words
for managers (:func:`trust_words`):

- alpha >= .80 good, .70 to .80 acceptable, below .70 weak (Nunnally, 1978; Lance, Butts &
  Michels, 2006); omega total is given beside it;
- rwg(j) >= .70 strong agreement, .50 to .70 moderate, below .50 weak (LeBreton & Senter,
  2008, Table 3: .51-.70 moderate, .71-.90 strong, .91-1.00 very strong);
- ICC(1) >= .10 clear differences between teams, .05 to .10 some, below .05 hardly any
  (LeBreton & Senter, 2008: .01 small, .10 medium, .25 large).

These numbers describe the released cell only (at least k responses); they add nothing
about a smaller group.

References
----------
Nunnally, J. C. (1978). *Psychometric theory* (2nd ed.). McGraw-Hill.

Lance, C. E., Butts, M. M., & Michels, L. C. (2006). The sources of four commonly reported
cutoff criteria. *Organizational Research Methods, 9*(2), 202-220.

LeBreton, J. M., & Senter, J. L. (2008). Answers to 20 questions about interrater reliability
and interrater agreement. *Organizational Research Methods, 11*(4), 815-852.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from webapp.results.data import Measure, WaveData
from webapp.results.release import measure_k

__all__ = [
    "ALPHA_GOOD",
    "ALPHA_OK",
    "ICC_CLEAR",
    "ICC_SOME",
    "RWG_MODERATE",
    "RWG_STRONG",
    "agreement",
    "cell_rwg_j",
    "differences",
    "reliability",
    "scale_trust",
    "trust_words",
]

ALPHA_GOOD = 0.80
ALPHA_OK = 0.70
RWG_STRONG = 0.70
RWG_MODERATE = 0.50
ICC_CLEAR = 0.10
ICC_SOME = 0.05


def reliability(alpha: float | None) -> str | None:
    """``"good"`` (alpha >= .80), ``"acceptable"`` (>= .70), ``"weak"``; None without alpha."""
    if alpha is None:
        return None
    return "good" if alpha >= ALPHA_GOOD else "acceptable" if alpha >= ALPHA_OK else "weak"


def agreement(rwg_j: float | None) -> str | None:
    """``"strong"`` (rwg(j) >= .70), ``"moderate"`` (>= .50), ``"weak"``; None without rwg(j)."""
    if rwg_j is None:
        return None
    return "strong" if rwg_j >= RWG_STRONG else "moderate" if rwg_j >= RWG_MODERATE else "weak"


def differences(icc1: float | None) -> str | None:
    """``"clear"`` (ICC(1) >= .10), ``"some"`` (>= .05), ``"hardly"``; None without ICC(1)."""
    if icc1 is None:
        return None
    return "clear" if icc1 >= ICC_CLEAR else "some" if icc1 >= ICC_SOME else "hardly"


def _finite(value: float | None) -> float | None:
    return round(float(value), 3) if value is not None and math.isfinite(value) else None


def _quiet(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` with numerical warnings silenced; None on degenerate input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn()
        except (ValueError, ArithmeticError, IndexError):
            return None


def scale_trust(data: WaveData, measure: Measure, unit: str) -> dict[str, Any] | None:
    """The trust figures of the scale cell (``unit``'s subtree x ``measure``) of a wave.

    Call it only for a cell that disclosure control released (the results service does).

    Parameters
    ----------
    data : WaveData
        The wave (:func:`webapp.results.data.load_wave`).
    measure : Measure
        A scale (``kind == "scale"``); anything else gives None.
    unit : str
        The unit's code; its whole subtree is the group.

    Returns
    -------
    dict or None
        ``{"alpha", "omega", "rwg_j", "icc1", "reliability", "agreement", "differences"}``:
        the coefficients rounded to 3 decimals (None when not computable: alpha needs two
        items, omega three, every coefficient some variance) and their levels
        (:func:`reliability`, :func:`agreement`, :func:`differences`). None when the cell
        holds fewer valid scale scores than the measure's k (never computed below k).

    Notes
    -----
    alpha: ``psych::alpha(x)$total$raw_alpha``; omega: ``psych::omega(x, nfactors = 1)$omega.tot``;
    rwg(j): ``multilevel::rwg.j(x, grpid, ranvar = (A^2 - 1) / 12)`` for A answer points
    when nobody skipped an item (:func:`cell_rwg_j`: item variances over each item's answers);
    ICC(1): ``multilevel::ICC1(aov(score ~ as.factor(unit)))`` over the units (own members) with at
    least k valid scores, None with fewer than two such units.

    The figures are kept with the wave's cached data (``WaveData.derived``, see
    :func:`webapp.results.data.load_wave`): per unit and scale (omega costs tens of
    milliseconds per scale), and ICC(1), which describes the whole organisation, once per
    scale and wave. A purge or new responses load the wave afresh, and the figures with it.
    """
    if measure.kind != "scale" or measure.answers is None or measure.scores is None:
        return None
    k = measure_k(data, measure)
    slot = ("trust", measure.id, unit, k)
    found = data.derived.get(slot)
    if found is None:
        found = _compute(data, measure, unit, k)
        if found is None:
            return None
        data.derived[slot] = found
    return dict(found)


def _compute(data: WaveData, measure: Measure, unit: str, k: int) -> dict[str, Any] | None:
    import pandas as pd

    from engine.psychometrics.omega import omega
    from engine.psychometrics.reliability import cronbach_alpha

    rows = measure.valid & data.in_subtree(unit)
    if np.count_nonzero(rows) < k:
        return None  # not a released cell: nothing about a group below k
    frame = pd.DataFrame(measure.answers[rows])  # type: ignore[index]
    alpha = _quiet(lambda: cronbach_alpha(frame).alpha) if frame.shape[1] > 1 else None
    om = _quiet(lambda: omega(frame, 1).total) if frame.shape[1] > 2 else None
    rwg = _quiet(lambda: cell_rwg_j(frame, len(measure.points)))
    figures = {
        "alpha": _finite(alpha),
        "omega": _finite(om),
        "rwg_j": _finite(rwg),
        "icc1": _icc1(data, measure, k),
    }
    return {
        **figures,
        "reliability": reliability(figures["alpha"]),
        "agreement": agreement(figures["rwg_j"]),
        "differences": differences(figures["icc1"]),
    }


def cell_rwg_j(frame: Any, n_options: int) -> float:
    """rwg(j) of one group, each item's variance taken over the answers to that item.

    Parameters
    ----------
    frame : DataFrame
        The cell's respondents (valid scale scores) x the scale's items, NaN when skipped.
    n_options : int
        Answer points A.

    Returns
    -------
    float
        :func:`engine.psychometrics.aggregation.rwg_j`'s formula with the mean item variance
        :math:`\\bar s^2` over each item's own answers; NaN when an item has fewer than two.

    Notes
    -----
    ``multilevel::rwg.j`` (and :func:`engine.psychometrics.aggregation.rwg_j`) drop every
    respondent who skipped an item: their figure would describe the complete cases, fewer people
    than the cell's n (in the demo below k in 2 released cells), and beside the items'
    distributions (which count every valid score) it would be a number about the few who skipped
    an item (issue 14, path 3). Each item's variance over its own answers is a function of that
    item's released distribution, so the figure adds nothing about anyone; with no skipped
    answers it equals ``multilevel::rwg.j``.
    """
    values = np.asarray(frame, dtype=float)
    answered = ~np.isnan(values)
    if values.ndim != 2 or values.shape[1] == 0 or (answered.sum(axis=0) < 2).any():
        return float("nan")
    ranvar = (n_options**2 - 1) / 12.0
    mean_var = float(np.nanvar(values, axis=0, ddof=1).mean())
    ratio = min(mean_var, ranvar) / ranvar
    j = values.shape[1]
    return j * (1.0 - ratio) / (j * (1.0 - ratio) + ratio)


def _icc1(data: WaveData, measure: Measure, k: int) -> float | None:
    """ICC(1) of a scale over the units with at least k scores (one number per wave)."""
    from engine.psychometrics.aggregation import icc

    slot = ("icc1", measure.id, k)
    if slot in data.derived:
        return data.derived[slot]
    own = data.unit_pos[measure.valid]
    scores = measure.scores[measure.valid]  # type: ignore[index]
    counts = np.bincount(own[own >= 0], minlength=len(data.codes))
    keep = (own >= 0) & (counts[np.maximum(own, 0)] >= k)
    icc1 = None
    if np.count_nonzero(counts >= k) >= 2:
        icc1 = _quiet(lambda: icc(scores[keep], own[keep]).icc1)
    value = _finite(icc1)
    data.derived[slot] = value
    return value


#: The dashboard's mark for each level of the service (CSS class ``trust-<mark>``).
_MARKS = {
    "good": "good",
    "acceptable": "fair",
    "strong": "good",
    "moderate": "fair",
    "clear": "good",
    "some": "fair",
    "hardly": "fair",
    "weak": "weak",
}


def trust_words(
    trust: Mapping[str, Any] | None, gettext: Callable[..., str], fmt: Callable[[float], str]
) -> list[dict[str, str]]:
    """Sentences for a manager: how well the items hang together, whether the team agrees,
    and whether teams differ. Each is ``{"level": good|fair|weak|none, "text": ...}``.

    ``trust`` is a scale cell's ``"trust"`` from :func:`webapp.results.unit_results` (None
    when withheld): the words follow its levels, so page and API cannot disagree.
    ``gettext`` translates (``%(value)s`` placeholders); ``fmt`` formats a coefficient
    (e.g. ``.86`` or ``,86``).
    """
    _ = gettext
    if not trust:
        return [{"level": "none", "text": _("No reliability or agreement figures here.")}]
    out: list[dict[str, str]] = []
    alpha, om, level = trust.get("alpha"), trust.get("omega"), trust.get("reliability")
    if alpha is not None and level is not None:
        value = fmt(alpha)
        extra = _(", omega %(value)s", value=fmt(om)) if om is not None else ""
        if level == "good":
            text = _("The items of this scale hang together well (alpha %(value)s", value=value)
        elif level == "acceptable":
            text = _("The items hang together well enough (alpha %(value)s", value=value)
        else:
            text = _("The items do not hang together well (alpha %(value)s", value=value)
        tail = ")." if level != "weak" else _("): read them one by one.")
        out.append({"level": _MARKS[level], "text": text + extra + tail})
    rwg, level = trust.get("rwg_j"), trust.get("agreement")
    if rwg is not None and level is not None:
        value = fmt(rwg)
        if level == "strong":
            text = _(
                "Answers in your team agree strongly (rwg %(value)s): this is a shared view.",
                value=value,
            )
        elif level == "moderate":
            text = _(
                "Answers in your team agree moderately (rwg %(value)s): a partly shared view.",
                value=value,
            )
        else:
            text = _(
                "Answers in your team differ a lot (rwg %(value)s): people experience this "
                "differently, so the average says little. Talk about the differences.",
                value=value,
            )
        out.append({"level": _MARKS[level], "text": text})
    icc1, level = trust.get("icc1"), trust.get("differences")
    if icc1 is not None and level is not None:
        value = fmt(icc1)
        if level == "clear":
            text = _(
                "Teams in the organisation differ clearly on this (ICC %(value)s): "
                "it is something a team shapes together.",
                value=value,
            )
        elif level == "some":
            text = _("Teams differ somewhat on this (ICC %(value)s).", value=value)
        else:
            text = _(
                "Teams hardly differ on this (ICC %(value)s): it is more personal than a "
                "team matter.",
                value=value,
            )
        out.append({"level": _MARKS[level], "text": text})
    if not out:
        out.append({"level": "none", "text": _("No reliability or agreement figures here.")})
    return out
