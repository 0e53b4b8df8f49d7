"""Compact answer strings: one character per item in survey item order.

A digit is the response code (codes are 0-9 by the instrument format); ``-`` is missing:
skipped, "not applicable" or "prefer not to say". A survey of 100 items is a 100-character
string, so a million responses load into a NumPy matrix in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from instruments import Item
from surveys.errors import InputError
from surveys.survey_definition import SurveyDefinition

__all__ = [
    "MISSING",
    "decode_matrix",
    "encode",
    "encode_response",
]

MISSING = "-"
_ZERO = ord("0")
# Byte -> value: digits to 0-9, everything else (the '-') to NaN, in one table lookup.
_DECODE = np.full(256, np.nan)
_DECODE[_ZERO : _ZERO + 10] = np.arange(10)


def encode(items: Sequence[Item], answers: Mapping[str, object], problems: list[str]) -> str:
    """Encode ``answers`` (item id -> code or None) for ``items``; problems are appended."""
    chars = []
    for item in items:
        value = answers.get(item.id)
        if value is None:
            chars.append(MISSING)
        elif isinstance(value, bool) or not isinstance(value, int | np.integer):
            problems.append(f"question {item.id!r}: answer {value!r} is not a response code")
            chars.append(MISSING)
        elif int(value) not in item.response_scale.points:
            points = ", ".join(str(p) for p in item.response_scale.points)
            problems.append(f"question {item.id!r}: answer {value} is not one of {points}")
            chars.append(MISSING)
        else:
            chars.append(chr(_ZERO + int(value)))
    return "".join(chars)


def encode_response(
    definition: SurveyDefinition,
    answers: Mapping[str, object],
    language: str,
    demographics: Mapping[str, object] | None = None,
) -> tuple[str, str | None]:
    """Validate one response and return its answer and demographics strings.

    Demographic questions may come in ``answers`` or in ``demographics``; they are stored
    apart either way. Demographics is None when the survey has no demographics module.

    Raises
    ------
    InputError
        Listing unknown questions, codes outside an item's response scale and an unknown
        language.
    """
    problems: list[str] = []
    if language not in definition.languages:
        langs = ", ".join(definition.languages)
        problems.append(f"language {language!r} is not one of the survey's ({langs})")
    if not isinstance(answers, Mapping) or (
        demographics is not None and not isinstance(demographics, Mapping)
    ):
        raise InputError("answers must map question ids to response codes")
    merged: dict[str, object] = dict(answers)
    for key, value in (demographics or {}).items():
        if key in merged:
            problems.append(f"question {key!r} is given twice")
        merged[key] = value
    known = set(definition.item_ids) | {item.id for item in definition.demographic_items}
    for key in merged:
        if key not in known:
            problems.append(f"unknown question {str(key)[:64]!r}")
    answer_text = encode(definition.items, merged, problems)
    demographic_text = None
    if definition.demographics is not None:
        demographic_text = encode(definition.demographic_items, merged, problems)
    if problems:
        raise InputError(problems[0] if len(problems) == 1 else "invalid answers", problems)
    return answer_text, demographic_text


def decode_matrix(texts: Sequence[str], width: int) -> np.ndarray:
    """Decode answer strings of ``width`` characters into a float matrix with NaN for missing."""
    n = len(texts)
    if n == 0:
        return np.empty((0, width), dtype=float)
    blob = "".join(texts).encode("ascii")
    if len(blob) != n * width:
        raise ValueError(f"texts: expected {n} strings of {width} characters")
    codes = np.frombuffer(blob, dtype=np.uint8).reshape(n, width)
    return _DECODE[codes]
