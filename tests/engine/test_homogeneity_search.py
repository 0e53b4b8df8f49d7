"""The homogeneity search over any combination of shown views (engine/disclosure/homogeneity.py).

:func:`derivable_homogeneous` runs the k-audit's exact search with "respondents outside a
part" as weight. Hypothesis generates atoms (groups of respondents with answers per code,
some of them homogeneous) and views (arbitrary unions of atoms: unit totals, filter groups,
anything), and the test compares the search with brute force: every nonempty subset of
nonempty atoms whose indicator lies in the row space of the views (rank test) and has fewer
than 2 respondents outside one part must be found, and nothing else. Thresholds count
respondents.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disclosure.audit import View
from engine.disclosure.homogeneity import (
    MIN_OUTSIDE,
    derivable_homogeneous,
    enforce_homogeneity,
    outside_parts,
    parts_of,
)

POINTS = (1, 2, 3, 4, 5)
PARTS = parts_of(POINTS, 2, lowest=True)


def _outside(counts: tuple[int, ...]) -> list[int]:
    """Respondents outside each part, for one answer per respondent."""
    n = sum(counts)
    return [n - sum(counts[p - 1] for p in part) for part in PARTS]


@st.composite
def problems(draw):
    n_atoms = draw(st.integers(1, 7))
    atoms, outside = {}, {}
    for a in range(n_atoms):
        if draw(st.booleans()):  # homogeneous: everyone (or all but one) alike
            main = draw(st.sampled_from(POINTS))
            counts = [0] * 5
            counts[main - 1] = draw(st.integers(0, 6))
            if draw(st.booleans()):
                counts[draw(st.sampled_from([p for p in POINTS if p != main])) - 1] += 1
        else:
            counts = draw(st.lists(st.integers(0, 3), min_size=5, max_size=5))
        atoms[a] = sum(counts)
        outside[a] = _outside(tuple(counts))
    views = []
    for v in range(draw(st.integers(1, 6))):
        members = draw(st.sets(st.integers(0, n_atoms - 1), min_size=1))
        views.append(View(f"v{v}", frozenset(members), draw(st.integers(0, 1))))
    return atoms, outside, views


def _in_row_space(matrix: np.ndarray, x: np.ndarray) -> bool:
    if not matrix.size:
        return False
    return np.linalg.matrix_rank(np.vstack([matrix, x])) == np.linalg.matrix_rank(matrix)


def _brute(atoms, outside, views) -> set[int]:
    """Parts for which some derivable nonempty group has fewer than 2 outside."""
    nonempty = [a for a in atoms if atoms[a] > 0]
    matrix = np.array(
        [[1.0 if a in v.atoms else 0.0 for a in nonempty] for v in views], dtype=float
    ).reshape(len(views), len(nonempty))
    found = set()
    for size in range(1, len(nonempty) + 1):
        for group in itertools.combinations(range(len(nonempty)), size):
            x = np.zeros(len(nonempty))
            x[list(group)] = 1
            if not _in_row_space(matrix, x):
                continue
            for j in range(len(PARTS)):
                if sum(outside[nonempty[i]][j] for i in group) < MIN_OUTSIDE:
                    found.add(j)
    return found


@settings(max_examples=300, deadline=None)
@given(problems())
def test_search_finds_exactly_what_brute_force_finds(problem):
    atoms, outside, views = problem
    findings = derivable_homogeneous("x", atoms, outside, PARTS, views)
    assert {PARTS.index(f.part) for f in findings} == _brute(atoms, outside, views)
    for f in findings:  # each names a real group: respondents, fewer than 2 outside
        assert sum(f.counts) >= 1 and f.counts[1] < MIN_OUTSIDE
        assert f.names and set(f.names) <= {v.name for v in views}


@settings(max_examples=200, deadline=None)
@given(problems())
def test_enforce_leaves_no_homogeneous_group_derivable(problem):
    atoms, outside, views = problem
    kept, withheld = enforce_homogeneity(atoms, outside, PARTS, views)
    assert {v.name for v in kept} | {v.name for v in withheld} == {v.name for v in views}
    assert _brute(atoms, outside, kept) == set()
    assert derivable_homogeneous("x", atoms, outside, PARTS, kept) == []


def test_parent_minus_some_children():
    """P = A + B + C, all shown; C homogeneous on its own is caught directly, and a rest
    that only P minus A (not minus all children) isolates is caught too."""
    # atoms: own members of P (empty), A, B, C; B and C together all answered 5
    atoms = {"P": 0, "A": 4, "B": 3, "C": 3}
    counts = {"P": (0,) * 5, "A": (1, 1, 1, 1, 0), "B": (0, 0, 0, 0, 3), "C": (0, 0, 0, 0, 3)}
    outside = {a: _outside(c) for a, c in counts.items()}
    views = [
        View("unit:P", frozenset(atoms)),
        View("unit:A", frozenset({"A"})),
    ]
    (found,) = [
        f for f in derivable_homogeneous("ss", atoms, outside, PARTS, views) if f.part == (5,)
    ]
    assert found.counts == (6, 0) and set(found.names) == {"unit:P", "unit:A"}
    assert "unit:P" in found.describe() and "answer 5" in found.describe()


def test_outside_parts_pools_a_respondents_answers():
    answers = np.array([[5, 5, 4], [5, np.nan, 5], [np.nan, np.nan, np.nan]])
    out = outside_parts(answers, [(5,), (4, 5)])
    assert out.tolist() == [[True, False], [False, False], [False, False]]
    with pytest.raises(ValueError):
        outside_parts(np.array([1, 2]), [(1,)])


def test_bad_input():
    with pytest.raises(ValueError):
        derivable_homogeneous("x", {"a": 2}, {"a": [3] * len(PARTS)}, PARTS, [])
    with pytest.raises(ValueError):
        derivable_homogeneous("x", {"a": 2}, {"a": [0]}, PARTS, [])
    assert parts_of(POINTS, 2, coarse=True) == ((1,), (2, 3, 4, 5))
    assert parts_of(POINTS, 2, lowest=False) == ((1,), (2,), (3,), (4,), (5,), (1, 2, 3), (4, 5))
