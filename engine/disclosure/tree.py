"""Primary and secondary suppression of unit totals across the organisation tree.

The threshold rule (:func:`primary`), subtree totals, and the complementary suppression that
keeps every group derivable from the shown totals at 0 or at least k responses
(:func:`suppress_tree`, restricted to one role by :func:`suppress_scope`). Part of
:mod:`engine.disclosure.rules`, which re-exports it; vocabulary as there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

__all__ = [
    "MIN_K",
    "TreeSuppression",
    "check_k",
    "check_n",
    "primary",
    "subtree_n",
    "suppress_scope",
    "suppress_tree",
]

MIN_K = 3
"""The smallest minimum group size a survey may set (DESIGN.md, anonymity point 2)."""


def check_k(k: object, name: str = "k") -> int:
    """Return ``k`` as an int, or raise ``ValueError`` naming the argument."""
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_K:
        raise ValueError(f"{name} must be an integer >= {MIN_K}, got {k!r}")
    return k


def check_n(n: object, name: str) -> int:
    """Return ``n`` as an int, or raise ``ValueError`` unless it is a non-negative integer."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {n!r}")
    return n


def primary(n: int, k: int) -> bool:
    """Return True when a cell of ``n`` responses must be withheld (primary suppression).

    Parameters
    ----------
    n : int
        Responses behind the number: valid scale scores for a scale, answers other than
        "not applicable" for an item.
    k : int
        Minimum group size.

    Returns
    -------
    bool
        ``n < k``. A withheld cell shows "fewer than k": no mean, no distribution and not
        the count itself (an empty cell, n = 0, is withheld too).

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 4.2 (threshold
    rule for frequency tables).
    """
    return check_n(n, "n") < check_k(k)


def _tree(parent: Mapping[str, str | None]) -> tuple[dict[str, list[str]], list[str]]:
    """Children lists and a root-first (topological) order; ValueError on bad trees."""
    children: dict[str, list[str]] = {u: [] for u in parent}
    roots = []
    for unit, up in parent.items():
        if up is None:
            roots.append(unit)
        elif up not in parent:
            raise ValueError(f"parent: unit {unit!r} has unknown parent {up!r}")
        else:
            children[up].append(unit)
    order: list[str] = []
    stack = sorted(roots, reverse=True)
    while stack:
        unit = stack.pop()
        order.append(unit)
        stack.extend(sorted(children[unit], reverse=True))
    if len(order) != len(parent):
        raise ValueError("parent: the unit tree has a cycle")
    return children, order


def subtree_n(parent: Mapping[str, str | None], own_n: Mapping[str, int]) -> dict[str, int]:
    """Subtree totals: each unit's own responses plus those of every unit below it."""
    for unit, n in own_n.items():
        if unit not in parent:
            raise ValueError(f"own_n: unknown unit {unit!r}")
        check_n(n, f"own_n[{unit!r}]")
    _, order = _tree(parent)
    total = {u: own_n.get(u, 0) for u in parent}
    for unit in reversed(order):
        up = parent[unit]
        if up is not None:
            total[up] += total[unit]
    return total


@dataclass(frozen=True)
class TreeSuppression:
    """Which unit (subtree) totals may be released.

    Attributes
    ----------
    shown : frozenset of str
        Units whose numbers may be shown.
    suppressed : frozenset of str
        Units in view that are withheld ("fewer than k" or "hidden to protect another group").
    reasons : mapping
        For each suppressed unit, ``"primary"`` or ``"secondary:<unit>"`` naming the shown
        unit whose remainder it protects.
    """

    shown: frozenset[str]
    suppressed: frozenset[str]
    reasons: Mapping[str, str] = field(default_factory=dict)


def _remainders(
    parent: Mapping[str, str | None], order: list[str], total: Mapping[str, int], shown: set[str]
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Block of each shown unit: its n minus its maximal shown descendants' n."""
    nearest: dict[str, str | None] = {}  # nearest shown proper ancestor
    below: dict[str, list[str]] = {u: [] for u in shown}
    rest = {u: total[u] for u in shown}
    for unit in order:
        up = parent[unit]
        nearest[unit] = None if up is None else (up if up in shown else nearest[up])
        anc = nearest[unit]
        if unit in shown and anc is not None:
            rest[anc] -= total[unit]
            below[anc].append(unit)
    return rest, below


def suppress_tree(
    parent: Mapping[str, str | None],
    own_n: Mapping[str, int],
    k: int,
    visible: Collection[str] | None = None,
) -> TreeSuppression:
    """Primary and secondary suppression of unit totals across the organisation tree.

    Parameters
    ----------
    parent : mapping of str to str or None
        The unit tree: each unit's parent, None for the root(s).
    own_n : mapping of str to int
        Responses of each unit's own direct members (missing units count 0).
    k : int
        Minimum group size (>= 3).
    visible : collection of str, optional
        The units that would be released if large enough; default every unit. Units outside
        it are never shown and not reported.

    Returns
    -------
    TreeSuppression

    Notes
    -----
    A unit's number describes its subtree. The shown subtrees form a laminar family, so the
    groups derivable from their totals by adding and subtracting are exactly the unions of
    the *blocks*: for a shown unit u, its block is u's subtree minus the subtrees of its
    maximal shown descendants (the nearest shown units below it, whether children or
    grandchildren of suppressed children). The rule is therefore: every shown unit has
    ``n >= k`` (primary) and every block holds 0 or at least k responses (secondary; the
    block of a parent whose children are all shown is its own direct members). A violated
    block is repaired by suppressing its smallest maximal shown descendant, which merges that
    descendant's block into it; this changes no other block, so repeating until no block is
    violated reaches a fixed point in at most as many steps as there are units. The shallowest
    violation is repaired first, so parents keep their numbers and small siblings go first
    (Glint's "hide the next-smallest group").

    Because merging two blocks that each hold 0 or >= k responses gives a block that does too,
    any subset of a safe pattern is safe: a role may be shown ``shown & scope`` (see
    :func:`suppress_scope`), and different roles' views combined stay safe.

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, sections 4.3-4.4
    (secondary cell suppression in hierarchical tables).
    """
    k = check_k(k)
    total = subtree_n(parent, own_n)
    _, order = _tree(parent)
    if visible is None:
        candidates = set(parent)
    else:
        candidates = set(visible)
        unknown = candidates - set(parent)
        if unknown:
            raise ValueError(f"visible: unknown units {sorted(unknown)!r}")
    shown = {u for u in candidates if total[u] >= k}
    reasons = {u: "primary" for u in candidates - shown}
    depth: dict[str, int] = {}
    for unit in order:
        up = parent[unit]
        depth[unit] = 0 if up is None else depth[up] + 1
    while True:
        rest, below = _remainders(parent, order, total, shown)
        bad = [u for u in shown if 0 < rest[u] < k]
        if not bad:
            break
        unit = min(bad, key=lambda u: (depth[u], u))
        victim = min(below[unit], key=lambda d: (rest[d] == 0, total[d], d))
        shown.discard(victim)
        reasons[victim] = f"secondary:{unit}"
    return TreeSuppression(
        shown=frozenset(shown), suppressed=frozenset(candidates - shown), reasons=reasons
    )


def suppress_scope(
    parent: Mapping[str, str | None],
    own_n: Mapping[str, int],
    k: int,
    scope: Collection[str],
) -> TreeSuppression:
    """Suppression for one role: the organisation-wide safe pattern restricted to ``scope``.

    Parameters
    ----------
    parent, own_n, k
        As for :func:`suppress_tree`.
    scope : collection of str
        Every unit whose number the role can request: for a manager their subtree, their
        parent and the organisation root; for an admin or researcher every unit.

    Returns
    -------
    TreeSuppression
        ``shown`` is a subset of ``scope``; ``suppressed`` is the rest of ``scope``.

    Notes
    -----
    The pattern is computed once for the whole tree (:func:`suppress_tree` with every unit
    visible) and then restricted. Restriction only merges blocks, so the role's release is
    safe, and so is the union of what several roles see (two managers comparing notes, or a
    manager who is also shown the organisation figure): everything released in a wave is a
    subset of one safe pattern. Suppressing per scope instead would let a sibling
    manager's view undo this manager's protection.
    """
    scope = set(scope)
    unknown = scope - set(parent)
    if unknown:
        raise ValueError(f"scope: unknown units {sorted(unknown)!r}")
    whole = suppress_tree(parent, own_n, k)
    shown = whole.shown & scope
    reasons = {u: whole.reasons[u] for u in scope - shown}
    return TreeSuppression(
        shown=frozenset(shown), suppressed=frozenset(scope - shown), reasons=reasons
    )
