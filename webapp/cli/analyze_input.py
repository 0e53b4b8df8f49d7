"""The input of `samen analyze`: option parsing, the CSV of answers, scale specifications.

Everything between the command line (:mod:`webapp.cli.analyze`) and
:func:`engine.report.pipeline.analyze`: ``--scale`` and ``--range`` parsed, the CSV read with its
problems named (column, row), ``--instrument`` or ``--scale`` turned into
:class:`engine.report.pipeline.ScaleSpec`, every answer checked against its response range. Any
problem raises :class:`AnalyzeError`: exit status 2 and one line on stderr.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    import pandas as pd

    from engine.report.pipeline import ScaleSpec

__all__ = [
    "AnalyzeError",
    "check_finite",
    "check_items",
    "check_ranges",
    "fail",
    "inline_specs",
    "instrument_specs",
    "load_csv",
    "parse_range",
    "parse_scale",
]

_SCALE_RE = re.compile(r"^\s*([^=\s][^=]*?)\s*=\s*(.+?)\s*$")
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_RANGE_RE = re.compile(rf"^\s*({_NUMBER})\s*(?:-|\.\.|:)\s*({_NUMBER})\s*$")


class AnalyzeError(click.ClickException):
    """Bad input: printed as one line ``Error: ...``, exit status 2."""

    exit_code = 2


def fail(message: str) -> NoReturn:
    """Stop the command with `message` (:class:`AnalyzeError`)."""
    raise AnalyzeError(message)


# -- parsing -------------------------------------------------------------------------------


def parse_scale(text: str) -> tuple[str, list[str], set[str]]:
    """Parse ``NAME=ITEM,-ITEM,...`` into (name, items, reverse-keyed items).

    A leading ``-`` marks a reverse-keyed item, as in ``psych`` keys.
    """
    match = _SCALE_RE.match(text)
    if not match:
        fail(f"--scale {text!r}: expected NAME=ITEM,-ITEM,...")
    name, rest = match.group(1), match.group(2)
    items: list[str] = []
    reverse: set[str] = set()
    for raw in rest.split(","):
        token = raw.strip()
        negative = token.startswith("-")
        item = token[1:].strip() if negative else token
        if not item:
            fail(f"--scale {text!r}: empty item name")
        if item in items:
            fail(f"--scale {text!r}: item {item!r} is listed twice")
        items.append(item)
        if negative:
            reverse.add(item)
    return name, items, reverse


def parse_range(text: str) -> tuple[float, float]:
    """Parse ``LO-HI`` (e.g. ``1-5``) into (low, high) with low < high."""
    match = _RANGE_RE.match(text)
    if not match:
        fail(f"--range {text!r}: expected LO-HI, e.g. 1-5")
    low, high = float(match.group(1)), float(match.group(2))
    if not low < high:
        fail(f"--range {text!r}: LO must be smaller than HI")
    return low, high


# -- reading -------------------------------------------------------------------------------


def load_csv(path: Path, items: Sequence[str], group: str | Sequence[str] | None) -> pd.DataFrame:
    """Read the item columns (float, empty = NaN) and the text column(s) `group` of `path`.

    Comma or semicolon separated (a semicolon file may use decimal commas), UTF-8 with or
    without BOM; an empty cell or ``NA`` is a missing answer. Read typed and column-wise
    (:mod:`webapp.cli.csv_answers`). Raises :class:`AnalyzeError` naming an unknown column,
    or the column and the row (as numbered in a spreadsheet: the header is row 1) of the
    first non-numeric answer.
    """
    from webapp.cli.csv_answers import read_answers

    texts = [] if group is None else [group] if isinstance(group, str) else list(group)
    return read_answers(path, items, texts)


# -- scales --------------------------------------------------------------------------------


def instrument_specs(refs: Sequence[str]) -> list[ScaleSpec]:
    """Scale specifications of the scored ordinal scales of the ``--instrument`` files or ids
    (ids ``<instrument>.<scale>`` when several instruments are given)."""
    from engine.report.pipeline import ScaleSpec
    from instruments import load_any

    loaded = []
    for ref in refs:
        try:
            loaded.append(load_any(ref))
        except (ValueError, OSError, LookupError) as exc:
            fail(f"--instrument {ref}: {str(exc).splitlines()[0] if str(exc) else exc}")
    ids = [inst.id for inst in loaded]
    if len(set(ids)) != len(ids):
        fail("--instrument: the same instrument is given twice")
    specs = []
    for inst in loaded:
        for scale in inst.scales:
            items = [it for it in scale.items if it.scored and it.response_scale.ordinal]
            if not scale.scored or not items:
                continue
            ranges = {(it.response_scale.minimum, it.response_scale.maximum) for it in items}
            if len(ranges) > 1:
                fail(f"--instrument {inst.id}: scale {scale.id!r} mixes response ranges")
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
        fail("--instrument: no scored scale in " + ", ".join(ids))
    return specs


def check_items(scales: Sequence[tuple[str, list[str], set[str]]]) -> None:
    """Fail when a ``--scale`` name is given twice or an item is in two scales."""
    names = [name for name, _, _ in scales]
    for name in names:
        if names.count(name) > 1:
            fail(f"--scale: scale {name!r} is defined twice")
    owner: dict[str, str] = {}
    for name, items, _ in scales:
        for item in items:
            if item in owner:
                fail(f"--scale: item {item!r} is in two scales ({owner[item]}, {name})")
            owner[item] = name


def inline_specs(
    scales: Sequence[tuple[str, list[str], set[str]]],
    frame: pd.DataFrame,
    value_range: tuple[float, float] | None,
) -> list[ScaleSpec]:
    """Scales from ``--scale``: range from ``--range``, else inferred from the answers.

    An inferred range is the observed lowest and highest answer of the scale's items. It is
    refused (give ``--range``) when the items do not span the same range, since one
    mistyped or never-chosen answer would then silently set the reverse keying and rwg(j)'s
    null, and when it reaches below 0 (a mistyped minus sign).
    """
    import numpy as np

    from engine.report.pipeline import ScaleSpec

    specs = []
    for name, items, reverse in scales:
        if value_range is not None:
            specs.append(ScaleSpec(name, tuple(items), frozenset(reverse), *value_range))
            continue
        values = frame[items].to_numpy()
        if np.isnan(values).all():
            fail(f"--scale {name}: no answers at all in its items")
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if not low < high:
            fail(f"--scale {name}: every answer is {low:g}; give the response range with --range")
        if low < 0:
            fail(
                f"--scale {name}: the answers reach {low:g}, below 0, so the response range"
                " cannot be inferred from them; give it with --range LO-HI"
            )
        spans = {}
        for item, column in zip(items, values.T, strict=True):
            answered = column[~np.isnan(column)]
            spans[item] = (answered.min(), answered.max()) if answered.size else None
        differ = [item for item in items if spans[item] not in (None, (low, high))]
        if differ:
            item = differ[0]
            lo, hi = spans[item]
            fail(
                f"--scale {name}: the answers span {low:g}-{high:g} but {item!r} only "
                f"{lo:g}-{hi:g}, so the response range cannot be inferred from them; give it "
                "with --range LO-HI"
            )
        specs.append(
            ScaleSpec(name, tuple(items), frozenset(reverse), low, high, range_inferred=True)
        )
    return specs


def check_finite(path: Path, frame: pd.DataFrame, items: Sequence[str]) -> None:
    """Every answer must be a finite number: name the first infinite one (``inf``,
    ``-inf``, ``Infinity``, ``1e999``) by column and row (the header is row 1). A ``nan``
    written in a cell is refused when reading (:func:`load_csv`) as a non-numeric answer."""
    import numpy as np

    values = frame[list(items)].to_numpy(dtype=float)
    if not values.size:
        return
    # an infinity is a column's fmax or fmin (they skip NaN): no boolean copy of every
    # answer unless there is one to find
    if not (
        np.isinf(np.fmax.reduce(values, axis=0)).any()
        or np.isinf(np.fmin.reduce(values, axis=0)).any()
    ):
        return
    infinite = np.isinf(values)
    row, col = np.unravel_index(int(np.argmax(infinite)), infinite.shape)  # first by row
    fail(
        f"{path}: column {items[col]!r} has the non-finite answer {values[row, col]:g} in row "
        f"{row + 2}; an answer must be a finite number (an empty cell or NA is a missing answer)"
    )


def check_ranges(path: Path, frame: pd.DataFrame, specs: Sequence[ScaleSpec]) -> None:
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
        fail(
            f"{path}: column {item!r} has the answer {value:g} in row {pos + 2}, "
            f"outside the response range {spec.low:g}-{spec.high:g}"
        )
