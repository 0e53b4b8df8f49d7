"""engine.disclosure.audit_measures: several measures of the same answers audited together.

A small tree (P > A, B; k = 5 respondents) with a scale S of items i1, i2: A has 6
respondents with a valid score and 1 who answered i1 only (no valid score).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disclosure.audit import View, audit
from engine.disclosure.audit_measures import measure_views
from tests.engine.test_audit import rank

PARENT = {"P": None, "A": "P", "B": "P"}
OWN = {"A": {((), "full"): 6, ((), "short"): 1}, "B": {((), "full"): 7}}
#: Before the fix: the item counts the answer of the respondent without a valid score.
OLD = {
    "S": {"full": {"i1", "i2"}},
    "i1": {"full": {"i1"}, "short": {"i1"}},
    "i2": {"full": {"i2"}},
}
#: Aligned: an item counts only respondents with a valid score on its scale.
ALIGNED = {"S": {"full": {"i1", "i2"}}, "i1": {"full": {"i1"}}, "i2": {"full": {"i2"}}}
EVERY_CELL = {m: {(u, None, None) for u in PARENT} for m in OLD}


def test_scale_minus_items_is_found():
    atoms, views, people = measure_views(PARENT, OWN, OLD, EVERY_CELL)
    result = audit(atoms, views, 5, people=people)
    assert not result.ok
    finding = result.findings[0]
    assert finding.n == 1
    assert finding.atoms == {("A", (), "short", "i1")}
    assert finding.combination == {"S unit:A": -1, "i1 unit:A": 1, "i2 unit:A": 1}


def test_aligned_items_pass():
    atoms, views, people = measure_views(PARENT, OWN, ALIGNED, EVERY_CELL)
    assert audit(atoms, views, 5, people=people).ok


def test_each_respondent_counted_once():
    """Two respondents without a score who answered 3 items each: 6 answers, 2 people."""
    own = {"A": {((), "full"): 6, ((), "short"): 2}, "B": {((), "full"): 7}}
    items = ("i1", "i2", "i3")
    parts = {"S": {"full": set(items)}}
    parts.update({i: {"full": {i}, "short": {i}} for i in items})
    cells = {m: {(u, None, None) for u in PARENT} for m in parts}
    atoms, views, people = measure_views(PARENT, own, parts, cells)
    found = audit(atoms, views, 5, people=people)
    assert [f.n for f in found.findings] == [2]
    assert audit(atoms, views, 5).ok  # counted per answer (6 >= 5) the leak is missed


def test_a_hidden_item_is_the_scale_minus_the_others():
    """Item i2 hidden in A (secondary suppression, say) while S and i1 are shown there."""
    cells = {m: {(u, None, None) for u in PARENT} for m in ALIGNED}
    cells["i2"] = {("P", None, None)}
    atoms, views, people = measure_views(PARENT, OWN, ALIGNED, cells)
    assert audit(atoms, views, 5, people=people).ok  # i2 of A: 6 respondents, not below k
    own = {"A": {((), "full"): 4}, "B": {((), "full"): 7}}
    atoms, views, people = measure_views(PARENT, own, ALIGNED, cells)
    found = audit(atoms, views, 5, people=people).findings
    assert found and found[0].n == 4


def test_filter_cells_split_by_profile():
    own = {"A": {(("1",), "full"): 3, (("2",), "full"): 4}, "B": {(("1",), "full"): 7}}
    cells = {m: {(u, None, None) for u in PARENT} for m in ALIGNED}
    cells["S"] |= {("A", "gender", "1")}
    atoms, views, people = measure_views(PARENT, own, ALIGNED, cells, ("gender",))
    found = audit(atoms, views, 5, people=people).findings
    assert found and found[0].n == 3


@pytest.mark.parametrize(
    ("own", "cells", "filters", "message"),
    [
        ({"X": {((), "full"): 1}}, EVERY_CELL, (), "unknown unit"),
        ({"A": {(("1",), "full"): 1}}, EVERY_CELL, (), "does not match filters"),
        ({"A": {((), "full"): -1}}, EVERY_CELL, (), "count >= 0"),
        (OWN, {"S": {("Q", None, None)}}, (), "unknown unit"),
        (OWN, {"S": {("A", "age", "1")}}, (), "not one of filters"),
    ],
)
def test_bad_input(own, cells, filters, message):
    with pytest.raises(ValueError, match=message):
        measure_views(PARENT, own, ALIGNED, cells, filters)


def test_people_must_cover_atoms_with_equal_counts():
    atoms = {"a": 1, "b": 2}
    views = []
    with pytest.raises(ValueError, match="no entry"):
        audit(atoms, views, 5, people={"a": "p"})
    with pytest.raises(ValueError, match="different counts"):
        audit(atoms, views, 5, people={"a": "p", "b": "p"})


def _brute_force_people(atoms, views, people, k):
    """Any 0/1 group of nonempty atoms in the views' row space with 1..k-1 distinct people."""
    positive = [a for a in atoms if atoms[a] > 0]
    matrix = [[1 if a in v.atoms else 0 for a in positive] for v in views]
    base = rank(matrix) if matrix else 0
    for size in range(1, len(positive) + 1):
        for group in itertools.combinations(positive, size):
            n = sum(atoms[a] for a in {people[a]: a for a in group}.values())
            if not 1 <= n < k:
                continue
            row = [1 if a in group else 0 for a in positive]
            if matrix and rank([*matrix, row]) == base:
                return True
    return False


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=3),
    st.lists(st.sets(st.integers(0, 5), min_size=1), max_size=5),
    st.integers(3, 6),
)
def test_people_audit_agrees_with_brute_force(counts, covers, k):
    """Atoms a0..a5 belong two by two to people p0..p2 (one person's answers to 2 items)."""
    atoms = {f"a{i}": counts[(i // 2) % len(counts)] for i in range(6)}
    people = {f"a{i}": f"p{(i // 2) % len(counts)}" for i in range(6)}
    views = [View(f"v{j}", frozenset(f"a{i}" for i in cover)) for j, cover in enumerate(covers)]
    result = audit(atoms, views, k, people=people)
    assert result.ok == (not _brute_force_people(atoms, views, people, k))
    for finding in result.findings:
        assert finding.kind == "leak"
        assert 1 <= finding.n < k
