"""Disclosure rules: primary and secondary suppression, filters, time, comments, k-anonymity.

The audit-based proofs that these rules leak nothing are in ``test_audit.py``; here each rule
is checked against its own definition, by example and as a property over random org trees.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disclosure.export import k_anonymize
from engine.disclosure.rules import (
    MIN_K,
    comments_allowed,
    primary,
    release_n,
    sensitive_module_allowed,
    subtree_n,
    suppress_filter,
    suppress_scope,
    suppress_tree,
)

SIZES = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20])


@st.composite
def org_trees(draw, max_units=12):
    """(parent, own_n): a random tree (u0 is the root) with small own counts."""
    n = draw(st.integers(1, max_units))
    parent = {"u0": None}
    for i in range(1, n):
        parent[f"u{i}"] = f"u{draw(st.integers(0, i - 1))}"
    own_n = {u: draw(SIZES) for u in parent}
    return parent, own_n


def blocks(parent, total, shown):
    """Independent re-implementation: each shown unit's n minus its maximal shown descendants'."""
    out = {}
    for unit in shown:
        rest = total[unit]
        for other in shown:
            if other == unit:
                continue
            up, path = parent[other], []
            while up is not None and up != unit:
                path.append(up)
                up = parent[up]
            if up == unit and not any(p in shown for p in path):
                rest -= total[other]
        out[unit] = rest
    return out


# --- primary -----------------------------------------------------------------------------


def test_primary_withholds_below_k():
    assert primary(4, 5)
    assert primary(0, 5)
    assert not primary(5, 5)
    assert not primary(100, 3)


@pytest.mark.parametrize("k", [2, 0, 3.0, True, "5", None])
def test_k_below_three_or_not_int_is_refused(k):
    with pytest.raises(ValueError, match="k must be an integer >= 3"):
        primary(10, k)


def test_negative_n_is_refused():
    with pytest.raises(ValueError, match=r"^n must"):
        primary(-1, 5)


# --- tree ----------------------------------------------------------------------------------


def test_remainder_below_k_hides_the_smallest_sibling():
    # parent 12 = children 5 + 5 + own 2: showing both children reveals the 2 own members
    parent = {"P": None, "A": "P", "B": "P"}
    result = suppress_tree(parent, {"P": 2, "A": 5, "B": 5}, k=5)
    assert "P" in result.shown
    assert len(result.shown & {"A", "B"}) == 1
    hidden = next(iter(result.suppressed))
    assert result.reasons[hidden] == "secondary:P"


def test_primary_and_secondary_reasons():
    parent = {"P": None, "A": "P", "B": "P", "C": "P"}
    result = suppress_tree(parent, {"P": 0, "A": 2, "B": 6, "C": 9}, k=5)
    # A is below k; then P's remainder is A's 2, so B (the smaller of B, C) goes too
    assert result.reasons == {"A": "primary", "B": "secondary:P"}
    assert result.shown == {"P", "C"}


def test_shown_grandchildren_of_a_suppressed_child_count_against_the_remainder():
    # C is hidden (only 1 own member would show through C - G1 - G2); P - G1 - G2 - D
    # is then C's own member plus P's own members.
    parent = {"P": None, "C": "P", "G1": "C", "G2": "C", "D": "P"}
    own = {"P": 0, "C": 1, "G1": 5, "G2": 5, "D": 6}
    result = suppress_tree(parent, own, k=5)
    total = subtree_n(parent, own)
    for unit, rest in blocks(parent, total, result.shown).items():
        assert rest == 0 or rest >= 5, (unit, rest)
    # C's 1 own member is protected by hiding C or one of its children
    assert {"C", "G1", "G2"} - result.shown


def test_empty_units_leak_nothing():
    # a parent whose only content is one child: P - A = 0 respondents, no leak
    result = suppress_tree({"P": None, "A": "P"}, {"A": 7}, k=5)
    assert result.shown == {"P", "A"}


def test_visible_limits_the_candidates():
    parent = {"P": None, "A": "P", "B": "P"}
    result = suppress_tree(parent, {"P": 2, "A": 5, "B": 5}, k=5, visible={"P", "A"})
    assert result.shown == {"P", "A"}
    assert result.suppressed == frozenset()


def test_scope_is_the_org_wide_pattern_restricted():
    parent = {"P": None, "A": "P", "B": "P", "C": "P"}
    own = {"P": 0, "A": 2, "B": 6, "C": 9}
    whole = suppress_tree(parent, own, k=5)
    manager_b = suppress_scope(parent, own, k=5, scope={"P", "B"})
    assert manager_b.shown == whole.shown & {"P", "B"}
    assert manager_b.suppressed == {"B"}
    assert manager_b.reasons == {"B": "secondary:P"}


@pytest.mark.parametrize(
    ("parent", "own", "match"),
    [
        ({"A": "B", "B": "A"}, {}, "cycle"),
        ({"A": None, "B": "X"}, {}, "unknown parent"),
        ({"A": None}, {"A": -1}, "own_n"),
        ({"A": None}, {"Z": 3}, "own_n: unknown unit"),
    ],
)
def test_bad_trees_are_refused(parent, own, match):
    with pytest.raises(ValueError, match=match):
        suppress_tree(parent, own, k=5)


def test_unknown_visible_unit_is_refused():
    with pytest.raises(ValueError, match="visible"):
        suppress_tree({"A": None}, {"A": 5}, k=5, visible={"B"})
    with pytest.raises(ValueError, match="scope"):
        suppress_scope({"A": None}, {"A": 5}, k=5, scope={"B"})


@settings(max_examples=150, deadline=None)
@given(org_trees(), st.integers(3, 10))
def test_tree_property_every_block_is_empty_or_at_least_k(tree, k):
    parent, own = tree
    result = suppress_tree(parent, own, k)
    total = subtree_n(parent, own)
    assert result.shown | result.suppressed == set(parent)
    assert not result.shown & result.suppressed
    assert all(total[u] >= k for u in result.shown)
    for unit, rest in blocks(parent, total, result.shown).items():
        assert rest == 0 or rest >= k, (unit, rest)
    for unit, reason in result.reasons.items():
        if reason == "primary":
            assert total[unit] < k
        else:  # secondary: protects a shown ancestor, and was large enough itself
            protected = reason.removeprefix("secondary:")
            assert protected in result.shown and total[unit] >= k
            up = parent[unit]
            while up != protected:
                up = parent[up]  # raises if protected is not an ancestor


@settings(max_examples=80, deadline=None)
@given(org_trees(), st.integers(3, 10), st.data())
def test_any_subset_of_a_safe_pattern_is_safe(tree, k, data):
    parent, own = tree
    shown = suppress_tree(parent, own, k).shown
    subset = data.draw(st.sets(st.sampled_from(sorted(shown)))) if shown else set()
    total = subtree_n(parent, own)
    for unit, rest in blocks(parent, total, subset).items():
        assert rest == 0 or rest >= k, (unit, rest)


# --- filters -------------------------------------------------------------------------------


def test_filter_and_complement_must_each_reach_k():
    result = suppress_filter({"woman": 5, "man": 2}, unit_n=7, k=5)
    assert result.shown == frozenset()
    assert result.reasons == {"woman": "complement", "man": "primary"}


def test_hidden_categories_together_reach_k_or_more_are_hidden():
    # shown a and b leave c (3) + 1 non-respondent = 4 < 5: hide b (smaller of a, b)
    result = suppress_filter({"a": 9, "b": 6, "c": 3}, unit_n=19, k=5)
    assert result.shown == {"a"}
    assert result.reasons == {"b": "remainder", "c": "primary"}


def test_no_filters_in_a_withheld_unit():
    result = suppress_filter({"a": 2, "b": 2}, unit_n=4, k=5)
    assert result.shown == frozenset()
    assert set(result.reasons.values()) == {"unit"}


def test_filter_counts_larger_than_the_unit_are_refused():
    with pytest.raises(ValueError, match="category_n"):
        suppress_filter({"a": 6}, unit_n=5, k=5)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 15), min_size=2, max_size=4),
    st.integers(0, 6),
    st.integers(3, 10),
)
def test_filter_property(counts, unanswered, k):
    category_n = {f"c{i}": n for i, n in enumerate(counts)}
    unit_n = sum(counts) + unanswered
    result = suppress_filter(category_n, unit_n, k)
    assert result.shown | result.suppressed == set(category_n)
    for cat in result.shown:
        assert category_n[cat] >= k and unit_n - category_n[cat] >= k
    if unit_n < k:
        assert not result.shown
    else:
        hidden = unit_n - sum(category_n[c] for c in result.shown)
        assert hidden == 0 or hidden >= k


# --- time ------------------------------------------------------------------------------------


def test_steps_policy():
    assert release_n(4, None, k=5, wave_open=True, policy="steps") is None
    assert release_n(5, None, k=5, wave_open=True, policy="steps") == 5
    assert release_n(9, 5, k=5, wave_open=True, policy="steps") == 5
    assert release_n(10, 5, k=5, wave_open=True, policy="steps") == 10
    # closing does not release a step smaller than k either
    assert release_n(12, 10, k=5, wave_open=False, policy="steps") == 10


def test_closed_policy():
    assert release_n(50, None, k=5, wave_open=True, policy="closed") is None
    assert release_n(50, None, k=5, wave_open=False, policy="closed") == 50


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((3, 4, 5, True, "steps"), "last_released_n"),
        ((3, None, 5, True, "weekly"), "policy"),
        ((-1, None, 5, True, "steps"), "current_n"),
    ],
)
def test_release_n_validation(args, match):
    with pytest.raises(ValueError, match=match):
        release_n(*args)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=12), st.integers(3, 10))
def test_steps_property_releases_differ_by_zero_or_k(arrivals, k):
    released, current, shown = [], 0, None
    for i, new in enumerate(arrivals):
        current += new
        is_open = i < len(arrivals) - 1
        shown = release_n(current, shown, k, wave_open=is_open, policy="steps")
        if shown is not None and (not released or released[-1] != shown):
            released.append(shown)
    assert all(n >= k for n in released)
    assert all(b - a >= k for a, b in itertools.pairwise(released))
    assert all(n <= sum(arrivals) for n in released)


# --- comments and the unwanted-behaviour module ----------------------------------------------


def test_comments():
    assert comments_allowed(10, 10, filtered=False)
    assert not comments_allowed(9, 10, filtered=False)
    assert not comments_allowed(500, 10, filtered=True)


def test_sensitive_module():
    assert sensitive_module_allowed(True, 6, 10)
    assert not sensitive_module_allowed(False, 9, 10)
    assert sensitive_module_allowed(False, 10, 10)
    with pytest.raises(ValueError, match="comment_threshold"):
        sensitive_module_allowed(False, 10, 2)


def test_min_k_is_three():
    assert MIN_K == 3


# --- k-anonymous exports ---------------------------------------------------------------------


QIS = ["unit", "gender", "language", "age"]


@st.composite
def exports(draw):
    parent, _ = draw(org_trees(max_units=8))
    k = draw(st.integers(3, 10))
    n = draw(st.integers(k, 60))
    units = sorted(parent)
    rows = [
        {
            "id": i,
            "unit": draw(st.sampled_from(units)),
            "gender": draw(st.sampled_from(["woman", "man", "other", None])),
            "language": draw(st.sampled_from(["nl", "en"])),
            "age": draw(st.sampled_from(["<30", "30-49", "50+", None])),
            "q1": draw(st.integers(1, 5)),
        }
        for i in range(n)
    ]
    return parent, k, rows


#: Export profiles as quasi-identifier lists, most important first (webapp/research/
#: export_profiles.py): full, units-only, and "pick" with two demographics in either order.
PROFILES = {
    "full": QIS,
    "units-only": ["unit", "language"],
    "pick": ["unit", "language", "gender", "age"],
    "pick-reversed": ["unit", "language", "age", "gender"],
    "full-age-first": ["unit", "age", "language", "gender"],
}
MISSING = [-1, -2, -3]  # not applicable, prefer not to say, not answered: kept apart


def _wildcard_sizes(data: pd.DataFrame, qis: list[str]) -> list[int]:
    """sdcMicro's frequency per row: rows that match it where a blank matches anything."""
    values = data[qis].to_numpy(dtype=object)
    blank = data[qis].isna().to_numpy()
    out = []
    for i in range(len(values)):
        same = (values == values[i]) | blank | blank[i]
        out.append(int(same.all(axis=1).sum()))
    return out


@settings(max_examples=30, deadline=None)
@given(
    exports(),
    st.sampled_from(sorted(PROFILES)),
    st.sampled_from(["columns", "local"]),
    st.booleans(),
)
def test_k_anonymize_property(case, profile, suppression, missing_codes):
    parent, k, rows = case
    qis = PROFILES[profile]
    if missing_codes:  # distinct missing codes are values of their own, never "other"
        rows = [
            {**row, "age": MISSING[row["id"] % 3] if row["age"] is None else row["age"]}
            for row in rows
        ]
    result = k_anonymize(rows, qis, k, parent, seed=0, suppression=suppression, keep_apart=MISSING)
    # strict: a blank is a value of its own; every released combination holds k rows
    sizes = result.data.groupby(qis, dropna=False).size()
    assert sizes.min() >= k
    # and so sdcMicro's condition (a blank matches any value) holds too
    assert min(_wildcard_sizes(result.data, qis)) >= k
    assert (
        "other" not in set(result.data["age"].dropna())
        or not missing_codes
        or all(v not in MISSING for v in result.merged.get("age", ()))
    )
    # the cell counts are the cells that lost a value
    original = pd.DataFrame(rows).set_index("id")
    released = result.data.set_index("id").loc[original.index]
    for column in qis:
        if column == "unit":
            continue
        lost = original[column].notna() & released[column].isna()
        assert result.cells[column] == int(lost.sum())
    # no row lost, and non-identifying columns travel with their row
    assert sorted(result.data["id"]) == list(range(len(rows)))
    by_id = result.data.set_index("id")
    for row in rows:
        assert by_id.loc[row["id"], "q1"] == row["q1"]
        released = by_id.loc[row["id"], "unit"]
        if not pd.isna(released) and released != row["unit"]:  # rolled up to an ancestor
            up = parent[row["unit"]]
            while up != released:
                up = parent[up]
    for unit, target in result.rolled_up.items():
        assert target != unit


def test_rare_unit_rolls_up_and_rare_category_becomes_other():
    parent = {"org": None, "a": "org", "b": "org"}
    rows = [{"unit": "a", "gender": "woman"}] * 6 + [{"unit": "b", "gender": "woman"}] * 2
    rows += [{"unit": "a", "gender": "man"}] * 5 + [{"unit": "a", "gender": "x"}]
    rows += [{"unit": "org", "gender": "man"}] * 4
    result = k_anonymize(pd.DataFrame(rows), ["unit", "gender"], 5, parent, seed=1)
    assert result.rolled_up == {"b": "org"}
    # x (1) is too rare even as "other", so it is blanked rather than pooled with woman
    assert result.merged == {"gender": frozenset({"x"})}
    assert "x" not in set(result.data["gender"])
    # combinations that were large enough are untouched
    kept = result.data[(result.data["unit"] == "a") & (result.data["gender"] == "woman")]
    assert len(kept) == 6
    sizes = result.data.groupby(["unit", "gender"], dropna=False).size()
    assert sizes.min() >= 5
    assert len(result.data) == len(rows)


def test_rows_are_not_in_submission_order():
    rows = [{"id": i, "language": "nl"} for i in range(40)]
    result = k_anonymize(rows, ["language"], 5, seed=3)
    assert list(result.data["id"]) != list(range(40))
    assert sorted(result.data["id"]) == list(range(40))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"quasi_identifiers": ["nope"]}, "quasi_identifiers"),
        ({"quasi_identifiers": ["unit"]}, "parent"),
        ({"quasi_identifiers": ["language", "language"]}, "twice"),
    ],
)
def test_k_anonymize_validation(kwargs, match):
    rows = [{"unit": "a", "language": "nl"}] * 5
    with pytest.raises(ValueError, match=match):
        k_anonymize(rows, k=5, **kwargs)


def test_fewer_rows_than_k_cannot_be_anonymous():
    with pytest.raises(ValueError, match="records"):
        k_anonymize([{"language": "nl"}] * 4, ["language"], 5)


# Issue 14, path 1: units of an export beside released tables (global recoding only)
EXPORT_TREE = {"R": None, "A": "R", "A1": "A", "A2": "A", "B": "R", "B1": "B"}


def test_export_units_label_each_unit_with_its_nearest_released_unit():
    from engine.disclosure.export import export_units

    own = {"R": 0, "A": 6, "A1": 2, "A2": 7, "B": 0, "B1": 9}
    labels = export_units(EXPORT_TREE, {"R", "A", "A2", "B"}, own, 5)
    # A1 is not released: its 2 rows carry A's label; B1 carries B
    assert labels == {"R": "R", "A": "A", "A1": "A", "A2": "A2", "B": "B", "B1": "B"}


def test_export_units_merge_a_small_label_upwards_and_a_small_root_takes_a_child():
    from engine.disclosure.export import export_units

    own = {"R": 2, "A": 1, "A1": 2, "A2": 7, "B": 0, "B1": 9}
    labels = export_units(EXPORT_TREE, {"A", "A2", "B1"}, own, 5)
    sizes: dict[str, int] = {}
    for unit, label in labels.items():
        sizes[label] = sizes.get(label, 0) + own[unit]
    assert all(n == 0 or n >= 5 for n in sizes.values()), sizes
    assert labels["A1"] == labels["A"] == "R"  # A's label (3 rows) went up into R
    assert labels["A2"] == "A2" and labels["B1"] == "B1"


def test_export_units_validation():
    from engine.disclosure.export import export_units

    with pytest.raises(ValueError, match="released"):
        export_units(EXPORT_TREE, {"Z"}, {}, 5)
    with pytest.raises(ValueError, match="own_n"):
        export_units(EXPORT_TREE, set(), {"Z": 1}, 5)


def test_k_anonymize_never_blanks_fixed_columns():
    rows = pd.DataFrame(
        {
            "unit": ["A"] * 6 + ["B"] * 6,
            "gender": ["w"] * 5 + ["m"] + ["w"] * 6,
            "language": ["nl"] * 5 + ["en"] + ["nl"] * 6,
        }
    )
    with pytest.raises(ValueError, match="fixed"):  # (A, m) holds 1 row: cannot be kept
        k_anonymize(rows, ["unit", "gender", "language"], 5, fixed=["unit", "gender"])
    result = k_anonymize(rows, ["unit", "language"], 5, fixed=["unit"], seed=1)
    assert result.data["unit"].notna().all()
    assert result.data.groupby(["unit", "language"], dropna=False).size().min() >= 5
    # "en" (1 row) is blanked; within unit A the blank rows must reach k, so A's other
    # rows lose their language too, while B's keep it
    blank = result.data[result.data["language"].isna()]
    assert len(blank) == 6 and set(blank["unit"]) == {"A"}
    with pytest.raises(ValueError, match="not among"):
        k_anonymize(rows, ["language"], 5, fixed=["unit"])


def test_local_suppression_blanks_one_cell_where_columns_blank_a_whole_row():
    # two men of age a: blanking their gender puts them with the three who did not give
    # it (5 rows); blanking age first, as the column method does, helps nobody
    rows = [{"gender": "w", "age": "a"}] * 5 + [{"gender": None, "age": "a"}] * 3
    rows += [{"gender": "m", "age": "a"}] * 2 + [{"gender": "m", "age": "b"}] * 5
    qis = ["gender", "age"]
    local = k_anonymize(rows, qis, 5, seed=0, suppression="local")
    columns = k_anonymize(rows, qis, 5, seed=0, suppression="columns")
    for result in (local, columns):
        assert result.data.groupby(qis, dropna=False).size().min() >= 5
    assert local.cells == {"gender": 2, "age": 0}
    assert local.blanked == 2
    assert sum(columns.cells.values()) > 2


def test_local_suppression_follows_the_importance_order():
    rows = [{"gender": "w", "age": "a"}] * 5 + [{"gender": "m", "age": "b"}] * 5
    rows += [{"gender": None, "age": "b"}] * 5 + [{"gender": "w", "age": None}] * 5
    rows += [{"gender": "w", "age": "b"}] * 2
    # the two (w, b) rows can join (w, -) or (-, b): the less important column goes
    keep_gender = k_anonymize(rows, ["gender", "age"], 5, seed=0, suppression="local")
    keep_age = k_anonymize(rows, ["age", "gender"], 5, seed=0, suppression="local")
    assert keep_gender.cells == {"gender": 0, "age": 2}
    assert keep_age.cells == {"age": 0, "gender": 2}
    for result, qis in ((keep_gender, ["gender", "age"]), (keep_age, ["age", "gender"])):
        assert result.data.groupby(qis, dropna=False).size().min() >= 5


def test_missing_codes_are_never_pooled_into_other():
    rows = [{"gender": 1}] * 6 + [{"gender": 2}] * 6 + [{"gender": 3}] * 3
    rows += [{"gender": -2}] * 2 + [{"gender": -3}] * 6
    result = k_anonymize(rows, ["gender"], 5, seed=0, keep_apart=[-1, -2, -3])
    assert result.merged == {"gender": frozenset({3})}
    values = result.data["gender"]
    assert (values == -3).sum() == 6  # large enough: kept as its own code
    assert not (values == -2).any()  # too rare: blanked, not pooled with 3 into "other"
    assert result.cells["gender"] == 2 + 3  # 2 prefer-not-to-say and the 3 pooled-then-blank
