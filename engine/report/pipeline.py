"""The psychometric report: every statistic of a survey's scales in one JSON-ready dict.

:func:`analyze` is what ``samen analyze`` prints with ``--format json``; its shape is the
contract in DESIGN.md ("Engine contracts"). It only orchestrates: the statistics live in
``engine.psychometrics.scoring``, ``engine.psychometrics.reliability``,
``engine.psychometrics.aggregation``, ``engine.psychometrics.factors``,
``engine.psychometrics.omega`` and ``engine.psychometrics.cfa``. A number that cannot be computed
is ``None`` and the top-level ``notes`` list says which number and why; the result never holds NaN
or infinity.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.report.jsonable import Notes, sanitize

__all__ = ["ScaleSpec", "analyze", "sanitize"]


@dataclass(frozen=True)
class ScaleSpec:
    """A scored scale: its items, which of them are reverse-keyed, and the response range.

    Parameters
    ----------
    id : str
        Scale id as written in the report (``<instrument>.<scale>`` when a survey combines
        instruments).
    items : tuple of str
        Column names of the items, in order.
    reverse : frozenset of str
        Items to reverse-key as ``low + high - x`` before any statistic.
    low, high : float
        Lowest and highest point of the response scale; ``high - low + 1`` is the number of
        options A in rwg(j)'s uniform null variance.
    range_inferred : bool
        True when `low` and `high` were inferred from the answers (the lowest and highest
        one) rather than given by an instrument or ``--range``; the report says so.
    """

    id: str
    items: tuple[str, ...]
    reverse: frozenset[str]
    low: float
    high: float
    range_inferred: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"id must be a non-empty string, got {self.id!r}")
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "reverse", frozenset(self.reverse))
        if not self.items:
            raise ValueError(f"items of scale {self.id!r} must not be empty")
        if len(set(self.items)) != len(self.items):
            raise ValueError(f"items of scale {self.id!r} repeat an item")
        extra = sorted(self.reverse - set(self.items))
        if extra:
            raise ValueError(f"reverse of scale {self.id!r} names non-items: {', '.join(extra)}")
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(
                f"low and high of scale {self.id!r} must be finite with low < high, "
                f"got {self.low}, {self.high}"
            )

    @property
    def n_options(self) -> int:
        """A = high - low + 1, the number of response options."""
        return round(self.high - self.low) + 1


def analyze(
    data: pd.DataFrame,
    scales: Sequence[ScaleSpec],
    group: pd.Series | None = None,
    min_share: float = 2 / 3,
    *,
    timings: MutableMapping[str, float] | None = None,
    invariance: pd.Series | None = None,
) -> dict[str, Any]:
    """Psychometric report of `scales` in `data`: the ``samen analyze --format json`` object.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows; columns include every item of `scales` (other columns are
        ignored). Missing answers are NaN.
    scales : sequence of ScaleSpec
        The scored scales; ids unique, no item in two scales.
    group : Series, optional
        Group (team) of each respondent, aligned with `data` by position; adds ICC(1),
        ICC(2) and rwg(j) per scale. Respondents with a missing group are left out of those.
    min_share : float
        Minimum share of a scale's items answered for a scale score, in (0, 1]. Default 2/3.
    timings : dict, optional
        When given, receives the seconds spent per stage (``scoring``, ``correlation``,
        ``reliability``, ``efa``, ``cfa``, ``omega``, ``aggregation``) and the CPU seconds
        (the same names + ``".cpu"``), for benchmarks.
    invariance : Series, optional
        Group of each respondent (aligned by position; its ``name`` is the column) for a
        configural, metric and scalar multi-group CFA of the scales' structure: adds
        ``"invariance"`` (:func:`engine.report.invariance.invariance_stage`). Raises
        ValueError when a group is too small or there are fewer than two groups.

    Returns
    -------
    dict
        ``{"n", "min_share", "scales": {id: {"n", "n_items", "reverse", "range",
        "range_inferred", "mean", "sd", "alpha", "alpha_ci", "std_alpha", "sem",
        "omega_total", "ordinal_alpha", "items": {item: {"mean", "sd", "r_drop",
        "alpha_if_dropped"}}, "composite_reliability", and with a group "icc1", "icc2",
        "rwg_j_mean", "rwg_j_median", "rwg_j_groups"}}, "efa": {"n_factors", "kmo",
        "kmo_items", "bartlett": {"chisq", "df", "p"}, "parallel_n_factors", "loadings":
        {item: {factor: loading}}, "heywood": [item]}, "cfa": {"n", "chisq", "df", "p", "cfi",
        "tli", "rmsea", "rmsea_ci", "srmr", "loadings": {item: {scale: loading}},
        "converged", "left_out", "n_free_parameters", "small_sample", "heywood": [item],
        "negative_variances": [scale],
        "composite_reliability": {scale: value}}, "omega": {"hierarchical", "total",
        "n_factors"} (two or more scales), "group": {"n_groups", "n_missing"} (with a group),
        "invariance": {...} (with `invariance`; :func:`engine.report.invariance.invariance_stage`),
        "notes": [str]}``. Every float is finite
        or None; each None has a note ``"<path>: <reason>"``.

    Notes
    -----
    Every statistic is computed on reverse-keyed items (``low + high - x``). The EFA
    extracts as many factors as there are scales, the structure the instrument claims; with a
    single scale it extracts the number parallel analysis suggests (the one-factor solution
    of one scale says nothing). The CFA is the scales' own structure (each item loads on its
    scale only, factors correlate); single-item scales are left out of it.
    ``sem`` is ``sd * sqrt(1 - alpha)`` with the scale's reported ``sd``.
    ``omega_total`` is psych's (a one-factor EFA of the scale alone);
    ``composite_reliability`` is semTools' ``compRelSEM`` from the CFA of all scales. The
    notes also carry warnings on numbers that are given: Heywood cases (a standardised CFA
    loading, an EFA loading or communality above 1) and a CFA on fewer than
    ``MIN_CFA_RESPONDENTS`` (100) respondents or ``MIN_RESPONDENTS_PER_PARAMETER`` (5) per
    free parameter (:mod:`engine.report.factors`).
    Definitions follow R: ``psych::alpha``, ``psych::omega``, ``psych::polychoric``,
    ``psych::KMO``, ``psych::cortest.bartlett``, ``psych::fa.parallel``, ``psych::fa``,
    ``lavaan::cfa``, ``semTools::compRelSEM``, ``multilevel::ICC1``/``ICC2``/``rwg.j``
    (see DESIGN.md).
    """
    frame, specs, groups, extremes = _validate(data, scales, group, min_share)
    from engine.report.stages import (
        aggregation_stage,
        cfa_stage,
        coded_groups,
        correlations,
        describe_scale,
        efa_stage,
        group_summary,
        omega_stage,
        ordinal_stage,
        reliability_stage,
        reverse_keyed,
        scale_scores,
    )
    from engine.report.support import known_columns

    notes = Notes()
    stage = _Stopwatch(timings)
    report: dict[str, Any] = {"n": len(frame), "min_share": float(min_share), "scales": {}}
    with _single_threaded_blas(), known_columns(extremes):
        with stage("scoring"):
            keyed = reverse_keyed(frame, specs)
            scores = scale_scores(keyed, specs, min_share)
        for spec in specs:
            report["scales"][spec.id] = describe_scale(spec, scores[spec.id], notes)
        with stage("correlation"):
            corr = correlations(keyed, notes)
        with stage("reliability"):
            ordinal = ordinal_stage(keyed, specs, notes)
            for spec in specs:
                report["scales"][spec.id].update(
                    reliability_stage(
                        spec,
                        keyed[list(spec.items)],
                        notes,
                        corr,
                        ordinal.get(spec.id),
                        scale_sd=report["scales"][spec.id]["sd"],
                    )
                )
        if groups is not None:
            with stage("aggregation"):
                report["group"] = group_summary(groups)
                coded = coded_groups(groups)  # once for every scale
                for spec in specs:
                    report["scales"][spec.id].update(
                        aggregation_stage(
                            spec, scores[spec.id], keyed[list(spec.items)], coded, notes
                        )
                    )
        with stage("efa"):
            report["efa"] = efa_stage(keyed, specs, notes, corr)
        with stage("cfa"):
            report["cfa"] = cfa_stage(keyed, specs, notes)
        composite = report["cfa"]["composite_reliability"]
        for spec in specs:
            report["scales"][spec.id]["composite_reliability"] = composite.get(spec.id)
            reason = "single-item scale" if len(spec.items) < 2 else "no CFA fit (see cfa)"
            notes.add(f"scales.{spec.id}.composite_reliability", reason)
        if len(specs) >= 2:
            with stage("omega"):
                report["omega"] = omega_stage(keyed, specs, notes, corr)
        if invariance is not None:
            from engine.report.invariance import invariance_stage

            if len(invariance) != len(frame):
                raise ValueError(f"invariance must hold one value per respondent ({len(frame)})")
            with stage("invariance"):
                report["invariance"] = invariance_stage(
                    keyed, specs, invariance, str(invariance.name or "group")
                )
    clean = sanitize(report, notes)
    clean["notes"] = notes.as_list()
    return clean


# -- validation ----------------------------------------------------------------------------


def _validate(
    data: Any, scales: Sequence[ScaleSpec], group: Any, min_share: float
) -> tuple[pd.DataFrame, list[ScaleSpec], pd.Series | None, dict[Any, tuple[float, float]]]:
    """The answers as numbers, the scales, the groups coded, and each column's lowest and
    highest answer (NaN without any), computed once for every stage."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    specs = list(scales)
    if not specs:
        raise ValueError("scales must name at least one scale")
    if not all(isinstance(s, ScaleSpec) for s in specs):
        raise ValueError("scales must be ScaleSpec objects")
    ids = [s.id for s in specs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"scales repeat the id(s) {', '.join(dupes)}")
    owner: dict[str, str] = {}
    for spec in specs:
        for item in spec.items:
            if item in owner:
                raise ValueError(
                    f"scales: item {item!r} is in both {owner[item]!r} and {spec.id!r}"
                )
            owner[item] = spec.id
    missing = [item for item in owner if item not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {', '.join(missing)}")
    if not (isinstance(min_share, int | float) and 0 < min_share <= 1):
        raise ValueError(f"min_share must be in (0, 1], got {min_share!r}")
    from engine.psychometrics.scoring import as_numeric_frame

    frame = as_numeric_frame(data[list(owner)], "data")
    if len(frame) < 3:
        raise ValueError(f"data must hold at least 3 respondents, got {len(frame)}")
    values = frame.to_numpy()  # an infinity is a column's fmax or fmin (they skip NaN)
    high, low = np.fmax.reduce(values, axis=0), np.fmin.reduce(values, axis=0)
    is_inf = np.isinf(high) | np.isinf(low)
    infinite = [c for c, bad in zip(frame.columns, is_inf, strict=True) if bad]
    if infinite:
        raise ValueError(f"data has infinite values in {', '.join(map(str, infinite))}")
    groups = None
    if group is not None:
        values = group.to_numpy() if isinstance(group, pd.Series) else np.asarray(group)
        if values.ndim != 1 or len(values) != len(frame):
            raise ValueError(f"group must hold one value per respondent ({len(frame)})")
        # Integer codes (missing = NaN): the aggregation functions group faster on them.
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        if len(uniques) < 2:
            raise ValueError("group must hold at least two different groups")
        groups = pd.Series(np.where(codes >= 0, codes, np.nan), index=frame.index, name="group")
    extremes = {
        c: (float(lo), float(hi)) for c, lo, hi in zip(frame.columns, low, high, strict=True)
    }
    return frame, specs, groups, extremes


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS/LAPACK on one thread while the report is computed.

    The report's linear algebra is on items x items matrices (40 x 40) plus a few
    respondents x items products; threads buy nothing there, and when the cores are busy
    OpenBLAS's spinning threads make it many times slower (measured on a loaded 2-core
    machine, N = 100,000: EFA 20 s with threads, 1.3 s without).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


class _Stopwatch:
    """Adds each stage's wall time to ``timings[stage]`` and its CPU time (this process, all
    threads) to ``timings[stage + ".cpu"]``; the CPU time is what a busy machine hides."""

    def __init__(self, timings: MutableMapping[str, float] | None) -> None:
        self.timings = timings

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            if self.timings is not None:
                wall, used = time.perf_counter() - start, time.process_time() - cpu
                self.timings[name] = self.timings.get(name, 0.0) + wall
                self.timings[name + ".cpu"] = self.timings.get(name + ".cpu", 0.0) + used
