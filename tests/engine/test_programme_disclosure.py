"""Property: a programme evaluation's groups, built as the results service builds them, add
no group below k to the released views (webapp/results/programme.py, "Disclosure").

For random organisations and k, with the tree pattern of
:func:`engine.disclosure.audit_views.release`: the programme side is a union of released
units none of which lies under another, the other side the released units without sub-units
outside the programme; with at least 2 units on each side, the audit of the released views
plus the two groups finds nothing. Units are counted in responses (k) and units (2 a side).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disclosure.audit import View, audit
from engine.disclosure.audit_views import atoms_of, release


@st.composite
def organisations(draw):
    """(parent, own): an organisation of departments of teams, as programmes meet them:
    2 to 4 departments of 1 to 5 teams, teams of 0 to 25 responses, a few responses of a
    department's own now and then."""
    sizes = st.sampled_from([0, 2, 4, 5, 6, 7, 9, 12, 16, 25])
    parent: dict[str, str | None] = {"org": None}
    own = {"org": draw(st.sampled_from([0, 0, 1, 3]))}
    for d in range(draw(st.integers(2, 4))):
        parent[f"d{d}"] = "org"
        own[f"d{d}"] = draw(st.sampled_from([0, 0, 0, 1, 2, 6]))
        for t in range(draw(st.integers(2, 5))):
            parent[f"d{d}t{t}"] = f"d{d}"
            own[f"d{d}t{t}"] = draw(sizes)
    return parent, own


MIN_UNITS = 2  # units a side needs


def _under(parent, unit, chosen):
    up = unit
    while up is not None:
        if up in chosen:
            return True
        up = parent[up]
    return False


def _subtree_atoms(parent, atoms, units):
    return frozenset(a for a in atoms if _under(parent, a[0], units))


@settings(max_examples=300, deadline=None)
@given(organisations(), st.integers(3, 8), st.data())
def test_programme_groups_of_released_units_leak_nothing(tree, k, data):
    parent, own = tree
    atoms = atoms_of(own)
    found = release(parent, own, k)
    shown = sorted(found.units)
    order = data.draw(st.permutations(shown))
    picked = order[: data.draw(st.integers(2, max(2, len(order) // 2)))]
    programme: set[str] = set()
    for unit in picked:  # as surveys.programmes refuses a unit under another programme unit
        if not _under(parent, unit, programme) and not any(
            _under(parent, p, {unit}) for p in programme
        ):
            programme.add(unit)
    leaves = {u for u in parent if not any(up == u for up in parent.values())}
    other = {u for u in leaves & found.units if not _under(parent, u, programme)}
    if len(programme) < MIN_UNITS or len(other) < MIN_UNITS:
        return
    groups = [
        View("programme:programme", _subtree_atoms(parent, atoms, programme), 1),
        View("programme:other", _subtree_atoms(parent, atoms, other), 1),
    ]
    result = audit(atoms, [*found.views, *groups], k)
    assert result.ok, [f.describe() for f in result.findings]


def test_a_group_with_a_hidden_unit_is_caught():
    """The same check fails when a side takes in a unit the tree pattern hides: a parent of
    7 with children of 6 (shown alone it would leave 1) and 1: the 6 is withheld, and a
    group of it and another unit minus that unit's released view gives the parent minus
    the 6, a group of 1."""
    parent = {"root": None, "a": "root", "b": "root", "a1": "a", "a2": "a", "b1": "b"}
    own = {"root": 0, "a": 0, "b": 0, "a1": 6, "a2": 1, "b1": 9}
    k = 5
    atoms = atoms_of(own)
    found = release(parent, own, k)
    assert "a1" not in found.units and "a" in found.units and "b1" in found.units
    leaky = View("programme:other", _subtree_atoms(parent, atoms, {"a1", "b1"}), 1)
    assert audit(atoms, list(found.views), k).ok
    assert not audit(atoms, [*found.views, leaky], k).ok
