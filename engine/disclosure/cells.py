"""Disclosure rules for the cells of one unit: demographic filters, time, comments.

Which categories of a filter question may be shown within a unit (:func:`suppress_filter`),
which snapshot of a cell to show while a wave is open (:func:`release_n`), and the stricter
thresholds for free-text comments and the unwanted-behaviour module. Part of
:mod:`engine.disclosure.rules`, which re-exports it; vocabulary as there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from engine.disclosure.tree import check_k, check_n

__all__ = [
    "FilterSuppression",
    "comments_allowed",
    "release_n",
    "sensitive_module_allowed",
    "suppress_filter",
]


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
    (:mod:`engine.disclosure.audit`) covers differences across units.

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 4.3.
    """
    k = check_k(k)
    unit_n = check_n(unit_n, "unit_n")
    for cat, n in category_n.items():
        check_n(n, f"category_n[{cat!r}]")
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
    current_n = check_n(current_n, "current_n")
    if last_released_n is not None:
        last_released_n = check_n(last_released_n, "last_released_n")
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
    """Whether the free-text comments of a group with ``n`` writers may be shown.

    Parameters
    ----------
    n : int
        Writers: people in the group who wrote a comment (not the group's responses).
    comment_threshold : int
        The survey's comment threshold, in writers.
    filtered : bool
        Whether a demographic filter is applied.

    Returns
    -------
    bool
        ``not filtered and n >= comment_threshold``.

    Notes
    -----
    The threshold counts writers because that is what respondents are promised ("shown only
    when at least 10 people from your group wrote one"): 27 responses with 4 comments would
    show each of the 4 as one voice among 4, not among 27.
    Comments identify people by style and content far more easily than averages, so they get
    a higher threshold than k (Glint uses 10) and are never shown next to a demographic
    filter, which would attach a category to a voice.
    """
    check_n(n, "n")
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
    check_n(n, "n")
    threshold = check_k(comment_threshold, "comment_threshold")
    return unit_is_org or n >= threshold
