"""Answer codes and contingency tables for :mod:`engine.psychometrics.polychoric`.

Answers become small integer codes (missing = one extra code); every item's frequencies and
every pair's table are then counted with ``bincount``: as margins of the histogram of whole
answer patterns when a scale has few enough of them, else one ``bincount`` per block of rows
over all columns or pairs (bounded memory for a million rows).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_PATTERNS", "category_codes", "margin", "pair_tables", "pattern_counts", "tabulate"]

_MAX_CATEGORIES = 8  # psych::polychoric(max.cat = 8)
_CHUNK_CELLS = 1 << 22  # cells per bincount block: bounded memory for a million rows
MAX_PATTERNS = 1 << 18  # answer patterns of a scale counted at once (6^5 = 7,776 for 5 items)
_ROWS = 65_536  # rows per block of category_codes and pattern_counts (small temporaries)


def category_codes(
    values: np.ndarray,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, int]:
    """Integer category codes of `values` (n, p) as int8, 0 = the smallest answer of any
    column and -1 = missing, with each column's lowest and highest answer (NaN when it has
    none) and the number of categories; codes None when nothing was answered.

    Raises ValueError for non-integer answers or more than 8 categories (in that order).
    """
    lo = np.fmin.reduce(values, axis=0) if values.size else np.full(values.shape[1], np.nan)
    hi = np.fmax.reduce(values, axis=0) if values.size else np.full(values.shape[1], np.nan)
    if np.isnan(lo).all():
        return None, lo, hi, 0
    low, high = float(np.nanmin(lo)), float(np.nanmax(hi))
    codes = None
    if high - low < 127 and low == np.round(low):
        codes = np.empty(values.shape, dtype=np.int8)
        integer = True
        for start in range(0, values.shape[0], _ROWS):  # small temporaries, block by block
            shifted = values[start : start + _ROWS] - low
            np.copyto(shifted, -1.0, where=np.isnan(shifted))  # missing: -1 (answers >= 0)
            block = codes[start : start + _ROWS]
            block[...] = shifted  # truncates toward zero: equal only for integer answers
            integer = integer and bool(np.array_equal(block, shifted))
    else:
        observed = values[~np.isnan(values)]
        integer = bool(np.all(observed == np.round(observed)))
    if not integer:
        raise ValueError("data must hold integer category codes")
    n_values = int(high - low) + 1
    if n_values > _MAX_CATEGORIES:
        raise ValueError(
            f"data has {n_values} categories; polychoric allows at most {_MAX_CATEGORIES}"
        )
    return codes, lo, hi, n_values


def pattern_counts(
    index: np.ndarray, levels: int, max_patterns: int = MAX_PATTERNS
) -> np.ndarray | None:
    """Counts of every answer pattern, shape (levels,) * p, from codes 0 .. levels - 1 in
    `index` (n, p): one ``bincount`` of a mixed-radix code per row. Every item's and every
    pair's table is a margin of it. None when there are more than `max_patterns`."""
    p = index.shape[1]
    if levels**p > max_patterns:
        return None
    counts = np.zeros(levels**p, dtype=np.intp)
    for start in range(0, index.shape[0], _ROWS):  # small temporaries, block by block
        block = index[start : start + _ROWS]
        code = np.zeros(block.shape[0], dtype=np.intp)
        for j in range(p):  # item 0 is the most significant digit
            code *= levels
            code += block[:, j]
        counts += np.bincount(code, minlength=levels**p)
    return counts.reshape((levels,) * p)


def margin(patterns: np.ndarray, keep: tuple[int, ...]) -> np.ndarray:
    """Counts over the items `keep` (ascending) only: the other axes summed out."""
    return patterns.sum(axis=tuple(a for a in range(patterns.ndim) if a not in keep))


def tabulate(index: np.ndarray, levels: int, patterns: np.ndarray | None = None) -> np.ndarray:
    """Counts (k, levels) of the codes 0 .. levels - 1 in each column of `index` (n, k):
    margins of `patterns` when given, else one ``bincount`` per block of rows over all
    columns, each column offset into its own slot."""
    k = index.shape[1]
    if patterns is not None:
        return np.stack([margin(patterns, (j,)) for j in range(k)]).reshape(k, levels)
    offsets = np.arange(k, dtype=np.intp) * levels
    counts = np.zeros(k * levels, dtype=np.intp)
    step = max(1, _CHUNK_CELLS // max(k, 1))
    for start in range(0, index.shape[0], step):
        block = index[start : start + step].astype(np.intp) + offsets
        counts += np.bincount(block.ravel(order="K"), minlength=k * levels)
    return counts.reshape(k, levels)


def pair_tables(
    index: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    size: int,
    patterns: np.ndarray | None = None,
) -> np.ndarray:
    """Contingency tables (pairs, size, size) of the item pairs (first[k] < second[k]) on
    0-based codes with ``size`` = missing; the missing row and column (rows where either
    item is unanswered) are dropped. Margins of `patterns` when given, else one
    ``bincount`` per block of rows over all pairs."""
    levels = size + 1
    pairs = first.size
    if patterns is not None:
        tables = np.zeros((pairs, levels, levels), dtype=np.intp)
        for k, (i, j) in enumerate(zip(first, second, strict=True)):
            tables[k] = margin(patterns, (int(i), int(j)))
        return tables[:, :size, :size].astype(np.float64)
    offsets = np.arange(pairs, dtype=np.intp) * (levels * levels)
    counts = np.zeros(pairs * levels * levels, dtype=np.intp)
    step = max(1, _CHUNK_CELLS // max(pairs, 1))
    for start in range(0, index.shape[0], step):
        block = index[start : start + step].astype(np.intp)
        cells = block[:, first] * levels + block[:, second] + offsets
        counts += np.bincount(cells.ravel(order="K"), minlength=pairs * levels * levels)
    tables = counts.reshape(pairs, levels, levels)[:, :size, :size]
    return tables.astype(np.float64)
