"""Local suppression for k-anonymous exports: blank the fewest cells, least important first.

:func:`local_suppression` works on the table of distinct quasi-identifier combinations (not
on rows), so every row of one combination is treated alike and the cost grows with the
number of combinations, not of responses. :func:`engine.disclosure.export.k_anonymize` calls
it with ``suppression="local"``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["SuppressionResult", "local_suppression"]

Pattern = tuple[Hashable | None, ...]


@dataclass(frozen=True)
class SuppressionResult:
    """Where each original combination ends up.

    Attributes
    ----------
    target : mapping of tuple to tuple
        Original combination -> the released combination (``None`` = blanked cell).
    cells : tuple of int
        Cells blanked per quasi-identifier (rows x columns), in the order given.
    """

    target: Mapping[Pattern, Pattern]
    cells: tuple[int, ...]


def local_suppression(
    counts: Mapping[Pattern, int],
    k: int,
    free: Sequence[int],
) -> SuppressionResult:
    """Blank cells of rare combinations until every released combination holds k rows.

    Parameters
    ----------
    counts : mapping of tuple to int
        Rows (responses) per distinct combination of the quasi-identifiers; ``None`` in a
        tuple is a blank (missing) value, which is a value of its own.
    k : int
        Minimum class size, in rows (responses).
    free : sequence of int
        Positions that may be blanked, **most important first**; the other positions
        (fixed columns such as the unit) are never blanked. The caller guarantees that
        every combination of the fixed positions holds 0 or at least k rows.

    Returns
    -------
    SuppressionResult

    Notes
    -----
    Greedy, after sdcMicro's ``localSuppression(obj, k, importance)``, in rounds: in each
    round every combination below k (smallest first) blanks one cell of its rows: the
    least important free position whose blanking lands it in a combination that then
    holds at least k rows, or else the least important one, so that rare combinations
    meet one level at a time (a combination pushed all the way down alone would end up
    blank everywhere). A combination whose free positions are all blank and that still
    holds fewer than k rows takes in the smallest other combination of its fixed class,
    blanked entirely (the only way left to grow it).

    Unlike sdcMicro, a blank is *not* counted as matching every category: a released
    row is safe only when at least k rows show exactly its combination, blanks included.
    Counting a blank as any value overstates the anonymity set — a row (woman, blank) and
    a row (blank, 30-39) "match" each other, yet a colleague who knows a 50-year-old woman
    rules out the second (Ciglic, Eder & Koncilia 2014) — and an attacker who knows the
    algorithm and the respondents' quasi-identifiers can recompute which combination was
    blanked to which. With blanks as values, every released class holds k rows whatever
    the attacker knows; it also implies sdcMicro's own (weaker) condition.

    References
    ----------
    Templ, Kowarik & Meindl (2015). Statistical disclosure control for micro-data using
    the R package sdcMicro. Journal of Statistical Software 67(4), section 3.4.
    Ciglic, Eder & Koncilia (2014). k-anonymity of microdata with NULL values. DEXA 2014,
    LNCS 8644, 328-342.
    """
    if k < 1:
        raise ValueError(f"k: {k!r} is not a positive integer")
    width = len(next(iter(counts))) if counts else 0
    free = list(free)
    if any(not 0 <= p < width for p in free) or len(set(free)) != len(free):
        raise ValueError(f"free: positions must be distinct and below {width}")
    fixed = [p for p in range(width) if p not in free]
    size: dict[Pattern, int] = {}
    members: dict[Pattern, list[Pattern]] = {}
    for pattern, n in counts.items():
        if len(pattern) != width:
            raise ValueError("counts: combinations of different lengths")
        if int(n) <= 0:
            continue
        size[pattern] = int(n)
        members[pattern] = [pattern]
    cells = [0] * width

    def move(source: Pattern, target: Pattern) -> None:
        n = size.pop(source)
        for p in range(width):
            if source[p] is not None and target[p] is None:
                cells[p] += n
        size[target] = size.get(target, 0) + n
        members.setdefault(target, []).extend(members.pop(source))

    def blank(pattern: Pattern, positions: Sequence[int]) -> Pattern:
        out = list(pattern)
        for p in positions:
            out[p] = None
        return tuple(out)

    least_first = list(reversed(free))
    while True:
        small = sorted((p for p, n in size.items() if n < k), key=lambda p: (size[p], _order(p)))
        if not small:
            break
        moved = False
        for pattern in small:  # one step for every rare combination, then look again
            if size.get(pattern, k) >= k:
                continue  # grown by rows that moved in during this round
            open_positions = [p for p in least_first if pattern[p] is not None]
            if not open_positions:
                continue
            choice = open_positions[0]
            for p in open_positions:
                if size.get(blank(pattern, [p]), 0) + size[pattern] >= k:
                    choice = p
                    break
            move(pattern, blank(pattern, [choice]))
            moved = True
        if moved:
            continue
        # only combinations with every free position blank are still short: each takes in
        # the smallest other combination of its fixed class, blanked entirely
        pattern = small[0]
        same = [
            p
            for p in size
            if p != pattern
            and all(p[f] == pattern[f] for f in fixed)
            and any(p[q] is not None for q in free)
        ]
        if not same:
            break  # the fixed class holds fewer than k rows: the caller's precondition
        victim = min(same, key=lambda p: (size[p], _order(p)))
        move(victim, pattern)
    target = {orig: released for released, origs in members.items() for orig in origs}
    return SuppressionResult(target, tuple(cells))


def _order(pattern: Pattern) -> tuple[str, ...]:
    """A total, deterministic order on combinations of mixed types (ties broken by text)."""
    return tuple("" if v is None else f"{type(v).__name__}:{v}" for v in pattern)
