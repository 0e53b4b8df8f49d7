"""Disclosure control: which released numbers may be shown (primary and secondary suppression).

Pure functions on counts; no database, no Flask. Every dashboard view, API answer and export
passes through these rules (DESIGN.md, "Anonymity and disclosure control"), and
:mod:`engine.audit` proves with linear algebra that what they release leaks no group of 1 to
k-1 respondents.

Where things are: this module holds the rules for one table (unit tree, filters within a
unit, time, comments); :mod:`engine.audit_views` applies them to everything a role can
request (:func:`engine.audit_views.release`, the one call ``webapp/results.py`` needs per
wave and scale or item); :mod:`engine.audit` proves the result; :mod:`engine.disclosure_export`
makes exports k-anonymous.

Vocabulary: a *unit* is a node of the organisation tree (``parent`` maps unit -> parent or
None for the root); ``own_n`` counts the responses of a unit's own direct members; a unit's
``n`` is its subtree total. ``k`` is the survey's minimum group size (never below
:data:`MIN_K`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "MIN_K",
    "FilterSuppression",
    "TreeSuppression",
    "comments_allowed",
    "primary",
    "release_n",
    "sensitive_module_allowed",
    "subtree_n",
    "suppress_filter",
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


def _check_n(n: object, name: str) -> int:
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
    return _check_n(n, "n") < check_k(k)


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
        _check_n(n, f"own_n[{unit!r}]")
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


@dataclass(frozen=True)
class FilterSuppression:
    """Which categories of one filter question may be shown within one unit.

    Attributes
    ----------
    shown, suppressed : frozenset of str
        Categories that may and may not be selected as a filter here.
    reasons : mapping
        ``"primary"`` (the category has fewer than k), ``"complement"`` (the rest of the unit
        has fewer than k), ``"remainder"`` (hidden so that the hidden categories together
        hold 0 or >= k) or ``"unit"`` (the unit itself is withheld).
    """

    shown: frozenset[str]
    suppressed: frozenset[str]
    reasons: Mapping[str, str] = field(default_factory=dict)


def suppress_filter(category_n: Mapping[str, int], unit_n: int, k: int) -> FilterSuppression:
    """Suppression of the categories of one demographic filter within one unit.

    Parameters
    ----------
    category_n : mapping of str to int
        Responses in the unit per category of the filter question (e.g. gender).
    unit_n : int
        Responses in the unit; respondents who did not answer the question are
        ``unit_n - sum(category_n.values())`` and are never a filter of their own.
    k : int
        Minimum group size.

    Returns
    -------
    FilterSuppression

    Notes
    -----
    The unfiltered unit total is released, so every filtered group's complement within the
    unit is derivable by subtraction: a category is shown only when it and its complement
    each hold at least k (a complement of 0 would reveal that every respondent shares the
    category, so it is refused too). With several categories shown, the unit total minus the
    shown ones is the group of the hidden categories plus non-respondents; it must hold 0 or
    at least k, otherwise further categories are hidden, smallest first. Culture Amp disables
    a filter the same way; this rule is the single-unit half of the story, the audit
    (:mod:`engine.audit`) covers differences across units.

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 4.3.
    """
    k = check_k(k)
    unit_n = _check_n(unit_n, "unit_n")
    for cat, n in category_n.items():
        _check_n(n, f"category_n[{cat!r}]")
    if sum(category_n.values()) > unit_n:
        raise ValueError("category_n: categories hold more responses than unit_n")
    if unit_n < k:
        return FilterSuppression(
            frozenset(), frozenset(category_n), dict.fromkeys(category_n, "unit")
        )
    reasons: dict[str, str] = {}
    shown = set()
    for cat, n in category_n.items():
        if n < k:
            reasons[cat] = "primary"
        elif unit_n - n < k:
            reasons[cat] = "complement"
        else:
            shown.add(cat)
    while shown:
        hidden = unit_n - sum(category_n[c] for c in shown)
        if hidden == 0 or hidden >= k:
            break
        victim = min(shown, key=lambda c: (category_n[c], c))
        shown.discard(victim)
        reasons[victim] = "remainder"
    return FilterSuppression(frozenset(shown), frozenset(set(category_n) - shown), reasons)


def release_n(
    current_n: int,
    last_released_n: int | None,
    k: int,
    wave_open: bool,
    policy: Literal["closed", "steps"],
) -> int | None:
    """Which snapshot of a cell to show while responses come in.

    Parameters
    ----------
    current_n : int
        Responses now in the cell.
    last_released_n : int or None
        n of the snapshot shown last (None when nothing was shown yet); the caller stores
        that snapshot and shows it again when this function returns its n.
    k : int
        Minimum group size.
    wave_open : bool
        Whether the wave still accepts responses.
    policy : {"closed", "steps"}
        "closed": nothing before the wave closes; "steps": update only in steps of >= k.

    Returns
    -------
    int or None
        The n of the snapshot to show: ``current_n`` (take a new snapshot),
        ``last_released_n`` (keep showing the stored one) or None (show nothing yet).
        Primary suppression still applies to the result.

    Notes
    -----
    Two releases of the same cell differ by the responses that arrived in between; that
    difference is a group, so it must hold 0 or >= k. Under "steps" this holds at every
    release including the one at closing: when fewer than k responses arrived after the last
    snapshot, the closed wave keeps showing that snapshot, so the late responses are never
    shown in this cell (they still count in larger cells). Under "closed" the cell is
    released once, after the wave closes. Steps are per cell: how a step in a child and
    its parent combine is checked by the audit, not by this function.
    """
    k = check_k(k)
    current_n = _check_n(current_n, "current_n")
    if last_released_n is not None:
        last_released_n = _check_n(last_released_n, "last_released_n")
        if last_released_n > current_n:
            raise ValueError("last_released_n: larger than current_n (responses never vanish)")
    if policy not in ("closed", "steps"):
        raise ValueError(f"policy must be 'closed' or 'steps', got {policy!r}")
    if policy == "closed":
        if last_released_n is not None and wave_open:
            raise ValueError("last_released_n: nothing is released under 'closed' before closing")
        return (
            None if wave_open else (last_released_n if last_released_n is not None else current_n)
        )
    if last_released_n is None:
        return current_n if current_n >= k else None
    return current_n if current_n - last_released_n >= k else last_released_n


def comments_allowed(n: int, comment_threshold: int, filtered: bool) -> bool:
    """Whether free-text comments of a group of ``n`` respondents may be shown.

    Notes
    -----
    Comments identify people by style and content far more easily than averages, so they get
    a higher threshold than k (Glint uses 10) and are never shown next to a demographic
    filter, which would attach a category to a voice.
    """
    _check_n(n, "n")
    check_k(comment_threshold, "comment_threshold")
    return not filtered and n >= comment_threshold


def sensitive_module_allowed(unit_is_org: bool, n: int, comment_threshold: int) -> bool:
    """Whether the unwanted-behaviour module may be reported for a group of ``n``.

    Notes
    -----
    Reports of bullying or harassment in a small team point at the victim and often at the
    perpetrator; the module is reported for the whole organisation, or for units with at
    least the comment threshold (DESIGN.md; issue 5). Primary suppression (n >= k) still
    applies to the organisation's figures; this function adds only the stricter unit rule.
    """
    _check_n(n, "n")
    threshold = check_k(comment_threshold, "comment_threshold")
    return unit_is_org or n >= threshold
