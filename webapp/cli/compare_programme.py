"""`samen compare programme`: did the scales rise more in the programme units than elsewhere?

The statistics are :func:`engine.comparisons.programme.compare_programme` (difference in
differences with unit and wave fixed effects, CR2 cluster-robust SE by unit with
Satterthwaite df, and the random-intercept model as a second opinion). Input handling is
the other compare commands' (:func:`webapp.cli.compare_input.input_options`,
:func:`webapp.cli.compare_input.read_input`), which is ``samen analyze``'s: ``--instrument`` /
``--scale``, ``--range``, ``--min-share``, exit status 2 and one line on bad input. The
command is a standalone ``click.Command``; the ``samen compare`` group attaches it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from webapp.cli.analyze import _OneLineCommand
from webapp.cli.analyze_input import fail
from webapp.cli.compare_input import check_k, emit, input_options, read_input
from webapp.cli.compare_programme_render import render_html, render_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["programme"]

_YES = {"1", "yes", "y", "true", "t", "ja", "j"}
_NO = {"0", "no", "n", "false", "f", "nee"}


@click.command("programme", cls=_OneLineCommand)
@input_options
@click.option("--unit-column", required=True, metavar="U", help="Column naming each unit.")
@click.option("--wave-column", required=True, metavar="C", help="Column naming each wave.")
@click.option(
    "--treated-column",
    required=True,
    metavar="T",
    help="Column marking the programme units: 1/0, yes/no, true/false or ja/nee.",
)
@click.option("--from", "before", metavar="W1", help="The wave before the programme.")
@click.option("--to", "after", metavar="W2", help="The wave after the programme.")
def programme(
    data: Path,
    instrument_refs: tuple[str, ...],
    scale_defs: tuple[str, ...],
    range_text: str | None,
    min_share: float,
    k: int,
    fmt: str,
    lang: str,
    out: Path | None,
    unit_column: str,
    wave_column: str,
    treated_column: str,
    before: str | None,
    after: str | None,
) -> None:
    """The programme effect per scale: difference in differences, CR2 cluster-robust by unit.

    DATA.csv has one row per response with the items, the unit, the wave and whether the
    unit took part in the programme. Units need at least k responses with a valid scale
    score in both waves; the others are left out, and the output says how many.

    \b
    Example:
      samen compare programme waves.csv --unit-column team --wave-column round \\
          --treated-column programme --from 2025-2 --to 2026-2 --instrument belonging
    """
    check_k(k)
    if (before is None) != (after is None):
        fail("give both --from and --to, or neither (then the column must hold two waves)")
    columns = {"--unit-column": unit_column, "--wave-column": wave_column}
    columns["--treated-column"] = treated_column
    if len(set(columns.values())) < 3:
        fail("--unit-column, --wave-column and --treated-column must be three columns")
    text, specs, answers = read_input(
        data, instrument_refs, scale_defs, range_text, min_share, columns
    )
    waves, marks = text[wave_column], text[treated_column]
    labelled = text[unit_column].notna().to_numpy() & waves.notna().to_numpy()
    treated = _treated(marks, treated_column, labelled)
    before, after = _waves(waves[labelled], wave_column, before, after)

    from engine.comparisons.programme import compare_programme

    try:
        report = compare_programme(
            answers.loc[labelled],
            specs,
            text.loc[labelled, unit_column].to_numpy(),
            waves[labelled].to_numpy(),
            treated[labelled],
            before=before,
            after=after,
            k=k,
            min_share=min_share,
        )
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    if not labelled.all():
        report["notes"].insert(0, "rows without a unit or a wave are left out")
    report["design"].update(
        unit_column=unit_column, wave_column=wave_column, treated_column=treated_column
    )
    emit(_render(report, fmt, data, lang), out)


def _treated(marks: pd.Series, column: str, labelled: Any) -> Any:
    """The treated column as booleans; fail on an empty or unknown mark (row as in a
    spreadsheet: the header is row 1)."""
    import numpy as np

    text = marks.fillna("").astype(str).str.strip().str.lower().to_numpy()
    yes = np.isin(text, list(_YES))
    known = yes | np.isin(text, list(_NO))
    bad = labelled & ~known
    if bad.any():
        pos = int(np.argmax(bad))
        shown = marks.iloc[pos]
        what = "is empty" if text[pos] == "" else f"has {shown!r}"
        fail(f"--treated-column {column!r} {what} in row {pos + 2}; use 1/0, yes/no or ja/nee")
    return yes


def _waves(
    waves: pd.Series, column: str, before: str | None, after: str | None
) -> tuple[str, str]:
    present = sorted(waves.astype(str).unique())
    if before is None or after is None:
        if len(present) != 2:
            fail(
                f"--wave-column {column!r} holds {len(present)} wave(s); "
                "name the two to compare with --from and --to"
            )
        return present[0], present[1]
    if before == after:
        fail(f"--from and --to are the same wave ({before!r})")
    for option, label in (("--from", before), ("--to", after)):
        if label not in present:
            fail(f"{option} {label!r}: no such wave in {column!r} (waves: {', '.join(present)})")
    return before, after


def _render(report: dict[str, Any], fmt: str, data: Path, lang: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(report, indent=2, allow_nan=False) + "\n"
    if fmt == "html":
        return render_html(report, name=data.name, lang=lang)
    return render_text(report, name=data.name, lang=lang)
