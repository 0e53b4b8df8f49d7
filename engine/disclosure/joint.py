"""Joint release of group-versus-rest cells of several demographic questions.

Filter cells of one question are released by :func:`engine.disclosure.audit_views.release`.
Cells of *further* questions (an equity gap of each group against the rest, per question)
combine with them and with each other into groups below k that no rule per question sees:
"women" minus "under 30" is the men over 30 when no woman is under 30. So they are released
jointly: proposed, audited together with every cell already shown over atoms that carry the
answers to every question, and withheld until the audit finds nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from engine.disclosure.audit import View, enforce
from engine.disclosure.audit_views import Profile, atoms_of, cell_views
from engine.disclosure.tree import check_k

__all__ = ["JointRelease", "joint_release"]

Cell = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class JointRelease:
    """Which proposed cells may be shown beside the cells already shown.

    Attributes
    ----------
    kept : frozenset of (unit, question, category)
        Proposed cells released: together with the shown ones no group of 1 to k-1
        respondents is derivable.
    small : frozenset of (unit, question, category)
        Proposed cells whose group or whose rest (the unit's other respondents) holds fewer
        than k respondents.
    joint : frozenset of (unit, question, category)
        Proposed cells withheld by the joint audit (shown, they would let a group below k
        be derived together with the other cells).
    """

    kept: frozenset[Cell]
    small: frozenset[Cell]
    joint: frozenset[Cell]


def joint_release(
    parent: Mapping[str, str | None],
    own: Mapping[str, Mapping[Profile, int]],
    k: int,
    questions: Sequence[str],
    shown: Collection[Cell],
    proposed: Collection[Cell],
    depth: Mapping[str, int] | None = None,
) -> JointRelease:
    """Release the proposed cells that leak nothing together with the shown ones.

    Parameters
    ----------
    parent : mapping
        The unit tree (unit -> parent, None for a root).
    own : mapping
        Per unit, responses of its own direct members per profile: a tuple of answers to
        ``questions`` in that order (None for unanswered).
    k : int
        Minimum group size (responses).
    questions : sequence of str
        Every demographic question the profiles carry.
    shown : collection of (unit, question or None, category or None)
        Cells already released; they must leak nothing on their own (they are never
        withheld here).
    proposed : collection of (unit, question, category)
        Cells to add: each is a group of a unit's subtree, shown with its rest.
    depth : mapping of str to int, optional
        Depth of each unit in the tree (0 for a root): deeper units' cells are withheld
        first, so the organisation's cells survive where a choice exists.

    Returns
    -------
    JointRelease

    Raises
    ------
    ValueError
        A proposed cell names an unknown unit or question, or has no question.

    Notes
    -----
    A proposed cell whose group or rest holds fewer than k respondents is dropped first
    (``small``). The others become views of priority below every shown view and
    :func:`engine.disclosure.audit.enforce` withholds them, the least protected first
    (deepest unit, then smallest group), until :func:`engine.disclosure.audit.audit` finds no
    derivable group of 1 to k-1 respondents. The shown cells are unions of the atoms of their
    own question, so over these finer atoms they still leak nothing, and ``enforce`` never
    withholds one of them (its Notes).

    There is no R equivalent; the method is the audit of a suppression pattern of
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 4.4.
    """
    k = check_k(k)
    questions = list(questions)
    for cell in proposed:
        unit, question, _category = cell
        if unit not in parent:
            raise ValueError(f"proposed: unknown unit {unit!r}")
        if question is None or question not in questions:
            raise ValueError(f"proposed: {question!r} is not one of questions")
    atoms = atoms_of(own)
    views = cell_views(parent, own, shown, questions)
    names = {v.name for v in views}
    candidates = cell_views(parent, own, proposed, questions)
    by_name = dict(zip((v.name for v in candidates), sorted(proposed, key=repr), strict=True))
    totals = {v.name: v for v in cell_views(parent, own, {(c[0], None, None) for c in proposed})}
    small: set[Cell] = set()
    extra: list[View] = []
    for view in candidates:
        cell = by_name[view.name]
        if view.name in names:
            continue  # already shown
        n = sum(atoms[a] for a in view.atoms)
        total = sum(atoms[a] for a in totals[f"unit:{cell[0]}"].atoms)
        if n < k or total - n < k:
            small.add(cell)
            continue
        level = (depth or {}).get(cell[0], 0)
        extra.append(View(view.name, view.atoms, -1 - level))
    kept, withheld = enforce(atoms, [*views, *extra], k)
    kept_names = {v.name for v in kept}
    joint = {by_name[v.name] for v in withheld if v.name in by_name}
    released = {by_name[v.name] for v in extra if v.name in kept_names}
    return JointRelease(frozenset(released), frozenset(small), frozenset(joint))
