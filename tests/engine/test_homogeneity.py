"""Homogeneity of sensitive items (engine/disclosure/homogeneity.py): property tests.

Thresholds here count respondents (people who answered the item). Hypothesis generates
groups in which everyone, or everyone but one respondent, gave the same answer (and coarse
views of groups that pass as distributions), and checks none of them is shown.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.disclosure.homogeneity import (
    MIN_OUTSIDE,
    REASON,
    coarse_groups,
    coarsen,
    homogeneity_findings,
    homogeneous,
    item_release,
    outside_largest,
    remainder,
)

POINTS = (1, 2, 3, 4, 5)  # never ... very often
TOP = 2


@st.composite
def near_uniform(draw):
    """Respondents per code where at most MIN_OUTSIDE - 1 fall outside one code."""
    size = draw(st.integers(1, 60))
    main = draw(st.sampled_from(POINTS))
    outside = draw(st.integers(0, min(MIN_OUTSIDE - 1, size - 1)))
    counts = dict.fromkeys(POINTS, 0)
    counts[main] = size - outside
    for _ in range(outside):
        counts[draw(st.sampled_from([p for p in POINTS if p != main]))] += 1
    return counts


counts_st = st.fixed_dictionaries({p: st.integers(0, 20) for p in POINTS}).filter(
    lambda c: sum(c.values()) > 0
)


def test_examples():
    assert outside_largest([5, 0, 0]) == 0 and homogeneous([5, 0, 0])
    assert homogeneous([4, 1]) and not homogeneous([3, 2])
    assert not homogeneous([0, 0, 0])  # nobody: nothing to show, nothing revealed
    # "5 of 5 experienced bullying" (issue 13): withheld, with the reason
    five = {1: 0, 2: 5, 3: 0, 4: 0, 5: 0}
    assert item_release(five, POINTS, TOP).level == "withheld"
    assert item_release(five, POINTS, TOP).reason == REASON
    # 2 "once", 3 "sometimes": the distribution passes, but says all five experienced it
    assert item_release({1: 0, 2: 2, 3: 3}, POINTS, TOP).level == "withheld"
    # 3 never, 2 once, 2 sometimes: nobody "often" -> favourable split homogeneous: coarse
    coarse = item_release({1: 3, 2: 2, 3: 2}, POINTS, TOP)
    assert coarse.level == "coarse" and not coarse.favourable
    full = item_release({1: 3, 2: 2, 4: 1, 5: 1}, POINTS, TOP)
    assert full.level == "full" and full.favourable


def test_bad_input():
    with pytest.raises(ValueError):
        outside_largest([3, -1])
    with pytest.raises(ValueError):
        homogeneous([3, 2], min_outside=0)
    with pytest.raises(ValueError):
        coarse_groups((1,), 1)
    with pytest.raises(ValueError):
        coarse_groups(POINTS, 5)
    with pytest.raises(ValueError):
        remainder([3, 2], [[4, 0]])
    with pytest.raises(ValueError):
        remainder([3, 2], [[1, 0, 0]])


@given(near_uniform())
def test_a_homogeneous_group_is_never_shown(counts):
    decision = item_release(counts, POINTS, TOP)
    assert decision.level == "withheld" or decision.level == "coarse"
    assert decision.level != "full" and not decision.favourable
    if decision.level == "coarse":  # the coarse split shown must pass on its own
        lowest = coarse_groups(POINTS, TOP)[0]
        assert outside_largest(coarsen(counts, lowest)) >= MIN_OUTSIDE


@given(counts_st)
def test_every_partition_shown_passes(counts):
    decision = item_release(counts, POINTS, TOP)
    lowest, top = coarse_groups(POINTS, TOP)
    shown = []
    if decision.level == "full":
        shown = [tuple(counts[p] for p in POINTS), coarsen(counts, lowest), coarsen(counts, top)]
    elif decision.level == "coarse":
        shown = [coarsen(counts, lowest)]
    for partition in shown:
        assert sum(partition) - max(partition) >= MIN_OUTSIDE
    if decision.level == "withheld":
        assert decision.reason == REASON


@given(counts_st)
def test_coarsening_never_rescues_a_homogeneous_distribution(counts):
    """Merging codes only grows the largest part (why the rule coarsens the other way)."""
    fine = [counts[p] for p in POINTS]
    for groups in coarse_groups(POINTS, TOP):
        if homogeneous(fine):
            assert homogeneous(coarsen(counts, groups))


@given(near_uniform(), st.lists(counts_st, min_size=1, max_size=3))
def test_homogeneous_remainder_is_a_finding(rest, children):
    """A parent built as children + a homogeneous rest: parent minus children is found."""
    parent_counts = [rest[p] + sum(c[p] for c in children) for p in POINTS]
    shown = {"P": parent_counts}
    tree: dict[str, str | None] = {"P": None}
    for i, child in enumerate(children):
        shown[f"C{i}"] = [child[p] for p in POINTS]
        tree[f"C{i}"] = "P"
    found = homogeneity_findings("ub_exp_bullying", shown, tree)
    views = {f.view for f in found}
    assert "P minus " + ", ".join(sorted(f"C{i}" for i in range(len(children)))) in views
    assert all("ub_exp_bullying" in f.describe() for f in found)
    # the finding names no count of the remainder other than its size
    assert all(f.item == "ub_exp_bullying" for f in found)


def test_no_finding_when_everything_passes():
    shown = {"P": [6, 6, 2, 2, 0], "A": [3, 3, 1, 1, 0], "B": [2, 2, 0, 1, 0]}
    tree: dict[str, str | None] = {"P": None, "A": "P", "B": "P"}
    # rest = [1, 1, 1, 0, 0]: 3 respondents, 2 outside the largest: passes
    assert homogeneity_findings("x", shown, tree) == []
    shown["B"] = [3, 2, 1, 1, 0]  # rest = [0, 1, 0, 0, 0]: one respondent, homogeneous
    (finding,) = homogeneity_findings("x", shown, tree)
    assert finding.view == "P minus A, B" and finding.counts == (0, 1, 0, 0, 0)
