"""Loading and validating instrument files (format: instruments/FORMAT.md).

Every problem in a file is collected before anything is raised, so a user fixing a file sees
the whole list at once: :class:`~instruments.errors.InstrumentError` carries them all, each
naming the file, the path inside it and the line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from instruments.errors import InstrumentError, Problem
from instruments.model import Instrument
from instruments.schema import ID_PATTERN, Checker
from instruments.source import Document, read_file, read_text

__all__ = [
    "ID_PATTERN",
    "check_survey_instruments",
    "load_instrument",
    "parse_instrument",
]


def load_instrument(path: str | os.PathLike[str]) -> Instrument:
    """Load and validate the instrument file at ``path``.

    Raises
    ------
    InstrumentError
        Listing every problem found: unreadable file, bad YAML syntax, unknown or missing keys,
        wrong types, missing language texts, bad or duplicate ids, reverse flags on items that
        are never scored, empty scales, labels that do not cover the points, unknown response
        scales.
    """
    return replace(_build(read_file(path)), path=Path(path))


def parse_instrument(text: str, file: str = "<string>") -> Instrument:
    """Validate an instrument given as YAML ``text`` (e.g. an upload); ``file`` names it."""
    return _build(read_text(text, file))


def _build(doc: Document) -> Instrument:
    if not doc.ok:
        raise InstrumentError(doc.problems)
    checker = Checker(doc)
    instrument = checker.instrument(doc.data)
    problems = sorted(checker.problems, key=lambda p: p.line or 0)
    if problems or instrument is None:
        raise InstrumentError(problems or [Problem(doc.file, "", "invalid instrument")])
    return instrument


def check_survey_instruments(instruments: Sequence[Instrument]) -> None:
    """Check that instruments can be combined in one survey.

    Instrument ids and item ids (open questions' ids included) must be unique across the
    survey, because responses, comments and exports key answers by item id.

    Raises
    ------
    InstrumentError
        One problem per duplicate, naming both instruments and their files.
    """
    problems: list[Problem] = []
    instrument_seen: dict[str, Instrument] = {}
    item_seen: dict[str, tuple[Instrument, str]] = {}
    for instrument in instruments:
        if not isinstance(instrument, Instrument):
            raise ValueError(f"instruments: expected Instrument objects, got {instrument!r}")
        name = _source_name(instrument)
        other = instrument_seen.get(instrument.id)
        if other is not None:
            message = (
                f"instrument {instrument.id!r} is in the survey twice "
                f"(also from {_source_name(other)})"
            )
            problems.append(Problem(name, "id", message))
            continue
        instrument_seen[instrument.id] = instrument
        ids = [
            (item.id, f"scales[{s}].items[{i}].id")
            for s, scale in enumerate(instrument.scales)
            for i, item in enumerate(scale.items)
        ]
        ids += [(q.id, f"open_questions[{i}].id") for i, q in enumerate(instrument.open_questions)]
        for item_id, where in ids:
            if item_id in item_seen:
                first, first_where = item_seen[item_id]
                owner = (
                    "this instrument"
                    if first is instrument
                    else f"instrument {first.id!r} ({_source_name(first)})"
                )
                message = f"item id {item_id!r} is also used by {owner} at {first_where}"
                problems.append(Problem(name, where, message))
            else:
                item_seen[item_id] = (instrument, where)
    if problems:
        raise InstrumentError(problems)


def _source_name(instrument: Instrument) -> str:
    return str(instrument.path) if instrument.path is not None else f"<{instrument.id}>"
