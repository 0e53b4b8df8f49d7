"""Homogeneity: a sensitive item's figures are shown only when nobody's answer is certain.

k protects against small groups; it does not protect a group whose members all answered
alike. "5 of 5 experienced bullying" tells each of the five what the others answered, and
anyone who knows who is in the group what each of them said (DESIGN.md, "Anonymity and
disclosure control", point 6; issue 13). For sensitive items (instruments marked
``sensitive``: social safety, unwanted behaviour) a released partition of respondents — a
distribution over response codes, a favourable share (top codes vs the rest), an "at least
once" share (lowest code vs the rest) — is shown only when at least :data:`MIN_OUTSIDE`
respondents fall outside its largest part. Thresholds here count **respondents** (people who
answered the item), never answers or units.

Coarsening. Merging categories can only grow the largest part, so a distribution that fails
the rule cannot be rescued by a coarser view of itself; the opposite happens instead: a
distribution that passes may still reveal a homogeneous coarse share (2 "once" and 3
"sometimes" pass, yet say that all five experienced it at least once). So
:func:`item_release` shows the full distribution only when it *and* every coarse share the
product derives from it pass, falls back to the coarse "never" vs "at least once" split when
only that passes, and otherwise withholds with reason :data:`REASON` ("too uniform to show
without revealing individual answers").

Subtraction. A parent's distribution minus its children's shown distributions is the
distribution of the rest (the parent's own members and its hidden children):
:func:`remainder` computes it and :func:`homogeneity_findings` reports every shown partition
and every such remainder that is homogeneous. No R function does this; the rule follows
the "p%-rule"/dominance idea of statistical disclosure control (sdcTable's
``primarySuppression(type = "p")``) applied to categories instead of contributors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MIN_OUTSIDE",
    "REASON",
    "HomogeneityFinding",
    "ItemRelease",
    "coarse_groups",
    "coarsen",
    "homogeneity_findings",
    "homogeneous",
    "item_release",
    "outside_largest",
    "remainder",
]

#: Respondents who must fall outside the largest part of a shown partition.
MIN_OUTSIDE = 2
#: The reason a withheld cell carries (the pages explain it in words).
REASON = "homogeneous"

Level = Literal["full", "coarse", "withheld"]


def _check(counts: Sequence[int]) -> list[int]:
    values = [int(c) for c in counts]
    if any(c < 0 for c in values):
        raise ValueError("counts must be nonnegative")
    return values


def outside_largest(counts: Sequence[int]) -> int:
    """Respondents outside the largest part: ``sum(counts) - max(counts)`` (0 when empty).

    Parameters
    ----------
    counts : sequence of int
        Respondents per part (response code or group of codes).

    Raises
    ------
    ValueError
        A negative count.
    """
    values = _check(counts)
    return sum(values) - max(values) if values else 0


def homogeneous(counts: Sequence[int], min_outside: int = MIN_OUTSIDE) -> bool:
    """Whether showing the partition ``counts`` would make someone's answer certain.

    A partition of nobody (all zero) shows nothing and is not homogeneous; otherwise it is
    homogeneous when fewer than ``min_outside`` respondents fall outside its largest part.
    """
    if min_outside < 1:
        raise ValueError("min_outside must be at least 1")
    values = _check(counts)
    if sum(values) == 0:
        return False
    return outside_largest(values) < min_outside


def coarsen(counts: Mapping[int, int], groups: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """The respondents per group of codes (codes in no group are left out)."""
    return tuple(sum(int(counts.get(code, 0)) for code in group) for group in groups)


def coarse_groups(
    points: Sequence[int], favourable_top: int
) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """The coarse partitions a shown distribution of ``points`` reveals.

    "Lowest code vs the rest" (never vs at least once; for a yes/no item the item itself)
    and "top ``favourable_top`` codes vs the rest" (the favourable share).
    """
    codes = tuple(sorted(int(p) for p in points))
    if len(codes) < 2:
        raise ValueError("an item needs at least two response codes")
    if not 1 <= favourable_top < len(codes):
        raise ValueError("favourable_top must leave at least one code below it")
    lowest = ((codes[0],), codes[1:])
    top = (codes[:-favourable_top], codes[-favourable_top:])
    return (lowest, top)


@dataclass(frozen=True)
class ItemRelease:
    """What of a sensitive item's cell may be shown.

    ``level`` is ``"full"`` (distribution, favourable share, mean), ``"coarse"`` (only the
    share of the lowest code vs the rest: "never" vs "at least once") or ``"withheld"``
    (reason :data:`REASON`). ``favourable`` says whether the favourable share may be shown.
    """

    level: Level
    favourable: bool
    reason: str | None


def item_release(
    counts: Mapping[int, int], points: Sequence[int], favourable_top: int
) -> ItemRelease:
    """Decide what a sensitive item's cell may show, from respondents per response code.

    Parameters
    ----------
    counts : mapping of int to int
        Respondents per response code (codes of ``points``; "not applicable" left out).
    points : sequence of int
        The item's response codes.
    favourable_top : int
        How many top codes count as favourable.

    Returns
    -------
    ItemRelease
    """
    fine = [int(counts.get(int(p), 0)) for p in points]
    _check(fine)
    lowest, top = coarse_groups(points, favourable_top)
    low_ok = not homogeneous(coarsen(counts, lowest))
    top_ok = not homogeneous(coarsen(counts, top))
    if not homogeneous(fine) and low_ok and top_ok:
        return ItemRelease("full", True, None)
    if low_ok:
        return ItemRelease("coarse", False, None)
    return ItemRelease("withheld", False, REASON)


def remainder(parent: Sequence[int], children: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """``parent - sum(children)`` per part: the respondents a subtraction isolates.

    Raises
    ------
    ValueError
        Lengths differ, or a child holds more respondents in a part than the parent.
    """
    out = _check(parent)
    for child in children:
        values = _check(child)
        if len(values) != len(out):
            raise ValueError("every partition needs the same parts")
        out = [a - b for a, b in zip(out, values, strict=True)]
    if any(v < 0 for v in out):
        raise ValueError("children hold more respondents than their parent")
    return tuple(out)


@dataclass(frozen=True)
class HomogeneityFinding:
    """A homogeneous partition that a set of shown views reveals.

    ``view`` names the view (a unit, or ``"A minus B, C"`` for a subtraction), ``item`` the
    item, ``counts`` the respondents per part (kept out of :meth:`describe`).
    """

    view: str
    item: str
    counts: tuple[int, ...]

    def describe(self) -> str:
        n = sum(self.counts)
        return (
            f"item {self.item}, {self.view}: {n} respondents, fewer than {MIN_OUTSIDE} "
            "outside the largest category (homogeneous)"
        )


def homogeneity_findings(
    item: str,
    shown: Mapping[str, Sequence[int]],
    parent: Mapping[str, str | None],
) -> list[HomogeneityFinding]:
    """Every homogeneous partition the shown views of one item reveal, alone or subtracted.

    Parameters
    ----------
    item : str
        The item's id (named in the findings).
    shown : mapping of str to sequence of int
        Per unit whose partition is shown, its respondents per part (all the same parts).
    parent : mapping of str to str or None
        The unit tree.

    Returns
    -------
    list of HomogeneityFinding
        Each shown partition that is homogeneous, and each parent minus its shown children
        whose remainder holds respondents and is homogeneous.
    """
    findings = [
        HomogeneityFinding(unit, item, tuple(int(c) for c in counts))
        for unit, counts in sorted(shown.items())
        if homogeneous(counts)
    ]
    for unit in sorted(shown):
        kids = sorted(c for c, p in parent.items() if p == unit and c in shown)
        if not kids:
            continue
        rest = remainder(shown[unit], [shown[c] for c in kids])
        if homogeneous(rest):
            findings.append(HomogeneityFinding(f"{unit} minus {', '.join(kids)}", item, rest))
    return findings
