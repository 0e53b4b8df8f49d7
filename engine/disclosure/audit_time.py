"""Disclosure across time: audit everything released from an open wave's snapshots.

Pure function; see :func:`engine.disclosure.rules.release_n` for the per-cell rule.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from engine.disclosure.audit import AuditResult, View, audit
from engine.disclosure.rules import check_k

__all__ = ["audit_snapshots"]


def audit_snapshots(
    snapshots: Sequence[tuple[Mapping[Any, int], Sequence[View]]], k: int
) -> AuditResult:
    """Audit everything released during an open wave: each snapshot's views on its counts.

    Parameters
    ----------
    snapshots : sequence of (atoms, views)
        In release order: the cumulative atom counts when the snapshot was taken and the
        views released from it. Counts never decrease.
    k : int
        Minimum group size.

    Returns
    -------
    AuditResult
        View names carry ``@t``, the snapshot's index.

    Notes
    -----
    Responses are split by the period in which they arrived: atom ``(a, t)`` holds atom
    a's responses between snapshots t-1 and t, and a view of snapshot t covers ``(a, s)``
    for every s <= t. Differences between snapshots are then ordinary linear combinations,
    so the audit sees the arrivals between two releases as a group. Per-cell steps of k
    (:func:`engine.disclosure.rules.release_n`) protect one cell; when a parent and a child both
    step, their steps combine (the parent's new own members), which only this audit sees.
    An application that updates results during a wave should take a new snapshot only
    when this audit, with the candidate appended, finds nothing; otherwise keep showing the
    last one (or use the "closed" policy).
    """
    k = check_k(k)
    atoms: dict[Hashable, int] = {}
    views: list[View] = []
    before: Mapping[Any, int] = {}
    for t, (counts, released) in enumerate(snapshots):
        for atom, n in counts.items():
            grown = n - before.get(atom, 0)
            if grown < 0:
                raise ValueError(f"snapshots[{t}]: count of {atom!r} decreased")
            atoms[(atom, t)] = grown
        missing = set(before) - set(counts)
        if missing:
            raise ValueError(f"snapshots[{t}]: atoms disappeared: {sorted(map(repr, missing))}")
        for view in released:
            unknown = view.atoms - counts.keys()
            if unknown:
                raise ValueError(f"snapshots[{t}]: {view.name!r} covers unknown atoms")
            periods = frozenset((a, s) for a in view.atoms for s in range(t + 1))
            views.append(View(f"{view.name}@{t}", frozenset(p for p in periods if p in atoms)))
        before = counts
    return audit(atoms, views, k)
