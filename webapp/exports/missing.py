"""Missing codes of a researcher export: why a cell has no answer.

Four reasons are told apart, with the same negative codes in every format (SPSS declares
them user-missing, ``datapackage.json`` lists them in ``missingValues``, the codebook names
them; CSV and Excel carry the code itself):

====  =========================================  ============================================
code  English                                    Nederlands
====  =========================================  ============================================
-1    not applicable                             niet van toepassing
-2    prefer not to say                          zeg ik liever niet
-3    not answered (skipped)                     niet beantwoord (overgeslagen)
-4    withheld to keep the export k-anonymous    weggelaten zodat de export k-anoniem blijft
====  =========================================  ============================================

Negative codes stay clear of the answer codes (0-9) and of "other" (90), and a single SPSS
range ``-4 THRU -1`` covers them. In the text column ``language`` the only reason is -4,
written as the text ``"-4"``. Responses stored before Samen told "not applicable" and
"prefer not to say" apart have -3 for all three.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from webapp.exports.model import Code, Column
from webapp.exports.texts import text

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "MISSING_CODES",
    "NOT_ANSWERED",
    "NOT_APPLICABLE",
    "PREFER_NOT_TO_SAY",
    "WITHHELD",
    "WITHHELD_TEXT",
    "code_of_kind",
    "missing_code",
    "with_missing_codes",
]

NOT_APPLICABLE = -1
PREFER_NOT_TO_SAY = -2
NOT_ANSWERED = -3
WITHHELD = -4
#: The withheld code in a text column (``language``).
WITHHELD_TEXT = "-4"
#: Every missing code, in order.
MISSING_CODES = (NOT_APPLICABLE, PREFER_NOT_TO_SAY, NOT_ANSWERED, WITHHELD)

_LABELS: dict[int, dict[str, str]] = {
    NOT_APPLICABLE: {"en": "Not applicable", "nl": "Niet van toepassing"},
    PREFER_NOT_TO_SAY: {"en": "Prefer not to say", "nl": "Zeg ik liever niet"},
    NOT_ANSWERED: {"en": "Not answered (skipped)", "nl": "Niet beantwoord (overgeslagen)"},
    WITHHELD: {
        "en": "Withheld to keep the export k-anonymous",
        "nl": "Weggelaten zodat de export k-anoniem blijft",
    },
}


def missing_code(value: int | str, languages: tuple[str, ...]) -> Code:
    """The :class:`Code` of missing code ``value`` (an int, or ``"-4"`` in a text column),
    labelled in each language (English where a language has no label)."""
    labels = _LABELS[int(value)]
    return Code(value, {lang: labels.get(lang, labels["en"]) for lang in languages})


def code_of_kind(kinds: np.ndarray) -> np.ndarray:
    """Missing codes for the kinds of :func:`surveys.encoding.decode_kinds` (float, NaN for
    an answered cell): 1 -> -1, 2 -> -2, 3 -> -3."""
    import numpy as np

    table = np.array([np.nan, NOT_APPLICABLE, PREFER_NOT_TO_SAY, NOT_ANSWERED], dtype=float)
    return table[np.asarray(kinds, dtype=np.int64)]


def with_missing_codes(
    column: Column, explicit: Mapping[int, Mapping[str, str]], languages: tuple[str, ...]
) -> Column:
    """``column`` with the missing codes its cells can hold, and "Empty means" saying so.

    ``explicit`` maps -1 and/or -2 to the labels the item's response scale gives its "not
    applicable" and "prefer not to say" options: a code's label in this column is the
    option the respondent saw (the demographics instrument labels its "not applicable"
    option "Prefer not to say").
    """
    if column.role == "unit":
        return column
    values: list[int | str] = [WITHHELD_TEXT] if column.role == "language" else []
    if column.role in ("item", "demographic"):
        values += [*explicit, NOT_ANSWERED]
    if column.role == "demographic":
        values.append(WITHHELD)
    codes = tuple(
        Code(value, {lang: explicit[c_int].get(lang) or c.labels[lang] for lang in languages})
        if (c_int := int(value)) in explicit
        else c
        for value in values
        for c in [missing_code(value, languages)]
    )
    missing = {
        lang: text("missing_codes", lang).format(
            codes="; ".join(f"{c.value} = {c.labels[lang]}" for c in codes)
        )
        for lang in languages
    }
    return dataclasses.replace(column, missing_codes=codes, missing=missing)
