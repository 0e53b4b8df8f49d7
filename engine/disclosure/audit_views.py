"""The views a role can request, after disclosure control, as input for
:func:`engine.disclosure.audit.audit`.

The application service (``webapp/results.py``) should ask :func:`release` which unit and
filter cells it may show for one wave and one scale or item, and show nothing else;
``samen audit`` should rebuild the views from what the application actually serves
(:func:`cell_views`) and pass them to :func:`engine.disclosure.audit.audit`. Atoms are
``(unit, profile)``: a unit's own direct members with one combination of answers to the
filter questions (``None`` for "not answered").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from engine.disclosure.audit import View, enforce
from engine.disclosure.rules import check_k, subtree_n, suppress_filter, suppress_tree
from engine.disclosure.tree import _tree

__all__ = [
    "Release",
    "atoms_of",
    "cell_views",
    "release",
    "role_scope",
    "views_for_role",
]

Profile = tuple[str | None, ...]


def role_scope(
    parent: Mapping[str, str | None],
    role: Literal["admin", "manager", "researcher"],
    unit: str | None = None,
) -> frozenset[str]:
    """Units whose numbers a role can request.

    Parameters
    ----------
    parent : mapping
        The unit tree.
    role : {"admin", "manager", "researcher"}
        The staff role.
    unit : str, optional
        A manager's own unit.

    Returns
    -------
    frozenset of str

    Notes
    -----
    admin and researcher: every unit (suppression still hides those below k); manager:
    their unit's subtree, their parent unit and the organisation root(s), whose figures are
    views too (organisation minus parent minus visible siblings is a group).
    """
    children, _ = _tree(parent)
    if role in ("admin", "researcher"):
        return frozenset(parent)
    if role != "manager":
        raise ValueError(f"role must be 'admin', 'manager' or 'researcher', got {role!r}")
    if unit is None or unit not in parent:
        raise ValueError(f"unit: a manager needs a known unit, got {unit!r}")
    scope = {u for u, up in parent.items() if up is None}
    above = parent[unit]
    if above is not None:
        scope.add(above)
    stack = [unit]
    while stack:
        u = stack.pop()
        scope.add(u)
        stack.extend(children[u])
    return frozenset(scope)


def atoms_of(
    own: Mapping[str, Mapping[Profile, int]] | Mapping[str, int],
) -> dict[tuple[str, Profile], int]:
    """Atom counts ``{(unit, profile): n}`` from per-unit counts.

    Parameters
    ----------
    own : mapping
        Per unit, ``{profile: n}`` (profile: a tuple of filter answers), or a plain int
        when there are no filters (the profile is then ``()``).

    Returns
    -------
    dict
        ``{(unit, profile): n}``, the atoms of :func:`engine.disclosure.audit.audit`.
    """
    out: dict[tuple[str, Profile], int] = {}
    for unit, value in own.items():
        if isinstance(value, Mapping):
            for profile, n in value.items():
                out[(unit, tuple(profile))] = n
        else:
            out[(unit, ())] = value
    return out


@dataclass(frozen=True)
class Release:
    """What may be shown: unit totals and filter cells, and the views they amount to.

    Attributes
    ----------
    units : frozenset of str
        Units whose (unfiltered) numbers may be shown.
    filters : frozenset of (unit, question, category)
        Filter cells that may be shown.
    views : tuple of View
        The released numbers, for :func:`engine.disclosure.audit.audit`.
    withheld : tuple of View
        Filter cells the rule-based pass allowed but the audit withheld.
    """

    units: frozenset[str]
    filters: frozenset[tuple[str, str, str]]
    views: tuple[View, ...]
    withheld: tuple[View, ...]

    def shows(self, unit: str, question: str | None = None, category: str | None = None) -> bool:
        """Whether a unit's number (optionally filtered to ``question=category``) may be shown."""
        if question is None:
            return unit in self.units
        return (unit, question, category) in self.filters


def release(
    parent: Mapping[str, str | None],
    own: Mapping[str, Mapping[Profile, int]] | Mapping[str, int],
    k: int,
    filters: Sequence[str] = (),
    *,
    scope: Collection[str] | None = None,
    audited: bool = True,
) -> Release:
    """Apply every suppression rule for one wave and one scale or item; restrict to a role.

    Parameters
    ----------
    parent : mapping
        The unit tree.
    own : mapping
        Per unit, responses of its own direct members per profile (a tuple of answers to
        ``filters``, None for unanswered), or a plain int when there are no filters. For
        an item, count only answers other than "not applicable".
    k : int
        Minimum group size.
    filters : sequence of str
        The demographic questions offered as filters, in the order of the profiles.
    scope : collection of str, optional
        :func:`role_scope`; default every unit.
    audited : bool
        Finish with :func:`engine.disclosure.audit.enforce` (default). False gives the rule-based
        pass alone, for tests of the rules.

    Returns
    -------
    Release
        The unit totals and filter cells inside ``scope`` that may be shown.

    Notes
    -----
    The pattern is computed once for the whole organisation and then restricted to the
    scope: a subset of safe views is safe (its row space is smaller), so roles that pool
    what they see still learn nothing below k.

    1. Unit totals: :func:`engine.disclosure.rules.suppress_tree`.
    2. Filters, per question, at each shown unit: :func:`engine.disclosure.rules.suppress_filter`
       on the unit's subtree counts.
    3. Across the tree, per question, for each category set g a unit releases (a shown
       category, or the rest: hidden categories plus non-respondents): the units releasing
       g, and the units whose subtree lies wholly inside or outside g (their total is a
       g-number), form a laminar family; each block's g-count and non-g count must hold 0
       or >= k. A violated block loses a filter cell at its smallest descendant releasing
       g (or at the unit itself), which then repeats step 2's remainder rule. Iterated to
       a fixed point.
    4. These rules leave rare leaks through chains of filters across several units (found
       by random testing: about 1 case in 150); the audit then withholds filter
       cells, never unit totals (those are safe on their own, so every leak's combination
       uses a filter cell), until it finds nothing.
    """
    k = check_k(k)
    own_n = {u: (sum(v.values()) if isinstance(v, Mapping) else v) for u, v in own.items()}
    atoms = atoms_of(own)
    for (unit, profile), n in atoms.items():
        if len(profile) != len(filters):
            raise ValueError(f"own[{unit!r}]: profile {profile!r} does not match filters")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"own[{unit!r}][{profile!r}] must be a non-negative integer")
    if scope is None:
        scope = set(parent)
    elif set(scope) - set(parent):
        raise ValueError(f"scope: unknown units {sorted(set(scope) - set(parent))!r}")
    tree = suppress_tree(parent, own_n, k)
    children, order = _tree(parent)
    total = subtree_n(parent, own_n)
    members: dict[str, list[tuple[str, Profile]]] = {u: [] for u in parent}
    for atom in atoms:
        members[atom[0]].append(atom)
    for unit in reversed(order):
        for child in children[unit]:
            members[unit].extend(members[child])
    shown = set(tree.shown)
    views = [View(f"unit:{u}", frozenset(members[u]), 1) for u in sorted(shown)]
    where: dict[str, tuple[str, str | None, str | None]] = {
        v.name: (v.name.removeprefix("unit:"), None, None) for v in views
    }
    for qi, question in enumerate(filters):
        counts: dict[str, dict[str | None, int]] = {}
        for unit in shown:
            per: dict[str | None, int] = {}
            for atom in members[unit]:
                cat = atom[1][qi]
                per[cat] = per.get(cat, 0) + atoms[atom]
            counts[unit] = per
        cats = {
            u: set(
                suppress_filter(
                    {c: n for c, n in counts[u].items() if c is not None}, total[u], k
                ).shown
            )
            for u in shown
        }
        _filter_tree(parent, order, shown, counts, total, cats, k)
        for unit in sorted(shown):
            for cat in sorted(cats[unit]):
                group = frozenset(a for a in members[unit] if a[1][qi] == cat)
                view = View(f"unit:{unit}|{question}={cat}", group, 0)
                views.append(view)
                where[view.name] = (unit, question, cat)
    withheld: list[View] = []
    if audited:
        views, withheld = enforce(atoms, views, k)
    views = [v for v in views if where[v.name][0] in scope]
    withheld = [v for v in withheld if where[v.name][0] in scope]
    cells = {where[v.name] for v in views if where[v.name][1] is not None}
    return Release(
        frozenset(shown & set(scope)),
        frozenset(cells),  # type: ignore[arg-type]
        tuple(views),
        tuple(withheld),
    )


def _groups(cats: set[str], every: frozenset[str | None]) -> list[frozenset[str | None]]:
    """Category sets whose subtree count a unit releases: shown ones, and the rest."""
    if not cats:
        return []
    return [frozenset([c]) for c in sorted(cats)] + [every - cats]


def _filter_tree(
    parent: Mapping[str, str | None],
    order: list[str],
    shown: set[str],
    counts: Mapping[str, Mapping[str | None, int]],
    total: Mapping[str, int],
    cats: dict[str, set[str]],
    k: int,
) -> None:
    """Step 3 of :func:`release`, in place on ``cats``."""
    every = frozenset(c for per in counts.values() for c in per) | {None}

    memo: dict[tuple[str, frozenset[str | None]], int] = {}

    def n_of(unit: str, group: frozenset[str | None]) -> int:
        key = (unit, group)
        if key not in memo:
            memo[key] = sum(counts[unit].get(c, 0) for c in group)
        return memo[key]

    def releases(unit: str, group: frozenset[str | None]) -> bool:
        chosen = cats[unit]
        if not chosen:
            return False
        if len(group) == 1 and next(iter(group)) in chosen:
            return True
        return group == every - chosen

    def fix(group: frozenset[str | None]) -> bool:
        """Repair one violated block of the group's layer; False when there is none."""
        explicit = {u for u in shown if releases(u, group)}
        # a unit whose subtree lies wholly inside or outside the group releases a number
        # of the group (or its complement) through its total
        layer = explicit | {u for u in shown if n_of(u, group) in (0, total[u])}
        nearest: dict[str, str | None] = {}
        below: dict[str, list[str]] = {u: [] for u in layer}
        for unit in order:
            up = parent[unit]
            nearest[unit] = None if up is None else (up if up in layer else nearest[up])
            anc = nearest[unit]
            if unit in layer and anc is not None:
                below[anc].append(unit)
        for unit in sorted(explicit):
            inside = n_of(unit, group) - sum(n_of(d, group) for d in below[unit])
            outside = total[unit] - sum(total[d] for d in below[unit]) - inside
            if 0 < inside < k or 0 < outside < k:
                pool = [d for d in below[unit] if d in explicit]
                victim = min(pool, key=lambda d: (n_of(d, group), d)) if pool else unit
                if len(group) == 1 and next(iter(group)) in cats[victim]:
                    cats[victim].discard(next(iter(group)))
                else:  # a rest group: change the victim's rest
                    cats[victim].discard(min(cats[victim], key=lambda c: (counts[victim][c], c)))
                hidden = total[victim] - sum(counts[victim][c] for c in cats[victim])
                while cats[victim] and 0 < hidden < k:
                    drop = min(cats[victim], key=lambda c: (counts[victim][c], c))
                    cats[victim].discard(drop)
                    hidden += counts[victim][drop]
                return True
        return False

    changed = True
    while changed:  # every repair hides a filter cell, so this ends
        changed = False
        layers = {g for u in shown for g in _groups(cats[u], every)}
        for group in sorted(layers, key=lambda g: sorted(map(str, g))):
            while fix(group):
                changed = True


def views_for_role(
    parent: Mapping[str, str | None],
    own: Mapping[str, Mapping[Profile, int]] | Mapping[str, int],
    k: int,
    scope_units: Collection[str],
    filters: Sequence[str] = (),
    *,
    audited: bool = True,
) -> list[View]:
    """Every view a role can request after suppression.

    Parameters
    ----------
    parent, own, k, filters, audited
        As for :func:`release`.
    scope_units : collection of str
        :func:`role_scope`.

    Returns
    -------
    list of View
        :func:`release`'s views: unit totals (priority 1) and filter cells (priority 0).
    """
    return list(release(parent, own, k, filters, scope=scope_units, audited=audited).views)


def cell_views(
    parent: Mapping[str, str | None],
    own: Mapping[str, Mapping[Profile, int]] | Mapping[str, int],
    cells: Collection[tuple[str, str | None, str | None]],
    filters: Sequence[str] = (),
) -> list[View]:
    """Views for cells that were actually shown, to audit what an API or page released.

    Parameters
    ----------
    parent, own, filters
        As for :func:`release`.
    cells : collection of (unit, question, category)
        Each number that was shown non-null: ``(unit, None, None)`` for a unit's total,
        ``(unit, question, category)`` for a filtered one.

    Returns
    -------
    list of View
        Named as :func:`release` names them (``unit:U``, ``unit:U|question=category``).

    Notes
    -----
    ``samen audit`` should collect the cells from what the application serves (every URL a
    role can request), not from :func:`release`, whose output passes the audit by
    construction: the audit is there to catch a page or export that bypasses the rules.
    """
    children, order = _tree(parent)
    members: dict[str, list[tuple[str, Profile]]] = {u: [] for u in parent}
    for atom in atoms_of(own):
        if atom[0] not in parent:
            raise ValueError(f"own: unknown unit {atom[0]!r}")
        members[atom[0]].append(atom)
    for unit in reversed(order):
        for child in children[unit]:
            members[unit].extend(members[child])
    views = []
    for unit, question, category in sorted(cells, key=repr):
        if unit not in parent:
            raise ValueError(f"cells: unknown unit {unit!r}")
        if question is None:
            views.append(View(f"unit:{unit}", frozenset(members[unit]), 1))
            continue
        if question not in filters:
            raise ValueError(f"cells: {question!r} is not one of filters")
        qi = list(filters).index(question)
        group = frozenset(a for a in members[unit] if a[1][qi] == category)
        views.append(View(f"unit:{unit}|{question}={category}", group, 0))
    return views
