"""An item-level export beside exact tables: keep the filter question, prove the pair safe.

A researcher holds the export (every row, with its quasi-identifiers) and the released tables
(per unit, and per unit and category of the question the dashboards break results down by).
Blanking a rare person's category in the file does not hide it when a table counts that
category: the table minus the file's rows that show the category leaves the blanked ones.
Two pure functions close that:

- :func:`withhold_blocks` decides which answers to the filter question the file withholds
  (-4): never one person's answer alone, but whole *blocks* (the rows of one category in
  one region of the released tables), so that a table minus the visible rows leaves whole
  blocks, each itself a difference of released tables;
- :func:`audit_split` proves a file and the tables together: the exact disclosure audit
  (:func:`engine.disclosure.audit.search_groups`) over the rows of the classes a table splits,
  which is equivalent to auditing the whole file and every table (see its Notes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.disclosure.audit import Finding, View, search_groups
from engine.disclosure.rules import check_k

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Blocks", "audit_split", "withhold_blocks"]

#: Missing codes of an answer (not applicable, prefer not to say, not answered) and the
#: code of an answer withheld for anonymity (:mod:`webapp.exports.missing`).
MISSING = (-1.0, -2.0, -3.0)
WITHHELD = -4.0
#: Atoms (class x tables holding the row) among the split classes beyond which
#: :func:`audit_split` gives up ("inconclusive"): the demo's measures have about 400 and take
#: about a second each; a wave of 20,000 responses took minutes.
MAX_ATOMS = 1_000


@dataclass(frozen=True)
class Blocks:
    """The filter question's column as the file shows it.

    Attributes
    ----------
    values : ndarray
        Per row: the answer (a category code > 0), a missing code, or -4 (withheld).
    withheld : frozenset of (region, category)
        Blocks whose answers are withheld in every row.
    """

    values: np.ndarray
    withheld: frozenset[tuple[Hashable, float]]


def withhold_blocks(
    labels: Sequence[Hashable],
    values: np.ndarray,
    regions: Sequence[Hashable],
    k: int,
) -> Blocks:
    """Withhold answers to the filter question by whole blocks until every cell holds k rows.

    Parameters
    ----------
    labels : sequence
        Per row: the unit label the file shows (every label holds 0 or at least k rows).
    values : ndarray of float
        Per row: the answer's category code (> 0) or a missing code (-1, -2, -3).
    regions : sequence
        Per row with an answer: the nearest unit at or above the row's unit that has a
        released table for the row's category (None when no table counts it). A *block* is
        the rows of one category in one region: a released table of that category minus
        its released descendants', so the tables already show it as one group.
    k : int
        Minimum group size, in responses.

    Returns
    -------
    Blocks

    Raises
    ------
    ValueError
        For inputs of different lengths.

    Notes
    -----
    Repeated until nothing changes: (1) a label with 1 to k-1 visible answers of a category
    withholds the blocks of those rows (every row of the category in their regions, across
    labels); (2) a missing code held by 1 to k-1 rows of a label is withheld; (3) a label
    whose withheld rows number 1 to k-1 withholds its rows' missing codes too, and if still
    short, the blocks of its smallest visible category. Missing answers are in no
    category's table, so withholding them hides the withheld answers without leaving a
    remainder. The result is a candidate: :func:`audit_split` decides whether it is safe.
    """
    import numpy as np

    k = check_k(k)
    values = np.asarray(values, dtype=float)
    n = len(values)
    if len(labels) != n or len(regions) != n:
        raise ValueError("labels, values and regions: different lengths")
    label = np.asarray(labels, dtype=object)
    answered = values > 0
    block = [
        (r, float(v)) if a else None for r, v, a in zip(regions, values, answered, strict=True)
    ]
    block_arr = np.empty(n, dtype=object)
    block_arr[:] = block
    names = list(dict.fromkeys(label.tolist()))
    rows_of = {name: np.flatnonzero(label == name) for name in names}
    withheld: set[tuple[Hashable, float]] = set()
    while True:
        hidden = np.fromiter((b in withheld for b in block), dtype=bool, count=n)
        grown = False
        for name in names:  # (1) rare visible categories go with their blocks
            rows = rows_of[name]
            rows = rows[answered[rows] & ~hidden[rows]]
            for value, count in Counter(values[rows].tolist()).items():
                if count < k:
                    withheld.update(block_arr[rows[values[rows] == value]].tolist())
                    grown = True
        if grown:
            continue
        shown = np.where(hidden, WITHHELD, values)
        for name in names:
            rows = rows_of[name]
            for code in MISSING:  # (2) rare missing codes
                these = rows[shown[rows] == code]
                if 0 < len(these) < k:
                    shown[these] = WITHHELD
            if 0 < np.count_nonzero(shown[rows] == WITHHELD) < k:  # (3) too few withheld
                shown[rows[shown[rows] < 0]] = WITHHELD
            if 0 < np.count_nonzero(shown[rows] == WITHHELD) < k:
                visible = rows[shown[rows] > 0]
                counts = Counter(values[visible].tolist())
                if not counts:
                    continue  # a label of fewer than k rows: nothing can grow it here
                smallest = min(counts, key=lambda v: (counts[v], v))
                withheld.update(block_arr[visible[values[visible] == smallest]].tolist())
                grown = True
                break
        if not grown:
            return Blocks(shown, frozenset(withheld))


def audit_split(
    classes: np.ndarray,
    tables: Sequence[tuple[str, np.ndarray]],
    k: int,
    names: Sequence[str] | None = None,
    max_atoms: int = MAX_ATOMS,
) -> tuple[Finding, ...]:
    """Groups of 1 to k-1 rows that a file and exact tables together isolate within a class.

    Parameters
    ----------
    classes : ndarray of int
        Per row (the responses behind one measure): its class in the file, rows alike on
        every quasi-identifier.
    tables : sequence of (str, ndarray of bool)
        Each released table (name, rows it counts); its count and sums are known.
    k : int
        Minimum group size, in responses.
    names : sequence of str, optional
        Class names for the findings (default: the class number).
    max_atoms : int
        More atoms than this among the split classes give one "inconclusive" finding at
        once (a failure, never a pass): the exact search grows steeply with them.

    Returns
    -------
    tuple of Finding
        One per independent part of the problem that isolates a group of 1 to k-1 rows
        that is not made of whole classes (those the file shows row by row anyway); atoms
        are ``(class, i)``. Empty when the file and the tables together are safe.

    Notes
    -----
    The full audit has the tables and the classes as views over atoms (class x which
    tables hold the row). A class no table splits is one atom, and a view itself, so a
    derivable group holding part of it holds all of it, and subtracting the class leaves a
    derivable group; and the projection of the span of all views onto the atoms of split
    classes is the span of the tables restricted to those atoms and the split classes'
    views, whose members the unsplit classes' views complete. So a derivable group of 1 to
    k-1 rows that cuts a class exists iff one exists among the split classes' atoms with
    the tables restricted to them: the audit runs there only (few rows when the file is
    close to the tables' margins). Groups of whole classes are skipped, not reported
    (``accept`` of :func:`engine.disclosure.audit.search_groups`), so none can hide a real
    one in the same part. Exact as :func:`engine.disclosure.audit.audit`, which has no R
    counterpart (Hundepool et al. 2012, 4.4, auditing by linear programming).
    """
    import numpy as np

    k = check_k(k)
    classes = np.asarray(classes, dtype=np.int64)
    n = len(classes)
    for name, rows in tables:
        if len(rows) != n:
            raise ValueError(f"tables: {name!r} has {len(rows)} rows, classes {n}")
    if not n or not tables:
        return ()
    count = np.bincount(classes)
    split = np.zeros(len(count), dtype=bool)
    for _, rows in tables:
        inside = np.bincount(classes[rows], minlength=len(count))
        split |= (inside > 0) & (inside < count)
    keep = np.flatnonzero(split[classes])
    if not len(keep):
        return ()
    member = np.stack([np.asarray(rows, dtype=bool)[keep] for _, rows in tables], axis=1)
    signature = np.packbits(member, axis=1)
    key = np.concatenate([classes[keep][:, None].view(np.uint8), signature], axis=1)
    unique, first, atom_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
    atom_of = atom_of.reshape(-1)
    sizes = np.bincount(atom_of, minlength=len(unique))
    atoms = {(int(classes[keep][f]), i): int(sizes[i]) for i, f in enumerate(first.tolist())}
    if len(atoms) > max_atoms:
        return (Finding("inconclusive", frozenset(atoms), None),)
    ids = list(atoms)
    views = []
    for j, (name, _) in enumerate(tables):
        covered = frozenset(ids[i] for i in np.flatnonzero(member[first, j]))
        if covered:
            views.append(View(name, covered))
    label = list(names) if names is not None else [str(c) for c in range(len(count))]
    of_class: dict[int, set[tuple[int, int]]] = {}
    for atom in ids:
        of_class.setdefault(atom[0], set()).add(atom)
    views += [View(f"export:{label[c]}", frozenset(group)) for c, group in of_class.items()]

    def cuts_a_class(group: frozenset) -> bool:
        return any(not of_class[c] <= group for c in {a[0] for a in group})

    return search_groups(atoms, views, k, accept=cuts_a_class)
