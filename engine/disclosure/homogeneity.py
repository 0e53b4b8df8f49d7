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
and every such remainder that is homogeneous. That covers a tree of unit totals; any other
difference (a parent minus some of its children, a unit minus one filter group, several
units and filter groups combined) is found by :func:`derivable_homogeneous`, which runs the
k-audit's exact search (:func:`engine.disclosure.audit.search_groups`) over the same views
and atoms with a different weight: for one *part* of the answers (a response code, or a
group of codes the product shows as a share), the respondents outside it. A derivable
nonempty group with fewer than :data:`MIN_OUTSIDE` respondents outside one part is
homogeneous. :func:`enforce_homogeneity` withholds views until none is derivable.

Several answers per respondent (a scale's pooled distribution). A respondent is *outside*
a part when any of their counted answers is outside it (:func:`outside_parts`); a pooled
distribution whose respondents are all inside one part but one tells everyone's answers as
surely as an item's. For one answer per respondent this is the item rule above.

No R function does this; the rule follows the "p%-rule"/dominance idea of statistical
disclosure control (sdcTable's ``primarySuppression(type = "p")``) applied to categories
instead of contributors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

    from engine.disclosure.audit import View

__all__ = [
    "MIN_OUTSIDE",
    "NAMED_INSTRUMENTS",
    "REASON",
    "HomogeneityFinding",
    "ItemRelease",
    "coarse_groups",
    "coarsen",
    "derivable_homogeneous",
    "enforce_homogeneity",
    "homogeneity_findings",
    "homogeneous",
    "item_release",
    "outside_largest",
    "outside_parts",
    "parts_of",
    "remainder",
]

#: Respondents who must fall outside the largest part of a shown partition.
MIN_OUTSIDE = 2

#: Instruments the rule covers by name, besides every instrument marked ``sensitive``.
#: Social safety is named in DESIGN.md point 6 and issue 13 but is not ``sensitive``:
#: that flag also makes questions optional behind consent, raises k to the comment
#: threshold, forbids filters and keeps the instrument out of programme and driver
#: analyses, none of which fits the core climate measure; and a survey stores its
#: instrument files when created, so a new flag in the YAML would leave every running
#: survey with social safety unprotected. The id is the built-in library's.
NAMED_INSTRUMENTS = frozenset({"social_safety"})
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
    counts: Mapping[int, int],
    points: Sequence[int],
    favourable_top: int,
    *,
    lowest: bool = True,
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
    lowest : bool
        Whether the product shows the lowest code's share on its own ("never" vs "at least
        once": frequencies and yes/no items) and may coarsen to it. False for agreement
        items (social safety), whose shares are the favourable ones: they are shown in
        full or withheld (a distribution that fails cannot pass coarser, see above).

    Returns
    -------
    ItemRelease
    """
    fine = [int(counts.get(int(p), 0)) for p in points]
    _check(fine)
    low_split, top = coarse_groups(points, favourable_top)
    low_ok = not lowest or not homogeneous(coarsen(counts, low_split))
    top_ok = not homogeneous(coarsen(counts, top))
    if not homogeneous(fine) and low_ok and top_ok:
        return ItemRelease("full", True, None)
    if lowest and low_ok:
        return ItemRelease("coarse", False, None)
    return ItemRelease("withheld", False, REASON)


def parts_of(
    points: Sequence[int], favourable_top: int, *, lowest: bool = True, coarse: bool = False
) -> tuple[tuple[int, ...], ...]:
    """The parts whose shares a shown cell reveals; each must have 2 respondents outside.

    A full cell (``coarse`` False): every response code (the distribution: fewer than 2
    outside some code is fewer than 2 outside the largest), both sides of the favourable
    split, and with ``lowest`` the codes above the lowest ("at least once"). A coarse cell:
    the lowest code and the codes above it.
    """
    low_split, top = coarse_groups(points, favourable_top)
    if coarse:
        return low_split
    codes = tuple(sorted(int(p) for p in points))
    out = [(c,) for c in codes] + [g for g in top if len(g) > 1]
    if lowest and len(low_split[1]) > 1:
        out.append(low_split[1])
    return tuple(dict.fromkeys(out))


def outside_parts(answers: np.ndarray, parts: Sequence[Sequence[int]]) -> np.ndarray:
    """Per respondent and part: whether any of their answers lies outside the part.

    Parameters
    ----------
    answers : ndarray, shape (n, m)
        Answers (response codes; NaN: not counted), one row per respondent, one column
        per item pooled in the cell (one for an item).
    parts : sequence of sequences of int
        Groups of response codes (:func:`parts_of`).

    Returns
    -------
    ndarray of bool, shape (n, len(parts))
        A respondent with no counted answer is outside nothing.
    """
    import numpy as np

    values = np.asarray(answers, dtype=float)
    if values.ndim != 2:
        raise ValueError("answers must be a 2-d array (respondents x items)")
    answered = ~np.isnan(values)
    out = np.zeros((values.shape[0], len(parts)), dtype=bool)
    for j, part in enumerate(parts):
        inside = np.isin(values, np.asarray(part, dtype=float))
        out[:, j] = np.any(answered & ~inside, axis=1)
    return out


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

    ``view`` names the view (a unit, ``"A minus B, C"`` for a subtraction, or a
    combination of views ``"+ unit:A - unit:B"``), ``item`` the item or scale, ``counts``
    the respondents per part (kept out of :meth:`describe`); ``part`` the response codes
    all but fewer than :data:`MIN_OUTSIDE` of them gave, when the search found it.
    """

    view: str
    item: str
    counts: tuple[int, ...]
    part: tuple[int, ...] = ()
    #: The views of the combination (empty for the tree checks).
    names: tuple[str, ...] = ()

    def describe(self) -> str:
        n = sum(self.counts)
        where = f"answer {'/'.join(map(str, self.part))}" if self.part else "the largest category"
        return (
            f"{self.item}, {self.view}: {n} respondents, fewer than {MIN_OUTSIDE} "
            f"outside {where} (homogeneous)"
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


def derivable_homogeneous(
    item: str,
    atoms: Mapping[Any, int],
    outside: Mapping[Any, Sequence[int]],
    parts: Sequence[Sequence[int]],
    views: Sequence[View],
    min_outside: int = MIN_OUTSIDE,
) -> list[HomogeneityFinding]:
    """Every part for which the views, added and subtracted, isolate a homogeneous group.

    Parameters
    ----------
    item : str
        The item or scale (named in the findings).
    atoms : mapping of atom to int
        Respondents per atom (as for :func:`engine.disclosure.audit.audit`).
    outside : mapping of atom to sequence of int
        Per atom, per part of ``parts``: its respondents outside that part
        (:func:`outside_parts` summed over the atom).
    parts : sequence of sequences of int
        The parts the views reveal (:func:`parts_of`).
    views : sequence of View
        The shown cells as views over ``atoms``.

    Returns
    -------
    list of HomogeneityFinding
        At most one per part: a derivable group of respondents (a 0/1 combination of the
        views) with at least one respondent and fewer than ``min_outside`` outside the part,
        its combination of views as ``view``.

    Notes
    -----
    The k-audit's search (:func:`engine.disclosure.audit.search_groups`) with the weight of
    an atom its respondents outside the part and the limit ``min_outside``: exact over the
    row space of the views, empty atoms dropped (a viewer who knows a group is empty
    subtracts it for free), atoms in no view never derivable.
    """
    from engine.disclosure.audit import search_groups

    if min_outside < 1:
        raise ValueError("min_outside must be at least 1")
    for atom, n in atoms.items():
        row = outside.get(atom)
        if row is None or len(row) != len(parts):
            raise ValueError(f"outside[{atom!r}] needs one count per part")
        if any(int(v) < 0 or int(v) > n for v in row):
            raise ValueError(f"outside[{atom!r}] must lie between 0 and the atom's respondents")
    findings = []
    for j, part in enumerate(parts):
        weights = {a: int(outside[a][j]) for a in atoms}
        if all(weights[a] >= min_outside for a in atoms if atoms[a] > 0):
            continue  # every nonempty group holds a nonempty atom: none can be found
        found = search_groups(atoms, views, min_outside, weights=weights)
        for finding in found:
            if finding.kind == "inconclusive":
                name = f"inconclusive over {len(finding.atoms)} atoms"
                findings.append(HomogeneityFinding(name, item, (), tuple(part)))
                continue
            out = sum(weights[a] for a in finding.atoms)
            n = sum(int(atoms[a]) for a in finding.atoms)
            findings.append(
                HomogeneityFinding(
                    _combination(finding.combination),
                    item,
                    (n - out, out),
                    tuple(part),
                    tuple(finding.combination),
                )
            )
    return findings


def _combination(combination: Mapping[str, Any]) -> str:
    terms = []
    for name, coef in combination.items():
        size = abs(coef)
        sign = "- " if coef < 0 else "+ "
        terms.append(sign + (name if size == 1 else f"{size}*{name}"))
    return " ".join(terms)


def enforce_homogeneity(
    atoms: Mapping[Any, int],
    outside: Mapping[Any, Sequence[int]],
    parts: Sequence[Sequence[int]],
    views: Sequence[View],
    min_outside: int = MIN_OUTSIDE,
) -> tuple[list[View], list[View]]:
    """Withhold views until :func:`derivable_homogeneous` finds nothing.

    As :func:`engine.disclosure.audit.enforce` does for k: per finding, the view of its
    combination with the lowest ``(priority, respondents, name)`` is withheld, and the
    search runs again; withholding never creates a finding (the row space only shrinks).

    Returns
    -------
    kept, withheld : list of View
    """
    kept = list(views)
    withheld: list[View] = []
    while True:
        found = derivable_homogeneous("", atoms, outside, parts, kept, min_outside)
        if not found:
            return kept, withheld
        victims = []
        for finding in found:
            pool = [v for v in kept if v.name in finding.names] or kept
            victims.append(
                min(pool, key=lambda v: (v.priority, sum(atoms[a] for a in v.atoms), v.name))
            )
        for victim in dict.fromkeys(victims):
            kept.remove(victim)
            withheld.append(victim)
