"""engine.disclosure.joint: group-vs-rest cells of several demographic questions, released
together with the cells already shown, never let a group below k be derived (k counts
responses)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.disclosure.audit import audit
from engine.disclosure.audit_views import atoms_of, cell_views, release
from engine.disclosure.joint import joint_release

QUESTIONS = ("q", "r")


def test_intersecting_questions_are_withheld_jointly():
    """One unit of 18: 10 women (q=1), 8 men (q=2); 6 under 30 (r=1), all of them men.
    Each group and its rest reach k = 5 on its own question, yet 'men' minus 'under 30' is
    the 2 men of 30 or over: only an audit of both questions together sees it."""
    parent = {"org": None}
    own = {"org": {("1", "2"): 10, ("2", "1"): 6, ("2", "2"): 2}}
    shown = {("org", None, None), ("org", "q", "1"), ("org", "q", "2")}
    proposed = {("org", "r", "1"), ("org", "r", "2")}
    everything = cell_views(parent, own, shown | proposed, QUESTIONS)
    leaked = audit(atoms_of(own), everything, 5)
    assert not leaked.ok and leaked.findings[0].n == 2
    found = joint_release(parent, own, 5, QUESTIONS, shown, proposed)
    assert found.joint and found.kept < proposed and not found.small
    views = cell_views(parent, own, shown | found.kept, QUESTIONS)
    assert audit(atoms_of(own), views, 5).ok


def test_a_small_group_or_rest_is_never_proposed():
    parent = {"org": None}
    own = {"org": {("1", "1"): 8, ("1", "2"): 8, ("2", "1"): 3, ("2", None): 1}}
    found = joint_release(parent, own, 5, QUESTIONS, {("org", None, None)}, {("org", "r", "1")})
    # r=1 holds 11, its rest 9: proposed; q=2 (4) would be small
    assert found.kept == {("org", "r", "1")}
    small = joint_release(parent, own, 5, QUESTIONS, {("org", None, None)}, {("org", "q", "2")})
    assert small.small == {("org", "q", "2")} and not small.kept


def test_bad_cells_are_refused():
    parent = {"org": None}
    own = {"org": {("1", "1"): 8}}
    with pytest.raises(ValueError, match="proposed"):
        joint_release(parent, own, 5, QUESTIONS, set(), {("nope", "q", "1")})
    with pytest.raises(ValueError, match="questions"):
        joint_release(parent, own, 5, QUESTIONS, set(), {("org", "x", "1")})


@st.composite
def organisations(draw):
    """(parent, own, k): a root and up to 4 units below it; per unit, responses per answer
    to two questions (None: not answered)."""
    n = draw(st.integers(1, 5))
    parent: dict[str, str | None] = {"u0": None}
    for i in range(1, n):
        parent[f"u{i}"] = "u0"
    sizes = st.sampled_from([0, 0, 0, 1, 2, 3, 5, 8])
    answers = [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2"), (None, "1"), ("2", None)]
    own = {u: {p: draw(sizes) for p in answers} for u in parent}
    return parent, own, draw(st.integers(3, 5))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_random_organisations_leak_nothing(org):
    """The service's pattern: unit totals and the first question's cells (audited release),
    then the second question's cells at the root proposed jointly. Whatever is kept, the
    audit of everything together finds no group of 1 to k-1."""
    parent, own, k = org
    one = {u: {} for u in parent}
    for unit, profiles in own.items():
        for (a, _b), n in profiles.items():
            one[unit][(a,)] = one[unit].get((a,), 0) + n
    base = release(parent, one, k, ("q",))
    shown = {(u, None, None) for u in base.units} | set(base.filters)
    proposed = {("u0", "r", c) for c in ("1", "2")}
    found = joint_release(parent, own, k, QUESTIONS, shown, proposed)
    assert found.kept | found.small | found.joint == proposed
    views = cell_views(parent, own, shown | found.kept, QUESTIONS)
    result = audit(atoms_of(own), views, k)
    assert result.ok, [f.describe() for f in result.findings]
