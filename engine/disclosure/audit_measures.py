"""The differences between the measures of one unit, as views for
:func:`engine.disclosure.audit.audit`.

A scale's cell and its items' cells describe the answers of (nearly) the same respondents to
the same questions: the scale's pooled distribution counts the answers to its items, each
item's distribution the answers to that item. Audited one measure at a time (the counts of
respondents behind each number), such a pair looks safe even when the scale minus its items
leaves the answers of one person: the respondents without a valid scale score, whose answers
the items counted and the scale did not (issue 14, path 3).

Here the numbers of several measures are written over one set of atoms: a unit's own members
with one combination of filter answers *and one contribution class* (which answers they add
to which measure), split per item. An atom ``(unit, profile, class, item)`` holds the
answers of those respondents to that item; a released number of a measure is the sum over
the atoms it pools. :func:`engine.disclosure.audit.audit` with ``people`` (the atoms of the same
respondents count once) then decides whether a combination of the measures' numbers, e.g. a
scale minus its items, isolates the answers of 1 to k-1 respondents. Counts alone (how many
answered "not applicable", how many have no valid score) are not answers; the audit of each
measure alone covers its own counts.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any, Literal

from engine.disclosure.audit import View
from engine.disclosure.tree import _tree

__all__ = ["check_people", "measure_views", "search_people"]

Profile = tuple[str | None, ...]
Cell = tuple[str, str | None, str | None]


def measure_views(
    parent: Mapping[str, str | None],
    own: Mapping[str, Mapping[tuple[Profile, Hashable], int]],
    parts: Mapping[str, Mapping[Hashable, Collection[str]]],
    cells: Mapping[str, Collection[Cell]],
    filters: Sequence[str] = (),
) -> tuple[dict[tuple, int], list[View], dict[tuple, tuple]]:
    """Atoms, views and people for auditing several measures of the same answers together.

    Parameters
    ----------
    parent : mapping
        The unit tree.
    own : mapping
        Per unit, its own direct members per ``(profile, class)``: ``profile`` their answers
        to ``filters`` (None: not answered), ``class`` any key of ``parts``' inner mappings.
    parts : mapping
        Per measure, per class: the quantities (item ids) whose answers a respondent of that
        class adds to the measure's numbers; a class missing or empty is not counted by it.
        For a scale: the items a respondent with a valid score answered; for an item: the
        item itself when the respondent's answer is counted.
    cells : mapping
        Per measure, the cells shown: ``(unit, None, None)`` for a unit's number,
        ``(unit, question, category)`` for a filtered one.
    filters : sequence of str
        The questions of the profiles, in order.

    Returns
    -------
    atoms : dict
        ``{(unit, profile, class, quantity): n}``: respondents whose answers to the quantity
        the atom holds.
    views : list of View
        One per measure and cell, named ``"<measure> unit:U"`` (``"...|question=category"``).
    people : dict
        Atom -> ``(unit, profile, class)``: the atoms of the same respondents.

    Notes
    -----
    Every number of a cell (its distribution, favourable share, sum and mean of the pooled
    answers) is a sum over the atoms of its view, so differences between measures are row
    combinations of the view matrix, and :func:`engine.disclosure.audit.audit` finds any that
    isolates fewer than k respondents. A scale's mean of person scores is not such a sum (it weighs
    each answer by one over the items its respondent answered): it is not audited here,
    and the results service shows the mean of the pooled answers instead.
    """
    filters = list(filters)
    children, order = _tree(parent)
    atoms: dict[tuple, int] = {}
    people: dict[tuple, tuple] = {}
    members: dict[str, list[tuple]] = {u: [] for u in parent}
    for unit, groups in own.items():
        if unit not in parent:
            raise ValueError(f"own: unknown unit {unit!r}")
        for (profile, cls), n in groups.items():
            if len(profile) != len(filters):
                raise ValueError(f"own[{unit!r}]: profile {profile!r} does not match filters")
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"own[{unit!r}][{(profile, cls)!r}] must be a count >= 0")
            person = (unit, tuple(profile), cls)
            members[unit].append(person)
            for quantity in {q for found in parts.values() for q in found.get(cls, ())}:
                atoms[(*person, quantity)] = n
                people[(*person, quantity)] = person
    for unit in reversed(order):
        for child in children[unit]:
            members[unit].extend(members[child])
    views: list[View] = []
    for measure, shown in cells.items():
        contributes = parts.get(measure, {})
        for unit, question, category in sorted(shown, key=repr):
            if unit not in parent:
                raise ValueError(f"cells[{measure!r}]: unknown unit {unit!r}")
            group = members[unit]
            name = f"{measure} unit:{unit}"
            if question is not None:
                if question not in filters:
                    raise ValueError(f"cells[{measure!r}]: {question!r} is not one of filters")
                qi = filters.index(question)
                group = [p for p in group if p[1][qi] == category]
                name += f"|{question}={category}"
            columns = frozenset((*p, q) for p in group for q in contributes.get(p[2], ()))
            views.append(View(name, columns, 0))
    return atoms, views, people


def check_people(atoms: Mapping[Any, int], people: Mapping[Any, Hashable]) -> None:
    """ValueError unless every atom has a person and a person's atoms hold the same count."""
    seen: dict[Hashable, int] = {}
    for atom, n in atoms.items():
        if atom not in people:
            raise ValueError(f"people: atom {atom!r} has no entry")
        person = people[atom]
        if seen.setdefault(person, n) != n:
            raise ValueError(f"people: the atoms of {person!r} hold different counts")


def search_people(
    pivcols: list[int],
    rows: Any,
    cls: Sequence[Sequence[Hashable]],
    atoms: Mapping[Any, int],
    people: Mapping[Any, Hashable],
    k: int,
    budget: int,
) -> tuple[Any, list[int]] | Literal["budget"] | None:
    """:func:`engine.disclosure.audit._search` counting each respondent once (atoms may share
    them).

    ``cls`` holds the atoms of each column. The search is the same depth-first pass over
    including or excluding each RREF row of the part; the running count is the number of
    distinct respondents (``people``) of the columns decided 1 and of the pivots chosen,
    so a group of few respondents answering many items is still found.
    """
    import math

    import numpy as np

    d = rows.shape[0]
    piv = [int(rows[i, c]) for i, c in enumerate(pivcols)]
    denom = math.lcm(*piv)
    cols = np.flatnonzero(np.any(rows != 0, axis=0))
    scale = np.array([denom // p for p in piv], dtype=object)
    scaled = rows[:, cols].astype(object) * scale[:, None]
    index: dict[Hashable, int] = {}
    weight: list[int] = []

    def mask_of(column: int) -> int:
        mask = 0
        for atom in cls[column]:
            person = people[atom]
            if person not in index:
                index[person] = len(weight)
                weight.append(atoms[atom])
            mask |= 1 << index[person]
        return mask

    col_mask = [mask_of(int(c)) for c in cols]
    piv_mask = [mask_of(c) for c in pivcols]

    def size(mask: int) -> int:
        total = 0
        while mask:
            low = mask & -mask
            total += weight[low.bit_length() - 1]
            mask ^= low
        return total

    touched = scaled != 0
    closes: list[list[int]] = [[] for _ in range(d)]
    for j in range(len(cols)):
        closes[int(np.flatnonzero(touched[:, j]).max())].append(j)
    nodes = 0
    stack: list[tuple[int, Any, int, int, tuple[int, ...]]] = [
        (0, np.zeros(len(cols), dtype=object), 0, 0, ())
    ]
    while stack:
        i, partial, counted, spent, chosen = stack.pop()
        if i == d:
            if counted:
                x = np.zeros(rows.shape[1], dtype=np.int64)
                x[cols[partial == denom]] = 1
                return x, list(chosen)
            continue
        nodes += 1
        if nodes > budget:
            return "budget"
        for take in (False, True):
            nxt = partial + scaled[i] if take else partial
            now_spent = spent | piv_mask[i] if take else spent
            now = counted
            ok = True
            for j in closes[i]:
                if nxt[j] == denom:
                    now |= col_mask[j]
                elif nxt[j] != 0:
                    ok = False
                    break
            if not ok or size(now | now_spent) > k - 1:
                continue
            stack.append((i + 1, nxt, now, now_spent, (*chosen, i) if take else chosen))
    return None
