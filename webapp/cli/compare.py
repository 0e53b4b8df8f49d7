"""`samen compare`: gaps between groups and change between waves in a CSV of answers.

The input rules are `samen analyze`'s (:mod:`webapp.cli.analyze_input`): ``--instrument``
or ``--scale``, ``--range``, ``--min-share``, missing cells, exit status 2 with one line on
bad input, ``--format text|json|html`` and ``--out``. The statistics are
:mod:`engine.comparisons`; which groups, waves and units may be shown is
:func:`engine.disclosure.rules.suppress_filter` at the minimum group size ``--k`` (responses with a
scale score): a gap needs the group and the rest at k, a change both waves at k.

Other subcommands attach with one line, ``compare.add_command(command)``; their options can
reuse :func:`input_options` and :func:`read_input` or :func:`read_scores`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from webapp.cli.analyze import _OneLineCommand
from webapp.cli.analyze_input import (
    AnalyzeError,
    check_items,
    check_ranges,
    fail,
    inline_specs,
    instrument_specs,
    load_csv,
    parse_range,
    parse_scale,
)

if TYPE_CHECKING:
    import pandas as pd

    from engine.report.pipeline import ScaleSpec

__all__ = ["compare", "groups", "input_options", "read_input", "read_scores", "waves"]

_F = TypeVar("_F", bound=Callable[..., Any])


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


def input_options(func: _F) -> _F:
    """The options every `samen compare` command shares with `samen analyze`."""
    options = [
        click.argument("data", metavar="DATA.csv", type=click.Path(path_type=Path)),
        click.option(
            "--instrument",
            "instrument_refs",
            multiple=True,
            metavar="FILE_OR_ID",
            help="Instrument YAML file or built-in id whose scored scales to compare.",
        ),
        click.option(
            "--scale",
            "scale_defs",
            multiple=True,
            metavar="NAME=ITEM,-ITEM,...",
            help="A scale defined inline; a leading '-' marks a reverse-keyed item.",
        ),
        click.option(
            "--range",
            "range_text",
            metavar="LO-HI",
            help="Response range for --scale (reverse keying); default: observed min-max.",
        ),
        click.option(
            "--min-share",
            type=float,
            default=2 / 3,
            show_default="2/3",
            help="Minimum share of a scale's items answered for a scale score.",
        ),
        click.option(
            "--k",
            "k",
            type=int,
            default=5,
            show_default=True,
            help="Minimum group size: responses (scale scores) behind every number shown "
            "(at least 3).",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "json", "html"]),
            default="text",
            show_default=True,
            help="Output format.",
        ),
        click.option(
            "--lang",
            type=click.Choice(["en", "nl"]),
            default="en",
            show_default=True,
            help="Language of the text and html output (the JSON stays English).",
        ),
        click.option(
            "--out",
            metavar="FILE",
            type=click.Path(path_type=Path),
            help="Write to FILE instead of stdout.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_input(
    data: Path,
    instrument_refs: Sequence[str],
    scale_defs: Sequence[str],
    range_text: str | None,
    min_share: float,
    columns: Sequence[str] | Mapping[str, str],
) -> tuple[pd.DataFrame, list[ScaleSpec], pd.DataFrame]:
    """Read DATA.csv as `samen analyze` does: the items and the text `columns`.

    `columns` names the text columns, or maps each option that names one to its column
    (``{"--unit-column": "team"}``), so an error can name the option. Returns the text
    columns (one per column, missing or blank as NaN), the scale specifications (with the
    response range given, or inferred from the answers) and the answers (one float column
    per item, every one checked against its scale's range). Bad input ends the command
    (:class:`AnalyzeError`, exit status 2, one line).
    """
    import numpy as np

    if bool(instrument_refs) == bool(scale_defs):
        fail("give either --instrument or --scale (one of them, not both)")
    if range_text is not None and instrument_refs:
        fail("--range applies to --scale only; an instrument sets its own response range")
    if not 0 < min_share <= 1:
        fail(f"--min-share {min_share:g}: must be in (0, 1]")
    value_range = parse_range(range_text) if range_text is not None else None
    parsed: list[tuple[str, list[str], set[str]]] = []
    if scale_defs:
        parsed = [parse_scale(text) for text in scale_defs]
        check_items(parsed)
        items = [item for _, its, _ in parsed for item in its]
        specs = None
    else:
        specs = instrument_specs(instrument_refs)
        items = [item for spec in specs for item in spec.items]
    named = dict(columns) if isinstance(columns, Mapping) else {name: name for name in columns}
    for option, name in named.items():
        if name in items:
            if option != name:
                fail(f"{option} {name!r} is also an item")
            fail(f"column {name!r} is an item; it cannot also name groups, waves or units")
    texts = list(dict.fromkeys(named.values()))
    frame = load_csv(data, items, texts)
    values = frame[items].to_numpy(dtype="float64")
    if np.isinf(values).any():
        row, col = (int(i[0]) for i in np.nonzero(np.isinf(values)))
        fail(f"{data}: column {items[col]!r} has a non-finite answer in row {row + 2}")
    if len(frame) < 3:
        fail(f"{data}: {len(frame)} respondent(s); at least 3 are needed")
    if specs is None:
        specs = inline_specs(parsed, frame, value_range)
    check_ranges(data, frame, specs)
    text = frame[texts].reset_index(drop=True)
    for name in texts:
        text[name] = text[name].where(text[name].str.strip() != "")
    return text, specs, frame[items]


def read_scores(
    data: Path,
    instrument_refs: Sequence[str],
    scale_defs: Sequence[str],
    range_text: str | None,
    min_share: float,
    columns: Sequence[str],
) -> tuple[pd.DataFrame, list[ScaleSpec], pd.DataFrame]:
    """Read DATA.csv as `samen analyze` does, with the text `columns`, and score the scales.

    Returns the text columns (one per name in `columns`, missing as NaN), the scale
    specifications, and the scale scores (one column per scale id: the mean of the answered
    items, reverse keys recoded, NaN below `min_share`). Bad input ends the command
    (:class:`AnalyzeError`, exit status 2, one line): see :func:`read_input`.
    """
    import pandas as pd

    from engine.psychometrics.scoring import score_scale

    text, specs, answers = read_input(
        data, instrument_refs, scale_defs, range_text, min_share, columns
    )
    scores = pd.DataFrame(
        {
            spec.id: score_scale(
                answers[list(spec.items)], spec.reverse, spec.low, spec.high, min_share
            ).to_numpy()
            for spec in specs
        }
    )
    return text, specs, scores


def _check_k(k: int) -> None:
    from engine.disclosure.rules import MIN_K

    if k < MIN_K:
        fail(f"--k {k}: the minimum group size is never below {MIN_K} responses")


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: cannot write ({exc.strerror or exc})")


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
