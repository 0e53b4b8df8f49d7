"""The ``invariance`` part of the analyze report (``samen analyze --invariance COLUMN``).

The scales' own structure (each item on its scale, as the CFA stage) fitted as a configural,
metric and scalar multi-group CFA across the groups of one column
(:func:`engine.comparisons.invariance.invariance`), as JSON-ready numbers plus a table and a
verdict for the text and HTML renderers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from engine.report.tables import Table, fmt, fmt_ci, fmt_p

__all__ = ["invariance_stage", "invariance_summary", "invariance_table"]

_STEP_KEYS = (
    "chisq",
    "df",
    "p",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci",
    "srmr",
    "n_free_parameters",
    "converged",
    "optimizer",
)
_STEPS = ("configural", "metric", "scalar")


def invariance_stage(
    keyed: pd.DataFrame, specs: Sequence[Any], group: pd.Series, column: str
) -> dict[str, Any]:
    """``{"column", "groups": {label: n}, "n_missing_group", "min_group_n", "cutoffs",
    "configural", "metric", "scalar", "level", "verdict"}``; each step has the fit indices,
    ``n_free_parameters``, ``converged``, ``optimizer`` and ``negative_variances``
    (``"group: item"``, Heywood cases); metric and scalar add ``delta_cfi``,
    ``delta_rmsea`` and ``holds``.

    Raises
    ------
    ValueError
        Fewer than two groups, a group with fewer than
        :data:`~engine.comparisons.invariance.MIN_GROUP_RESPONDENTS` respondents complete on
        the items, or no scale of two or more items; the message names `column`.
    """
    from engine.comparisons.invariance import (
        DELTA_CFI,
        DELTA_RMSEA,
        MIN_GROUP_RESPONDENTS,
        invariance,
    )

    model = {s.id: list(s.items) for s in specs if len(s.items) >= 2}
    if not model or (len(model) == 1 and len(next(iter(model.values()))) < 3):
        raise ValueError(
            f"invariance {column!r}: needs a scale of at least three items, or two scales "
            "of two or more"
        )
    items = [item for its in model.values() for item in its]
    try:
        res = invariance(keyed[items], model, group.reset_index(drop=True))
    except ValueError as exc:
        raise ValueError(f"--invariance {column!r}: {exc}") from exc
    out: dict[str, Any] = {
        "column": column,
        "groups": dict(res.n),
        "n_missing_group": res.n_missing_group,
        "min_group_n": MIN_GROUP_RESPONDENTS,
        "cutoffs": {"delta_cfi": DELTA_CFI, "delta_rmsea": DELTA_RMSEA},
    }
    for name in _STEPS:
        step = getattr(res, name)
        row = {key: getattr(step, key) for key in _STEP_KEYS}
        row["rmsea_ci"] = list(step.rmsea_ci)
        row["negative_variances"] = list(step.negative_variances)
        if name != "configural":
            row.update(delta_cfi=step.delta_cfi, delta_rmsea=step.delta_rmsea, holds=step.holds)
        out[name] = row
    out["level"] = res.level
    out["verdict"] = res.verdict
    return out


def invariance_summary(inv: Mapping[str, Any]) -> str:
    """One headline sentence: the column, its groups with their n, the verdict."""
    groups = "; ".join(f"{label} n = {n}" for label, n in inv["groups"].items())
    return (
        f"Measurement invariance across {inv['column']} ({groups}; multi-group CFA, ML, "
        f"respondents who answered every item, at least {inv['min_group_n']} respondents "
        f"per group): {inv['verdict']}"
    )


def invariance_table(inv: Mapping[str, Any]) -> Table:
    """Fit per step and the change from the step before, with Chen's judgement."""
    rows = []
    for name in _STEPS:
        step = inv[name]
        delta = name != "configural"
        holds = step.get("holds")
        rows.append(
            (
                name,
                f"{fmt(step['chisq'])} ({fmt(step['df'])})",
                fmt_p(step["p"]),
                fmt(step["cfi"]),
                fmt(step["tli"]),
                f"{fmt(step['rmsea'])} {fmt_ci(step['rmsea_ci'])}",
                fmt(step["srmr"]),
                fmt(step["delta_cfi"]) if delta else "",
                fmt(step["delta_rmsea"]) if delta else "",
                ("" if not delta else "NA" if holds is None else "yes" if holds else "no"),
            )
        )
    cut = inv["cutoffs"]
    return Table(
        key="invariance",
        title=f"Measurement invariance across {inv['column']}",
        headers=(
            "Step",
            "chi2 (df)",
            "p",
            "CFI",
            "TLI",
            "RMSEA [90% CI]",
            "SRMR",
            "ΔCFI",
            "ΔRMSEA",
            "Holds",
        ),
        rows=tuple(rows),
        numeric=(False, True, True, True, True, True, True, True, True, False),
        caption=(
            "configural: same structure in every group; metric: equal loadings; scalar: "
            f"equal loadings and intercepts. A step holds when ΔCFI ≥ {cut['delta_cfi']:.3f} "
            f"and ΔRMSEA ≤ {cut['delta_rmsea']:.3f} against the step before (Chen, 2007)."
        ),
    )
