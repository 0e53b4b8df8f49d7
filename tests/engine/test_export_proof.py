"""The export beside exact tables: blocks of the filter question, and the reduced exact audit.

:func:`audit_split` audits only the rows of classes a table splits; the brute force below
audits the whole file and every table (every group of atoms, rank over the rationals) and
must agree on small random systems. The constructed hospital shows the attack the blocks
close: a parent's "men" table minus the men the file shows is the men it blanked.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disclosure.export_proof import WITHHELD, audit_split, withhold_blocks
from tests.engine.test_audit import rank


def brute_force_cut(classes, tables, k):
    """Whether some group of 1 to k-1 rows that cuts a class is derivable (whole system)."""
    member = np.array([rows for _, rows in tables], dtype=bool).T
    keys = [(int(c), tuple(m.tolist())) for c, m in zip(classes, member, strict=True)]
    atoms: dict[tuple, int] = {}
    for key in keys:
        atoms[key] = atoms.get(key, 0) + 1
    ids = list(atoms)
    matrix = [[1 if a[1][j] else 0 for a in ids] for j in range(len(tables))]
    matrix += [[1 if a[0] == c else 0 for a in ids] for c in sorted(set(int(c) for c in classes))]
    base = rank(matrix)
    of_class = {c: {a for a in ids if a[0] == c} for c in {a[0] for a in ids}}
    for size in range(1, len(ids) + 1):
        for group in itertools.combinations(ids, size):
            n = sum(atoms[a] for a in group)
            if not 1 <= n < k:
                continue
            if all(of_class[c] <= set(group) for c in {a[0] for a in group}):
                continue  # whole classes: the file shows them row by row anyway
            if rank([*matrix, [1 if a in group else 0 for a in ids]]) == base:
                return True
    return False


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 7)), min_size=1, max_size=14),
    st.integers(1, 3),
    st.integers(3, 5),
)
def test_audit_split_agrees_with_brute_force(rows, n_tables, k):
    classes = np.array([c for c, _ in rows])
    tables = [
        (f"t{j}", np.array([bool(bits >> j & 1) for _, bits in rows])) for j in range(n_tables)
    ]
    found = audit_split(classes, tables, k)
    assert all(f.kind == "leak" for f in found)  # tiny systems never exhaust the budget
    assert bool(found) == brute_force_cut(classes, tables, k)
    for finding in found:  # a real group: fewer than k rows, cutting a class
        assert 1 <= finding.n < k


#: Parent P: per unit, (men, women, no answer); tables: every unit, P's men and women, the
#: men of Y and Z and the women of X and W (each with its rest at k, as the dashboards
#: release them). X's 2 men are below k = 5; P's men outside Y and Z are X's and W's: 5.
HOSPITAL = {"X": (2, 9, 3), "W": (3, 5, 2), "Y": (6, 5, 0), "Z": (6, 5, 0)}
MEN, WOMEN = 2.0, 1.0


def _hospital():
    units: list[str] = []
    gender: list[float] = []
    for unit, (men, women, missing) in HOSPITAL.items():
        units += [unit] * (men + women + missing)
        gender += [MEN] * men + [WOMEN] * women + [-3.0] * missing
    units_arr, gender_arr = np.array(units), np.array(gender)

    def rows(unit=None, g=None):
        out = np.ones(len(units), dtype=bool)
        if unit is not None:
            out &= units_arr == unit
        if g is not None:
            out &= gender_arr == g
        return out

    tables = [("unit:P", rows())] + [(f"unit:{u}", rows(u)) for u in HOSPITAL]
    tables += [("unit:P|men", rows(g=MEN)), ("unit:P|women", rows(g=WOMEN))]
    tables += [(f"unit:{u}|men", rows(u, MEN)) for u in "YZ"]
    tables += [(f"unit:{u}|women", rows(u, WOMEN)) for u in "XW"]
    own = {MEN: {"Y", "Z"}, WOMEN: {"X", "W"}}  # units with a table of their own
    regions = [
        (u if u in own[g] else "P") if g > 0 else None for u, g in zip(units, gender, strict=True)
    ]
    return units, gender_arr, regions, tables


def _classes(units, shown):
    keys = list(zip(units, shown.tolist(), strict=True))
    index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    return np.array([index[key] for key in keys])


def test_the_tables_alone_are_safe():
    units, _, _, tables = _hospital()
    one_class = np.zeros(len(units), dtype=np.int64)  # a file that shows nothing
    assert audit_split(one_class, tables, 5) == ()


def test_blanking_the_rare_men_alone_is_undone_by_the_parents_table():
    units, gender, _, tables = _hospital()
    shown = gender.copy()
    x = np.array(units) == "X"
    shown[x & (gender != WOMEN)] = WITHHELD  # X's 2 men with X's 3 missing: a class of 5
    classes = _classes(units, shown)
    found = audit_split(classes, tables, 5)
    # P's men minus the men the file shows (W's, Y's, Z's): X's two men
    assert found and found[0].n == 2
    assert brute_force_cut(classes, tables, 5)


def test_blocks_withhold_the_region_and_pass_the_audit():
    units, gender, regions, tables = _hospital()
    blocks = withhold_blocks(units, gender, regions, 5)
    assert blocks.withheld == {("P", MEN)}  # X's and W's men: P's men outside Y and Z
    unit = np.array(units)
    hidden = blocks.values == WITHHELD
    # X and W withhold their men and pad them with their missing answers (in no table)
    assert set(np.flatnonzero(hidden)) == set(
        np.flatnonzero(np.isin(unit, ["X", "W"]) & (gender != WOMEN))
    )
    assert (blocks.values[~hidden] == gender[~hidden]).all()
    assert int((blocks.values > 0).sum()) == 9 + 5 + 11 + 11  # every woman, Y's and Z's men
    classes = _classes(units, blocks.values)
    assert audit_split(classes, tables, 5) == ()
    assert not brute_force_cut(classes, tables, 5)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.sampled_from([1.0, 2.0, 3.0, -1.0, -3.0])),
        min_size=5,
        max_size=40,
    ),
    st.integers(3, 5),
    st.booleans(),
)
def test_blocks_leave_no_rare_cell_and_withhold_whole_blocks(rows, k, shared):
    labels = [u for u, _ in rows]
    values = np.array([g for _, g in rows])
    # one region over all units (a parent's table) or a region per unit
    regions = [("P" if shared else u) if g > 0 else None for u, g in rows]
    blocks = withhold_blocks(labels, values, regions, k)
    shown = blocks.values
    cells: dict[tuple, int] = {}
    for u, v in zip(labels, shown.tolist(), strict=True):
        cells[(u, v)] = cells.get((u, v), 0) + 1
    rare = {key: n for key, n in cells.items() if n < k}
    label_n = {u: labels.count(u) for u in set(labels)}
    # a label smaller than k keeps its rows together (the caller's labels never are)
    assert all(label_n[u] < k for u, _ in rare), rare
    by_block: dict[tuple, set[bool]] = {}
    for r, g, s in zip(regions, values.tolist(), shown.tolist(), strict=True):
        if g > 0:
            by_block.setdefault((r, g), set()).add(s == WITHHELD)
            assert s in (g, WITHHELD)  # an answer is shown as it is or withheld
        else:
            assert s in (g, WITHHELD)  # a missing code stays, or pads a withheld class
    assert all(len(states) == 1 for states in by_block.values())  # whole blocks only
    assert {b for b, s in by_block.items() if s == {True}} == set(blocks.withheld)


def test_a_proof_too_large_to_search_fails_instead_of_passing():
    units, gender, _, tables = _hospital()
    shown = gender.copy()
    x = np.array(units) == "X"
    shown[x & (gender != WOMEN)] = WITHHELD
    classes = _classes(units, shown)
    (finding,) = audit_split(classes, tables, 5, max_atoms=1)
    assert finding.kind == "inconclusive" and finding.n is None
