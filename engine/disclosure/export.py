"""k-anonymity for item-level exports: roll up units, merge rare categories, blank the rest.

Pure function on a table of responses (pandas); the export service in ``webapp`` passes its
rows through :func:`k_anonymize` before writing CSV, SPSS or Excel files.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from engine.disclosure.rules import check_k
from engine.disclosure.tree import _tree

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KAnonResult", "export_units", "k_anonymize"]


@dataclass(frozen=True)
class KAnonResult:
    """A k-anonymous table and what was changed to make it so.

    Attributes
    ----------
    data : pandas.DataFrame
        Every input row, in random order; quasi-identifiers generalised.
    rolled_up : mapping of str to str
        Original unit -> the ancestor it is reported as (only units that moved).
    merged : mapping of str to frozenset
        Column -> categories replaced by ``other``.
    blanked : int
        Rows with at least one quasi-identifier blanked (missing).
    cells : mapping of str to int
        Quasi-identifier -> cells (rows) that had a value and were blanked, by step 2 or 3.
    """

    data: pd.DataFrame
    rolled_up: Mapping[str, str] = field(default_factory=dict)
    merged: Mapping[str, frozenset] = field(default_factory=dict)
    blanked: int = 0
    cells: Mapping[str, int] = field(default_factory=dict)


def _roll_up(units: pd.Series, parent: Mapping[str, str | None], k: int) -> dict[str, str]:
    """Map each unit to itself or the nearest ancestor that gathers at least k rows."""
    _, order = _tree(parent)
    unknown = set(units.dropna()) - set(parent)
    if unknown:
        raise ValueError(f"records: unit column has units not in parent: {sorted(unknown)!r}")
    count = {u: 0 for u in parent}
    for unit, n in units.value_counts().items():
        count[unit] = int(n)
    target = {u: u for u in parent}
    for unit in reversed(order):  # leaves first: a unit's rows include rolled-up children
        up = parent[unit]
        if 0 < count[unit] < k and up is not None:
            count[up] += count[unit]
            count[unit] = 0
            for u, t in target.items():
                if t == unit:
                    target[u] = up
    return {u: t for u, t in target.items() if t != u}


def export_units(
    parent: Mapping[str, str | None],
    released: Collection[str],
    own_n: Mapping[str, int],
    k: int,
) -> dict[str, str]:
    """The unit each unit's rows carry in an export shown beside released tables.

    Parameters
    ----------
    parent : mapping of str to str or None
        The unit tree.
    released : collection of str
        Units whose numbers (of any measure, unfiltered or filtered) a role that gets the
        export can also see; a unit's number describes its whole subtree.
    own_n : mapping of str to int
        Responses (rows) per unit, its own direct members only.
    k : int
        Minimum group size, in responses.

    Returns
    -------
    dict of str to str
        Every unit of ``parent`` -> the unit its rows are labelled with: itself when it is
        released, else its nearest released ancestor (roots count as released). A label
        that would hold 1 to k-1 rows is merged into the label of its nearest released
        ancestor, repeatedly, so every label holds 0 or at least k rows.

    Notes
    -----
    Global recoding, never local suppression: every row of a unit gets the same label, and
    a released unit's subtree is the union of the labels inside it, so each released table
    is a margin of the export and subtracting the export's rows from a table leaves nothing
    the export does not show itself (Hundepool et al. 2012, 3.4: local suppression cannot be
    released beside exact tables of the same data). A merge of a released unit's label
    breaks that for the merged unit; :mod:`webapp.research.audit_export` checks the export
    and the tables together and coarsens further where needed.
    """
    k = check_k(k)
    _, order = _tree(parent)
    unknown = set(released) - set(parent)
    if unknown:
        raise ValueError(f"released: units not in parent: {sorted(unknown)!r}")
    open_units = set(released) | {u for u, up in parent.items() if up is None}
    for unit, n in own_n.items():
        if unit not in parent:
            raise ValueError(f"own_n: unit {unit!r} is not in parent")
        if int(n) < 0:
            raise ValueError(f"own_n: negative count for unit {unit!r}")

    def label_of(unit: str) -> str:
        while unit not in open_units:
            unit = parent[unit]  # type: ignore[assignment]  # roots are always open
        return unit

    while True:
        target = {u: label_of(u) for u in parent}
        size = dict.fromkeys(parent, 0)
        for unit, label in target.items():
            size[label] += int(own_n.get(unit, 0))
        small = [u for u in order if 0 < size[u] < k]
        if not small:
            return target
        victim = small[-1]  # the deepest first; its rows go one label up
        if parent[victim] is None:  # a root: take in the smallest label directly below it
            below = [u for u in open_units if parent[u] is not None]
            below = [u for u in below if label_of(parent[u]) == victim]  # type: ignore[arg-type]
            if not below:
                return target  # the whole tree holds fewer than k rows: nothing to merge
            victim = min(below, key=lambda u: (size[u], u))
        open_units.discard(victim)


def k_anonymize(
    records: pd.DataFrame | Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    k: int,
    parent: Mapping[str, str | None] | None = None,
    *,
    unit_column: str = "unit",
    other: str = "other",
    seed: int | None = None,
    fixed: Sequence[str] = (),
    suppression: Literal["columns", "local"] = "columns",
    keep_apart: Collection[Hashable] = (),
) -> KAnonResult:
    """Make every combination of quasi-identifiers occur at least k times, losing no row.

    Parameters
    ----------
    records : DataFrame or sequence of dicts
        One row per response.
    quasi_identifiers : sequence of str
        Columns an outsider could know about a person: unit, demographics, language.
        Listed from most to least useful; the least useful are blanked first.
    k : int
        Minimum group size.
    parent : mapping, optional
        The unit tree, needed when ``unit_column`` is a quasi-identifier.
    unit_column : str
        Name of the unit column.
    other : str
        Label for merged rare categories.
    seed : int, optional
        Seed for the random row order (default: fresh entropy).
    fixed : sequence of str
        Quasi-identifiers that are only recoded globally, never blanked row by row: the
        columns released tables break down by (unit, the dashboards' filter question).
        ``unit_column`` among them is taken as labelled already (no roll-up; see
        :func:`export_units`). After rare categories are merged, every combination of the
        fixed columns must hold at least k rows.
    suppression : {"columns", "local"}
        Step 3 below. ``"columns"`` blanks the least useful column in every row of every
        rare combination at once, then the next; ``"local"`` blanks per rare combination
        the one cell that helps, least useful first
        (:func:`engine.disclosure.local_suppression.local_suppression`, after sdcMicro's
        ``localSuppression``), which blanks far fewer cells.
    keep_apart : collection
        Values never pooled into ``other`` (codes for "not applicable", "prefer not to
        say", "not answered"): a rare one is blanked instead.

    Returns
    -------
    KAnonResult

    Notes
    -----
    k-anonymity (Sweeney 2002): each released row is indistinguishable from at least k-1
    others on its quasi-identifiers, so knowing a colleague's unit, gender and language
    never singles out their answers. Three generalisations are applied in turn:

    1. a unit with fewer than k rows is reported as its parent, leaves first, repeated
       until the unit gathers k rows or is the root;
    2. in every other quasi-identifier, categories with fewer than k rows become
       ``other``, or blank when even together they hold fewer than k (pulling a large
       category into ``other`` would lose more than it protects);
    3. rows whose combination still occurs fewer than k times lose quasi-identifiers one at
       a time, least useful first (the unit last), as blanks (missing); if the fully blank
       rows are fewer than k, the smallest remaining combinations are blanked too. With
       ``suppression="local"`` this is done per combination, blanking the fewest cells.

    Blanks count as a value: the property holds for every combination including partly
    blank ones. Rows are returned in random order, never in submission order.

    References
    ----------
    Sweeney, L. (2002). k-anonymity: a model for protecting privacy. International Journal
    of Uncertainty, Fuzziness and Knowledge-Based Systems 10(5), 557-570.
    Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, chapter 3 (global
    recoding and local suppression of microdata).
    """
    import numpy as np
    import pandas as pd

    k = check_k(k)
    data = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    qis = list(quasi_identifiers)
    missing = [c for c in qis if c not in data.columns]
    if missing:
        raise ValueError(f"quasi_identifiers: not columns of records: {missing!r}")
    if len(set(qis)) != len(qis):
        raise ValueError("quasi_identifiers: a column is listed twice")
    fixed = list(fixed)
    if set(fixed) - set(qis):
        raise ValueError(f"fixed: not among quasi_identifiers: {sorted(set(fixed) - set(qis))!r}")
    if unit_column in qis and unit_column not in fixed and parent is None:
        raise ValueError(f"parent: needed to roll up the {unit_column!r} column")
    if 0 < len(data) < k:
        raise ValueError(f"records: {len(data)} rows cannot be {k}-anonymous without losing rows")
    data = data.reset_index(drop=True)
    for col in qis:
        data[col] = data[col].astype(object).where(data[col].notna(), None)
    rolled: dict[str, str] = {}
    if unit_column in qis and unit_column not in fixed and parent is not None:
        rolled = _roll_up(data[unit_column], parent, k)
        data[unit_column] = data[unit_column].map(lambda u: rolled.get(u, u))
    before = data[qis].notna()
    apart = set(keep_apart)
    merged: dict[str, frozenset] = {}
    for col in qis:
        if col == unit_column:
            continue
        counts = data[col].value_counts()
        lone = frozenset(c for c, n in counts.items() if n < k and c in apart)
        if lone:
            data[col] = data[col].map(lambda v, lone=lone: None if v in lone else v)
        rare = frozenset(c for c, n in counts.items() if n < k and c != other and c not in apart)
        if rare:
            pooled = int(sum(counts[c] for c in rare)) + int((data[col] == other).sum())
            label = other if pooled >= k else None
            data[col] = data[col].map(lambda v, rare=rare, label=label: label if v in rare else v)
            merged[col] = rare
    if fixed and len(data):
        sizes = data.groupby(fixed, dropna=False, sort=False)[fixed[0]].transform("size")
        if (sizes < k).any():
            raise ValueError(
                f"fixed: a combination of {fixed!r} holds fewer than {k} rows; recode it "
                "globally before (it cannot be blanked row by row)"
            )
    free = [c for c in qis if c not in fixed]
    blank = np.zeros(len(data), dtype=bool)
    if suppression == "local":
        blank = _suppress_locally(data, qis, free, k, unit_column)
        free = []  # done: step 3 below has nothing left to do
    elif suppression != "columns":
        raise ValueError(f"suppression: {suppression!r} is not 'columns' or 'local'")
    order = [c for c in reversed(free) if c != unit_column]
    order += [c for c in free if c == unit_column]
    for col in order:
        sizes = data.groupby(qis, dropna=False, sort=False)[qis[0]].transform("size")
        small = (sizes < k).to_numpy()
        if not small.any():
            break
        data.loc[small, col] = None
        blank |= small
    if free and len(data):
        # Within each class of the fixed columns (all of it when there are none), the rows
        # whose free columns are all blank must be 0 or at least k.
        cls = (
            data.groupby(fixed, dropna=False, sort=False).ngroup().to_numpy()
            if fixed
            else np.zeros(len(data), dtype=np.int64)
        )
        while True:
            empty = data[free].isna().all(axis=1).to_numpy()
            per_class = np.bincount(cls[empty], minlength=cls.max() + 1)
            short = np.flatnonzero((per_class > 0) & (per_class < k))
            if not len(short):
                break
            in_class = cls == short[0]
            keys = data.groupby(qis, dropna=False, sort=False).ngroup().to_numpy()
            sizes = np.bincount(keys)
            open_keys = np.unique(keys[in_class & ~empty])
            victim = open_keys[np.argmin(sizes[open_keys])]
            rows = keys == victim
            data.loc[rows, free] = None
            blank |= rows
    lost = before & data[qis].isna()
    cells = {col: int(lost[col].sum()) for col in qis}
    blank = blank | lost.any(axis=1).to_numpy()
    rng = np.random.default_rng(seed)
    data = data.iloc[rng.permutation(len(data))].reset_index(drop=True)
    return KAnonResult(data, rolled, merged, int(blank.sum()), cells)


def _suppress_locally(
    data: pd.DataFrame, qis: list[str], free: list[str], k: int, unit_column: str
) -> Any:
    """Step 3 with :func:`local_suppression`, in place; the rows it blanked (bool array)."""
    import numpy as np

    from engine.disclosure.local_suppression import local_suppression

    if not len(data):
        return np.zeros(0, dtype=bool)
    # most important first; the unit is blanked last of the free columns, wherever it is listed
    ordered = [c for c in free if c == unit_column] + [c for c in free if c != unit_column]
    keys = [tuple(row) for row in data[qis].itertuples(index=False, name=None)]
    counts: dict[tuple, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    result = local_suppression(counts, k, [qis.index(c) for c in ordered])
    released = [result.target[key] for key in keys]
    out = _frame_of(released, qis, data.index)
    changed = (out.isna() & data[qis].notna()).any(axis=1).to_numpy()
    data[qis] = out
    return changed


def _frame_of(rows: list[tuple], columns: list[str], index: Any) -> pd.DataFrame:
    """Rows of tuples as an object-typed frame (``None`` kept as None)."""
    import pandas as pd

    return pd.DataFrame(rows, columns=columns, index=index, dtype=object)
