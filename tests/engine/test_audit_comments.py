"""engine.disclosure.audit_comments: comment sets audited as sets of texts, counted in writers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disclosure.audit import View
from engine.disclosure.audit_comments import audit_comments
from engine.disclosure.rules import subtree_n, suppress_tree

# HOSP > SURG > W1, W2; HOSP > ICU
PARENT = {"HOSP": None, "SURG": "HOSP", "W1": "SURG", "W2": "SURG", "ICU": "HOSP"}
SUBTREE = {
    "HOSP": {"HOSP", "SURG", "W1", "W2", "ICU"},
    "SURG": {"SURG", "W1", "W2"},
    "W1": {"W1"},
    "W2": {"W2"},
    "ICU": {"ICU"},
}


def views(*units: str) -> list[View]:
    return [View(f"comments:{u}", frozenset(SUBTREE[u])) for u in units]


def test_a_parent_minus_a_shown_child_leaves_the_other_childs_writers():
    writers = {"HOSP": 0, "SURG": 0, "W1": 12, "W2": 8, "ICU": 12}
    found = audit_comments(writers, views("SURG", "W1"), 10)
    assert len(found) == 1
    assert found[0].atoms == {"W2"} and found[0].writers == 8
    assert found[0].inside == ("comments:SURG",) and found[0].outside == ("comments:W1",)
    assert "8 writer(s)" in found[0].describe()
    # parent and children all at least the threshold, nothing left over: no finding
    assert audit_comments(writers, views("HOSP", "SURG", "ICU"), 10) == ()


def test_the_threshold_counts_writers_not_responses():
    # W2 alone, 8 writers (whatever its responses): one view is already a finding
    found = audit_comments({"HOSP": 0, "SURG": 0, "W1": 0, "W2": 8, "ICU": 0}, views("W2"), 10)
    assert [f.writers for f in found] == [8]
    # a unit without writers is no finding: an empty set reveals no text
    assert audit_comments({u: 0 for u in PARENT}, views("W2"), 10) == ()


def test_sets_reveal_what_counts_do_not():
    # two overlapping views (another tree's grouping): their intersection is derivable from
    # the texts, though no sum or difference of the two counts gives it
    writers = {"a": 10, "b": 2, "c": 10}
    both = [View("x", frozenset({"a", "b"})), View("y", frozenset({"b", "c"}))]
    found = audit_comments(writers, both, 10)
    assert [(f.atoms, f.writers) for f in found] == [(frozenset({"b"}), 2)]
    assert found[0].inside == ("x", "y")


@pytest.mark.parametrize(
    ("writers", "bad", "message"),
    [
        ({"a": 1}, [View("v", frozenset({"b"}))], "unknown atoms"),
        ({"a": -1}, [], "non-negative"),
    ],
)
def test_bad_input_raises(writers, bad, message):
    with pytest.raises(ValueError, match=message):
        audit_comments(writers, bad, 10)
    with pytest.raises(ValueError, match="threshold"):
        audit_comments({"a": 1}, [], 2)


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries({u: st.integers(0, 15) for u in PARENT}),
    st.integers(3, 12),
)
def test_the_tree_rule_on_writers_passes_the_set_audit(writers, threshold):
    """Property: the units the tree rule shows (on writers) never reveal a small set."""
    shown = suppress_tree(PARENT, writers, threshold).shown
    total = subtree_n(PARENT, writers)
    assert all(total[u] >= threshold for u in shown)
    assert audit_comments(writers, views(*sorted(shown)), threshold) == ()
