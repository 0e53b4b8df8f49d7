"""k-anonymity for item-level exports: roll up units, merge rare categories, blank the rest.

Pure function on a table of responses (pandas); the export service in ``webapp`` passes its
rows through :func:`k_anonymize` before writing CSV, SPSS or Excel files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.disclosure import check_k
from engine.disclosure_tree import _tree

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KAnonResult", "k_anonymize"]


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
    """

    data: pd.DataFrame
    rolled_up: Mapping[str, str] = field(default_factory=dict)
    merged: Mapping[str, frozenset] = field(default_factory=dict)
    blanked: int = 0


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


def k_anonymize(
    records: pd.DataFrame | Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    k: int,
    parent: Mapping[str, str | None] | None = None,
    *,
    unit_column: str = "unit",
    other: str = "other",
    seed: int | None = None,
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
       rows are fewer than k, the smallest remaining combinations are blanked too.

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
    if unit_column in qis and parent is None:
        raise ValueError(f"parent: needed to roll up the {unit_column!r} column")
    if 0 < len(data) < k:
        raise ValueError(f"records: {len(data)} rows cannot be {k}-anonymous without losing rows")
    data = data.reset_index(drop=True)
    for col in qis:
        data[col] = data[col].astype(object).where(data[col].notna(), None)
    rolled: dict[str, str] = {}
    if unit_column in qis and parent is not None:
        rolled = _roll_up(data[unit_column], parent, k)
        data[unit_column] = data[unit_column].map(lambda u: rolled.get(u, u))
    merged: dict[str, frozenset] = {}
    for col in qis:
        if col == unit_column:
            continue
        counts = data[col].value_counts()
        rare = frozenset(c for c, n in counts.items() if n < k and c != other)
        if rare:
            pooled = int(sum(counts[c] for c in rare)) + int((data[col] == other).sum())
            label = other if pooled >= k else None
            data[col] = data[col].map(lambda v, rare=rare, label=label: label if v in rare else v)
            merged[col] = rare
    blank = np.zeros(len(data), dtype=bool)
    order = [c for c in reversed(qis) if c != unit_column]
    order += [c for c in qis if c == unit_column]
    for col in order:
        sizes = data.groupby(qis, dropna=False, sort=False)[qis[0]].transform("size")
        small = (sizes < k).to_numpy()
        if not small.any():
            break
        data.loc[small, col] = None
        blank |= small
    if qis and len(data):
        empty = data[qis].isna().all(axis=1).to_numpy()
        while 0 < empty.sum() < k:
            keys = data.groupby(qis, dropna=False, sort=False).ngroup().to_numpy()
            sizes = np.bincount(keys)
            open_keys = np.unique(keys[~empty])
            victim = open_keys[np.argmin(sizes[open_keys])]
            rows = keys == victim
            data.loc[rows, qis] = None
            blank |= rows
            empty = data[qis].isna().all(axis=1).to_numpy()
    rng = np.random.default_rng(seed)
    data = data.iloc[rng.permutation(len(data))].reset_index(drop=True)
    return KAnonResult(data, rolled, merged, int(blank.sum()))
