"""From a k-anonymised table (``engine.disclosure.export.k_anonymize``) to an export.

``k_anonymize`` writes the string ``"other"`` into every quasi-identifier whose rare
categories it pooled, and blanks categories too rare even to pool. :func:`from_k_anonymized`
turns that into what :func:`webapp.exports.build_codebook` and
:func:`webapp.exports.write_export` take: numeric columns get the numeric code
:data:`~webapp.exports.codebook.OTHER_CODE`, and the changes become codebook arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webapp.exports.codebook import OTHER, OTHER_CODE

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["from_k_anonymized"]


def from_k_anonymized(
    result: Any,
    *,
    other: str = OTHER,
    string_columns: tuple[str, ...] = ("unit", "language"),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The data and the ``build_codebook`` keyword arguments of a k-anonymised table.

    Parameters
    ----------
    result
        A ``KAnonResult`` (anything with ``data``, ``rolled_up`` and ``merged``).
    other
        The label ``k_anonymize`` was given for pooled categories.
    string_columns
        Columns that hold strings; in every other merged column ``other`` becomes
        :data:`OTHER_CODE`.

    Returns
    -------
    data : pandas.DataFrame
        ``result.data`` with ``other`` recoded in numeric columns, rows in the same (random)
        order.
    changes : dict
        ``rolled_up``, ``merged_categories`` (columns where ``other`` occurs) and
        ``blanked_categories`` (columns where the rare categories were left empty).

    Raises
    ------
    ValueError
        When ``result`` lacks ``data``, ``rolled_up`` or ``merged``, or names a merged
        column that is not in ``result.data``.
    """
    for attribute in ("data", "rolled_up", "merged"):
        if not hasattr(result, attribute):
            raise ValueError(f"result: has no attribute {attribute!r} (give a KAnonResult)")
    data = result.data.copy()
    merged: dict[str, tuple[Any, ...]] = {}
    blanked: dict[str, tuple[Any, ...]] = {}
    for column, categories in dict(result.merged).items():
        if column not in data.columns:
            raise ValueError(f"result: merged column {column!r} is not in its data")
        is_other = data[column].map(lambda value: isinstance(value, str) and value == other)
        if is_other.any():
            merged[column] = tuple(categories)
            if column not in string_columns:
                data[column] = data[column].astype(object).where(~is_other, OTHER_CODE)
        else:
            blanked[column] = tuple(categories)
    changes = {
        "rolled_up": dict(result.rolled_up),
        "merged_categories": merged,
        "blanked_categories": blanked,
    }
    return data, changes
