"""`samen compare programme`: did the scales rise more in the programme units than elsewhere?

The statistics are :func:`engine.comparisons.programme.compare_programme` (difference in
differences with unit and wave fixed effects, CR2 cluster-robust SE by unit with
Satterthwaite df, and the random-intercept model as a second opinion). Input handling is
``samen analyze``'s (:mod:`webapp.cli.analyze_input`): ``--instrument`` / ``--scale``,
``--range``, ``--min-share``, exit status 2 and one line on bad input. The command is a
standalone ``click.Command``; the ``samen compare`` group attaches it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from webapp.cli.analyze import _OneLineCommand
from webapp.cli.analyze_input import (
    check_items,
    check_ranges,
    fail,
    inline_specs,
    instrument_specs,
    load_csv,
    parse_range,
    parse_scale,
)
from webapp.cli.compare_programme_render import LANGUAGES, render_html, render_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["programme"]

_YES = {"1", "yes", "y", "true", "t", "ja", "j"}
_NO = {"0", "no", "n", "false", "f", "nee"}


@click.command("programme", cls=_OneLineCommand)
@click.argument("data", metavar="DATA.csv", type=click.Path(path_type=Path))
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
@click.option(
    "--instrument",
    "instrument_refs",
    multiple=True,
    metavar="FILE_OR_ID",
    help="Instrument YAML file or built-in id whose scored scales to compare (repeatable).",
)
@click.option(
    "--scale",
    "scale_defs",
    multiple=True,
    metavar="NAME=ITEM,-ITEM,...",
    help="A scale defined inline; a leading '-' marks a reverse-keyed item (repeatable).",
)
@click.option(
    "--range",
    "range_text",
    metavar="LO-HI",
    help="Response range for --scale (reverse keying); default: observed min-max.",
)
@click.option(
    "--min-share",
    type=float,
    default=2 / 3,
    show_default="2/3",
    help="Minimum share of a scale's items answered for a scale score.",
)
@click.option(
    "--k",
    "k",
    type=int,
    default=5,
    show_default=True,
    help="Minimum group size: responses with a valid score a unit needs in each wave (>= 3).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the text and HTML output (JSON keys and notes stay English).",
)
@click.option(
    "--out", metavar="FILE", type=click.Path(path_type=Path), help="Write to FILE, not stdout."
)
def programme(
    data: Path,
    unit_column: str,
    wave_column: str,
    treated_column: str,
    before: str | None,
    after: str | None,
    instrument_refs: tuple[str, ...],
    scale_defs: tuple[str, ...],
    range_text: str | None,
    min_share: float,
    k: int,
    fmt: str,
    lang: str,
    out: Path | None,
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
    if bool(instrument_refs) == bool(scale_defs):
        fail("give either --instrument or --scale (one of them, not both)")
    if range_text is not None and instrument_refs:
        fail("--range applies to --scale only; an instrument sets its own response range")
    if not 0 < min_share <= 1:
        fail(f"--min-share {min_share:g}: must be in (0, 1]")
    if k < 3:
        fail(f"--k {k}: the minimum group size is never below 3 (responses)")
    if (before is None) != (after is None):
        fail("give both --from and --to, or neither (then the column must hold two waves)")
    columns = {"--unit-column": unit_column, "--wave-column": wave_column}
    columns["--treated-column"] = treated_column
    if len(set(columns.values())) < 3:
        fail("--unit-column, --wave-column and --treated-column must be three columns")
    value_range = parse_range(range_text) if range_text is not None else None
    if scale_defs:
        parsed = [parse_scale(text) for text in scale_defs]
        check_items(parsed)
        specs = None
        items = [item for _, its, _ in parsed for item in its]
    else:
        specs = instrument_specs(instrument_refs)
        items = [item for spec in specs for item in spec.items]
    for option, column in columns.items():
        if column in items:
            fail(f"{option} {column!r} is also an item")
    frame = load_csv(data, items, unit_column)
    # load_csv reads one text column beside the items: the other two are read on their own.
    waves = load_csv(data, [], wave_column)[wave_column]
    marks = load_csv(data, [], treated_column)[treated_column]
    _check_finite(data, frame, items)
    if specs is None:
        specs = inline_specs(parsed, frame, value_range)
    check_ranges(data, frame, specs)
    labelled = frame[unit_column].notna().to_numpy() & waves.notna().to_numpy()
    treated = _treated(marks, treated_column, labelled)
    before, after = _waves(waves[labelled], wave_column, before, after)

    from engine.comparisons.programme import compare_programme

    try:
        report = compare_programme(
            frame.loc[labelled, items],
            specs,
            frame.loc[labelled, unit_column].to_numpy(),
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
    text = _render(report, fmt, data, lang)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: cannot write ({exc.strerror or exc})")


def _check_finite(data: Path, frame: pd.DataFrame, items: list[str]) -> None:
    """An infinite answer (``inf``, ``1e999``) is bad input, with or without ``--range``."""
    import numpy as np

    values = frame[items].to_numpy()
    infinite = np.isinf(values)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        fail(
            f"{data}: column {items[col]!r} has the non-finite answer {values[row, col]!r} "
            f"in row {row + 2}"
        )


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
