"""Importing responses collected on paper or in another tool: ``samen responses import``.

CSV columns: ``unit`` (a unit code) and one column per item id (answer or demographic
question); optional ``language`` (default: the survey's first), ``comment`` and one column per
open question id (its answer in the respondent's words, stored apart as comments). Empty cells,
``na`` and ``-`` are missing. Rows go through the same validation as the web form; every
problem is reported as ``FILE: line N, column C: ...`` and nothing is stored unless all rows
are valid. Rows are stored in random order under random keys, without daily counters.

Only an open wave takes imported responses. The results of a closed wave are final: adding a
few answers afterwards would let anyone who saw the results before and after subtract them
(DESIGN.md, "No differencing", across time), and a purged wave must stay empty.
"""

from __future__ import annotations

import os
import secrets

from sqlalchemy import select

from surveys._common import survey_row, wave_row
from surveys.db import Database
from surveys.encoding import encode_response
from surveys.errors import InputError, WaveClosed
from surveys.models import Unit
from surveys.org import read_csv
from surveys.responses import MAX_COMMENT, lock_open_wave, store_response
from surveys.survey_store import get_survey

__all__ = ["import_responses"]

MISSING_CELLS = {"", "na", "n/a", "-", "."}
EXTRA_COLUMNS = ("unit", "language", "comment")


def import_responses(db: Database, slug: str, wave: str, path: str | os.PathLike[str]) -> int:
    """Validate and store every row of the CSV at ``path`` in wave ``wave``; return the count.

    Raises
    ------
    InputError
        With one problem per bad cell or row (column and line named); nothing is stored.
    WaveClosed
        When the wave is closed (or purged): import paper responses before closing it.
    """
    name = os.fspath(path)
    definition = get_survey(db, slug)
    with db.session() as session:
        # NotFound and WaveClosed before reading the file.
        if wave_row(session, survey_row(session, slug), wave).state != "open":
            raise _closed(slug, wave)
    _, header, rows, read_problems = read_csv(path)
    item_ids = [i.id for i in definition.items] + [i.id for i in definition.demographic_items]
    known = set(item_ids)
    open_ids = [q.id for q in definition.open_questions]
    problems: list[str] = []
    if "unit" not in header:
        problems.append(f"{name}: line 1: no 'unit' column (the unit code of each response)")
    for column in header:
        if column not in known and column not in EXTRA_COLUMNS and column not in open_ids:
            problems.append(f"{name}: line 1: column {column!r} is not a question of {slug!r}")
    if "comment" in header and not definition.comments_enabled:
        problems.append(f"{name}: line 1: survey {slug!r} asks no open comments")
    if problems:
        raise InputError(_summary(name, problems), problems)
    if not rows and not read_problems:
        raise InputError(f"{name}: no responses in the file")
    with db.session() as session:
        units = dict(session.execute(select(Unit.code, Unit.id)).all())
    valid: list[tuple[int, str, str, str | None, str | None, dict[str, str]]] = []
    # Lines with too many fields are reported in line order with the other rows' problems.
    late = dict(read_problems)
    for line, row in rows:
        problems += [late.pop(n) for n in sorted(late) if n < line]
        where = f"{name}: line {line}"
        row_problems: list[str] = []
        unit_id = units.get(row.get("unit", ""))
        if unit_id is None:
            row_problems.append(f"{where}, column unit: unknown unit {row.get('unit', '')!r}")
        language = row.get("language") or definition.languages[0]
        answers: dict[str, int | None] = {}
        for column in header:
            if column not in known:
                continue
            cell = row.get(column, "")
            if cell.lower() in MISSING_CELLS:
                answers[column] = None
            elif cell.lstrip("-").isdigit():
                answers[column] = int(cell)
            else:
                row_problems.append(f"{where}, column {column}: {cell!r} is not a response code")
                answers[column] = None
        try:
            answer_text, demographic_text = encode_response(definition, answers, language)
        except InputError as exc:
            row_problems += [f"{where}: {p}" for p in exc.problems or [str(exc)]]
            answer_text, demographic_text = "", None
        comment = (row.get("comment") or "").strip() or None
        if comment is not None and len(comment) > MAX_COMMENT:
            row_problems.append(f"{where}, column comment: longer than {MAX_COMMENT} characters")
        opened = {q: (row.get(q) or "").strip() for q in open_ids if (row.get(q) or "").strip()}
        for question, text in opened.items():
            if len(text) > MAX_COMMENT:
                row_problems.append(
                    f"{where}, column {question}: longer than {MAX_COMMENT} characters"
                )
        if row_problems:
            problems += row_problems
        elif unit_id is not None:
            valid.append((unit_id, language, answer_text, demographic_text, comment, opened))
    problems += [late[n] for n in sorted(late)]
    if problems:
        raise InputError(_summary(name, problems), problems)
    secrets.SystemRandom().shuffle(valid)
    with db.session(write=True) as session:
        try:
            wave_id = lock_open_wave(session, slug, wave).id  # closed meanwhile: refuse
        except WaveClosed:
            raise _closed(slug, wave) from None
        for unit_id, language, answer_text, demographic_text, comment, opened in valid:
            store_response(
                session,
                db,
                wave_id,
                unit_id,
                language,
                answer_text,
                demographic_text,
                comment,
                count=False,
                open_answers=opened,
            )
    return len(valid)


def _closed(slug: str, wave: str) -> WaveClosed:
    return WaveClosed(
        f"wave {wave!r} of {slug!r} is closed: its results are final, so responses can only "
        "be imported while a wave is open"
    )


def _summary(name: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{name}: {len(problems)} problems, first: {problems[0].removeprefix(name + ': ')}"
