"""`samen analyze`: the psychometric report of a CSV of answers, as text, JSON or HTML.

The statistics are :func:`engine.report.pipeline.analyze`; :mod:`webapp.cli.analyze_input` reads
the file and turns ``--instrument`` or ``--scale`` into scale specifications; this module is the
click command, which checks the options and writes the chosen format. Any problem with the
input ends the command with exit status 2 and one line on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from webapp.cli.analyze_input import (
    AnalyzeError,
    check_finite,
    check_items,
    check_ranges,
    fail,
    inline_specs,
    instrument_specs,
    load_csv,
    parse_range,
    parse_scale,
)

__all__ = ["AnalyzeError", "analyze", "load_csv", "parse_range", "parse_scale"]


class _OneLineCommand(click.Command):
    """A command whose usage errors are one line too (click prints usage and a hint)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise AnalyzeError(exc.format_message().replace("\n", " ")) from exc


# -- the command ---------------------------------------------------------------------------


@click.command(cls=_OneLineCommand)
@click.argument("data", metavar="DATA.csv", type=click.Path(path_type=Path))
@click.option(
    "--instrument",
    "instrument_refs",
    multiple=True,
    metavar="FILE_OR_ID",
    help="Instrument YAML file or built-in id whose scored scales to analyse (repeatable).",
)
@click.option(
    "--scale",
    "scale_defs",
    multiple=True,
    metavar="NAME=ITEM,-ITEM,...",
    help="A scale defined inline; a leading '-' marks a reverse-keyed item (repeatable).",
)
@click.option("--group", metavar="COLUMN", help="Column naming each respondent's team.")
@click.option(
    "--range",
    "range_text",
    metavar="LO-HI",
    help="Response range for --scale (reverse keying, rwg(j)); default: the lowest and "
    "highest answer, when every item of the scale spans it and it is not below 0.",
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
    "--out",
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Write to FILE instead of stdout.",
)
@click.option(
    "--invariance",
    "invariance_column",
    metavar="COLUMN",
    help="Column whose groups (e.g. language, gender) to test for measurement invariance: "
    "configural, metric and scalar multi-group CFA of the scales.",
)
@click.option(
    "--min-share",
    type=float,
    default=2 / 3,
    show_default="2/3",
    help="Minimum share of a scale's items answered for a scale score.",
)
def analyze(
    data: Path,
    instrument_refs: tuple[str, ...],
    scale_defs: tuple[str, ...],
    group: str | None,
    range_text: str | None,
    fmt: str,
    out: Path | None,
    min_share: float,
    invariance_column: str | None,
) -> None:
    """Reliability, factor structure and team aggregation of the scales in DATA.csv.

    DATA.csv has a header row, one row per respondent and one column per item (comma or
    semicolon separated, UTF-8); an empty cell (or NA) is a missing answer.

    \b
    Examples:
      samen analyze wave.csv --instrument belonging --group unit
      samen analyze bfi.csv --range 1-6 --scale agree=-A1,A2,A3,A4,A5 --format html --out r.html
      samen analyze wave.csv --instrument belonging --invariance language
    """
    if bool(instrument_refs) == bool(scale_defs):
        fail("give either --instrument or --scale (one of them, not both)")
    if range_text is not None and instrument_refs:
        fail("--range applies to --scale only; an instrument sets its own response range")
    if not 0 < min_share <= 1:
        fail(f"--min-share {min_share:g}: must be in (0, 1]")
    value_range = parse_range(range_text) if range_text is not None else None
    if scale_defs:
        parsed = [parse_scale(text) for text in scale_defs]
        check_items(parsed)
        specs = None
        items = [item for _, its, _ in parsed for item in its]
    else:
        specs = instrument_specs(instrument_refs)
        items = [item for spec in specs for item in spec.items]
    if group is not None and group in items:
        fail(f"--group {group!r} is also an item")
    if invariance_column is not None and invariance_column in items:
        fail(f"--invariance {invariance_column!r} is also an item")
    frame = load_csv(data, items, group)
    if len(frame) < 3:
        fail(f"{data}: {len(frame)} respondent(s); at least 3 are needed")
    check_finite(data, frame, items)
    groups = None
    if group is not None:
        groups = frame[group]
        if groups.nunique(dropna=True) < 2:
            fail(f"--group {group!r}: the column holds fewer than two groups")
    if specs is None:
        specs = inline_specs(parsed, frame, value_range)
    check_ranges(data, frame, specs)
    invariance = None
    if invariance_column is not None:
        # the column read on its own, as text (empty = no group)
        invariance = load_csv(data, [], invariance_column)[invariance_column]
        invariance = invariance.reset_index(drop=True).rename(invariance_column)

    from engine.report.pipeline import analyze as run

    try:
        report = run(frame[items], specs, group=groups, min_share=min_share, invariance=invariance)
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    text = _render(report, fmt, data, group)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: cannot write ({exc.strerror or exc})")


def _render(report: dict[str, Any], fmt: str, data: Path, group: str | None) -> str:
    if fmt == "json":
        # engine's renderer, not webapp.research's: that package loads Flask and the
        # database layer (~1 s of imports) that the CLI does not need
        from engine.report.render_json import render_json

        return render_json(report)
    if fmt == "html":
        from engine.report.render_html import render_html

        return render_html(report, title=f"Samen psychometric report: {data.name}", group=group)
    from engine.report.render_text import render_text

    return render_text(report, title=f"Samen psychometric report: {data.name}", group=group)
