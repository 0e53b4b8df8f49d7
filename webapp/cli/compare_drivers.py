"""`samen compare drivers`: which climate scales matter most for an outcome?

The relative importance of each scale for the outcome (a column of the CSV, or one of the
scales) as LMG: :func:`engine.comparisons.drivers.relative_importance`, on the complete
cases (the outcome and every scale score present), with percentile bootstrap intervals
(``--boot`` replicates, ``--seed``). Input handling is the other compare commands'
(:func:`webapp.cli.compare.input_options`, :func:`webapp.cli.compare.read_scores`).

Disclosure: every number describes all complete cases together; the command refuses to
run on fewer than k of them (k counts responses) and does not say how many it left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from webapp.cli.analyze_input import AnalyzeError, fail, load_csv
from webapp.cli.compare import (
    _check_k,
    _emit,
    _OneLineCommand,
    input_options,
    read_scores,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from engine.report.pipeline import ScaleSpec

__all__ = ["NO_CASE", "drivers", "drivers_view"]

CONFIDENCE = 0.95
MAX_BOOT = 100_000
#: Note when some rows are not complete cases (the count is not given: it may be below k).
NO_CASE = "rows without %(outcome)s or without a score on every scale are left out (listwise)"


@click.command("drivers", cls=_OneLineCommand)
@input_options
@click.option(
    "--outcome",
    required=True,
    metavar="COLUMN_OR_SCALE",
    help="The outcome: one of the scales, or a numeric column of DATA.csv outside the scales.",
)
@click.option(
    "--boot",
    type=int,
    default=1000,
    show_default=True,
    help="Bootstrap replicates for the 95% intervals (0: no intervals).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the bootstrap.")
def drivers(
    data: Path,
    instrument_refs: tuple[str, ...],
    scale_defs: tuple[str, ...],
    range_text: str | None,
    min_share: float,
    k: int,
    fmt: str,
    lang: str,
    out: Path | None,
    outcome: str,
    boot: int,
    seed: int,
) -> None:
    """The relative importance (LMG) of each scale for --outcome.

    The R² of the outcome on all scales, split over the scales: each scale's R² increment
    averaged over every order of entering them (LMG, general dominance), with its share of
    R², percentile bootstrap 95% intervals and the correlation r. The outcome is a scale
    (the other scales are the predictors) or a numeric column (all scales are). On the
    complete cases only, which must number at least k; at most 12 predictor scales.

    \b
    Example:
      samen compare drivers wave.csv --instrument belonging --instrument social_safety \\
          --outcome stay --seed 7
    """
    _check_k(k)
    if not 0 <= boot <= MAX_BOOT:
        fail(f"--boot {boot}: must be between 0 and {MAX_BOOT} replicates")
    if seed < 0:
        fail(f"--seed {seed}: must be 0 or more")
    _, specs, scores = read_scores(data, instrument_refs, scale_defs, range_text, min_share, [])
    name = _scale_named(outcome, [spec.id for spec in specs])
    if name is not None:
        y = scores[name].to_numpy()
        predictors = [spec for spec in specs if spec.id != name]
        kind = "scale"
    else:
        for spec in specs:
            if outcome in spec.items:
                fail(
                    f"--outcome {outcome!r} is an item of scale {spec.id!r}; name a scale or a"
                    " column outside the scales"
                )
        y = _outcome_column(data, outcome, [spec.id for spec in specs])
        name, predictors, kind = outcome, list(specs), "column"
    from engine.comparisons.drivers import MAX_PREDICTORS

    if len(predictors) < 2:
        fail("relative importance needs at least two scales besides the outcome")
    if len(predictors) > MAX_PREDICTORS:
        fail(
            f"{len(predictors)} predictor scales: at most {MAX_PREDICTORS} (the exact LMG"
            " uses all subsets of them); choose scales with --scale"
        )
    from webapp.cli.compare_views import left_out

    view = drivers_view(y, scores, predictors, name, kind, k, boot, seed)
    view["notes"] += left_out(scores[[spec.id for spec in specs]], min_share)
    view.update(data=data.name, min_share=float(min_share))
    _emit(_render(view, fmt, lang), out)


def drivers_view(
    outcome: np.ndarray,
    scores: pd.DataFrame,
    predictors: Sequence[ScaleSpec],
    name: str,
    kind: str,
    k: int,
    boot: int,
    seed: int,
) -> dict[str, Any]:
    """The LMG of each predictor scale for `outcome`, refused below k complete cases."""
    import numpy as np

    from engine.comparisons.drivers import relative_importance

    x = scores[[spec.id for spec in predictors]].to_numpy(dtype="float64")
    complete = ~np.isnan(outcome) & ~np.isnan(x).any(axis=1)
    if int(complete.sum()) < k:
        fail(
            f"fewer than k = {k} complete cases (responses with {name} and every scale score):"
            " no drivers analysis"
        )
    try:
        result = relative_importance(
            outcome,
            x,
            [spec.id for spec in predictors],
            boot=boot,
            seed=seed,
            confidence=CONFIDENCE,
        )
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    view: dict[str, Any] = {
        "command": "drivers",
        "outcome": {"name": name, "kind": kind},
        "k": k,
        "method": "LMG",
        **result.as_dict(),
        "notes": list(result.notes),
    }
    if not complete.all():
        view["notes"].insert(0, NO_CASE % {"outcome": name})
    return view


def _scale_named(outcome: str, ids: Sequence[str]) -> str | None:
    """The scale id `outcome` names: the id itself, or the part after the instrument's dot
    when only one scale has it."""
    if outcome in ids:
        return outcome
    matches = [scale for scale in ids if scale.rsplit(".", 1)[-1] == outcome]
    if len(matches) > 1:
        fail(f"--outcome {outcome!r} names several scales: {', '.join(matches)}")
    return matches[0] if matches else None


def _outcome_column(data: Path, column: str, scales: Sequence[str]) -> np.ndarray:
    """The outcome column as numbers (empty = missing); bad input ends the command."""
    import numpy as np

    try:
        values = load_csv(data, [column], None)[column].to_numpy(dtype="float64")
    except AnalyzeError as exc:
        if f"no column {column!r}" not in str(exc):
            raise
        fail(f"--outcome {column!r}: neither a scale ({', '.join(scales)}) nor a column of {data}")
    if np.isinf(values).any():
        row = int(np.nonzero(np.isinf(values))[0][0])
        fail(f"{data}: column {column!r} has a non-finite value in row {row + 2}")
    return values


def _render(view: dict[str, Any], fmt: str, lang: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(view, indent=2, allow_nan=False) + "\n"
    from webapp.cli.compare_drivers_render import render_html, render_text

    return render_html(view, lang) if fmt == "html" else render_text(view, lang)
