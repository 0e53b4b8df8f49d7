"""The input of every `samen compare` command: the options it shares with `samen analyze`
and the CSV read into text columns, answers and scale scores.

The input rules are `samen analyze`'s (:mod:`webapp.cli.analyze_input`): ``--instrument``
or ``--scale``, ``--range``, ``--min-share``, missing cells, exit status 2 with one line on
bad input, ``--format text|json|html`` and ``--out``; ``--k`` (at least 3 responses) and
``--lang`` besides. A subcommand takes them with ``@input_options`` and reads its data
with :func:`read_input` (the answers) or :func:`read_scores` (the scale scores).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

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

if TYPE_CHECKING:
    import pandas as pd

    from engine.report.pipeline import ScaleSpec

__all__ = ["check_k", "emit", "input_options", "read_input", "read_scores"]

_F = TypeVar("_F", bound=Callable[..., Any])


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


def check_k(k: int) -> None:
    """Fail when the minimum group size --k is below the floor (responses)."""
    from engine.disclosure.rules import MIN_K

    if k < MIN_K:
        fail(f"--k {k}: the minimum group size is never below {MIN_K} responses")


def emit(text: str, out: Path | None) -> None:
    """Write `text` to --out, or to stdout without it."""
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: cannot write ({exc.strerror or exc})")
