"""Measurement invariance across groups: configural, metric and scalar multi-group CFA with
lavaan's defaults, judged by Chen's (2007) cut-offs.

Same ML fit as the single-group CFA (:mod:`engine.psychometrics.cfa_fit`: Fisher scoring from
lavaan's starting values), with one covariance matrix and mean vector per group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.psychometrics.cfa import _complete_case_covariance, _validate, fit_indices
from engine.psychometrics.cfa_fit import MLFit, Moments, fit_ml
from engine.psychometrics.cfa_start import build_structure, lavaan_start
from engine.psychometrics.extraction import single_threaded_blas

__all__ = [
    "DELTA_CFI",
    "DELTA_RMSEA",
    "MIN_GROUP_RESPONDENTS",
    "InvarianceResult",
    "InvarianceStep",
    "invariance",
]

#: Chen (2007): a step holds when CFI falls by no more than .010 ...
DELTA_CFI = -0.010
#: ... and RMSEA rises by no more than .015.
DELTA_RMSEA = 0.015
#: Fewest respondents (complete on the model's items) a group needs: a multi-group CFA
#: estimates every loading, variance and intercept in each group, and below ~100
#: respondents those estimates and the fit indices are too unstable to compare.
MIN_GROUP_RESPONDENTS = 100

STEPS = ("configural", "metric", "scalar")
_EQUAL = {
    "configural": frozenset(),
    "metric": frozenset({"loadings"}),
    "scalar": frozenset({"loadings", "intercepts"}),
}


@dataclass(frozen=True)
class InvarianceStep:
    """Fit of one step (lavaan's ``fitMeasures`` names).

    ``delta_cfi`` and ``delta_rmsea`` are the changes from the step before (NaN for the
    configural step); ``holds`` whether they meet Chen's cut-offs (None for configural).
    ``fit`` keeps the estimates per group (raw metric) of the ML fit;
    ``negative_variances`` names each negative residual or factor variance (a Heywood
    case, an improper solution) as ``"group: item"`` or ``"group: factor"``.
    """

    name: str
    chisq: float
    df: int
    p: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci: tuple[float, float]
    srmr: float
    n_free_parameters: int
    converged: bool
    optimizer: str
    delta_cfi: float
    delta_rmsea: float
    holds: bool | None
    fit: MLFit
    negative_variances: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvarianceResult:
    """The three steps, the groups (in order of first appearance) and the verdict.

    ``level`` is the highest step that holds: ``"scalar"``, ``"metric"``, ``"configural"``,
    or ``"undetermined"`` when a step did not converge; ``verdict`` says it in words.
    """

    groups: tuple[str, ...]
    n: dict[str, int]
    n_missing_group: int
    configural: InvarianceStep
    metric: InvarianceStep
    scalar: InvarianceStep
    level: str
    verdict: str


def invariance(
    data: pd.DataFrame,
    model: Mapping[str, Sequence[str]],
    group: Sequence[object] | pd.Series,
    min_n: int = MIN_GROUP_RESPONDENTS,
) -> InvarianceResult:
    """Configural, metric and scalar invariance of `model` across the groups in `group`.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items, NaN for missing answers.
    model : mapping of str to sequence of str
        ``{factor: [items]}``; the first item of each factor is its marker.
    group : sequence
        Group of each respondent, aligned with `data` by position; missing (None, NaN,
        empty text) leaves the respondent out.
    min_n : int
        Fewest respondents complete on the model's items each group needs.

    Returns
    -------
    InvarianceResult

    Raises
    ------
    ValueError
        Bad `data` or `model`, fewer than two groups, or a group with fewer than `min_n`
        complete respondents (named, without its count).

    Notes
    -----
    As ``lavaan::cfa(model, data, group = g)`` (configural),
    ``group.equal = "loadings"`` (metric) and ``group.equal = c("loadings",
    "intercepts")`` (scalar): ML with a mean structure, listwise deletion, marker loadings
    fixed at 1, factor means 0 (free in groups 2..G in the scalar step). With
    ``F_g = log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p + (m_g - mu_g)' Sigma_g^-1
    (m_g - mu_g)``: ``chisq = sum_g n_g F_g``, ``df = G (p(p+1)/2 + p) - free parameters``;
    the baseline is the independence model per group; RMSEA (and its interval) is
    multiplied by ``sqrt(G)``; SRMR is the n-weighted mean over groups of Bentler's SRMR
    with the mean residuals (lavaan's ``srmr``). A step holds when, against the step
    before, ``delta CFI >= -0.010`` and ``delta RMSEA <= 0.015`` (Chen, 2007).

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14(3), 464-504.
    R: ``lavaan::cfa(model, data, group = , group.equal = )``, ``lavaan::fitMeasures``.
    """
    items = _validate(data, model)
    labels = _labels(group, len(data))
    if not isinstance(min_n, int) or min_n < 2:
        raise ValueError(f"min_n must be an integer of at least 2, got {min_n!r}")
    try:
        x = data[items].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError("data must hold numbers (NaN for missing answers)") from exc
    known = np.array([label is not None for label in labels])
    order = list(dict.fromkeys(label for label in labels if label is not None))
    if len(order) < 2:
        raise ValueError("group must hold at least two groups")
    p = len(items)
    moments: list[Moments] = []
    small: list[str] = []
    complete = ~np.isnan(x).any(axis=1)
    label_array = np.array(labels, dtype=object)
    for name in order:
        rows = x[(label_array == name) & complete]
        n_g, cov = _complete_case_covariance(rows)
        if n_g < max(min_n, p + 1) or np.any(np.diag(cov) <= 0):
            small.append(name)
            continue
        moments.append(Moments(n_g, cov, rows.mean(axis=0)))
    if small:
        raise ValueError(
            f"group(s) {', '.join(map(repr, small))}: fewer than {max(min_n, p + 1)} "
            "respondents answered every item (or an item does not vary there); a "
            "multi-group CFA needs that many per group"
        )
    pattern = np.zeros((p, len(model)), dtype=bool)
    markers = []
    for f, its in enumerate(model.values()):
        for item in its:
            pattern[items.index(item), f] = True
        markers.append(items.index(its[0]))
    steps: dict[str, InvarianceStep] = {}
    previous: InvarianceStep | None = None
    for name in STEPS:
        step = _step(name, moments, pattern, markers, previous, order, items, list(model))
        steps[name] = step
        previous = step
    level, verdict = _verdict(steps)
    return InvarianceResult(
        groups=tuple(order),
        n={name: m.n for name, m in zip(order, moments, strict=True)},
        n_missing_group=int((~known).sum()),
        configural=steps["configural"],
        metric=steps["metric"],
        scalar=steps["scalar"],
        level=level,
        verdict=verdict,
    )


def _labels(group: Sequence[object] | pd.Series, n: int) -> list[str | None]:
    values = group.tolist() if isinstance(group, pd.Series) else list(group)
    if len(values) != n:
        raise ValueError(f"group must hold one value per respondent ({n})")
    out: list[str | None] = []
    for value in values:
        missing = value is None or (isinstance(value, float) and np.isnan(value))
        text = None if missing else str(value).strip()
        out.append(text or None)
    return out


def _step(
    name: str,
    moments: list[Moments],
    pattern: np.ndarray,
    markers: list[int],
    previous: InvarianceStep | None,
    groups: Sequence[str],
    items: Sequence[str],
    factors: Sequence[str],
) -> InvarianceStep:
    p = pattern.shape[0]
    structure = build_structure(
        pattern, markers, len(moments), meanstructure=True, equal=_EQUAL[name]
    )
    with single_threaded_blas():
        fit = fit_ml(moments, structure, lavaan_start(moments, structure, pattern))
    n_total = sum(m.n for m in moments)
    df = len(moments) * (p * (p + 1) // 2 + p) - structure.n_free
    nan = float("nan")
    if not fit.converged:
        return InvarianceStep(
            name, nan, df, nan, nan, nan, nan, (nan, nan), nan, structure.n_free, False,
            fit.optimizer, nan, nan, None, fit,
        )  # fmt: skip
    x2 = max(n_total * fit.fmin, 0.0)
    x2_0 = 0.0
    srmr = 0.0
    for g, mom in enumerate(moments):
        x2_0 += mom.n * (np.log(np.diag(mom.cov)).sum() - np.linalg.slogdet(mom.cov)[1])
        sd = np.sqrt(np.diag(mom.cov))
        resid = (mom.cov - fit.sigma[g]) / np.outer(sd, sd)
        resid_mean = (mom.mean - fit.mu[g]) / sd
        squares = np.sum(resid[np.tril_indices(p)] ** 2) + np.sum(resid_mean**2)
        srmr += mom.n / n_total * np.sqrt(squares / (p * (p + 1) / 2 + p))
    df_0 = len(moments) * p * (p - 1) // 2
    ind = fit_indices(x2, df, float(x2_0), df_0, n_total, len(moments))
    delta_cfi = delta_rmsea = nan
    holds = None
    if previous is not None:
        delta_cfi = ind.cfi - previous.cfi
        delta_rmsea = ind.rmsea - previous.rmsea
        if previous.converged:
            holds = bool(delta_cfi >= DELTA_CFI and delta_rmsea <= DELTA_RMSEA)
    negative = tuple(
        f"{label}: {name_}"
        for g, label in enumerate(groups)
        for name_, variance in [
            *zip(items, fit.theta[g], strict=True),
            *zip(factors, np.diag(fit.phi[g]), strict=True),
        ]
        if variance < 0
    )
    return InvarianceStep(
        name, float(x2), df, ind.p, ind.cfi, ind.tli, ind.rmsea, ind.rmsea_ci, float(srmr),
        structure.n_free, True, fit.optimizer, float(delta_cfi), float(delta_rmsea), holds,
        fit, negative,
    )  # fmt: skip


def _verdict(steps: Mapping[str, InvarianceStep]) -> tuple[str, str]:
    """The highest step that holds, and that in words (Chen's cut-offs)."""
    cut = f"ΔCFI ≥ {DELTA_CFI:.3f} and ΔRMSEA ≤ {DELTA_RMSEA:.3f}, Chen 2007"
    failed = [s.name for s in steps.values() if not s.converged]
    if failed:
        return "undetermined", (
            f"Invariance cannot be judged: the {' and '.join(failed)} model(s) did not converge."
        )
    level, words = _level(steps, cut)
    improper = [s.name for s in steps.values() if s.negative_variances]
    if improper:
        words += (
            f" The {' and '.join(improper)} solution(s) have negative variances (Heywood "
            "cases): improper, read the fit with care."
        )
    return level, words


def _level(steps: Mapping[str, InvarianceStep], cut: str) -> tuple[str, str]:
    if not steps["metric"].holds:
        return "configural", (
            "Configural invariance only: the scales have the same structure in every group, "
            f"but the loadings differ ({cut}): scale scores, their correlations and means "
            "are not comparable across the groups."
        )
    if not steps["scalar"].holds:
        return "metric", (
            f"Metric invariance holds, scalar invariance does not ({cut}): correlations "
            "and regressions of the scales can be compared across the groups, their means "
            "cannot (some item intercepts differ)."
        )
    return "scalar", (
        f"Scalar invariance holds ({cut}): loadings and intercepts are equal across the "
        "groups, so scale means can be compared."
    )
