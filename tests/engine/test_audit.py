"""The disclosure audit: it finds every differencing leak, and the released views have none.

Three kinds of evidence: the audit agrees with brute force on small random systems; it finds
the classic leaks (tree remainder, filter complement, open-wave steps) when suppression is
off; and for random org trees, sizes, demographics and k in 3..10, what the rules release
passes it for every role.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.disclosure.audit as audit_module
from engine.disclosure.audit import View, audit, enforce
from engine.disclosure.audit_time import audit_snapshots
from engine.disclosure.audit_views import (
    atoms_of,
    cell_views,
    release,
    role_scope,
    views_for_role,
)
from engine.disclosure.rules import release_n, subtree_n, suppress_tree
from tests.engine.test_disclosure import org_trees


def unit_views(parent, units, profiles=None):
    """Unfiltered subtree views over atoms (unit, ())."""
    views = []
    for unit in units:
        members = set()
        for other in parent:
            up = other
            while up is not None and up != unit:
                up = parent[up]
            if up == unit:
                members.add((other, ()))
        views.append(View(f"unit:{unit}", frozenset(members)))
    return views


def check_findings(atoms, views, result):
    """Each finding's combination of views really yields its group and count."""
    by_name = {v.name: v for v in views}
    for finding in result.findings:
        assert finding.kind == "leak"
        assert 1 <= finding.n < result.k
        weight = dict.fromkeys(atoms, Fraction(0))
        for name, coef in finding.combination.items():
            for atom in by_name[name].atoms:
                weight[atom] += coef
        for atom, n in atoms.items():
            if n > 0:
                assert weight[atom] == (1 if atom in finding.atoms else 0), atom
        count = sum(
            c * sum(atoms[a] for a in by_name[v].atoms) for v, c in finding.combination.items()
        )
        assert count == finding.n


# --- the audit finds leaks -------------------------------------------------------------------


def test_tree_remainder_leak_is_found():
    # parent 12 with children 5 and 5 and 2 own members: P - A - B = 2
    parent = {"P": None, "A": "P", "B": "P"}
    own = {"P": 2, "A": 5, "B": 5}
    atoms = atoms_of(own)
    views = unit_views(parent, parent)
    result = audit(atoms, views, k=5)
    assert not result.ok
    (finding,) = result.findings
    assert finding.n == 2 and finding.atoms == {("P", ())}
    assert finding.combination == {"unit:P": 1, "unit:A": -1, "unit:B": -1}
    assert finding.describe() == "group of 2 derivable: unit:P - unit:A - unit:B"
    check_findings(atoms, views, result)
    # with suppression on, nothing leaks
    shown = suppress_tree(parent, own, k=5).shown
    assert audit(atoms, unit_views(parent, shown), k=5).ok


def test_filter_complement_leak_is_found():
    atoms = {("u", ("woman",)): 5, ("u", ("man",)): 2}
    views = [
        View("unit:u", frozenset(atoms)),
        View("unit:u|gender=woman", frozenset({("u", ("woman",))})),
    ]
    result = audit(atoms, views, k=5)
    assert [f.n for f in result.findings] == [2]
    assert result.findings[0].atoms == {("u", ("man",))}
    check_findings(atoms, views, result)
    rel = release({"u": None}, {"u": {("woman",): 5, ("man",): 2}}, 5, ["gender"])
    assert rel.filters == frozenset()
    assert audit(atoms, list(rel.views), 5).ok


def test_hidden_categories_leak_is_found():
    # a and b shown, c (2) + non-respondents (1) = 3 derivable as the rest
    atoms = {("u", ("a",)): 6, ("u", ("b",)): 6, ("u", ("c",)): 2, ("u", (None,)): 1}
    views = [View("unit:u", frozenset(atoms))]
    views += [View(f"unit:u|q={c}", frozenset({("u", (c,))})) for c in "ab"]
    result = audit(atoms, views, k=5)
    assert [f.n for f in result.findings] == [3]
    check_findings(atoms, views, result)


def test_open_wave_steps_leak_is_found():
    # atoms: responses by the period they arrived in; snapshots are cumulative
    atoms = {("A", 1): 6, ("A", 2): 3}
    first = View("A@1", frozenset({("A", 1)}))
    second = View("A@2", frozenset({("A", 1), ("A", 2)}))
    result = audit(atoms, [first, second], k=5)
    assert [f.n for f in result.findings] == [3]
    # release_n keeps showing the first snapshot, so there is no second view
    assert release_n(9, 6, k=5, wave_open=True, policy="steps") == 6
    assert audit(atoms, [first], k=5).ok


def test_steps_of_a_parent_and_a_child_combine_over_time():
    # both cells step by >= 5 under release_n, but the parent's own members grew by 1
    parent = {"P": None, "C": "P"}
    first, second = {"P": 5, "C": 5}, {"P": 6, "C": 10}
    assert release_n(16, 10, k=5, wave_open=True, policy="steps") == 16
    assert release_n(10, 5, k=5, wave_open=True, policy="steps") == 10
    snapshots = []
    for own in (first, second):
        shown = suppress_tree(parent, own, k=5).shown
        snapshots.append((atoms_of(own), unit_views(parent, shown)))
    assert audit_snapshots(snapshots[:1], k=5).ok
    result = audit_snapshots(snapshots, k=5)
    assert [f.n for f in result.findings] == [1]
    assert result.findings[0].combination == {
        "unit:P@1": 1,
        "unit:C@1": -1,
        "unit:P@0": -1,
        "unit:C@0": 1,
    }


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=10), st.integers(3, 10))
def test_one_cell_released_in_steps_passes_the_snapshot_audit(arrivals, k):
    snapshots, shown, current = [], None, 0
    for new in arrivals:
        current += new
        step = release_n(current, shown, k, wave_open=True, policy="steps")
        if step is not None and step != shown:
            shown = step
            snapshots.append(({"cell": step}, [View("cell", frozenset({"cell"}))]))
    assert audit_snapshots(snapshots, k).ok
    # releasing every arrival instead leaks as soon as one step is below k
    every = []
    current = 0
    for new in arrivals:
        current += new
        every.append(({"cell": current}, [View("cell", frozenset({"cell"}))]))
    small_step = any(0 < n < k for n in [arrivals[0], *arrivals[1:]])
    assert audit_snapshots(every, k).ok == (not small_step)


def test_snapshot_validation():
    view = [View("c", frozenset({"c"}))]
    with pytest.raises(ValueError, match="decreased"):
        audit_snapshots([({"c": 6}, view), ({"c": 5}, view)], k=5)
    with pytest.raises(ValueError, match="disappeared"):
        audit_snapshots([({"c": 6}, view), ({}, [])], k=5)


def test_known_empty_groups_are_subtracted():
    # team w is all women; a manager knows that, so "a|women - w" is a's one own woman
    atoms = {("a", ("w",)): 1, ("a", ("m",)): 9, ("w", ("w",)): 5}
    views = [
        View("unit:a", frozenset(atoms)),
        View("unit:w", frozenset({("w", ("w",))})),
        View("unit:a|g=w", frozenset({("a", ("w",)), ("w", ("w",))})),
    ]
    result = audit(atoms, views, k=5)
    assert [f.n for f in result.findings] == [1]
    check_findings(atoms, views, result)


def test_empty_groups_are_no_leak():
    atoms = {("P", ()): 0, ("A", ()): 7}
    views = [View("unit:P", frozenset(atoms)), View("unit:A", frozenset({("A", ())}))]
    assert audit(atoms, views, k=5).ok


def test_a_view_below_k_is_itself_a_finding():
    atoms = {"x": 2, "y": 9}
    result = audit(atoms, [View("small", frozenset({"x"}))], k=5)
    assert result.findings[0].combination == {"small": 1}


def test_budget_exhaustion_is_a_failure(monkeypatch):
    monkeypatch.setattr(audit_module, "SEARCH_BUDGET", 0)
    views = [View("all", frozenset({"x", "y"})), View("y", frozenset({"y"}))]
    result = audit({"x": 2, "y": 9}, views, k=5)
    assert not result.ok
    assert result.findings[0].kind == "inconclusive"
    assert result.findings[0].describe().startswith("inconclusive")


@pytest.mark.parametrize(
    ("atoms", "views", "k", "match"),
    [
        ({"x": -1}, [], 5, "atoms"),
        ({"x": 1}, [View("v", frozenset({"y"}))], 5, "unknown atoms"),
        ({"x": 1}, ["not a view"], 5, "views"),
        ({"x": 1}, [], 2, "k must"),
    ],
)
def test_audit_validation(atoms, views, k, match):
    with pytest.raises(ValueError, match=match):
        audit(atoms, views, k)


# --- the audit agrees with brute force -------------------------------------------------------


def rank(rows):
    """Rank over the rationals (Fraction Gaussian elimination), for the brute force."""
    rows = [[Fraction(v) for v in r] for r in rows]
    r = 0
    for c in range(len(rows[0]) if rows else 0):
        pick = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pick is None:
            continue
        rows[r], rows[pick] = rows[pick], rows[r]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                f = rows[i][c] / rows[r][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r], strict=True)]
        r += 1
    return r


def brute_force_leaks(atoms, views, k):
    positive = [a for a in atoms if atoms[a] > 0]
    matrix = [[1 if a in v.atoms else 0 for a in positive] for v in views]
    base = rank(matrix) if matrix else 0
    for size in range(1, len(positive) + 1):
        for group in itertools.combinations(positive, size):
            n = sum(atoms[a] for a in group)
            if not 1 <= n < k:
                continue
            row = [1 if a in group else 0 for a in positive]
            if matrix and rank([*matrix, row]) == base:
                return True
    return False


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=6),
    st.lists(st.sets(st.integers(0, 5), min_size=1), max_size=5),
    st.integers(3, 6),
)
def test_audit_agrees_with_brute_force(counts, covers, k):
    atoms = {f"a{i}": n for i, n in enumerate(counts)}
    views = [
        View(f"v{j}", frozenset(f"a{i}" for i in cover if i < len(counts)))
        for j, cover in enumerate(covers)
    ]
    result = audit(atoms, views, k)
    assert result.ok == (not brute_force_leaks(atoms, views, k))
    check_findings(atoms, views, result)


@settings(max_examples=100, deadline=None)
@given(org_trees(), st.integers(3, 10), st.data())
def test_unsuppressed_trees_leak_exactly_when_a_block_is_small(tree, k, data):
    # laminar views: the derivable groups are unions of blocks, so the audit must find a
    # leak iff some block holds 1..k-1 responses
    parent, own = tree
    shown = data.draw(st.sets(st.sampled_from(sorted(parent)), min_size=1))
    total = subtree_n(parent, own)
    small = False
    for unit in shown:
        rest = total[unit]
        for other in shown - {unit}:
            up, path = parent[other], []
            while up is not None and up != unit:
                path.append(up)
                up = parent[up]
            if up == unit and not set(path) & shown:
                rest -= total[other]
        small |= 0 < rest < k
    atoms = atoms_of(own)
    views = unit_views(parent, shown)
    result = audit(atoms, views, k)
    assert result.ok == (not small)
    check_findings(atoms, views, result)


# --- what the rules release passes the audit -------------------------------------------------


@st.composite
def surveys(draw):
    """(parent, own, k): a random tree; each unit's members answer one demographic question."""
    parent, own_n = draw(org_trees(max_units=10))
    k = draw(st.integers(3, 10))
    cats = [f"c{i}" for i in range(draw(st.integers(2, 4)))] + [None]
    own = {}
    for unit, n in own_n.items():
        answers = draw(st.lists(st.sampled_from(cats), min_size=n, max_size=n))
        profiles = {}
        for cat in answers:
            profiles[(cat,)] = profiles.get((cat,), 0) + 1
        own[unit] = profiles
    return parent, own, k


def scopes(parent):
    yield role_scope(parent, "admin")
    yield role_scope(parent, "researcher")
    for unit in parent:
        yield role_scope(parent, "manager", unit)


@settings(max_examples=100, deadline=None)
@given(org_trees(), st.integers(3, 10))
def test_tree_rules_alone_leak_nothing_for_any_role(tree, k):
    parent, own = tree
    atoms = atoms_of(own)
    pooled = set()
    for scope in scopes(parent):
        views = views_for_role(parent, own, k, scope, audited=False)
        assert audit(atoms, views, k).ok
        pooled |= set(views)
    # managers who pool what they see learn nothing either
    assert audit(atoms, sorted(pooled, key=lambda v: v.name), k).ok


@settings(max_examples=50, deadline=None)
@given(surveys())
def test_released_views_with_filters_leak_nothing_for_any_role(case):
    parent, own, k = case
    atoms = atoms_of(own)
    for scope in scopes(parent):
        rel = release(parent, own, k, ["gender"], scope=scope)
        assert audit(atoms, list(rel.views), k).ok
        # the audit pass only ever withholds filter cells, never a unit's total
        assert all(v.priority == 0 for v in rel.withheld)
        assert {v.name for v in rel.views if v.priority == 1} == {f"unit:{u}" for u in rel.units}
        for unit, question, cat in rel.filters:
            assert unit in rel.units and question == "gender" and cat is not None


@settings(max_examples=40, deadline=None)
@given(surveys())
def test_filter_rules_never_show_a_cell_below_k(case):
    parent, own, k = case
    atoms = atoms_of(own)
    rel = release(parent, own, k, ["gender"], audited=False)
    for view in rel.views:
        n = sum(atoms[a] for a in view.atoms)
        assert n >= k
        if view.priority == 0:  # a filter cell: its complement in the unit is >= k too
            unit = view.name.removeprefix("unit:").split("|")[0]
            unit_view = next(v for v in rel.views if v.name == f"unit:{unit}")
            assert sum(atoms[a] for a in unit_view.atoms) - n >= k


def test_enforce_withholds_lowest_priority_first():
    atoms = {("u", ("w",)): 5, ("u", ("m",)): 2}
    total = View("unit:u", frozenset(atoms), priority=1)
    women = View("unit:u|g=w", frozenset({("u", ("w",))}), priority=0)
    kept, withheld = enforce(atoms, [total, women], k=5)
    assert kept == [total] and withheld == [women]


def test_multiple_questions_are_audited_together():
    # each filter passes on its own, but gender x age identifies the young man
    own = {"u": {("w", "young"): 5, ("m", "young"): 1, ("m", "old"): 5}}
    atoms = atoms_of(own)
    raw = release({"u": None}, own, 5, ["gender", "age"], audited=False)
    assert not audit(atoms, list(raw.views), 5).ok
    rel = release({"u": None}, own, 5, ["gender", "age"])
    assert audit(atoms, list(rel.views), 5).ok
    assert rel.withheld


def test_rules_alone_can_leak_and_the_audit_pass_closes_it():
    # found by random testing: u1 hides its c1 filter (its rest would be 4 < 6), but
    # org|c1 - u2|c1 gives u1's c1 count (org has no own members), and u1 - u1|c0 - that
    # is u1's 4 non-respondents
    parent = {"u0": None, "u1": "u0", "u2": "u0", "u3": "u2", "u4": "u1", "u5": "u2"}
    own = {
        "u0": {},
        "u1": {(None,): 4, ("c0",): 10, ("c1",): 6},
        "u2": {("c1",): 2},
        "u3": {(None,): 4, ("c1",): 4, ("c0",): 5},
        "u4": {},
        "u5": {("c1",): 7, ("c0",): 7, (None,): 6},
    }
    atoms = atoms_of(own)
    raw = release(parent, own, 6, ["q"], audited=False)
    result = audit(atoms, list(raw.views), 6)
    assert [f.n for f in result.findings] == [4]
    check_findings(atoms, list(raw.views), result)
    rel = release(parent, own, 6, ["q"])
    assert audit(atoms, list(rel.views), 6).ok
    assert rel.units == raw.units  # unit totals are never the price
    assert len(rel.withheld) == 1 and rel.filters < raw.filters


@settings(max_examples=40, deadline=None)
@given(surveys(), st.data())
def test_two_filter_questions_leak_nothing(case, data):
    parent, own, k = case
    ages = ["young", "old", None]
    both = {}
    for unit, profiles in own.items():
        both[unit] = {}
        for (cat,), n in profiles.items():
            for _ in range(n):
                key = (cat, data.draw(st.sampled_from(ages)))
                both[unit][key] = both[unit].get(key, 0) + 1
    atoms = atoms_of(both)
    rel = release(parent, both, k, ["gender", "age"])
    assert audit(atoms, list(rel.views), k).ok
    assert all(v.priority == 0 for v in rel.withheld)


def test_release_answers_what_a_page_may_show():
    parent = {"org": None, "a": "org", "b": "org"}
    own = {
        "org": {},
        "a": {("w",): 6, ("m",): 6},
        "b": {("w",): 3, ("m",): 2},
    }
    rel = release(parent, own, 5, ["gender"], scope=role_scope(parent, "manager", "a"))
    assert rel.shows("a") and rel.shows("org") and not rel.shows("b")
    # a's women (6) and men (6) each reach 5, but org's split minus a's would give b's
    # 3 women and 2 men: the larger unit keeps its filter (as for unit totals, the
    # smaller group gives way), so a shows none
    assert rel.shows("org", "gender", "w") and rel.shows("org", "gender", "m")
    assert not rel.shows("a", "gender", "w") and not rel.shows("a", "gender", "m")
    assert audit(atoms_of(own), list(rel.views), 5).ok


@settings(max_examples=40, deadline=None)
@given(surveys())
def test_cell_views_rebuild_what_release_showed(case):
    parent, own, k = case
    rel = release(parent, own, k, ["gender"])
    cells = {(u, None, None) for u in rel.units} | set(rel.filters)
    assert set(cell_views(parent, own, cells, ["gender"])) == set(rel.views)


def test_cell_views_catch_a_page_that_bypasses_the_rules():
    parent = {"P": None, "A": "P", "B": "P"}
    own = {"P": 2, "A": 5, "B": 5}
    cells = {("P", None, None), ("A", None, None), ("B", None, None)}
    result = audit(atoms_of(own), cell_views(parent, own, cells), 5)
    assert [f.n for f in result.findings] == [2]
    with pytest.raises(ValueError, match="filters"):
        cell_views(parent, own, {("P", "gender", "w")})


def test_enforce_needs_unique_names():
    view = View("v", frozenset({"x"}))
    with pytest.raises(ValueError, match="unique"):
        enforce({"x": 9}, [view, view], 5)


def test_release_validation():
    with pytest.raises(ValueError, match="profile"):
        release({"u": None}, {"u": {("w",): 5}}, 5, [])
    with pytest.raises(ValueError, match="scope"):
        release({"u": None}, {"u": 5}, 5, scope={"x"})
    with pytest.raises(ValueError, match="role"):
        role_scope({"u": None}, "boss")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unit"):
        role_scope({"u": None}, "manager", "x")


def test_manager_scope():
    parent = {"org": None, "p": "org", "m": "p", "s": "p", "c": "m"}
    assert role_scope(parent, "manager", "m") == {"org", "p", "m", "c"}
    assert role_scope(parent, "admin") == set(parent)
