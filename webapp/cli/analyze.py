"""`samen analyze`: the psychometric report of a CSV of answers, as text, JSON or HTML.

The statistics are :func:`engine.report.analyze`; this module reads the file, turns
``--instrument`` or ``--scale`` into scale specifications, and writes the chosen format. Any
problem with the input ends the command with exit status 2 and one line on stderr.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    import pandas as pd

    from engine.report import ScaleSpec

__all__ = ["AnalyzeError", "analyze", "load_csv", "parse_range", "parse_scale"]

_SCALE_RE = re.compile(r"^\s*([^=\s][^=]*?)\s*=\s*(.+?)\s*$")
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_RANGE_RE = re.compile(rf"^\s*({_NUMBER})\s*(?:-|\.\.|:)\s*({_NUMBER})\s*$")


class AnalyzeError(click.ClickException):
    """Bad input: printed as one line ``Error: ...``, exit status 2."""

    exit_code = 2


def _fail(message: str) -> NoReturn:
    raise AnalyzeError(message)


class _OneLineCommand(click.Command):
    """A command whose usage errors are one line too (click prints usage and a hint)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise AnalyzeError(exc.format_message().replace("\n", " ")) from exc


# -- parsing -------------------------------------------------------------------------------


def parse_scale(text: str) -> tuple[str, list[str], set[str]]:
    """Parse ``NAME=ITEM,-ITEM,...`` into (name, items, reverse-keyed items).

    A leading ``-`` marks a reverse-keyed item, as in ``psych`` keys.
    """
    match = _SCALE_RE.match(text)
    if not match:
        _fail(f"--scale {text!r}: expected NAME=ITEM,-ITEM,...")
    name, rest = match.group(1), match.group(2)
    items: list[str] = []
    reverse: set[str] = set()
    for raw in rest.split(","):
        token = raw.strip()
        negative = token.startswith("-")
        item = token[1:].strip() if negative else token
        if not item:
            _fail(f"--scale {text!r}: empty item name")
        if item in items:
            _fail(f"--scale {text!r}: item {item!r} is listed twice")
        items.append(item)
        if negative:
            reverse.add(item)
    return name, items, reverse


def parse_range(text: str) -> tuple[float, float]:
    """Parse ``LO-HI`` (e.g. ``1-5``) into (low, high) with low < high."""
    match = _RANGE_RE.match(text)
    if not match:
        _fail(f"--range {text!r}: expected LO-HI, e.g. 1-5")
    low, high = float(match.group(1)), float(match.group(2))
    if not low < high:
        _fail(f"--range {text!r}: LO must be smaller than HI")
    return low, high


# -- reading -------------------------------------------------------------------------------


def _sniff(path: Path) -> tuple[list[str], str]:
    """Header names and delimiter (``;`` or ``,``) of a UTF-8 (optionally BOM) CSV."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except UnicodeDecodeError:
        _fail(f"{path}: not UTF-8 text")
    except OSError as exc:
        _fail(f"{path}: cannot read ({exc.strerror or exc})")
    if not first.strip():
        _fail(f"{path}: empty file (no header row)")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    if any(not name.strip() for name in header):
        _fail(f"{path}: the header row has an empty column name")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            _fail(f"{path}: column {name!r} appears twice in the header")
        seen.add(name)
    return header, delimiter


def load_csv(path: Path, items: Sequence[str], group: str | None) -> pd.DataFrame:
    """Read the item columns (float, empty = NaN) and the group column (text) of `path`.

    Comma or semicolon separated (a semicolon file may use decimal commas), UTF-8 with or
    without BOM; an empty cell or ``NA`` is a missing answer. Raises :class:`AnalyzeError`
    naming an unknown column, or the column and the row (as numbered in a spreadsheet: the
    header is row 1) of the first non-numeric answer.
    """
    import pandas as pd

    if not path.is_file():
        _fail(f"{path}: no such file")
    header, delimiter = _sniff(path)
    _check_row_lengths(path, len(header), delimiter)
    wanted = list(items) + ([group] if group else [])
    for name in wanted:
        if name not in header:
            _fail(f"{path}: no column {name!r} (columns: {_short(header)})")
    dtypes: dict[str, Any] = dict.fromkeys(items, "float64")
    if group:
        dtypes[group] = str
    read = dict(
        sep=delimiter,
        encoding="utf-8-sig",
        usecols=wanted,
        keep_default_na=False,
        na_values=["", "NA"],  # empty, or R's write.csv default
        skipinitialspace=True,
        decimal="," if delimiter == ";" else ".",
        # Never take the first column as an index: pandas does that when the data rows have
        # one field more than the header (a delimiter at the end of every row), and every
        # item would then be read from its neighbour's column.
        index_col=False,
    )
    try:
        frame = pd.read_csv(path, dtype=dtypes, **read)
    except ValueError:
        # Some answer is not a number: read as text to find the first one and its row.
        frame = pd.read_csv(path, dtype=str, **read)
        _first_non_numeric(path, frame, items, read["decimal"])
        raise
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        _fail(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})")
    return frame


def _check_row_lengths(path: Path, width: int, delimiter: str) -> None:
    """Fail on the first data row with an answer beyond the header's last column: its
    fields cannot be matched to the columns (pandas would drop them, or shift the row).
    Empty fields there (a delimiter at the end of the row) are harmless."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, skipinitialspace=True)
            next(reader, None)
            for row in reader:
                if len(row) > width and any(field.strip() for field in row[width:]):
                    _fail(
                        f"{path}: row {reader.line_num} has {len(row)} fields, the header {width}"
                    )
    except UnicodeDecodeError:
        _fail(f"{path}: not UTF-8 text")
    except csv.Error as exc:
        _fail(f"{path}: not a readable CSV file ({exc})")


def _first_non_numeric(path: Path, frame: pd.DataFrame, items: Sequence[str], dec: str) -> None:
    import pandas as pd

    for item in items:
        text = frame[item].str.strip()
        if dec == ",":
            text = text.str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & text.notna() & (text != "")
        if bad.any():
            pos = int(bad.to_numpy().argmax())
            _fail(
                f"{path}: column {item!r} has a non-numeric answer {frame[item].iloc[pos]!r} "
                f"in row {pos + 2}"
            )
    _fail(f"{path}: some answers are not numbers")


def _short(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


# -- scales --------------------------------------------------------------------------------


def _instrument_specs(refs: Sequence[str]) -> list[ScaleSpec]:
    from engine.report import ScaleSpec
    from instruments import load_any

    loaded = []
    for ref in refs:
        try:
            loaded.append(load_any(ref))
        except (ValueError, OSError, LookupError) as exc:
            _fail(f"--instrument {ref}: {str(exc).splitlines()[0] if str(exc) else exc}")
    ids = [inst.id for inst in loaded]
    if len(set(ids)) != len(ids):
        _fail("--instrument: the same instrument is given twice")
    specs = []
    for inst in loaded:
        for scale in inst.scales:
            items = [it for it in scale.items if it.scored and it.response_scale.ordinal]
            if not scale.scored or not items:
                continue
            ranges = {(it.response_scale.minimum, it.response_scale.maximum) for it in items}
            if len(ranges) > 1:
                _fail(f"--instrument {inst.id}: scale {scale.id!r} mixes response ranges")
            (low, high) = ranges.pop()
            specs.append(
                ScaleSpec(
                    id=f"{inst.id}.{scale.id}" if len(loaded) > 1 else scale.id,
                    items=tuple(it.id for it in items),
                    reverse=frozenset(it.id for it in items if it.reverse),
                    low=low,
                    high=high,
                )
            )
    if not specs:
        _fail("--instrument: no scored scale in " + ", ".join(ids))
    return specs


def _check_items(scales: Sequence[tuple[str, list[str], set[str]]]) -> None:
    names = [name for name, _, _ in scales]
    for name in names:
        if names.count(name) > 1:
            _fail(f"--scale: scale {name!r} is defined twice")
    owner: dict[str, str] = {}
    for name, items, _ in scales:
        for item in items:
            if item in owner:
                _fail(f"--scale: item {item!r} is in two scales ({owner[item]}, {name})")
            owner[item] = name


def _inline_specs(
    scales: Sequence[tuple[str, list[str], set[str]]],
    frame: pd.DataFrame,
    value_range: tuple[float, float] | None,
) -> list[ScaleSpec]:
    """Scales from ``--scale``: range from ``--range``, else the observed min/max."""
    import numpy as np

    from engine.report import ScaleSpec

    specs = []
    for name, items, reverse in scales:
        if value_range is not None:
            low, high = value_range
        else:
            values = frame[items].to_numpy()
            if np.isnan(values).all():
                _fail(f"--scale {name}: no answers at all in its items")
            low, high = float(np.nanmin(values)), float(np.nanmax(values))
            if not low < high:
                _fail(
                    f"--scale {name}: every answer is {low:g}; give the response range with"
                    " --range"
                )
        specs.append(ScaleSpec(name, tuple(items), frozenset(reverse), low, high))
    return specs


def _check_ranges(path: Path, frame: pd.DataFrame, specs: Sequence[ScaleSpec]) -> None:
    """Every answer must lie on its scale's response range; name the first one that does not."""
    import numpy as np

    first: tuple[int, int, str, float, ScaleSpec] | None = None
    pairs = [(spec, item) for spec in specs for item in spec.items]
    for order, (spec, item) in enumerate(pairs):
        column = frame[item].to_numpy()
        outside = (column < spec.low) | (column > spec.high)
        if outside.any():
            pos = int(np.argmax(outside))
            if first is None or (pos, order) < first[:2]:
                first = (pos, order, item, float(column[pos]), spec)
    if first is not None:
        pos, _, item, value, spec = first
        _fail(
            f"{path}: column {item!r} has the answer {value:g} in row {pos + 2}, "
            f"outside the response range {spec.low:g}-{spec.high:g}"
        )


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
    help="Response range for --scale (reverse keying, rwg(j)); default: observed min-max.",
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
) -> None:
    """Reliability, factor structure and team aggregation of the scales in DATA.csv.

    DATA.csv has a header row, one row per respondent and one column per item (comma or
    semicolon separated, UTF-8); an empty cell (or NA) is a missing answer.

    \b
    Examples:
      samen analyze wave.csv --instrument belonging --group unit
      samen analyze bfi.csv --range 1-6 --scale agree=-A1,A2,A3,A4,A5 --format html --out r.html
    """
    if bool(instrument_refs) == bool(scale_defs):
        _fail("give either --instrument or --scale (one of them, not both)")
    if range_text is not None and instrument_refs:
        _fail("--range applies to --scale only; an instrument sets its own response range")
    if not 0 < min_share <= 1:
        _fail(f"--min-share {min_share:g}: must be in (0, 1]")
    value_range = parse_range(range_text) if range_text is not None else None
    if scale_defs:
        parsed = [parse_scale(text) for text in scale_defs]
        _check_items(parsed)
        specs = None
        items = [item for _, its, _ in parsed for item in its]
    else:
        specs = _instrument_specs(instrument_refs)
        items = [item for spec in specs for item in spec.items]
    if group is not None and group in items:
        _fail(f"--group {group!r} is also an item")
    frame = load_csv(data, items, group)
    if len(frame) < 3:
        _fail(f"{data}: {len(frame)} respondent(s); at least 3 are needed")
    if specs is None:
        specs = _inline_specs(parsed, frame, value_range)
    _check_ranges(data, frame, specs)
    groups = None
    if group is not None:
        groups = frame[group]
        if groups.nunique(dropna=True) < 2:
            _fail(f"--group {group!r}: the column holds fewer than two groups")

    from engine.report import analyze as run

    try:
        report = run(frame[items], specs, group=groups, min_share=min_share)
    except ValueError as exc:
        _fail(str(exc).splitlines()[0])
    text = _render(report, fmt, data, group)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"--out {out}: cannot write ({exc.strerror or exc})")


def _render(report: dict[str, Any], fmt: str, data: Path, group: str | None) -> str:
    if fmt == "json":
        import json

        return json.dumps(report, indent=2, allow_nan=False) + "\n"
    if fmt == "html":
        from engine.report_html import render_html

        return render_html(report, title=f"Samen psychometric report: {data.name}", group=group)
    from engine.report_text import render_text

    return render_text(report, title=f"Samen psychometric report: {data.name}", group=group)
