"""Leadership programmes: a cohort of units evaluated between a wave before and a wave after.

A programme belongs to one survey and names the units whose leaders take part (by unit
code), the closed wave *before* the programme and the wave *after* it (which may still be
open when the programme is set up: its respondents then read on the privacy page that their
unit's results are used, as a group, to evaluate it). The evaluation itself, a difference in
differences of the programme units against the other units, is
:mod:`webapp.results.programme`; this module only stores and checks the design.

Every problem is reported before anything is stored, each naming where it is: the CSV file
and line (``units.csv: line 4: no unit 'W9'``) or the position of a ``--unit`` option.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from surveys._common import survey_row, wave_row
from surveys.db import Database
from surveys.errors import InputError, NotFound
from surveys.models import Programme, ProgrammeUnit, SurveyRow, Unit, Wave

__all__ = [
    "MIN_PROGRAMME_UNITS",
    "ProgrammeInfo",
    "add_programme",
    "get_programme",
    "list_programmes",
    "programme_by_name",
    "read_unit_file",
    "remove_programme",
    "units_given",
]

#: Units a programme needs: the evaluation shows groups of at least 2 units on each side.
MIN_PROGRAMME_UNITS = 2
#: Longest name and cohort label.
MAX_LABEL = 100


@dataclass(frozen=True)
class ProgrammeInfo:
    """A programme as users name it, with the database ids other services join on.

    Attributes
    ----------
    id : int
        The programme's id (``/programmes/<id>``).
    survey_id, survey : int, str
        The survey's id and slug.
    name, cohort : str
        The programme's name (unique within the survey) and its cohort label.
    wave_before_id, wave_before, wave_after_id, wave_after : int, str, int, str
        The waves before and after the programme: ids and labels.
    unit_ids, units : tuple of int, tuple of str
        The units whose leaders take part: ids and codes, in the same order (by code).
    """

    id: int
    survey_id: int
    survey: str
    name: str
    cohort: str
    wave_before_id: int
    wave_before: str
    wave_after_id: int
    wave_after: str
    unit_ids: tuple[int, ...]
    units: tuple[str, ...]


def units_given(codes: Sequence[str]) -> list[tuple[str, str]]:
    """``(where, code)`` pairs for unit codes given one by one (``--unit`` options)."""
    return [(f"unit {i} ({code!r})", code) for i, code in enumerate(codes, start=1)]


def read_unit_file(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """``(where, code)`` pairs of a CSV with the header ``unit`` and one unit code per line.

    Raises
    ------
    InputError
        The file cannot be read, is not UTF-8, lacks the ``unit`` column, has other
        columns, or has a line without a code; one problem per line.
    """
    from surveys.org import read_csv

    name = os.fspath(path)
    _delimiter, header, rows, read_problems = read_csv(path)
    problems = [message for _line, message in read_problems]
    if "unit" not in header:
        message = f"{name}: line 1: expected the header 'unit' (one unit code per line)"
        raise InputError(message, [message])
    others = [column for column in header if column != "unit"]
    if others:
        problems.append(f"{name}: line 1: unknown column(s) {', '.join(others)}")
    out: list[tuple[str, str]] = []
    for line, row in rows:
        code = row.get("unit", "")
        if not code:
            problems.append(f"{name}: line {line}: no unit code")
            continue
        out.append((f"{name}: line {line}", code))
    if problems:
        raise InputError(_summary(problems), problems)
    return out


def _summary(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems, first: {problems[0]}"


def _label(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InputError(f"the programme's {what} is empty")
    if len(value) > MAX_LABEL:
        raise InputError(f"the programme's {what} is longer than {MAX_LABEL} characters")
    return value


def add_programme(
    db: Database,
    slug: str,
    name: str,
    *,
    cohort: str,
    before: str,
    after: str,
    units: Sequence[tuple[str, str]],
) -> ProgrammeInfo:
    """Add a programme to survey ``slug``; all-or-nothing.

    Parameters
    ----------
    db : Database
    slug : str
        The survey.
    name, cohort : str
        The programme's name (unique within the survey) and cohort label.
    before, after : str
        Labels of the wave before (closed) and the wave after (later; it may be open).
    units : sequence of (where, code)
        The units whose leaders take part (:func:`read_unit_file`, :func:`units_given`);
        ``where`` names the source in messages.

    Raises
    ------
    NotFound
        Unknown survey or wave.
    InputError
        Empty or long name or cohort, a duplicate name, the same wave twice, a wave before
        that is not closed, a wave after that is not later, fewer than 2 units, an unknown
        unit, a unit given twice, or a unit under another programme unit (one problem per
        unit, in the order given).
    """
    name = _label(name, "name")
    cohort = _label(cohort, "cohort")
    if before == after:
        raise InputError(
            f"the wave before and the wave after are the same wave ({before!r}); "
            "a programme compares two waves"
        )
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        taken = session.scalar(
            select(Programme.id).where(Programme.survey_id == survey.id, Programme.name == name)
        )
        if taken is not None:
            raise InputError(f"survey {slug!r} already has a programme named {name!r}")
        first = wave_row(session, survey, before)
        second = wave_row(session, survey, after)
        if first.state != "closed":
            raise InputError(
                f"wave {before!r} (before) is not closed: the wave before a programme must be "
                "closed (close it with `samen wave close`)"
            )
        if (second.opened_on, second.id) < (first.opened_on, first.id):
            raise InputError(f"wave {after!r} (after) is older than wave {before!r} (before)")
        rows = _check_units(session, units)
        programme = Programme(
            survey_id=survey.id,
            name=name,
            cohort=cohort,
            wave_before_id=first.id,
            wave_after_id=second.id,
        )
        session.add(programme)
        session.flush()
        session.add_all(ProgrammeUnit(programme_id=programme.id, unit_id=u.id) for u in rows)
        session.flush()
        return _info(session, programme)


def _check_units(session: Session, units: Sequence[tuple[str, str]]) -> list[Unit]:
    """The unit rows, or InputError naming every problem where it was given."""
    stored = {u.code: u for u in session.scalars(select(Unit)).all()}
    by_id = {u.id: u for u in stored.values()}
    problems: list[str] = []
    seen: dict[str, str] = {}
    rows: list[Unit] = []
    for where, code in units:
        row = stored.get(code)
        if row is None:
            problems.append(f"{where}: no unit {code!r}; the codes are those of `samen org list`")
        elif code in seen:
            problems.append(f"{where}: unit {code!r} is given twice (also {seen[code]})")
        else:
            seen[code] = where
            rows.append(row)
    chosen = {u.id for u in rows}
    for where, code in units:
        row = stored.get(code)
        if row is None or seen.get(code) != where:
            continue
        up = by_id.get(row.parent_id) if row.parent_id is not None else None
        while up is not None:
            if up.id in chosen:
                problems.append(
                    f"{where}: unit {code!r} lies under unit {up.code!r}, which is in the "
                    "programme too; name each team once (its whole subtree counts)"
                )
                break
            up = by_id.get(up.parent_id) if up.parent_id is not None else None
    if not problems and len(rows) < MIN_PROGRAMME_UNITS:
        problems.append(
            f"a programme needs at least {MIN_PROGRAMME_UNITS} units (the evaluation shows "
            f"groups of at least {MIN_PROGRAMME_UNITS} units); {len(rows)} given"
        )
    if problems:
        raise InputError(_summary(problems), problems)
    return rows


def _info(session: Session, programme: Programme) -> ProgrammeInfo:
    slug = session.scalar(select(SurveyRow.slug).where(SurveyRow.id == programme.survey_id))
    labels = dict(
        session.execute(
            select(Wave.id, Wave.label).where(
                Wave.id.in_([programme.wave_before_id, programme.wave_after_id])
            )
        ).all()
    )
    units = session.execute(
        select(Unit.id, Unit.code)
        .join(ProgrammeUnit, ProgrammeUnit.unit_id == Unit.id)
        .where(ProgrammeUnit.programme_id == programme.id)
        .order_by(Unit.code)
    ).all()
    return ProgrammeInfo(
        id=programme.id,
        survey_id=programme.survey_id,
        survey=str(slug),
        name=programme.name,
        cohort=programme.cohort,
        wave_before_id=programme.wave_before_id,
        wave_before=labels[programme.wave_before_id],
        wave_after_id=programme.wave_after_id,
        wave_after=labels[programme.wave_after_id],
        unit_ids=tuple(u.id for u in units),
        units=tuple(u.code for u in units),
    )


def list_programmes(db: Database, slug: str | None = None) -> list[ProgrammeInfo]:
    """The programmes of survey ``slug`` (NotFound when unknown), or of every survey; by
    survey and name."""
    with db.session() as session:
        query = select(Programme).join(SurveyRow, SurveyRow.id == Programme.survey_id)
        if slug is not None:
            query = query.where(Programme.survey_id == survey_row(session, slug).id)
        rows = session.scalars(query.order_by(SurveyRow.slug, Programme.name)).all()
        return [_info(session, row) for row in rows]


def get_programme(db: Database, programme_id: int) -> ProgrammeInfo:
    """The programme with id ``programme_id`` (NotFound when there is none)."""
    with db.session() as session:
        row = session.get(Programme, programme_id)
        if row is None:
            raise NotFound(f"no programme {programme_id}")
        return _info(session, row)


def programme_by_name(db: Database, slug: str, name: str) -> ProgrammeInfo:
    """The programme ``name`` of survey ``slug`` (NotFound when unknown)."""
    with db.session() as session:
        survey = survey_row(session, slug)
        row = session.scalar(
            select(Programme).where(Programme.survey_id == survey.id, Programme.name == name)
        )
        if row is None:
            raise NotFound(f"survey {slug!r} has no programme {name!r}")
        return _info(session, row)


def remove_programme(db: Database, slug: str, name: str) -> ProgrammeInfo:
    """Remove the programme ``name`` of survey ``slug`` (its units with it); returns it.

    Responses are untouched: a programme is only a way of grouping units.
    """
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        row = session.scalar(
            select(Programme).where(Programme.survey_id == survey.id, Programme.name == name)
        )
        if row is None:
            raise NotFound(f"survey {slug!r} has no programme {name!r}")
        info = _info(session, row)
        session.execute(delete(ProgrammeUnit).where(ProgrammeUnit.programme_id == row.id))
        session.delete(row)
        return info
