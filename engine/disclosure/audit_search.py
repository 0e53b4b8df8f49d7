"""The depth-first search of :func:`engine.disclosure.audit.audit`, skipping runs of exclusions.

:func:`search_part` decides, for one independent part of the reduced row echelon form, whether
some set of its rows sums to a 0/1 vector whose weight lies in 1..k-1. It visits the same
search tree as the plain depth-first pass over "include or exclude each row" (include first)
and returns the same set of rows, the same "budget" verdict and the same node count; it only
does not walk the runs of exclusions one row at a time. From a state (the rows chosen so
far, the last of them ``i``) excluding every following row changes no partial sum, so which
of those rows can still be passed (no column closing there takes a value other than 0 or 1,
the running weight stays below k) and which of them can be included are decided for all of
them at once with a few array operations, instead of one Python step with several numpy
calls per row. On the demo audit this is most of the audit's CPU time.

There is no R equivalent (an exact search over a row space, Hundepool et al., *Statistical
Disclosure Control*, Wiley 2012, section 4.4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

__all__ = ["search_part"]


def search_part(
    pivcols: list[int],
    rows: np.ndarray,
    cls_n: np.ndarray,
    k: int,
    budget: int,
    accept: Callable[[np.ndarray], bool] | None = None,
) -> tuple[np.ndarray, list[int]] | Literal["budget"] | None:
    """A set of the part's RREF rows summing to a 0/1 vector with a weight in 1..k-1.

    Parameters
    ----------
    pivcols : list of int
        The pivot column of each row.
    rows : ndarray
        The part's rows over every atom-class column (integer RREF rows, pivot entry > 0).
    cls_n : ndarray
        Weight of each atom-class column (responses, or for the homogeneity search the
        respondents outside a part).
    k : int
        The weight of a group found is at most k-1.
    budget : int
        Search nodes (row decisions of the plain depth-first pass) before "budget".
    accept : callable, optional
        Given the 0/1 vector of a group found, whether it counts; a rejected group is
        skipped and the search goes on as the plain pass would (None: every group counts).

    Returns
    -------
    (x, chosen), "budget" or None
        The 0/1 vector over every column and the chosen row indices, the lexicographically
        greatest choice (row 0 first) as the plain pass finds it; "budget" when that pass
        would have visited more than ``budget`` nodes before finding it; None when there is
        no such set.
    """
    d = rows.shape[0]
    piv = [int(rows[i, c]) for i, c in enumerate(pivcols)]
    denom = math.lcm(*piv)
    cols = np.flatnonzero(np.any(rows != 0, axis=0))
    scale = np.array([denom // p for p in piv], dtype=object)
    scaled: Any = rows[:, cols].astype(object) * scale[:, None]
    if int(np.abs(scaled).max()) * (d + 1) < 2**62:
        scaled = scaled.astype(np.int64)
    weight = np.asarray(cls_n[cols], dtype=np.int64)
    pivn = np.array([int(cls_n[c]) for c in pivcols], dtype=np.int64)
    last = d - 1 - np.argmax((scaled != 0)[::-1], axis=0)  # the last row touching each
    # columns in the order they close: those closing at row r are starts[r]:starts[r + 1]
    # (never empty: a row's pivot column is touched by that row alone)
    order = np.argsort(last, kind="stable")
    cols, last, weight, scaled = cols[order], last[order], weight[order], scaled[:, order]
    starts = np.searchsorted(last, np.arange(d + 1))
    ncols = len(cols)
    limit = k - 1
    nodes = 0

    def expand(i: int, partial: Any, count: int, spent: int) -> tuple[list[int], list, int, int]:
        """From a state whose last chosen row is ``i``: the rows that can be included next
        (in order, with their running weights), the last row reached by excluding, and the
        first row at which excluding fails (``d``: none)."""
        s = int(starts[i + 1])
        if s == ncols:
            return [], [], d - 1, d
        v = partial[s:]
        bad = (v != 0) & (v != denom)
        stop = int(last[s + int(bad.argmax())]) if bad.any() else d
        csum = np.cumsum(np.where(v == denom, weight[s:], 0))
        over = int(np.searchsorted(csum, limit - count, side="right"))
        if over < len(csum):
            stop = min(stop, int(last[s + over]))
        end = min(stop, d - 1)
        if end < i + 1:
            return [], [], end, stop
        rows_ = np.arange(i + 1, end + 1)
        fits = spent + pivn[i + 1 : end + 1] <= limit
        if not fits.any():
            return [], [], end, stop
        e = int(starts[end + 1])
        offsets = starts[i + 1 : end + 1] - s
        nv = partial[s:e] + scaled[last[s:e], np.arange(s, e)]
        wrong = np.logical_or.reduceat((nv != 0) & (nv != denom), offsets)
        added = np.add.reduceat(np.where(nv == denom, weight[s:e], 0), offsets)
        before = count + np.concatenate(([0], csum))[offsets]
        total = before + added
        ok = fits & ~wrong & (total <= limit)
        return rows_[ok].tolist(), total[ok].tolist(), end, stop

    # frames: [last chosen row, partial, spent, chosen, children, totals, position, cursor,
    # end, stop]
    zero = np.zeros(len(cols), dtype=scaled.dtype)
    children, totals, end, stop = expand(-1, zero, 0, 0)
    stack: list[list[Any]] = [[-1, zero, 0, (), children, totals, 0, 0, end, stop]]
    while stack:
        frame = stack[-1]
        _, partial, spent, chosen, children, totals, position, cursor, end, stop = frame
        if position < len(children):
            r = children[position]
            frame[6] = position + 1
            nodes += r - cursor + 1  # rows cursor..r: excluded, then row r's node
            frame[7] = r + 1
            if nodes > budget:
                return "budget"
            child = partial + scaled[r]
            child_spent = spent + int(pivn[r])
            found = expand(r, child, totals[position], child_spent)
            stack.append([r, child, child_spent, (*chosen, r), *found[:2], 0, r + 1, *found[2:]])
            continue
        stack.pop()
        if end >= cursor:
            nodes += end - cursor + 1
            if nodes > budget:
                return "budget"
        if stop == d and chosen:  # every later row excluded: a complete choice
            x = np.zeros(rows.shape[1], dtype=np.int64)
            x[cols[partial == denom]] = 1
            if accept is None or accept(x):
                return x, list(chosen)
    return None
