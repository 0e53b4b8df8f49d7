"""The audit's search skipping runs of exclusions (engine.disclosure.audit_search) gives what
the plain row-by-row depth-first pass gives: the same rows, the same 0/1 vector, "budget"
at the same budgets, None where the plain pass finds nothing."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disclosure.audit import _components, _rref
from engine.disclosure.audit_search import search_part


def plain_search(pivcols, rows, cls_n, k, budget):
    """The search as it was before audit_search: one include/exclude step per row."""
    d = rows.shape[0]
    piv = [int(rows[i, c]) for i, c in enumerate(pivcols)]
    denom = math.lcm(*piv)
    cols = np.flatnonzero(np.any(rows != 0, axis=0))
    scale = np.array([denom // p for p in piv], dtype=object)
    scaled = rows[:, cols].astype(object) * scale[:, None]
    weight = [int(w) for w in cls_n[cols]]
    pivn = [int(cls_n[c]) for c in pivcols]
    last = [int(np.flatnonzero(scaled[:, j] != 0).max()) for j in range(len(cols))]
    closes = [[j for j in range(len(cols)) if last[j] == i] for i in range(d)]
    nodes = 0
    stack = [(0, [0] * len(cols), 0, 0, ())]
    while stack:
        i, partial, count, spent, chosen = stack.pop()
        if i == d:
            if chosen:
                x = np.zeros(rows.shape[1], dtype=np.int64)
                x[[c for c, v in zip(cols, partial, strict=True) if v == denom]] = 1
                return x, list(chosen)
            continue
        nodes += 1
        if nodes > budget:
            return "budget"
        for take in (False, True):
            if take:
                if spent + pivn[i] > k - 1:
                    continue
                nxt = [a + int(b) for a, b in zip(partial, scaled[i], strict=True)]
            else:
                nxt = partial
            values = [nxt[j] for j in closes[i]]
            if not all(v in (0, denom) for v in values):
                continue
            total = count + sum(
                weight[j] for j, v in zip(closes[i], values, strict=True) if v == denom
            )
            if total > k - 1:
                continue
            stack.append(
                (i + 1, nxt, total, spent + pivn[i] * take, (*chosen, i) if take else chosen)
            )
    return None


def parts_of(matrix, weights, k):
    """The audit's parts: RREF rows with a small pivot, grouped by shared columns."""
    order = sorted(range(matrix.shape[1]), key=lambda c: (weights[c] < k, c))
    matrix = matrix[:, order]
    weights = weights[order]
    n_large = int(np.sum(weights >= k))
    pivcols, basis = _rref(matrix.astype(np.int64), matrix.shape[1], n_large)
    if not pivcols:
        return [], weights
    return [([pivcols[i] for i in part], basis[part]) for part in _components(basis)], weights


@settings(max_examples=300, deadline=None)
@given(
    st.integers(2, 9),
    st.lists(st.lists(st.integers(0, 11), min_size=1, max_size=6), min_size=1, max_size=12),
    st.lists(st.integers(0, 4), min_size=12, max_size=12),
    st.integers(2, 7),
    st.sampled_from([0, 1, 3, 10, 50, 10**6]),
)
def test_search_matches_the_plain_pass(ncols, covers, counts, k, budget):
    matrix = np.zeros((len(covers), ncols), dtype=np.int64)
    for r, cover in enumerate(covers):
        matrix[r, [c % ncols for c in cover]] = 1
    weights = np.array(counts[:ncols], dtype=np.int64)
    parts, weights = parts_of(matrix, weights, k)
    for pivcols, rows in parts:
        fast = search_part(pivcols, rows, weights, k, budget)
        slow = plain_search(pivcols, rows, weights, k, budget)
        if isinstance(slow, tuple):
            assert isinstance(fast, tuple)
            assert fast[1] == slow[1]
            assert np.array_equal(fast[0], slow[0])
        else:
            assert fast == slow


def test_a_leak_is_found_and_the_budget_counts_nodes():
    # a parent of 10 with children of 6 and 3 and a view of the child of 3 plus one more
    matrix = np.array([[1, 1, 1], [1, 0, 0], [0, 1, 0]], dtype=np.int64)
    weights = np.array([6, 3, 1])
    parts, weights = parts_of(matrix, weights, 5)
    found = [search_part(p, r, weights, 5, 10**6) for p, r in parts]
    assert any(isinstance(f, tuple) for f in found)
    assert all(search_part(p, r, weights, 5, 0) == "budget" for p, r in parts)
