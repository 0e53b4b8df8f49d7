"""The programme effect: did a scale rise more in the units whose leaders took part?

A difference in differences at respondent level with unit and wave fixed effects, its
standard error cluster-robust by unit with the CR2 correction and Satterthwaite degrees of
freedom (:mod:`engine.comparisons.cluster_robust`), and the random-intercept model as a
second opinion (:mod:`engine.comparisons.mixed`). A programme cohort has 6-12 units: CR1 or
a normal reference would give intervals that are too narrow there.

Disclosure: a unit is used only when it has at least k valid scale scores (responses) in
*both* waves; the result says how many units that left out, never how many responses they
held (one left-out unit's count would be a number below k).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from engine.comparisons.cluster_robust import cr2_within
from engine.comparisons.mixed import random_intercept_reml

if TYPE_CHECKING:
    from engine.report.pipeline import ScaleSpec

__all__ = ["MIN_UNITS", "ProgrammeEffect", "UnitMeans", "compare_programme", "programme_effect"]

MIN_UNITS = 2  # units (at k in both waves) needed in each arm, treated and control


@dataclass(frozen=True)
class UnitMeans:
    """A unit's mean score before and after, for a plot (each mean over >= k responses)."""

    unit: str
    treated: bool
    before: float
    after: float
    n_before: int
    n_after: int


@dataclass(frozen=True)
class ProgrammeEffect:
    """The difference in differences of one scale.

    Attributes
    ----------
    estimate, se, df, p : float
        DiD coefficient, its CR2 standard error, Satterthwaite df and two-sided p.
    ci : tuple of float
        Confidence interval ``estimate -/+ t(df) * se`` at `confidence`.
    confidence : float
        Level of `ci`.
    n : int
        Responses (valid scale scores) in the model.
    units_treated, units_control : int
        Units in the model, by arm.
    units_left_out : int
        Units with a response in either wave that fall below k valid scores in a wave.
    mixed_estimate, mixed_se : float
        ``programme:post`` of the random-intercept model (REML).
    unit_means : tuple of UnitMeans
        Per unit in the model, sorted by unit.
    """

    estimate: float
    se: float
    df: float
    p: float
    ci: tuple[float, float]
    confidence: float
    n: int
    units_treated: int
    units_control: int
    units_left_out: int
    mixed_estimate: float
    mixed_se: float
    unit_means: tuple[UnitMeans, ...]

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval excludes 0 (the only case a change is marked)."""
        return bool(self.ci[0] > 0 or self.ci[1] < 0)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``samen compare programme`` for one scale."""
        return {
            "estimate": self.estimate,
            "se": self.se,
            "df": self.df,
            "p": self.p,
            "ci": list(self.ci),
            "confidence": self.confidence,
            "excludes_zero": self.excludes_zero,
            "n": self.n,
            "units": {"treated": self.units_treated, "control": self.units_control},
            "units_left_out": self.units_left_out,
            "mixed": {"estimate": self.mixed_estimate, "se": self.mixed_se},
            "unit_means": [vars(m).copy() for m in self.unit_means],
        }


def programme_effect(
    score: Any,
    unit: Any,
    wave: Any,
    treated: Any,
    *,
    before: str,
    after: str,
    k: int = 5,
    confidence: float = 0.95,
) -> ProgrammeEffect:
    """Difference in differences of a scale score between programme and other units.

    Parameters
    ----------
    score : array_like of float, shape (n,)
        Scale score per response; NaN for a response without a valid score.
    unit, wave : array_like of str, shape (n,)
        Unit and wave of each response (no missing labels).
    treated : array_like of bool, shape (n,)
        Whether the response's unit took part in the programme; constant within a unit.
    before, after : str
        The two waves compared; responses of other waves are ignored.
    k : int
        Minimum group size: valid scores a unit needs in each of the two waves (>= 3).
    confidence : float
        Level of the interval, in (0, 1).

    Returns
    -------
    ProgrammeEffect

    Raises
    ------
    ValueError
        Lengths differ, `treated` varies within a unit, `before` equals `after`, `k` < 3,
        or fewer than 2 treated or 2 control units remain at k in both waves.

    Notes
    -----
    Units at k in both waves only. With :math:`D_{iw} = T_i \\cdot 1[w = \\text{after}]`,

    .. math:: y_{r} = \\alpha_{unit(r)} + \\gamma_{wave(r)} + \\delta D_{r} + e_r

    by OLS; :math:`\\hat\\delta` with CR2 cluster-robust SE by unit and Satterthwaite df,
    ``clubSandwich::coef_test(lm(score ~ did + factor(unit) + factor(wave)), vcov = "CR2",
    cluster = unit, test = "Satterthwaite")`` and ``conf_int(...)``. Second opinion:
    ``lme4::lmer(score ~ programme * post + (1 | unit))`` (REML), the ``programme:post``
    coefficient and its SE.

    References
    ----------
    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust
    variance estimation and hypothesis testing in fixed effects models. *Journal of
    Business & Economic Statistics, 36*(4), 672-683.
    """
    from scipy import stats

    values, names, codes, post, treated = _validate(
        score, unit, wave, treated, before, after, k, confidence
    )
    valid = np.isfinite(values)
    counts = np.bincount(codes[valid] * 2 + post[valid], minlength=2 * len(names))
    counts = counts.reshape(len(names), 2)
    kept = np.asarray((counts >= k).all(axis=1), dtype=bool)
    arm = np.zeros(len(names), dtype=bool)
    arm[codes[treated]] = True
    n_treated, n_control = int((arm & kept).sum()), int((~arm & kept).sum())
    if n_treated < MIN_UNITS or n_control < MIN_UNITS:
        raise ValueError(
            f"{n_treated} programme unit(s) and {n_control} other unit(s) have at least k = {k}"
            f" responses in both waves; at least {MIN_UNITS} of each are needed"
        )
    rows = valid & kept[codes]
    renumber = np.cumsum(kept) - 1
    group = renumber[codes[rows]]
    y = values[rows]
    after_ = post[rows].astype(float)
    prog = treated[rows].astype(float)
    did = cr2_within(np.column_stack([prog * after_, after_]), y, group, column=0)
    if not did.se > 1e-12 * max(1.0, float(np.abs(y).max())):  # rounding, not variation
        raise ValueError("the scores do not vary within units: the effect has no standard error")
    t_stat = did.estimate / did.se
    p = float(2 * stats.t.sf(abs(t_stat), did.df))
    half = float(stats.t.ppf(0.5 + confidence / 2, did.df)) * did.se
    mixed = random_intercept_reml(
        np.column_stack([np.ones_like(y), prog, after_, prog * after_]), y, group
    )
    cell = group * 2 + post[rows]
    sums = np.bincount(cell, weights=y, minlength=2 * int(kept.sum())).reshape(-1, 2)
    sizes = counts[kept]
    means = tuple(
        UnitMeans(
            str(name),
            bool(flag),
            float(total[0] / n[0]),
            float(total[1] / n[1]),
            int(n[0]),
            int(n[1]),
        )
        for name, flag, total, n in zip(names[kept], arm[kept], sums, sizes, strict=True)
    )
    return ProgrammeEffect(
        estimate=did.estimate,
        se=did.se,
        df=did.df,
        p=p,
        ci=(did.estimate - half, did.estimate + half),
        confidence=confidence,
        n=int(rows.sum()),
        units_treated=n_treated,
        units_control=n_control,
        units_left_out=int((~kept).sum()),
        mixed_estimate=float(mixed.coef[3]),
        mixed_se=float(mixed.se[3]),
        unit_means=means,
    )


def _validate(
    score: Any,
    unit: Any,
    wave: Any,
    treated: Any,
    before: str,
    after: str,
    k: int,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arrays of the responses in the two waves: scores, the sorted unit names, unit
    codes, post (0/1) and treated."""
    if before == after:
        raise ValueError(f"before and after are the same wave ({before!r})")
    if not isinstance(k, int | np.integer) or k < 3:
        raise ValueError(f"k must be an integer of at least 3 (responses), got {k!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    try:
        values = np.asarray(score, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"score must be numeric: {exc}") from exc
    columns = {"unit": np.asarray(unit), "wave": np.asarray(wave), "treated": np.asarray(treated)}
    for name, column in columns.items():
        if column.ndim != 1 or len(column) != len(values):
            raise ValueError(f"{name} must be 1-d with one entry per score ({len(values)})")
    if np.isinf(values).any():
        raise ValueError("score holds an infinite value")
    if pd.isna(columns["unit"]).any() or pd.isna(columns["wave"]).any():
        raise ValueError("unit and wave must not be missing")
    if columns["treated"].dtype != bool:
        raise ValueError("treated must be boolean (True for a programme unit)")
    waves = columns["wave"].astype(str)
    inside = (waves == str(before)) | (waves == str(after))
    for label in (before, after):
        if not (waves == str(label)).any():
            raise ValueError(f"wave {label!r} has no responses")
    names, codes = np.unique(columns["unit"][inside].astype(str), return_inverse=True)
    marked = columns["treated"][inside]
    share = np.bincount(codes, weights=marked) / np.bincount(codes)
    split = (share > 0) & (share < 1)
    if split.any():
        raise ValueError(
            f"unit {str(names[int(np.argmax(split))])!r} is marked both as a programme unit and as"
            " not; the programme is a property of the unit"
        )
    post = (waves[inside] == str(after)).astype(int)
    return values[inside], names, codes, post, marked


def compare_programme(
    items: pd.DataFrame,
    specs: Sequence[ScaleSpec],
    unit: Any,
    wave: Any,
    treated: Any,
    *,
    before: str,
    after: str,
    k: int = 5,
    min_share: float = 2 / 3,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """The programme effect of every scale: the report of ``samen compare programme``.

    Parameters
    ----------
    items : DataFrame
        Answers, one row per response, the scales' item columns (NaN = missing).
    specs : sequence of ScaleSpec
        The scales; reverse-keyed items are recoded ``low + high - x``.
    unit, wave, treated, before, after, k, confidence
        As :func:`programme_effect`, one entry per row of `items`.
    min_share : float
        Minimum share of a scale's items answered for a scale score (as ``analyze``).

    Returns
    -------
    dict
        ``{"design", "scales": {scale id: ProgrammeEffect.to_dict() or None},
        "notes": [...]}``; a scale whose effect cannot be estimated is ``None`` with the
        reason in ``notes``. No count of responses outside the model is given: beside a
        scale's ``n`` it would give a left-out unit's count (below k) by subtraction.

    Raises
    ------
    ValueError
        A problem of the design rather than of one scale (as :func:`programme_effect`:
        waves, a unit marked both ways, `k`, lengths).
    """
    from engine.psychometrics.scoring import score_scale

    # The design (waves, arms, k) is checked once: its errors are the caller's, not a scale's.
    _validate(np.zeros(len(items)), unit, wave, treated, before, after, k, confidence)
    scales: dict[str, Any] = {}
    notes: list[str] = []
    in_waves = np.isin(np.asarray(wave).astype(str), [str(before), str(after)])
    for spec in specs:
        score = score_scale(
            items[list(spec.items)], spec.reverse, spec.low, spec.high, min_share=min_share
        )
        try:
            effect = programme_effect(
                score.to_numpy(),
                unit,
                wave,
                treated,
                before=before,
                after=after,
                k=k,
                confidence=confidence,
            )
        except ValueError as exc:
            scales[spec.id] = None
            notes.append(f"{spec.id}: no programme effect: {exc}")
            continue
        scales[spec.id] = effect.to_dict()
        if (~np.isfinite(score.to_numpy()) & in_waves).any():
            # Said without a count: the count of unscored responses beside the scale's n
            # would give the responses of a single left-out unit by subtraction.
            notes.append(
                f"{spec.id}: responses with fewer than {min_share:.0%} of the items answered"
                " have no score and are left out"
            )
        if effect.units_left_out:
            notes.append(
                f"{spec.id}: {effect.units_left_out} unit(s) left out: fewer than k = {k}"
                " responses with a valid score in one of the two waves"
            )
    return {
        "design": {"before": str(before), "after": str(after), "k": k, "confidence": confidence},
        "scales": scales,
        "notes": notes,
    }
