"""The stages of :func:`engine.report.analyze`: each fills one part of the report.

Each stage calls the engine's statistics and leaves, for any number it cannot give, a hint
in :class:`engine.report_json.Notes` saying why.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from engine.report_json import Notes

if TYPE_CHECKING:
    from engine.report import ScaleSpec

__all__ = [
    "aggregation_stage",
    "cfa_stage",
    "coded_groups",
    "correlations",
    "describe_scale",
    "efa_stage",
    "group_summary",
    "omega_stage",
    "ordinal_stage",
    "reliability_stage",
    "reverse_keyed",
    "scale_scores",
]

# Failures of a statistic on degenerate data (singular matrices, no convergence) become a
# null with a note instead of sinking the whole report; bad arguments are checked up front.
# ImportError: a statistic whose module is not installed is reported as null, with the reason.
_STAT_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError, ImportError)


def reverse_keyed(frame: pd.DataFrame, specs: Sequence[ScaleSpec]) -> pd.DataFrame:
    """All items with the reverse-keyed ones recoded, as one float block (fast to slice)."""
    from engine.scoring import reverse_code

    values = frame.to_numpy(dtype=float, copy=True)
    position = {column: i for i, column in enumerate(frame.columns)}
    for spec in specs:
        idx = [position[item] for item in spec.items if item in spec.reverse]
        if idx:
            values[:, idx] = reverse_code(values[:, idx], spec.low, spec.high)
    return pd.DataFrame(values, index=frame.index, columns=frame.columns, copy=False)


def scale_scores(
    keyed: pd.DataFrame, specs: Sequence[ScaleSpec], min_share: float
) -> pd.DataFrame:
    """Scale scores from the reverse-keyed items (so no second reversal is needed): what
    ``engine.scoring.score_scale`` gives, on the validated float block without copying it
    once per scale."""
    from engine.scoring import mean_of_answered

    values = keyed.to_numpy(dtype=float)
    position = {column: i for i, column in enumerate(keyed.columns)}
    scores = {}
    for spec in specs:
        idx = [position[item] for item in spec.items]
        consecutive = idx == list(range(idx[0], idx[0] + len(idx)))
        block = values[:, idx[0] : idx[0] + len(idx)] if consecutive else values[:, idx]
        scores[spec.id] = mean_of_answered(block, min_share)
    return pd.DataFrame(scores, index=keyed.index)


def describe_scale(spec: ScaleSpec, score: pd.Series, notes: Notes) -> dict[str, Any]:
    valid = score.dropna()
    out: dict[str, Any] = {
        "n": int(valid.size),
        "n_items": len(spec.items),
        "reverse": [item for item in spec.items if item in spec.reverse],
        "range": [float(spec.low), float(spec.high)],
        "mean": float(valid.mean()) if valid.size else None,
        "sd": float(valid.std(ddof=1)) if valid.size >= 2 else None,
    }
    if valid.size < 2:
        notes.add(f"scales.{spec.id}.sd", f"{valid.size} valid scale score(s)")
    if not valid.size:
        notes.add(f"scales.{spec.id}.mean", "no respondent answered enough items")
    return out


_RELIABILITY_KEYS = ("alpha", "alpha_ci", "std_alpha", "sem", "omega_total", "ordinal_alpha")


def correlations(keyed: pd.DataFrame, notes: Notes) -> pd.DataFrame | None:
    """Pairwise-complete correlations of the items that vary, computed once for every stage
    (the only factor-analytic step whose cost grows with the number of respondents)."""
    usable = _usable_columns(keyed)
    unanswered = set(_unanswered_columns(keyed))
    for column in keyed.columns:
        if column not in usable:
            what = "item without any answer" if column in unanswered else "constant item"
            notes.add(f"efa.kmo_items.{column}", f"{what}, left out of the factor analyses")
    if len(usable) < 2:
        return None
    correlation_matrix = _fn("engine.factors", "correlation_matrix")
    return _try(lambda: correlation_matrix(keyed[usable]), "efa", notes)


def _sub(corr: pd.DataFrame | None, items: Sequence[str]) -> pd.DataFrame | None:
    if corr is None or not all(item in corr.index for item in items):
        return None
    return corr.loc[list(items), list(items)]


_NOT_GIVEN: Any = object()


def ordinal_stage(
    keyed: pd.DataFrame, specs: Sequence[ScaleSpec], notes: Notes
) -> dict[str, float | None]:
    """Ordinal alpha of every scale that :func:`reliability_stage` gives one (two or more
    items, none constant), with the polychoric searches of all scales run together."""
    ordinal_alphas = _fn("engine.reliability", "ordinal_alphas")
    eligible = [
        spec
        for spec in specs
        if len(spec.items) >= 2
        and len(_usable_columns(keyed[list(spec.items)])) == len(spec.items)
    ]
    paths = [f"scales.{spec.id}.ordinal_alpha" for spec in eligible]
    frames = [keyed[list(spec.items)] for spec in eligible]
    values = _try(lambda: ordinal_alphas(frames), paths, notes)
    out: dict[str, float | None] = {}
    for spec, path, value in zip(eligible, paths, values or [None] * len(eligible), strict=True):
        if isinstance(value, _STAT_ERRORS):
            notes.add(path, f"not computed ({value})")
            value = None
        out[spec.id] = value
    return out


def reliability_stage(
    spec: ScaleSpec,
    items: pd.DataFrame,
    notes: Notes,
    corr: pd.DataFrame | None = None,
    ordinal: Any = _NOT_GIVEN,
) -> dict[str, Any]:
    """Alpha, its interval, item statistics, omega total and ordinal alpha of one scale;
    `ordinal` is the scale's value from :func:`ordinal_stage` when computed there."""
    base = f"scales.{spec.id}"
    out: dict[str, Any] = dict.fromkeys(_RELIABILITY_KEYS)
    out["items"] = {
        item: {"mean": None, "sd": None, "r_drop": None, "alpha_if_dropped": None}
        for item in spec.items
    }

    def plain_mean_sd() -> None:  # when alpha's item table does not give them
        means, sds = _column_mean_sd(items)
        for item, mean, sd in zip(spec.items, means, sds, strict=True):
            out["items"][item].update(mean=mean, sd=sd)

    if len(spec.items) < 2:
        plain_mean_sd()
        for key in _RELIABILITY_KEYS:
            notes.add(f"{base}.{key}", "single-item scale: reliability is undefined")
        only = spec.items[0]
        for key in ("r_drop", "alpha_if_dropped"):
            notes.add(f"{base}.items.{only}.{key}", "single-item scale")
        return out
    varies = set(_usable_columns(items))
    constant = [c for c in items.columns if c not in varies]
    if constant:
        plain_mean_sd()
        unanswered = set(_unanswered_columns(items[constant]))
        parts = []
        if unanswered:
            names = ", ".join(str(c) for c in constant if c in unanswered)
            parts.append(f"no answers to item(s) {names}")
        if len(unanswered) < len(constant):
            names = ", ".join(str(c) for c in constant if c not in unanswered)
            parts.append(f"constant item(s) {names}")
        reason = "; ".join(parts) + ": correlations undefined"
        for key in _RELIABILITY_KEYS:
            notes.add(f"{base}.{key}", reason)
        return out

    cronbach_alpha = _fn("engine.reliability", "cronbach_alpha")
    ordinal_alpha = _fn("engine.reliability", "ordinal_alpha")
    alpha_paths = [f"{base}.{key}" for key in ("alpha", "alpha_ci", "std_alpha", "sem")]
    alpha_paths += [f"{base}.items.{item}" for item in spec.items]
    res = _try(lambda: cronbach_alpha(items), alpha_paths, notes)
    table = getattr(res, "items", None)
    if not (
        isinstance(table, pd.DataFrame)
        and {"mean", "sd"} <= set(table.columns)
        and all(item in table.index for item in spec.items)
    ):
        plain_mean_sd()
    if res is not None:
        out.update(
            alpha=res.alpha,
            alpha_ci=list(res.ci),
            std_alpha=res.std_alpha,
            sem=getattr(res, "sem", None),
        )
        table = res.items
        for item in spec.items:
            row = out["items"][item]
            for key in ("mean", "sd", "r_drop", "alpha_if_dropped"):
                if key in table.columns and item in table.index:
                    row[key] = table.at[item, key]
            if len(spec.items) == 2:
                notes.add(f"{base}.items.{item}.alpha_if_dropped", "one item would remain")
    sub = _sub(corr, spec.items)
    out["omega_total"] = _try(lambda: _omega(items, 1, sub).total, f"{base}.omega_total", notes)
    if ordinal is _NOT_GIVEN:
        ordinal = _try(lambda: ordinal_alpha(items), f"{base}.ordinal_alpha", notes)
    out["ordinal_alpha"] = ordinal
    return out


def _omega(data: pd.DataFrame, n_factors: int, corr: pd.DataFrame | None = None) -> Any:
    return _fn("engine.omega", "omega")(data, n_factors, corr=corr)


def group_summary(groups: pd.Series) -> dict[str, Any]:
    return {"n_groups": int(groups.nunique(dropna=True)), "n_missing": int(groups.isna().sum())}


def coded_groups(groups: pd.Series) -> Any:
    """The groups coded once for every scale's ICC and rwg(j) (``engine.aggregation``)."""
    return _fn("engine.aggregation", "group_codes")(groups)


def aggregation_stage(
    spec: ScaleSpec, score: pd.Series, items: pd.DataFrame, groups: Any, notes: Notes
) -> dict[str, Any]:
    icc, rwg_j = _fn("engine.aggregation", "icc"), _fn("engine.aggregation", "rwg_j")
    base = f"scales.{spec.id}"
    out: dict[str, Any] = dict.fromkeys(
        ("icc1", "icc2", "rwg_j_mean", "rwg_j_median", "rwg_j_groups")
    )
    # Both functions drop rows without a score (items) or a group themselves.
    res = _try(lambda: icc(score, groups), [f"{base}.icc1", f"{base}.icc2"], notes)
    if res is not None:
        out.update(icc1=res.icc1, icc2=res.icc2)
        for key in ("icc1", "icc2"):
            notes.add(f"{base}.{key}", "undefined for these groups (e.g. no variance)")
    if spec.n_options < 2:
        notes.add(f"{base}.rwg_j_mean", "response range has a single option")
        return out
    rwg_paths = [f"{base}.{key}" for key in ("rwg_j_mean", "rwg_j_median", "rwg_j_groups")]
    rwg = _try(lambda: rwg_j(items, groups, spec.n_options), rwg_paths, notes)
    if rwg is not None:
        per_group = pd.Series(rwg.per_group).dropna()
        out.update(rwg_j_mean=rwg.mean, rwg_j_median=rwg.median, rwg_j_groups=int(per_group.size))
        for key in ("rwg_j_mean", "rwg_j_median"):
            notes.add(f"{base}.{key}", "no group has two respondents with every item answered")
    return out


def efa_stage(
    keyed: pd.DataFrame,
    specs: Sequence[ScaleSpec],
    notes: Notes,
    corr: pd.DataFrame | None = None,
) -> dict[str, Any]:
    kmo, bartlett = _fn("engine.factors", "kmo"), _fn("engine.factors", "bartlett")
    parallel_analysis = _fn("engine.factors", "parallel_analysis")
    efa = _fn("engine.factors", "efa")
    out: dict[str, Any] = {
        "n_factors": None,
        "kmo": None,
        "kmo_items": dict.fromkeys(keyed.columns),
        "bartlett": {"chisq": None, "df": None, "p": None},
        "parallel_n_factors": None,
        "loadings": None,
    }
    usable = _usable_columns(keyed)
    if len(usable) < 3:
        reason = "needs at least three items that vary"
        notes.add("efa", reason)
        return out
    data = keyed[usable]
    corr = _sub(corr, usable)
    k = _try(lambda: kmo(data, corr=corr), "efa.kmo", notes)
    if k is not None:
        out["kmo"] = k.overall
        out["kmo_items"].update(dict(pd.Series(k.per_item, index=usable)))
    b = _try(lambda: bartlett(data, corr=corr), "efa.bartlett", notes)
    if b is not None:
        out["bartlett"] = {"chisq": b.chisq, "df": b.df, "p": b.p}
    pa = _try(lambda: parallel_analysis(data, corr=corr), "efa.parallel_n_factors", notes)
    if pa is not None:
        out["parallel_n_factors"] = pa.n_factors
    # As many factors as scales (the structure the instrument claims); with one scale the
    # number parallel analysis suggests, since one factor of one scale says nothing.
    n_factors = len(specs) if len(specs) >= 2 else out["parallel_n_factors"] or 1
    n_factors = min(n_factors, len(usable) - 1)
    out["n_factors"] = n_factors
    fit = _try(lambda: efa(data, n_factors, corr=corr), "efa.loadings", notes)
    if fit is not None:
        out["loadings"] = _loadings(fit.loadings)
    return out


def cfa_stage(keyed: pd.DataFrame, specs: Sequence[ScaleSpec], notes: Notes) -> dict[str, Any]:
    cfa = _fn("engine.cfa", "cfa")
    keys = ("n", "chisq", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci", "srmr")
    out: dict[str, Any] = dict.fromkeys((*keys, "loadings", "converged"))
    model = {s.id: list(s.items) for s in specs if len(s.items) >= 2}
    out["left_out"] = [s.id for s in specs if len(s.items) < 2]  # single-item scales
    if not model or (len(model) == 1 and len(next(iter(model.values()))) < 3):
        notes.add("cfa", "needs a scale of at least three items, or two scales of two or more")
        return out
    items = [item for its in model.values() for item in its]
    res = _try(lambda: cfa(keyed[items], model), "cfa", notes)
    if res is None:
        return out
    out.update({key: getattr(res, key, None) for key in keys})
    out["rmsea_ci"] = list(res.rmsea_ci)
    out["converged"] = bool(getattr(res, "converged", True))
    if not out["converged"] and res.n <= len(items):
        # engine.cfa fits nothing then: say why rather than "did not converge"
        notes.add(
            "cfa",
            f"{res.n} respondent(s) answered every item of the model, {len(items) + 1} or more"
            " are needed (listwise deletion, as lavaan)",
        )
    elif not out["converged"]:
        varies = set(_usable_columns(keyed[items]))
        constant = [item for item in items if item not in varies]
        if constant:
            notes.add("cfa", f"constant item(s) {', '.join(constant)}: no ML fit")
        else:
            notes.add("cfa", "the ML estimation did not converge")
    # engine.cfa gives {factor: {item: loading}}; the report reads item -> factor like the EFA
    by_item: dict[str, dict[str, Any]] = {}
    for factor, row in _loadings(res.loadings).items():
        for item, value in row.items():
            by_item.setdefault(item, {})[factor] = value
    out["loadings"] = {item: by_item[item] for item in items if item in by_item}
    for factor in getattr(res, "negative_variances", ()):
        for item in model.get(factor, ()):
            reason = f"factor {factor} has a negative variance (Heywood case)"
            notes.add(f"cfa.loadings.{item}.{factor}", reason)
    return out


def omega_stage(
    keyed: pd.DataFrame,
    specs: Sequence[ScaleSpec],
    notes: Notes,
    corr: pd.DataFrame | None = None,
) -> dict[str, Any]:
    usable = _usable_columns(keyed)
    sub = _sub(corr, usable)
    res = _try(lambda: _omega(keyed[usable], len(specs), sub), "omega", notes)
    if res is None:
        return {"hierarchical": None, "total": None, "n_factors": len(specs)}
    return {"hierarchical": res.hierarchical, "total": res.total, "n_factors": res.n_factors}


# -- helpers -------------------------------------------------------------------------------


def _fn(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called (an ImportError then becomes a note)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


def _try(compute: Callable[[], Any], paths: str | Sequence[str], notes: Notes) -> Any:
    """``compute()``, or None with the reason as a hint for `paths` when it fails.

    A RuntimeWarning (e.g. the square root of a negative variance in a Heywood case) is not
    printed: it becomes the hint for `paths`, explaining the nulls it leads to. Other
    warnings pass through.
    """
    keys = [paths] if isinstance(paths, str) else list(paths)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            result = compute()
        except _STAT_ERRORS as exc:
            for key in keys:
                notes.add(key, f"not computed ({exc})")
            return None
    problems = sorted({str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)})
    for key in keys if problems else ():
        notes.add(key, "numerical problem (" + "; ".join(problems) + ")")
    for w in caught:
        if not issubclass(w.category, RuntimeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


def _usable_columns(frame: pd.DataFrame) -> list[str]:
    """Columns with at least two different answers (fmin/fmax skip NaN without warnings)."""
    values = frame.to_numpy(dtype=float)
    varies = np.fmax.reduce(values, axis=0) > np.fmin.reduce(values, axis=0)
    return [c for c, ok in zip(frame.columns, varies, strict=True) if ok]


def _unanswered_columns(frame: pd.DataFrame) -> list[str]:
    """Columns without a single answer (all NaN)."""
    empty = np.isnan(frame.to_numpy(dtype=float)).all(axis=0)
    return [c for c, none in zip(frame.columns, empty, strict=True) if none]


def _column_mean_sd(frame: pd.DataFrame) -> tuple[list[float | None], list[float | None]]:
    """Per column: mean of the answers (None without any), SD with n - 1 (None below two)."""
    values = frame.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    n = answered.sum(axis=0)
    filled = np.where(answered, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / n
        dev = np.where(answered, values - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / (n - 1))
    means = [float(m) if k >= 1 else None for m, k in zip(mean, n, strict=True)]
    sds = [float(v) if k >= 2 else None for v, k in zip(sd, n, strict=True)]
    return means, sds


def _loadings(table: Any) -> dict[str, dict[str, Any]]:
    """Loadings as {item: {factor: loading}}; accepts a DataFrame (items x factors)."""
    if isinstance(table, Mapping):
        return {str(k): {str(f): v for f, v in dict(row).items()} for k, row in table.items()}
    frame = pd.DataFrame(table)
    return {
        str(item): {str(factor): frame.at[item, factor] for factor in frame.columns}
        for item in frame.index
    }
