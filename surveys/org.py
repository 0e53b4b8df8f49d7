"""The organisation tree: units with a parent, a name and an external code.

Imported from CSV ``unit_id,parent_id,name[,manager_email]`` (UTF-8 with or without BOM;
comma, or the semicolon Excel writes in Dutch locales). Every problem is reported with its
line number before anything is stored; a re-import updates units in place by ``unit_id``.

A re-import changes the tree of the open wave and of later waves only. A closed wave keeps
the tree it closed with (:func:`snapshot_tree`, written when the wave closes; read with
:func:`wave_trees`): otherwise a unit moved after close would change a closed wave's results,
and the results before minus after would be the moved unit's answers.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveys.db import Database
from surveys.errors import InputError, NotFound
from surveys.models import SurveyRow, Unit, Wave, WaveUnit

__all__ = [
    "ImportReport",
    "UnitInfo",
    "get_unit",
    "import_units",
    "list_units",
    "preview_units",
    "read_units_csv",
    "snapshot_tree",
    "unit_name",
    "wave_trees",
]

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
REQUIRED = ("unit_id", "parent_id", "name")
OPTIONAL = ("manager_email",)


@dataclass(frozen=True)
class UnitInfo:
    """A unit as users name it: its code, name, parent's code and manager's e-mail."""

    code: str
    name: str
    parent_code: str | None
    manager_email: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``not_in_file`` lists stored units the file did not mention (kept)."""

    created: int
    updated: int
    unchanged: int
    not_in_file: tuple[str, ...] = ()
    delimiter: str = ","


def decode_csv(raw: bytes, name: str) -> str:
    """UTF-8 text of a CSV file (BOM removed), or InputError saying what the bytes look like.

    UTF-16 with a byte-order mark (Excel's "Unicode Text", tab-separated) is read as well.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            message = f"{name}: not valid UTF-16 text (byte {exc.start}); save it as 'CSV UTF-8'"
            raise InputError(message, [message]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            raw.decode("cp1252")
            hint = (
                "; it looks like Windows-1252 (Excel's plain 'CSV' format): "
                "save it as 'CSV UTF-8' instead"
            )
        except UnicodeDecodeError:
            pass
        message = f"{name}: line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}){hint}"
        raise InputError(message, [message]) from None


def sniff_delimiter(text: str) -> str:
    """``;`` (Excel in Dutch and other locales), tab, or ``,``: what the header line uses."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv(
    path: str | os.PathLike[str],
) -> tuple[str, list[str], list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """(delimiter, header, [(line, row)], [(line, problem)]) of a CSV file.

    Header names are lower-cased and stripped; a name given twice is a problem (one value
    would silently win). A line with more fields than the header is left out of the rows and
    named in ``problems``, so the caller can report it together with the problems of the
    other lines.
    """
    name = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    text = decode_csv(raw, name)
    if not text.strip():
        raise InputError(f"{name}: the file is empty")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip().lower() for column in next(reader)]
        rows: list[tuple[int, dict[str, str]]] = []
        problems: list[tuple[int, str]] = [
            (1, f"{name}: line 1: column {column!r} appears {header.count(column)} times")
            for column in dict.fromkeys(header)
            if column and header.count(column) > 1
        ]
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            line = reader.line_num
            if len(values) > len(header):
                problems.append(
                    (
                        line,
                        f"{name}: line {line}: {len(values)} fields, the header has "
                        f"{len(header)} (a value with a '{delimiter}' in it needs double quotes)",
                    )
                )
                continue
            row = {column: value.strip() for column, value in zip(header, values, strict=False)}
            rows.append((line, row))
    except csv.Error as exc:
        message = f"{name}: line {reader.line_num}: {exc}"
        raise InputError(message, [message]) from None
    return delimiter, header, rows, problems


def read_units_csv(path: str | os.PathLike[str]) -> tuple[str, list[tuple[int, UnitInfo]]]:
    """Parse and check an org CSV on its own; InputError lists problems per line."""
    delimiter, units, _codes, problems = _parse_units(path)
    if problems:
        messages = _in_line_order(problems)
        raise InputError(_summary(os.fspath(path), messages), messages)
    return delimiter, units


def _parse_units(
    path: str | os.PathLike[str],
) -> tuple[str, list[tuple[int, UnitInfo]], set[str], list[tuple[int, str]]]:
    """(delimiter, valid units, every unit_id the file names, problems per line)."""
    name = os.fspath(path)
    delimiter, header, rows, read_problems = read_csv(path)
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        message = f"{name}: line 1: missing column(s) {', '.join(missing)}"
        message += f" (expected {','.join(REQUIRED)}[,manager_email])"
        raise InputError(message, [message])
    problems = list(read_problems)
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        problems.append((1, f"{name}: line 1: unknown column(s) {', '.join(unknown)}"))
    units: list[tuple[int, UnitInfo]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        where = f"{name}: line {line}"
        code = row.get("unit_id", "")
        parent = row.get("parent_id", "") or None
        unit_name = row.get("name", "")
        email = row.get("manager_email", "") or None
        if not CODE.fullmatch(code):
            problems.append(
                (line, f"{where}: unit_id {code!r} must be 1-64 letters, digits, '.', '-' or '_'")
            )
            continue
        if code in seen:
            problems.append((line, f"{where}: unit_id {code!r} duplicates line {seen[code]}"))
            continue
        seen[code] = line
        before = len(problems)
        if not unit_name:
            problems.append((line, f"{where}: unit {code!r} has no name"))
        elif len(unit_name) > 200:
            problems.append((line, f"{where}: the name of {code!r} is longer than 200 characters"))
        if parent == code:
            problems.append((line, f"{where}: unit {code!r} is its own parent"))
        if email is not None and not EMAIL.fullmatch(email):
            problems.append((line, f"{where}: manager_email {email!r} is not an e-mail address"))
        if len(problems) == before:
            units.append((line, UnitInfo(code, unit_name, parent, email)))
    if not seen and not problems:
        problems.append((0, f"{name}: no units in the file"))
    return delimiter, units, set(seen), problems


def _summary(name: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{name}: {len(problems)} problems, first: {problems[0].removeprefix(name + ': ')}"


def import_units(db: Database, path: str | os.PathLike[str]) -> ImportReport:
    """Import (or re-import) the organisation tree from CSV; all-or-nothing.

    Raises
    ------
    InputError
        Listing problems per line: bad encoding, missing columns, bad or duplicate codes,
        empty names, unknown parents, cycles, bad e-mail addresses.
    """
    with db.session(write=True) as session:
        delimiter, units, stored, by_id = _checked_units(session, path)
        created = updated = unchanged = 0
        for _, unit in units:
            row = stored.get(unit.code)
            change = _change(row, unit, by_id)
            if row is None:
                row = Unit(code=unit.code, name=unit.name, manager_email=unit.manager_email)
                session.add(row)
                stored[unit.code] = row
                created += 1
            elif change == "unchanged":
                unchanged += 1
            else:
                row.name, row.manager_email = unit.name, unit.manager_email
                updated += 1
        session.flush()
        for _, unit in units:
            parent = stored[unit.parent_code] if unit.parent_code else None
            stored[unit.code].parent_id = parent.id if parent is not None else None
        in_file = {u.code for _, u in units}
        not_in_file = tuple(sorted(code for code in stored if code not in in_file))
    return ImportReport(created, updated, unchanged, not_in_file, delimiter)


def preview_units(
    db: Database, path: str | os.PathLike[str]
) -> tuple[ImportReport, list[UnitInfo]]:
    """What :func:`import_units` would do with ``path``, storing nothing.

    Returns the report the import would give and the tree after it (every unit, by code).
    Raises the same :class:`InputError`, with the same messages, as the import.
    """
    with db.session() as session:
        delimiter, units, stored, by_id = _checked_units(session, path)
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for _, unit in units:
            counts[_change(stored.get(unit.code), unit, by_id)] += 1
        after = {
            code: UnitInfo(code, row.name, by_id.get(row.parent_id or -1), row.manager_email)
            for code, row in stored.items()
        }
    after.update({unit.code: unit for _, unit in units})
    in_file = {u.code for _, u in units}
    not_in_file = tuple(sorted(code for code in stored if code not in in_file))
    report = ImportReport(
        counts["created"], counts["updated"], counts["unchanged"], not_in_file, delimiter
    )
    return report, [after[code] for code in sorted(after)]


def _change(row: Unit | None, unit: UnitInfo, by_id: dict[int, str]) -> str:
    """``created``, ``updated`` or ``unchanged``: what importing ``unit`` does to ``row``."""
    if row is None:
        return "created"
    before = (row.name, row.manager_email, by_id.get(row.parent_id or -1))
    return (
        "unchanged" if before == (unit.name, unit.manager_email, unit.parent_code) else "updated"
    )


def _checked_units(
    session: Session, path: str | os.PathLike[str]
) -> tuple[str, list[tuple[int, UnitInfo]], dict[str, Unit], dict[int, str]]:
    """(delimiter, units, stored units by code, stored codes by id) of a file without
    problems; otherwise InputError with every problem of the file, in line order."""
    name = os.fspath(path)
    delimiter, units, named, line_problems = _parse_units(path)
    stored = {u.code: u for u in session.scalars(select(Unit)).all()}
    by_id = {u.id: u.code for u in stored.values()}
    parents = {code: by_id.get(u.parent_id) for code, u in stored.items() if u.parent_id}
    parents.update({u.code: u.parent_code for _, u in units})
    known = set(stored) | named
    tree_problems: list[tuple[int, str]] = []
    for line, unit in units:
        if unit.parent_code is not None and unit.parent_code not in known:
            tree_problems.append(
                (
                    line,
                    f"{name}: line {line}: parent_id {unit.parent_code!r} of {unit.code!r} "
                    "is not a unit in this file or the database",
                )
            )
    tree_problems += _cycles(name, units, parents)
    if line_problems or tree_problems:
        # One report for the whole file, in line order.
        problems = _in_line_order(line_problems + tree_problems)
        raise InputError(_summary(name, problems), problems)
    return delimiter, units, stored, by_id


def _in_line_order(problems: list[tuple[int, str]]) -> list[str]:
    """The messages of (line, message) pairs, by line (stable within a line)."""
    return [message for _line, message in sorted(problems, key=lambda p: p[0])]


def _cycles(
    name: str, units: list[tuple[int, UnitInfo]], parents: dict[str, str | None]
) -> list[tuple[int, str]]:
    problems = []
    reported: set[str] = set()
    for line, unit in units:
        chain = [unit.code]
        current = parents.get(unit.code)
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        if current == unit.code and unit.code not in reported:
            loop = [*chain, current]
            reported.update(loop)
            problems.append((line, f"{name}: line {line}: cycle in the tree: {' -> '.join(loop)}"))
    return problems


def list_units(db: Database) -> list[UnitInfo]:
    """All units, ordered by code."""
    with db.session() as session:
        rows = session.scalars(select(Unit).order_by(Unit.code)).all()
        codes = {u.id: u.code for u in rows}
        return [
            UnitInfo(u.code, u.name, codes.get(u.parent_id or -1), u.manager_email) for u in rows
        ]


def unit_name(db: Database, code: str) -> str | None:
    """The name of unit ``code`` (None when absent): one row, not the whole tree."""
    with db.session() as session:
        return session.scalar(select(Unit.name).where(Unit.code == code))


def get_unit(db: Database, code: str) -> UnitInfo:
    """The unit ``code`` (NotFound when absent)."""
    for unit in list_units(db):
        if unit.code == code:
            return unit
    raise NotFound(f"no unit {code!r}")


def snapshot_tree(session: Session, wave_id: int) -> int:
    """Write the current tree as wave ``wave_id``'s own (in the caller's transaction).

    Called by :func:`surveys.waves.close_wave` in the transaction that closes the wave, so
    the tree a closed wave is shown with is the one it closed with. Returns the number of
    units written.
    """
    rows = session.execute(select(Unit.id, Unit.code, Unit.parent_id, Unit.name)).all()
    codes = {row.id: row.code for row in rows}
    values = [
        {
            "wave_id": wave_id,
            "code": row.code,
            "parent_code": codes.get(row.parent_id) if row.parent_id is not None else None,
            "name": row.name,
        }
        for row in rows
    ]
    if values:
        session.execute(insert(WaveUnit), values)
    return len(values)


def wave_trees(db: Database, slug: str) -> dict[str, list[UnitInfo]]:
    """The tree each closed wave of survey ``slug`` closed with, by wave label.

    Units as they were at close: code, name and parent's code (no manager e-mail: access
    follows the account's unit code). Waves without a snapshot (open waves) are absent.
    """
    with db.session() as session:
        rows = session.execute(
            select(Wave.label, WaveUnit.code, WaveUnit.name, WaveUnit.parent_code)
            .join(Wave, Wave.id == WaveUnit.wave_id)
            .join(SurveyRow, SurveyRow.id == Wave.survey_id)
            .where(SurveyRow.slug == slug)
            .order_by(Wave.label, WaveUnit.code)
        ).all()
    out: dict[str, list[UnitInfo]] = {}
    for label, code, name, parent_code in rows:
        out.setdefault(label, []).append(UnitInfo(code, name, parent_code))
    return out
