"""`samen compare`: gaps between groups and change between waves in a CSV of answers.

The input rules are `samen analyze`'s (:mod:`webapp.cli.analyze_input`): ``--instrument``
or ``--scale``, ``--range``, ``--min-share``, missing cells, exit status 2 with one line on
bad input, ``--format text|json|html`` and ``--out``. The statistics are
:mod:`engine.comparisons`; which groups, waves and units may be shown is
:func:`engine.disclosure.rules.suppress_filter` at the minimum group size ``--k`` (responses with a
scale score): a gap needs the group and the rest at k, a change both waves at k.

Other subcommands attach with one line, ``compare.add_command(command)``; their options and
input are :mod:`webapp.cli.compare_input`'s (re-exported here).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from webapp.cli.analyze import _OneLineCommand
from webapp.cli.analyze_input import AnalyzeError, fail
from webapp.cli.compare_input import check_k as _check_k
from webapp.cli.compare_input import emit as _emit
from webapp.cli.compare_input import input_options, read_input, read_scores

if TYPE_CHECKING:
    import pandas as pd


__all__ = ["compare", "groups", "input_options", "read_input", "read_scores", "waves"]


class _OneLineGroup(click.Group):
    """A group whose usage errors (an unknown subcommand) are one line, exit status 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise AnalyzeError(exc.format_message().replace("\n", " ")) from exc

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise AnalyzeError(exc.format_message().replace("\n", " ")) from exc


@click.group(cls=_OneLineGroup)
def compare() -> None:
    """Compare scale scores: groups against the rest, one wave against another, the
    programme units against the others (difference in differences), or the scales'
    importance for an outcome (drivers)."""


def _labels(column: pd.Series) -> list[str]:
    from engine.comparisons.groups import _label_key

    return sorted(set(column.dropna()), key=_label_key)


# -- samen compare groups ------------------------------------------------------------------


@compare.command("groups", cls=_OneLineCommand)
@input_options
@click.option("--by", "by", required=True, metavar="COLUMN", help="Column naming the groups.")
@click.option("--wave-column", metavar="COLUMN", help="Column naming each respondent's wave.")
@click.option("--wave", metavar="W", help="Compare within this wave only (with --wave-column).")
def groups(
    data: Path,
    instrument_refs: tuple[str, ...],
    scale_defs: tuple[str, ...],
    range_text: str | None,
    min_share: float,
    k: int,
    fmt: str,
    lang: str,
    out: Path | None,
    by: str,
    wave_column: str | None,
    wave: str | None,
) -> None:
    """The gap of each group of --by COLUMN to the rest, per scale.

    Per group: n, mean, SD, the mean difference to everyone else, its Welch 95%
    interval and p, Hedges' g, and p adjusted over the groups of the column (Holm). A group
    is shown only when it and the rest each hold at least k responses.

    \b
    Example:
      samen compare groups wave.csv --instrument belonging --by gender
    """
    _check_k(k)
    if (wave_column is None) != (wave is None):
        fail("give --wave-column and --wave together (or neither)")
    if wave_column is not None and wave_column == by:
        fail(f"--by and --wave-column name the same column {by!r}")
    columns = [by] + ([wave_column] if wave_column else [])
    outside = None
    text, specs, scores = read_scores(
        data, instrument_refs, scale_defs, range_text, min_share, columns
    )
    if wave_column is not None:
        present = _labels(text[wave_column])
        if wave not in present:
            fail(f"--wave {wave!r}: not in column {wave_column!r} (waves: {', '.join(present)})")
        keep = (text[wave_column] == wave).to_numpy()
        outside = (scores[~keep].reset_index(drop=True), text[by][~keep].reset_index(drop=True))
        text, scores = text[keep].reset_index(drop=True), scores[keep].reset_index(drop=True)
    if len(_labels(text[by])) < 2:
        fail(f"--by {by!r}: the column holds fewer than two groups")
    from webapp.cli.compare_views import group_view, left_out

    view = group_view(scores, specs, text[by], k, outside)
    view["notes"] += left_out(scores, min_share)
    view.update(
        data=data.name,
        by=by,
        wave={"column": wave_column, "label": wave} if wave_column else None,
        min_share=float(min_share),
    )
    _emit(_render(view, fmt, lang), out)


# -- samen compare waves -------------------------------------------------------------------


@compare.command("waves", cls=_OneLineCommand)
@input_options
@click.option("--wave-column", required=True, metavar="COLUMN", help="Column naming the waves.")
@click.option("--from", "first", metavar="W1", help="The earlier wave.")
@click.option("--to", "second", metavar="W2", help="The later wave.")
@click.option("--unit-column", metavar="COLUMN", help="Also compare within each unit.")
def waves(
    data: Path,
    instrument_refs: tuple[str, ...],
    scale_defs: tuple[str, ...],
    range_text: str | None,
    min_share: float,
    k: int,
    fmt: str,
    lang: str,
    out: Path | None,
    wave_column: str,
    first: str | None,
    second: str | None,
    unit_column: str | None,
) -> None:
    """The change of each scale from one wave to another, as independent samples.

    Anonymous waves cannot be paired, so the difference (later minus earlier) has a Welch
    95% interval; with p and Hedges' g. Both waves need at least k responses; with
    --unit-column, each unit in both waves too.

    \b
    Example:
      samen compare waves all_waves.csv --instrument belonging --wave-column wave \\
          --from 2025 --to 2026 --unit-column unit
    """
    _check_k(k)
    if (first is None) != (second is None):
        fail("give --from and --to together (or neither, when the column holds two waves)")
    if unit_column is not None and unit_column == wave_column:
        fail(f"--unit-column and --wave-column name the same column {wave_column!r}")
    columns = [wave_column] + ([unit_column] if unit_column else [])
    text, specs, scores = read_scores(
        data, instrument_refs, scale_defs, range_text, min_share, columns
    )
    present = _labels(text[wave_column])
    if first is None:
        if len(present) != 2:
            fail(
                f"--wave-column {wave_column!r} holds {len(present)} waves"
                f" ({', '.join(present)}); name two with --from and --to"
            )
        first, second = present
    for option, label in (("--from", first), ("--to", second)):
        if label not in present:
            fail(
                f"{option} {label!r}: not in column {wave_column!r} (waves: {', '.join(present)})"
            )
    if first == second:
        fail(f"--from and --to name the same wave {first!r}")
    from webapp.cli.compare_views import OTHER_WAVES, left_out, wave_view

    units = text[unit_column] if unit_column else None
    view = wave_view(scores, specs, text[wave_column], str(first), str(second), units, k)
    in_pair = text[wave_column].isin([first, second]).to_numpy()
    view["notes"] += left_out(scores[in_pair], min_share)
    others = [w for w in present if w not in (first, second)]
    if others:
        view["notes"].append(
            OTHER_WAVES % {"first": first, "second": second, "waves": ", ".join(others)}
        )
    view.update(
        data=data.name,
        wave_column=wave_column,
        unit_column=unit_column,
        min_share=float(min_share),
    )
    _emit(_render(view, fmt, lang), out)


def _render(view: dict[str, Any], fmt: str, lang: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(view, indent=2, allow_nan=False) + "\n"
    from webapp.cli.compare_render import render_html, render_text

    return render_html(view, lang) if fmt == "html" else render_text(view, lang)


def _attach() -> None:
    """`samen compare programme` and `drivers` live in modules of their own
    (webapp/cli/compare_programme.py, compare_drivers.py)."""
    from webapp.cli.compare_drivers import drivers
    from webapp.cli.compare_programme import programme

    compare.add_command(programme)
    compare.add_command(drivers)


_attach()
