"""Disclosure audit of free-text comments: sets of texts, counted in writers.

A comment view is the *set* of comments of a group (a unit's subtree), shown as texts.
Texts can be told apart, so whoever sees several views can form any set operation on them
(intersection, difference, union), not only the sums and differences of counts that
:func:`engine.disclosure.audit.audit` considers. The threshold counts writers: people who wrote a
comment (each response carries at most one comment, so writers = comments).
Pure function; ``samen audit`` calls it with the comment views the results service shows.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.disclosure.audit import View
from engine.disclosure.tree import check_k, check_n

__all__ = ["CommentFinding", "audit_comments"]


@dataclass(frozen=True)
class CommentFinding:
    """A set of 1 to threshold-1 writers' comments derivable from the comment views.

    Attributes
    ----------
    atoms : frozenset
        The atoms (a unit's own writers) whose comments the set holds.
    writers : int
        Writers in the set (people who wrote a comment), 1 to threshold - 1.
    inside : tuple of str
        The smallest views that contain the set (their intersection holds it).
    outside : tuple of str
        Views whose comments are removed from the intersection of ``inside``.
    """

    atoms: frozenset
    writers: int
    inside: tuple[str, ...]
    outside: tuple[str, ...]

    def describe(self) -> str:
        """One line for a terminal: the writers and the set operation that gives them."""
        text = " & ".join(self.inside)
        if self.outside:
            text += " - (" + " | ".join(self.outside) + ")"
        return f"comments of {self.writers} writer(s) derivable: {text}"


def audit_comments(
    writers: Mapping[Any, int], views: Sequence[View], threshold: int
) -> tuple[CommentFinding, ...]:
    """Find every set of 1 to ``threshold - 1`` writers' comments the views reveal.

    Parameters
    ----------
    writers : mapping of atom to int
        Writers (people who wrote a comment) per atom, e.g. per unit's own members.
    views : sequence of View
        The comment views a role can request; each shows every comment of its atoms.
    threshold : int
        Comment threshold, in writers (the survey's ``comment_threshold``).

    Returns
    -------
    tuple of CommentFinding
        Empty when every nonempty set derivable from the views holds at least
        ``threshold`` writers.

    Raises
    ------
    ValueError
        A threshold below :data:`engine.disclosure.rules.MIN_K`, a negative count, or a view
        over unknown atoms.

    Notes
    -----
    The sets derivable from views :math:`V_1..V_m` by set operations are the unions of the
    atoms of the Boolean algebra they generate: the classes of writers who lie in exactly
    the same views (:math:`\\bigcap_{i \\in S} V_i \\setminus \\bigcup_{j \\notin S} V_j`).
    Every derivable set holds at least ``threshold`` writers or none exactly when every
    nonempty class does, so checking the classes is exact (no search). Counts alone (the
    linear audit) miss what texts allow: the intersection of two overlapping views.

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 5.2 (disclosure
    by differencing of overlapping tables).
    """
    threshold = check_k(threshold, "threshold")
    for atom, n in writers.items():
        check_n(n, f"writers[{atom!r}]")
    classes: dict[frozenset[str], set[Hashable]] = {}
    member_of: dict[Hashable, set[str]] = {atom: set() for atom in writers}
    for view in views:
        unknown = set(view.atoms) - set(writers)
        if unknown:
            listed = sorted(map(repr, unknown))
            raise ValueError(f"views: {view.name!r} covers unknown atoms {listed}")
        for atom in view.atoms:
            member_of[atom].add(view.name)
    for atom, containing in member_of.items():
        if containing and writers[atom] > 0:
            classes.setdefault(frozenset(containing), set()).add(atom)
    atoms_of: dict[str, set[Hashable]] = {}
    for view in views:
        atoms_of.setdefault(view.name, set()).update(view.atoms)
    findings = []
    for names, atoms in sorted(classes.items(), key=lambda c: sorted(c[0])):
        n = sum(writers[a] for a in atoms)
        if n < threshold:
            # the smallest views containing the set say it: their intersection is the same
            inside = tuple(
                sorted(v for v in names if not any(atoms_of[w] < atoms_of[v] for w in names))
            )
            common = set.intersection(*(atoms_of[name] for name in inside))
            outside = tuple(sorted(v for v in atoms_of if v not in names and atoms_of[v] & common))
            findings.append(
                CommentFinding(
                    atoms=frozenset(atoms),
                    writers=n,
                    inside=inside,
                    outside=outside,
                )
            )
    return tuple(findings)
