"""The stages of :func:`engine.report.pipeline.analyze`: each fills one part of the report.

Each stage calls the engine's statistics and leaves, for any number it cannot give, a hint
in :class:`engine.report.jsonable.Notes` saying why. Here: scoring, reliability and aggregation;
the factor-analytic stages (correlations, EFA, CFA, omega) are in
:mod:`engine.report.factors` and re-exported; shared helpers in :mod:`engine.report.support`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from engine.report.factors import cfa_stage, correlations, efa_stage, omega_stage
from engine.report.jsonable import Notes
from engine.report.support import (
    STAT_ERRORS,
    attempt,
    column_mean_sd,
    lazy,
    omega_of,
    sub_matrix,
    unanswered_columns,
    usable_columns,
)

if TYPE_CHECKING:
    from engine.report.pipeline import ScaleSpec

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


def reverse_keyed(frame: pd.DataFrame, specs: Sequence[ScaleSpec]) -> pd.DataFrame:
    """All items with the reverse-keyed ones recoded, as one float block (fast to slice);
    `frame` itself when it is one float block and no item is reverse-keyed (no copy of a
    million rows; nothing downstream writes into it)."""
    from engine.psychometrics.scoring import reverse_code

    if not any(spec.reverse for spec in specs) and set(frame.dtypes) == {np.dtype("float64")}:
        return frame
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
    ``engine.psychometrics.scoring.score_scale`` gives, on the validated float block without
    copying it once per scale."""
    from engine.psychometrics.scoring import mean_of_answered

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
    values = score.to_numpy(dtype=float)
    valid = values[~np.isnan(values)]  # numpy, not pandas: a million scores, no index
    out: dict[str, Any] = {
        "n": int(valid.size),
        "n_items": len(spec.items),
        "reverse": [item for item in spec.items if item in spec.reverse],
        "range": [float(spec.low), float(spec.high)],
        "range_inferred": bool(spec.range_inferred),
        "mean": float(valid.mean()) if valid.size else None,
        "sd": float(valid.std(ddof=1)) if valid.size >= 2 else None,
    }
    if valid.size < 2:
        notes.add(f"scales.{spec.id}.sd", f"{valid.size} valid scale score(s)")
    if not valid.size:
        notes.add(f"scales.{spec.id}.mean", "no respondent answered enough items")
    return out


_RELIABILITY_KEYS = ("alpha", "alpha_ci", "std_alpha", "sem", "omega_total", "ordinal_alpha")


_NOT_GIVEN: Any = object()


def ordinal_stage(
    keyed: pd.DataFrame, specs: Sequence[ScaleSpec], notes: Notes
) -> dict[str, float | None]:
    """Ordinal alpha of every scale that :func:`reliability_stage` gives one (two or more
    items, none constant), with the polychoric searches of all scales run together."""
    ordinal_alphas = lazy("engine.psychometrics.reliability", "ordinal_alphas")
    eligible = [
        spec
        for spec in specs
        if len(spec.items) >= 2 and len(usable_columns(keyed[list(spec.items)])) == len(spec.items)
    ]
    paths = [f"scales.{spec.id}.ordinal_alpha" for spec in eligible]
    frames = [keyed[list(spec.items)] for spec in eligible]
    values = attempt(lambda: ordinal_alphas(frames), paths, notes)
    out: dict[str, float | None] = {}
    for spec, path, value in zip(eligible, paths, values or [None] * len(eligible), strict=True):
        if isinstance(value, STAT_ERRORS):
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
    scale_sd: Any = _NOT_GIVEN,
) -> dict[str, Any]:
    """Alpha, its interval, item statistics, omega total and ordinal alpha of one scale;
    `ordinal` is the scale's value from :func:`ordinal_stage` when computed there.

    The standard error of measurement is ``scale_sd * sqrt(1 - alpha)`` with `scale_sd` the
    SD the report gives for the scale (of the valid scale scores), so the two agree; without
    it, the SD of the mean item score of everyone who answered an item. A `scale_sd` of
    None (fewer than two valid scale scores) gives no SEM."""
    base = f"scales.{spec.id}"
    out: dict[str, Any] = dict.fromkeys(_RELIABILITY_KEYS)
    out["items"] = {
        item: {"mean": None, "sd": None, "r_drop": None, "alpha_if_dropped": None}
        for item in spec.items
    }

    def plain_mean_sd() -> None:  # when alpha's item table does not give them
        means, sds = column_mean_sd(items)
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
    varies = set(usable_columns(items))
    constant = [c for c in items.columns if c not in varies]
    if constant:
        plain_mean_sd()
        unanswered = set(unanswered_columns(items[constant]))
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

    cronbach_alpha = lazy("engine.psychometrics.reliability", "cronbach_alpha")
    ordinal_alpha = lazy("engine.psychometrics.reliability", "ordinal_alpha")
    alpha_paths = [f"{base}.{key}" for key in ("alpha", "alpha_ci", "std_alpha", "sem")]
    alpha_paths += [f"{base}.items.{item}" for item in spec.items]
    res = attempt(lambda: cronbach_alpha(items), alpha_paths, notes)
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
        if scale_sd is None:
            out["sem"] = None
            notes.add(f"{base}.sem", "fewer than two valid scale scores: no scale SD")
        elif scale_sd is not _NOT_GIVEN:
            standard_error = lazy(
                "engine.psychometrics.reliability", "standard_error_of_measurement"
            )
            out["sem"] = attempt(lambda: standard_error(scale_sd, res.alpha), f"{base}.sem", notes)
        table = res.items
        for item in spec.items:
            row = out["items"][item]
            for key in ("mean", "sd", "r_drop", "alpha_if_dropped"):
                if key in table.columns and item in table.index:
                    row[key] = table.at[item, key]
            if len(spec.items) == 2:
                notes.add(f"{base}.items.{item}.alpha_if_dropped", "one item would remain")
    sub = sub_matrix(corr, spec.items)
    out["omega_total"] = attempt(
        lambda: omega_of(items, 1, sub).total, f"{base}.omega_total", notes
    )
    if ordinal is _NOT_GIVEN:
        ordinal = attempt(lambda: ordinal_alpha(items), f"{base}.ordinal_alpha", notes)
    out["ordinal_alpha"] = ordinal
    return out


def group_summary(groups: pd.Series) -> dict[str, Any]:
    return {"n_groups": int(groups.nunique(dropna=True)), "n_missing": int(groups.isna().sum())}


def coded_groups(groups: pd.Series) -> Any:
    """The groups coded once for every scale's ICC and rwg(j)
    (``engine.psychometrics.aggregation``)."""
    return lazy("engine.psychometrics.aggregation", "group_codes")(groups)


def aggregation_stage(
    spec: ScaleSpec, score: pd.Series, items: pd.DataFrame, groups: Any, notes: Notes
) -> dict[str, Any]:
    icc, rwg_j = (
        lazy("engine.psychometrics.aggregation", "icc"),
        lazy("engine.psychometrics.aggregation", "rwg_j"),
    )
    base = f"scales.{spec.id}"
    out: dict[str, Any] = dict.fromkeys(
        ("icc1", "icc2", "rwg_j_mean", "rwg_j_median", "rwg_j_groups")
    )
    # Both functions drop rows without a score (items) or a group themselves.
    res = attempt(lambda: icc(score, groups), [f"{base}.icc1", f"{base}.icc2"], notes)
    if res is not None:
        out.update(icc1=res.icc1, icc2=res.icc2)
        for key in ("icc1", "icc2"):
            notes.add(f"{base}.{key}", "undefined for these groups (e.g. no variance)")
    if spec.n_options < 2:
        notes.add(f"{base}.rwg_j_mean", "response range has a single option")
        return out
    rwg_paths = [f"{base}.{key}" for key in ("rwg_j_mean", "rwg_j_median", "rwg_j_groups")]
    rwg = attempt(lambda: rwg_j(items, groups, spec.n_options), rwg_paths, notes)
    if rwg is not None:
        per_group = pd.Series(rwg.per_group).dropna()
        out.update(rwg_j_mean=rwg.mean, rwg_j_median=rwg.median, rwg_j_groups=int(per_group.size))
        for key in ("rwg_j_mean", "rwg_j_median"):
            notes.add(f"{base}.{key}", "no group has two respondents with every item answered")
    return out
