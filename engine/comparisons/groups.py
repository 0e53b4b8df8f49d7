"""Gaps between groups: each group of one question against the rest, on one scale.

*Do some groups belong less than others?* For every group of a column (gender, education,
a department) the gap of its mean scale score to the mean of everyone else (including
respondents who left the question open), with Welch's interval, Hedges' g and p adjusted
over the groups of the column (Holm).
Which groups may be shown at all (k, complements) is decided by the caller with
:func:`engine.disclosure.rules.suppress_filter`; this module only computes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.comparisons.welch import Welch, welch

__all__ = ["GroupGap", "gap_words", "group_counts", "group_gaps", "holm"]


@dataclass(frozen=True)
class GroupGap:
    """One group against the rest of its column on one scale.

    Attributes
    ----------
    group : str
        The group's label.
    welch : Welch
        ``first`` is the group, ``second`` the rest; ``difference`` is group minus rest.
    p_holm : float or None
        p adjusted over the groups of the column that have a p (Holm).
    words : str
        The gap in words, from the interval: "higher than the rest", "lower than the rest"
        or "not distinguishable from no difference" (None interval: "not computed"); see
        :func:`gap_words`.
    """

    group: str
    welch: Welch
    p_holm: float | None
    words: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.welch.first.n,
            "mean": self.welch.first.mean,
            "sd": self.welch.first.sd,
            "rest": self.welch.second.as_dict(),
            **self.welch.as_dict(),
            "p_holm": self.p_holm,
            "excludes_zero": self.welch.excludes_zero,
            "words": self.words,
        }


def gap_words(result: Welch, p_holm: float | None = None) -> str:
    """The gap of a group to the rest in words, marked only when the interval excludes 0;
    when Holm's p over the groups of the column is not below 1 - confidence, the words say
    the gap does not survive that adjustment."""
    excludes = result.excludes_zero
    if excludes is None:
        return "not computed"
    if not excludes:
        return "not distinguishable from no difference"
    words = "higher than the rest" if (result.difference or 0) > 0 else "lower than the rest"
    if p_holm is not None and p_holm >= 1 - result.confidence:
        words += ", though not after Holm's adjustment over the groups"
    return words


def holm(p: Sequence[float | None], m: int | None = None) -> list[float | None]:
    """Holm's step-down adjustment of `p`; None stays None.

    Parameters
    ----------
    p : sequence of float or None
        p-values in [0, 1].
    m : int, optional
        Number of tests, at least the number of p given (default: that number). Tests
        without a p given (a group withheld) count as having a larger p than every given one.

    Returns
    -------
    list of float or None
        Adjusted p, in the order of `p`.

    Notes
    -----
    With the m non-missing p sorted ascending, :math:`\\tilde p_{(i)} = \\min(1, \\max_{j \\le
    i} (m - j + 1) p_{(j)})`: R's ``p.adjust(p, method = "holm", n = m)`` (whose default n
    also leaves NA out).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics*, 6, 65-70.
    """
    present = [(value, i) for i, value in enumerate(p) if value is not None]
    for value, _ in present:
        if not 0 <= value <= 1:
            raise ValueError(f"p must hold values in [0, 1], got {value}")
    if m is None:
        m = len(present)
    elif isinstance(m, bool) or not isinstance(m, int) or m < len(present):
        raise ValueError(f"m must be an integer >= the number of p given, got {m!r}")
    out: list[float | None] = [None] * len(p)
    running = 0.0
    for rank, (value, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * value))
        out[i] = running
    return out


def group_gaps(
    scores: Any,
    group: Any,
    *,
    include: Collection[str] | None = None,
    confidence: float = 0.95,
) -> dict[str, GroupGap]:
    """Gap of each group's mean score to the rest of the column, with Holm over the groups.

    Parameters
    ----------
    scores : array_like
        Scale score per respondent; NaN (no score) is left out.
    group : array_like
        Group label per respondent, aligned with `scores`; a missing label (None, NaN, "")
        puts the respondent in no group, but in the rest of every group.
    include : collection of str, optional
        The groups to compare (default: every group). The rest of a group is always every
        other respondent, whether or not their own group is included, so that a group and
        its rest make up all the scores (nothing else follows from the two by
        subtraction). Holm counts every group of the column: a group left out (withheld)
        still was a comparison, so leaving it out never lowers the others' adjusted p.
    confidence : float
        Coverage of the intervals, in (0, 1). Default 0.95.

    Returns
    -------
    dict of str to GroupGap
        In the order of the labels (numerically when every label is a number).

    Notes
    -----
    For group *g* with scores :math:`a` and the rest :math:`b`, R's
    ``t.test(a, b, var.equal = FALSE)`` (see :func:`engine.comparisons.welch.welch`) and
    Hedges' g with :math:`J = 1 - 3/(4(n_1+n_2)-9)`; then
    ``p.adjust(p, method = "holm")`` over the groups of the column.

    References
    ----------
    Holm (1979); Welch (1947); Hedges & Olkin (1985).
    """
    values = _as_float(scores, "scores")
    if values.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got {values.ndim} dimensions")
    labels = pd.Series(np.asarray(group, dtype=object))
    if len(labels) != len(values):
        raise ValueError(
            f"group has {len(labels)} labels for {len(values)} scores; they must align"
        )
    missing = labels.isna().to_numpy() | (labels.astype(str).str.strip() == "").to_numpy()
    text = labels.astype(str).to_numpy()
    known = sorted(set(text[~missing]), key=_label_key)
    n_groups = len(known)
    if include is not None:
        unknown = sorted(set(include) - set(known))
        if unknown:
            raise ValueError(f"include names groups without respondents: {', '.join(unknown)}")
        known = [label for label in known if label in set(include)]
    results = {}
    for label in known:
        member = (text == label) & ~missing
        rest = ~member
        results[label] = welch(values[member], values[rest], confidence)
    adjusted = holm([r.p for r in results.values()], m=max(n_groups, len(results)))
    return {
        label: GroupGap(label, result, p_adj, gap_words(result, p_adj))
        for (label, result), p_adj in zip(results.items(), adjusted, strict=True)
    }


def _label_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _as_float(values: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc


def group_counts(scores: Any, group: Any) -> Mapping[str, int]:
    """Respondents with a score per group label (for the caller's disclosure control)."""
    values = _as_float(scores, "scores")
    labels = pd.Series(np.asarray(group, dtype=object))
    scored = ~np.isnan(values) & labels.notna().to_numpy()
    text = labels.astype(str)[scored]
    text = text[text.str.strip() != ""]
    return {label: int(n) for label, n in text.value_counts().items()}
