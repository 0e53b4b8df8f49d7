"""Compact answer strings: one character per item in survey item order.

A digit is the response code (codes are 0-9 by the instrument format); the other three
characters are kinds of missing: ``n`` "not applicable", ``p`` "prefer not to say" and ``-``
not answered (skipped). Every analysis reads all three as NaN (:func:`decode_matrix`); only
the researcher export tells them apart (:func:`decode_kinds`). Responses stored before the
``n`` and ``p`` characters existed have ``-`` for all three. A survey of 100 items is a
100-character string, so a million responses load into a NumPy matrix in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from instruments import Item
from surveys.errors import InputError
from surveys.survey_definition import SurveyDefinition

__all__ = [
    "ANSWERED",
    "MISSING",
    "NOT_ANSWERED",
    "NOT_APPLICABLE",
    "PREFER_NOT_TO_SAY",
    "decode_kinds",
    "decode_matrix",
    "encode",
    "encode_response",
]

MISSING = "-"
_NA_CHAR = "n"
_PN_CHAR = "p"
#: Answer values (as ``encode`` takes them) for the two explicit non-answers.
NA_ANSWER = "na"
PN_ANSWER = "pn"
#: Kinds of a cell, as :func:`decode_kinds` returns them.
ANSWERED, NOT_APPLICABLE, PREFER_NOT_TO_SAY, NOT_ANSWERED = 0, 1, 2, 3
_ZERO = ord("0")
# Byte -> value: digits to 0-9, everything else ('-', 'n', 'p') to NaN, in one table lookup.
_DECODE = np.full(256, np.nan)
_DECODE[_ZERO : _ZERO + 10] = np.arange(10)
_KINDS = np.full(256, NOT_ANSWERED, dtype=np.int8)
_KINDS[_ZERO : _ZERO + 10] = ANSWERED
_KINDS[ord(_NA_CHAR)] = NOT_APPLICABLE
_KINDS[ord(_PN_CHAR)] = PREFER_NOT_TO_SAY


def encode(items: Sequence[Item], answers: Mapping[str, object], problems: list[str]) -> str:
    """Encode ``answers`` for ``items``; problems are appended.

    A value is a response code, None (not answered), ``"na"`` ("not applicable") or
    ``"pn"`` ("prefer not to say"); the last two only where the item's response scale
    offers them.
    """
    chars = []
    for item in items:
        value = answers.get(item.id)
        if value is None:
            chars.append(MISSING)
        elif value in (NA_ANSWER, PN_ANSWER):
            scale = item.response_scale
            offered = scale.not_applicable if value == NA_ANSWER else scale.prefer_not_to_say
            if not offered:
                problems.append(f"question {item.id!r}: {value!r} is not offered")
            chars.append((_NA_CHAR if value == NA_ANSWER else _PN_CHAR) if offered else MISSING)
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


def decode_kinds(texts: Sequence[str], width: int) -> np.ndarray:
    """What each cell of :func:`decode_matrix` is: an int8 matrix of :data:`ANSWERED`,
    :data:`NOT_APPLICABLE`, :data:`PREFER_NOT_TO_SAY` or :data:`NOT_ANSWERED`."""
    n = len(texts)
    if n == 0:
        return np.empty((0, width), dtype=np.int8)
    blob = "".join(texts).encode("ascii")
    if len(blob) != n * width:
        raise ValueError(f"texts: expected {n} strings of {width} characters")
    return _KINDS[np.frombuffer(blob, dtype=np.uint8).reshape(n, width)]
