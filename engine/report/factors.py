"""The factor-analytic stages of :func:`engine.report.pipeline.analyze`: correlations, EFA, CFA,
omega.

Each stage calls the engine's statistics (``engine.psychometrics.factors``,
``engine.psychometrics.cfa``, ``engine.psychometrics.omega``, imported when first called) and
leaves, for any number it cannot give, a hint in :class:`engine.report.jsonable.Notes` saying why.
Re-exported by
:mod:`engine.report.stages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from engine.report.jsonable import Notes
from engine.report.support import (
    attempt,
    lazy,
    loadings_by_row,
    omega_of,
    sub_matrix,
    unanswered_columns,
    usable_columns,
)

if TYPE_CHECKING:
    from engine.report.pipeline import ScaleSpec

__all__ = [
    "MIN_CFA_RESPONDENTS",
    "MIN_RESPONDENTS_PER_PARAMETER",
    "cfa_stage",
    "correlations",
    "efa_stage",
    "omega_stage",
]

# Below these the CFA is reported with a warning: with fewer than 100 respondents (complete
# on every item) ML estimates and fit indices are unstable and improper solutions common
# (Boomsma, 1985; Kline, 2016), and fewer than 5 respondents per free parameter is below
# Bentler & Chou's (1987) rule of thumb.
MIN_CFA_RESPONDENTS = 100
MIN_RESPONDENTS_PER_PARAMETER = 5


def correlations(keyed: pd.DataFrame, notes: Notes) -> pd.DataFrame | None:
    """Pairwise-complete correlations of the items that vary, computed once for every stage
    (the only factor-analytic step whose cost grows with the number of respondents)."""
    usable = usable_columns(keyed)
    unanswered = set(unanswered_columns(keyed))
    for column in keyed.columns:
        if column not in usable:
            what = "item without any answer" if column in unanswered else "constant item"
            notes.add(f"efa.kmo_items.{column}", f"{what}, left out of the factor analyses")
    if len(usable) < 2:
        return None
    correlation_matrix = lazy("engine.psychometrics.factors", "correlation_matrix")
    return attempt(lambda: correlation_matrix(keyed[usable]), "efa", notes)


def efa_stage(
    keyed: pd.DataFrame,
    specs: Sequence[ScaleSpec],
    notes: Notes,
    corr: pd.DataFrame | None = None,
) -> dict[str, Any]:
    kmo, bartlett = (
        lazy("engine.psychometrics.factors", "kmo"),
        lazy("engine.psychometrics.factors", "bartlett"),
    )
    parallel_analysis = lazy("engine.psychometrics.factors", "parallel_analysis")
    efa = lazy("engine.psychometrics.factors", "efa")
    out: dict[str, Any] = {
        "n_factors": None,
        "kmo": None,
        "kmo_items": dict.fromkeys(keyed.columns),
        "bartlett": {"chisq": None, "df": None, "p": None},
        "parallel_n_factors": None,
        "loadings": None,
    }
    usable = usable_columns(keyed)
    if len(usable) < 3:
        reason = "needs at least three items that vary"
        notes.add("efa", reason)
        return out
    data = keyed[usable]
    corr = sub_matrix(corr, usable)
    k = attempt(lambda: kmo(data, corr=corr), "efa.kmo", notes)
    if k is not None:
        out["kmo"] = k.overall
        out["kmo_items"].update(dict(pd.Series(k.per_item, index=usable)))
    b = attempt(lambda: bartlett(data, corr=corr), "efa.bartlett", notes)
    if b is not None:
        out["bartlett"] = {"chisq": b.chisq, "df": b.df, "p": b.p}
    pa = attempt(lambda: parallel_analysis(data, corr=corr), "efa.parallel_n_factors", notes)
    if pa is not None:
        out["parallel_n_factors"] = pa.n_factors
    # As many factors as scales (the structure the instrument claims); with one scale the
    # number parallel analysis suggests, since one factor of one scale says nothing.
    n_factors = len(specs) if len(specs) >= 2 else out["parallel_n_factors"] or 1
    n_factors = min(n_factors, len(usable) - 1)
    out["n_factors"] = n_factors
    fit = attempt(lambda: efa(data, n_factors, corr=corr), "efa.loadings", notes)
    out["heywood"] = []
    if fit is not None:
        out["loadings"] = loadings_by_row(fit.loadings)
        out["heywood"] = _efa_heywood(fit, notes)
    return out


def _efa_heywood(fit: Any, notes: Notes) -> list[str]:
    """Items with a loading or a communality above 1, each with a warning in `notes`."""
    flagged = []
    for item, row in fit.loadings.iterrows():
        biggest = float(row.abs().max())
        communality = float(fit.communalities[item])
        if not (biggest > 1 or communality > 1):
            continue
        flagged.append(str(item))
        if communality > 1:
            text = (
                f"loading {biggest:.3f} and communality {communality:.3f} above 1: a Heywood "
                "case (negative uniqueness), the solution is improper (psych::fa warns of an "
                "ultra-Heywood case); fewer factors or more respondents may help"
            )
        else:
            text = (
                f"loading {biggest:.3f} above 1 (communality {communality:.3f}): possible for "
                "a pattern loading under strongly correlated factors, but check for a Heywood "
                "case"
            )
        notes.warn(f"efa.loadings.{item}", text)
    return flagged


def cfa_stage(keyed: pd.DataFrame, specs: Sequence[ScaleSpec], notes: Notes) -> dict[str, Any]:
    cfa = lazy("engine.psychometrics.cfa", "cfa")
    keys = ("n", "chisq", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci", "srmr")
    out: dict[str, Any] = dict.fromkeys((*keys, "loadings", "converged"))
    model = {s.id: list(s.items) for s in specs if len(s.items) >= 2}
    out["left_out"] = [s.id for s in specs if len(s.items) < 2]  # single-item scales
    out.update(
        n_free_parameters=None,
        small_sample=None,
        heywood=[],
        negative_variances=[],
        composite_reliability={},
        parameters=[],
    )
    if not model or (len(model) == 1 and len(next(iter(model.values()))) < 3):
        notes.add("cfa", "needs a scale of at least three items, or two scales of two or more")
        return out
    items = [item for its in model.values() for item in its]
    res = attempt(lambda: cfa(keyed[items], model), "cfa", notes)
    if res is None:
        return out
    out.update({key: getattr(res, key, None) for key in keys})
    out["rmsea_ci"] = list(res.rmsea_ci)
    out["converged"] = bool(getattr(res, "converged", True))
    # which optimiser answered (engine.psychometrics.cfa_fit): Fisher scoring, or BFGS
    # when scoring failed; the fallback is worth a line in the notes
    out["optimizer"] = getattr(res, "optimizer", None) or None
    if out["optimizer"] not in (None, "Fisher scoring"):
        notes.warn("cfa.optimizer", "; ".join(getattr(res, "notes", ())))
    p = len(items)
    out["n_free_parameters"] = n_free = p * (p + 1) // 2 - int(res.df)
    out["composite_reliability"] = dict(getattr(res, "composite_reliability", {}))
    # the free unstandardised estimates with lavaan's standard errors (expected information)
    # and 95% Wald intervals, as lavaan::parameterEstimates(fit); the marker loadings (fixed
    # at 1, se 0, no test) are left out
    out["parameters"] = [
        {
            "lhs": row.lhs,
            "op": row.op,
            "rhs": row.rhs,
            "est": row.est,
            "se": row.se,
            "z": row.z,
            "p": row.p,
            "ci": list(row.ci),
        }
        for row in getattr(res, "parameters", ())
        if not (row.se == 0 and row.ci[0] == row.ci[1])
    ]
    notes.add("cfa.parameters", "standard error not computed (singular information matrix)")
    if res.n > p:
        out["small_sample"] = _warn_small_sample(res.n, len(keyed), n_free, notes)
    if not out["converged"] and res.n <= len(items):
        # engine.psychometrics.cfa fits nothing then: say why rather than "did not converge"
        notes.add(
            "cfa",
            f"{res.n} respondent(s) answered every item of the model, {len(items) + 1} or more"
            " are needed (listwise deletion, as lavaan)",
        )
    elif not out["converged"]:
        varies = set(usable_columns(keyed[items]))
        constant = [item for item in items if item not in varies]
        if constant:
            notes.add("cfa", f"constant item(s) {', '.join(constant)}: no ML fit")
        else:
            notes.add("cfa", "the ML estimation did not converge")
    # engine.psychometrics.cfa gives {factor: {item: loading}}; the report reads item -> factor
    # like the EFA
    by_item: dict[str, dict[str, Any]] = {}
    for factor, row in loadings_by_row(res.loadings).items():
        for item, value in row.items():
            by_item.setdefault(item, {})[factor] = value
    out["loadings"] = {item: by_item[item] for item in items if item in by_item}
    for item, row in out["loadings"].items():
        for factor, value in row.items():
            if value is not None and abs(value) > 1:  # NaN compares False
                out["heywood"].append(item)
                notes.warn(
                    f"cfa.loadings.{item}.{factor}",
                    f"standardised loading {value:.3f} above 1: a Heywood case (negative "
                    "residual variance), the solution is improper and its fit should not be "
                    "trusted (lavaan warns likewise)",
                )
    out["negative_variances"] = list(getattr(res, "negative_variances", ()))
    for factor in out["negative_variances"]:
        for item in model.get(factor, ()):
            reason = f"factor {factor} has a negative variance (Heywood case)"
            notes.add(f"cfa.loadings.{item}.{factor}", reason)
    return out


def _warn_small_sample(n: int, n_all: int, n_free: int, notes: Notes) -> bool:
    """Warn (and return True) when the CFA's listwise sample is below
    :data:`MIN_CFA_RESPONDENTS` or :data:`MIN_RESPONDENTS_PER_PARAMETER` per free parameter."""
    needed = max(MIN_CFA_RESPONDENTS, MIN_RESPONDENTS_PER_PARAMETER * n_free)
    if n >= needed:
        return False
    notes.warn(
        "cfa.n",
        f"fitted on {n} of {n_all} respondents (those who answered every item of the model: "
        f"listwise deletion, as lavaan), fewer than {needed} (at least "
        f"{MIN_CFA_RESPONDENTS} respondents and {MIN_RESPONDENTS_PER_PARAMETER} per free "
        f"parameter, {n_free} here): estimates and fit indices are unstable at this size",
    )
    return True


def omega_stage(
    keyed: pd.DataFrame,
    specs: Sequence[ScaleSpec],
    notes: Notes,
    corr: pd.DataFrame | None = None,
) -> dict[str, Any]:
    usable = usable_columns(keyed)
    sub = sub_matrix(corr, usable)
    res = attempt(lambda: omega_of(keyed[usable], len(specs), sub), "omega", notes)
    if res is None:
        return {"hierarchical": None, "total": None, "n_factors": len(specs)}
    return {"hierarchical": res.hierarchical, "total": res.total, "n_factors": res.n_factors}
