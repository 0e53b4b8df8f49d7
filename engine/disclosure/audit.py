"""Disclosure audit: prove that no group of 1 to k-1 respondents can be derived from the views.

A *view* is a released number about a group of respondents, the group being a union of
*atoms* (a unit's own members x a filter category, optionally per wave snapshot). The views
a role can request, with their counts (and sums, and means), are linear functions of the
atoms' counts; the audit decides with exact integer arithmetic which groups of atoms are
determined by them. Pure functions; the ``samen audit`` command and the test suite call
:func:`audit` on the views built by :mod:`engine.disclosure.audit_views`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from engine.disclosure.rules import check_k

if TYPE_CHECKING:
    import numpy as np

__all__ = ["AuditResult", "Finding", "View", "audit", "enforce", "search_groups"]

SEARCH_BUDGET = 200_000
"""Search nodes per independent part before the audit reports "inconclusive"."""


@dataclass(frozen=True)
class View:
    """A released number: the count (and sum) of the responses in a union of atoms.

    Attributes
    ----------
    name : str
        How the view is requested, e.g. ``"unit:A"`` or ``"unit:A|gender=woman"``.
    atoms : frozenset
        Atom ids whose responses the number describes.
    priority : int
        Used by :func:`enforce`: views with a lower priority are withheld first.
    """

    name: str
    atoms: frozenset
    priority: int = 0


@dataclass(frozen=True)
class Finding:
    """A group of 1 to k-1 respondents derivable from the views.

    Attributes
    ----------
    kind : {"leak", "inconclusive"}
        "inconclusive" when the search budget ran out; it counts as a failure.
    atoms : frozenset
        The group (atoms with at least one response; empty atoms are left out).
    n : int or None
        Responses in the group (None when inconclusive).
    combination : mapping of str to Fraction
        View name -> coefficient: the sum of coefficient x view count (or sum) is the
        group's count (or sum).
    """

    kind: Literal["leak", "inconclusive"]
    atoms: frozenset
    n: int | None
    combination: Mapping[str, Fraction] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for a terminal: the group's size and how to derive it."""
        if self.kind == "inconclusive":
            return f"inconclusive: search budget exhausted over {len(self.atoms)} atoms"
        terms = []
        for name, coef in self.combination.items():
            size = abs(coef)
            terms.append(("- " if coef < 0 else "+ ") + (name if size == 1 else f"{size}*{name}"))
        text = " ".join(terms)
        text = text[2:] if text.startswith("+ ") else "-" + text[2:]
        return f"group of {self.n} derivable: {text}"


@dataclass(frozen=True)
class AuditResult:
    """Findings of :func:`audit`; ``ok`` (exit status 0 for ``samen audit``) when none."""

    findings: tuple[Finding, ...]
    k: int

    @property
    def ok(self) -> bool:
        return not self.findings


def _rref(matrix: np.ndarray, ncols: int, start: int) -> tuple[list[int], np.ndarray]:
    """Fraction-free reduced row echelon form over the integers.

    Each row ``r`` has a pivot column ``c`` with ``r[c] > 0``; the rational RREF row is
    ``r / r[c]``. Columns beyond ``ncols`` are carried along (an identity block records
    which combination of input rows produced each row) but never chosen as pivots.
    Returns the pivot columns and the rows whose pivot is ``start`` or later. Exact: int64
    while no entry can overflow, Python integers after.
    """
    import numpy as np

    a = matrix.copy()
    limit = 2**62
    pivots: list[tuple[int, int]] = []
    top = 0
    for col in range(ncols):
        if top == a.shape[0]:
            break
        nonzero = np.flatnonzero(a[top:, col])
        if not nonzero.size:
            continue
        pick = top + int(nonzero[0])
        if pick != top:
            a[[top, pick]] = a[[pick, top]]
        if a[top, col] < 0:
            a[top] = -a[top]
        others = np.flatnonzero(a[:, col])
        others = others[others != top]
        if others.size:
            piv = a[top]
            if a.dtype != object:
                big = int(np.abs(a[others]).max()) * int(piv[col])
                big += int(np.abs(a[others, col]).max()) * int(np.abs(piv).max())
                if big >= limit:
                    a = a.astype(object)
                    piv = a[top]
            block = piv[col] * a[others] - a[others, col][:, None] * piv[None, :]
            g = np.gcd.reduce(block, axis=1)
            g[g == 0] = 1
            a[others] = block // g[:, None]
        pivots.append((col, top))
        top += 1
    keep = [(col, row) for col, row in pivots if col >= start]
    return [col for col, _ in keep], a[[row for _, row in keep]]


#: Reduced forms kept (most recent first out): the homogeneity search reduces the same views
#: once per part of an item's answers, and audit-driven suppression reruns the audit on
#: views that mostly stay the same.
RREF_KEPT = 64
_RREF_CACHE: dict[tuple, tuple[list[int], np.ndarray]] = {}


def _rref_cached(matrix: np.ndarray, ncols: int, start: int) -> tuple[list[int], np.ndarray]:
    """:func:`_rref`, remembered for the last :data:`RREF_KEPT` inputs (read-only result)."""
    import hashlib

    key = (
        hashlib.sha256(matrix.tobytes()).digest(),
        matrix.shape,
        str(matrix.dtype),
        ncols,
        start,
    )
    found = _RREF_CACHE.get(key)
    if found is None:
        pivcols, basis = _rref(matrix, ncols, start)
        basis.setflags(write=False)
        found = (pivcols, basis)
        if len(_RREF_CACHE) >= RREF_KEPT:
            _RREF_CACHE.pop(next(iter(_RREF_CACHE)), None)
        _RREF_CACHE[key] = found
    return list(found[0]), found[1]


def _components(rows: np.ndarray) -> list[list[int]]:
    """Indices of rows grouped so that rows of different groups share no nonzero column."""
    owner = list(range(rows.shape[0]))

    def find(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    first: dict[int, int] = {}
    for i in range(rows.shape[0]):
        for c in rows[i].nonzero()[0].tolist():
            if c in first:
                owner[find(i)] = find(first[c])
            else:
                first[c] = i
    groups: dict[int, list[int]] = {}
    for i in range(rows.shape[0]):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def audit(
    atoms: Mapping[Any, int],
    views: Sequence[View],
    k: int,
    people: Mapping[Any, Hashable] | None = None,
) -> AuditResult:
    """Check that no group of 1 to k-1 respondents is derivable from the released views.

    Parameters
    ----------
    atoms : mapping of atom id to int
        Responses in each atom (for one scale or item: the responses behind that number).
    views : sequence of View
        Every view the role can request, each released with its count and sum.
    k : int
        Minimum group size.
    people : mapping of atom id to hashable, optional
        Which respondents each atom describes, when atoms share respondents (default: every
        atom its own). :func:`engine.disclosure.audit_measures.measure_views` makes one atom per
        respondent group *and item* (the answers of the same people to different items);
        atoms mapped to the same key describe the same respondents, must hold the same
        count, and a group's size counts them once.

    Returns
    -------
    AuditResult
        ``ok`` when nothing leaks; otherwise one finding per independent part of the
        problem, with the combination of views that yields the group.

    Notes
    -----
    Let M be the 0/1 matrix views x atoms. Adding and subtracting released numbers gives
    ``lambda @ M @ x`` for any rational ``lambda``; a group G of atoms is *derivable* when its
    indicator lies in the row space of M, and then its count and its sum (and so its mean)
    are known. The audit searches for a derivable G with ``1 <= n(G) <= k - 1``; a derivable
    group of 0 is no leak. It is exact and errs on the safe side:

    1. Atoms with no responses are dropped: an attacker who knows a group is empty (a
       manager knows who is in the team) subtracts it for free, so only nonempty atoms are
       protected, and a derivation that needs an empty atom with weight 2 still leaks.
       Atoms in no view are dropped (never derivable).
    2. Atoms whose columns of M are identical are inseparable (every row-space vector takes
       one value on them) and are merged; identical views are merged.
    3. A leaking G contains no atom with ``n >= k``. Ordering those *large* columns first,
       the rows of the reduced row echelon form whose pivot is a *small* column are zero on
       every large column and span L, the derivable vectors that avoid large atoms. A 0/1
       vector in L is fixed by its values at L's pivots, which must be 0 or 1, and as every
       atom holds >= 1 response at most k-1 pivots are 1.
    4. RREF rows that share no column form independent parts: a 0/1 vector restricted to
       one part is still derivable, so each part is searched alone: depth first over
       including or excluding each row, checking a column exactly (entry 0 or 1, running
       count below k) as soon as its last row is decided. If a part needs more than
       ``SEARCH_BUDGET`` nodes it is reported as "inconclusive" (a failure, never a silent
       pass).

    When the views form a laminar family (unit subtrees) the parts are single rows, the
    *blocks* of :func:`engine.disclosure.rules.suppress_tree`, and the audit reduces to its rule.
    Sums, means and distributions computed from the same responses are linear in the same
    atoms, so a group whose count is not derivable has no derivable sum either; the
    converse (count derivable, sum hidden) is not assumed.

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 4.4 (auditing a
    suppression pattern; disclosure by differencing).
    """
    k = check_k(k)
    for atom, n in atoms.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"atoms[{atom!r}] must be a non-negative integer, got {n!r}")
    for view in views:
        if not isinstance(view, View):
            raise ValueError(f"views must hold View objects, got {view!r}")
        unknown = view.atoms - atoms.keys()
        if unknown:
            raise ValueError(
                f"views: {view.name!r} covers unknown atoms {sorted(map(repr, unknown))}"
            )
    if people is not None:
        from engine.disclosure.audit_measures import check_people

        check_people(atoms, people)
    return AuditResult(search_groups(atoms, views, k, people=people), k)


def search_groups(
    atoms: Mapping[Any, int],
    views: Sequence[View],
    limit: int,
    *,
    weights: Mapping[Any, int] | None = None,
    people: Mapping[Any, Hashable] | None = None,
    accept: Callable[[frozenset], bool] | None = None,
) -> tuple[Finding, ...]:
    """The search of :func:`audit`: nonempty derivable groups whose weight is below ``limit``.

    With ``weights`` None the weight of a group is its respondents and ``limit`` is k (the
    k-audit). :mod:`engine.disclosure.homogeneity` passes, per part of an item's answers,
    the respondents *outside* that part as ``weights`` and ``limit`` = 2: a derivable group
    of respondents (``atoms``) with fewer than 2 of them outside one part is homogeneous.
    Inputs are not validated here (:func:`audit` does); ``weights`` needs ``people`` None.
    ``accept``, given the atoms of a group found, says whether it counts: a rejected group
    is skipped and the part's search goes on (:mod:`engine.disclosure.export_proof` rejects
    groups made of whole export classes, which the file shows anyway); needs ``people`` None.
    """
    import numpy as np

    k = limit
    if people is not None and (weights is not None or accept is not None):
        raise ValueError("weights or accept cannot be combined with people")
    # 1-2: nonempty atoms, merged by the set of views that contain them
    rows = [frozenset(a for a in v.atoms if atoms[a] > 0) for v in views]
    signature: dict[Hashable, list[int]] = {}
    for i, members in enumerate(rows):
        for a in members:
            signature.setdefault(a, []).append(i)
    classes: dict[tuple[int, ...], list[Hashable]] = {}
    for a, sig in signature.items():
        classes.setdefault(tuple(sig), []).append(a)
    # Ordered by signature, not by first appearance: a view's atoms are a set, whose order
    # follows PYTHONHASHSEED, and the order decides which leak of a part is reported.
    cls = [classes[sig] for sig in sorted(classes)]
    size = _size(atoms, people)
    given = weights
    cls_n = [
        size(members) if given is None else sum(int(given[a]) for a in members) for members in cls
    ]
    order = sorted(range(len(cls)), key=lambda c: (cls_n[c] < k, c))  # large first
    cls = [cls[c] for c in order]
    cls_n = [cls_n[c] for c in order]
    col_of = {a: c for c, members in enumerate(cls) for a in members}
    unique: dict[tuple[int, ...], int] = {}
    for i, members in enumerate(rows):
        if members:
            unique.setdefault(tuple(sorted({col_of[a] for a in members})), i)
    keys = list(unique)
    ncols, nviews = len(cls), len(keys)
    matrix = np.zeros((nviews, ncols), dtype=np.int64)
    for r, cols in enumerate(keys):
        matrix[r, list(cols)] = 1
    # 3: rows of the RREF with a small pivot span L
    n_large = sum(1 for n in cls_n if n >= k)
    pivcols, basis = _rref_cached(matrix, ncols, n_large)
    cls_w = np.array(cls_n, dtype=np.int64)
    findings = []
    leaks = []
    for part in _components(basis) if len(pivcols) else []:
        if people is None:
            test = _on_atoms(cls, accept)
            found = _search([pivcols[i] for i in part], basis[part], cls_w, k, test)
        else:
            from engine.disclosure.audit_measures import search_people

            found = search_people(
                [pivcols[i] for i in part], basis[part], cls, atoms, people, k, SEARCH_BUDGET
            )
        if found is None:
            continue
        if found == "budget":
            support = np.flatnonzero(np.any(basis[part] != 0, axis=0))
            group = frozenset(a for c in support for a in cls[c])
            findings.append(Finding("inconclusive", group, None))
            continue
        x, chosen = found
        leaks.append((x, [pivcols[part[j]] for j in chosen]))
    if leaks:  # the RREF is unique: redo it tracking which views make each row
        tracked = np.concatenate([matrix, np.eye(nviews, dtype=np.int64)], axis=1)
        cols_t, basis_t = _rref(tracked, ncols, n_large)
        row_of = {c: i for i, c in enumerate(cols_t)}
        for x, chosen_cols in leaks:
            coef = [Fraction(0)] * nviews
            for c in chosen_cols:
                row = basis_t[row_of[c]]
                for j in np.flatnonzero(row[ncols:]):
                    coef[j] += Fraction(int(row[ncols + j]), int(row[c]))
            group = frozenset(a for c in np.flatnonzero(x) for a in cls[c])
            combination = {
                views[unique[keys[j]]].name: coef[j] for j in range(nviews) if coef[j] != 0
            }
            findings.append(Finding("leak", group, size(group), combination))
    return tuple(findings)


def _size(atoms: Mapping[Any, int], people: Mapping[Any, Hashable] | None) -> Any:
    """Respondents in a collection of atoms (each of ``people``'s keys counted once)."""
    if people is None:
        return lambda group: sum(atoms[a] for a in group)
    return lambda group: sum(atoms[a] for a in {people[a]: a for a in group}.values())


def _on_atoms(
    cls: list[list[Hashable]], accept: Callable[[frozenset], bool] | None
) -> Callable[[np.ndarray], bool] | None:
    """``accept`` on atoms as a test of a 0/1 vector over atom classes."""
    if accept is None:
        return None
    import numpy as np

    return lambda x: accept(frozenset(a for c in np.flatnonzero(x) for a in cls[c]))


def _search(
    pivcols: list[int],
    rows: np.ndarray,
    cls_n: np.ndarray,
    k: int,
    accept: Callable[[np.ndarray], bool] | None = None,
) -> tuple[np.ndarray, list[int]] | Literal["budget"] | None:
    """A set of the part's RREF rows summing to a 0/1 vector with a count in 1..k-1.

    ``rows`` holds the part's rows over the atom-class columns; returns the 0/1 vector and
    the chosen row indices, None when there is no such set, or "budget" after
    :data:`SEARCH_BUDGET` nodes. Depth-first over include/exclude decisions, row by row: a
    column is checked as soon as the last row touching it is decided (its entry must then
    be 0 or 1), the count of the checked columns and the pivots chosen must stay below k
    (:func:`engine.disclosure.audit_search.search_part`, which skips runs of exclusions).
    A group ``accept`` rejects is skipped and the search goes on.
    """
    from engine.disclosure.audit_search import search_part

    return search_part(pivcols, rows, cls_n, k, SEARCH_BUDGET, accept)


def enforce(
    atoms: Mapping[Any, int], views: Sequence[View], k: int
) -> tuple[list[View], list[View]]:
    """Withhold views until :func:`audit` finds nothing (audit-driven secondary suppression).

    Parameters
    ----------
    atoms, views, k
        As for :func:`audit`.

    Returns
    -------
    kept, withheld : list of View

    Notes
    -----
    While the audit finds leaks, for each finding the view with the lowest
    ``(priority, count, name)`` among those with a nonzero coefficient in its combination
    is withheld (for an inconclusive part: among the views touching it), and the audit runs
    again. Each round removes at least one view, so this ends; with no views nothing leaks,
    and withholding views never creates a leak (the row space only shrinks). If the views
    of priority >= p leak nothing on their own, no view of priority >= p is ever withheld:
    every leak's combination then uses a lower-priority view.
    """
    names = [v.name for v in views]
    if len(set(names)) != len(names):
        raise ValueError("views: names must be unique")
    kept = list(views)
    withheld: list[View] = []
    while True:
        result = audit(atoms, kept, k)
        if result.ok:
            return kept, withheld
        victims = []
        for finding in result.findings:
            if finding.kind == "leak":
                pool = [v for v in kept if v.name in finding.combination]
            else:
                pool = [v for v in kept if v.atoms & finding.atoms]
            victims.append(
                min(pool, key=lambda v: (v.priority, sum(atoms[a] for a in v.atoms), v.name))
            )
        for victim in dict.fromkeys(victims):
            kept.remove(victim)
            withheld.append(victim)
