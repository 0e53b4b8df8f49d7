"""What a codebook is: frozen descriptions of an export's columns, scales and instruments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Code",
    "Codebook",
    "Column",
    "ColumnType",
    "InstrumentInfo",
    "Loss",
    "Role",
    "ScaleInfo",
    "check_variable_name",
]

Role = Literal["unit", "language", "demographic", "item", "extra"]
ColumnType = Literal["integer", "number", "string"]

#: SPSS variable names: a letter first, then letters, digits, '_' or '.', at most 64 bytes,
#: not ending in '.', and none of SPSS's reserved words.
_SPSS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")
_SPSS_RESERVED = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
)


@dataclass(frozen=True)
class Code:
    """One answer code: its value, its label per language and the codes merged into it."""

    value: int | str
    labels: dict[str, str]
    merged_from: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class Column:
    """One exported column.

    ``label`` is the question (item text) per language, ``missing`` what an empty cell means
    per language, ``codes`` the known values with their labels. ``closed`` says the codes are
    all the values the column may hold (False for a unit column listing only some units, and
    meaningless when there are no codes: then any value of ``type`` is allowed). Item fields
    (``instrument``, ``scale``, ``reverse``, ...) are None/False for other roles.
    """

    name: str
    role: Role
    type: ColumnType
    label: dict[str, str]
    missing: dict[str, str]
    codes: tuple[Code, ...] = ()
    description: dict[str, str] = field(default_factory=dict)
    instrument: str | None = None
    instrument_version: str | None = None
    scale: str | None = None
    reverse: bool = False
    scored: bool = False
    ordinal: bool = False
    not_applicable: dict[str, str] | None = None
    closed: bool = True
    missing_codes: tuple[Code, ...] = ()

    @property
    def code_values(self) -> tuple[int | str, ...]:
        return tuple(code.value for code in self.codes)


@dataclass(frozen=True)
class ScaleInfo:
    """A scale of an exported instrument. ``id`` is ``<instrument>.<scale>``."""

    id: str
    instrument: str
    scale: str
    name: dict[str, str]
    scored: bool
    items: tuple[str, ...]
    reverse_items: tuple[str, ...]


@dataclass(frozen=True)
class InstrumentInfo:
    """An exported instrument and its version."""

    id: str
    version: str
    title: dict[str, str]
    sensitive: bool
    demographic: bool
    scales: tuple[ScaleInfo, ...]
    references: tuple[str, ...] = ()
    construct: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Loss:
    """What disclosure control cost an export: the information-loss summary.

    ``cells`` counts, per quasi-identifier column, the cells (rows) that had a value and
    were blanked (exported as -4); ``withheld`` lists columns left out whole (by the
    profile, or because the dashboards break results down by them); ``rolled_up`` maps a
    unit to the unit its rows are reported as; ``rows_affected`` counts rows with at least
    one quasi-identifier blanked; ``order`` is the importance order used (most important
    first).
    """

    profile: str
    suppression: str
    rows: int
    rows_affected: int
    cells: dict[str, int]
    withheld: tuple[str, ...] = ()
    rolled_up: dict[str, str] = field(default_factory=dict)
    order: tuple[str, ...] = ()

    @property
    def cells_blanked(self) -> int:
        return sum(self.cells.values())


@dataclass(frozen=True)
class Codebook:
    """Everything an export needs to describe its columns; see :func:`build_codebook`."""

    survey: str
    wave: str
    languages: tuple[str, ...]
    columns: tuple[Column, ...]
    instruments: tuple[InstrumentInfo, ...]
    k: int | None = None
    loss: Loss | None = None

    @property
    def missing_codes(self) -> tuple[Code, ...]:
        """Every missing code used by a column, once, in order of value (descending)."""
        seen: dict[int, Code] = {}
        for column in self.columns:
            for code in column.missing_codes:
                if int(code.value) not in seen or isinstance(code.value, int):
                    seen[int(code.value)] = code  # the number, not the text of ``language``
        return tuple(seen[value] for value in sorted(seen, reverse=True))

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in export order."""
        return tuple(column.name for column in self.columns)

    @property
    def scales(self) -> tuple[ScaleInfo, ...]:
        return tuple(scale for inst in self.instruments for scale in inst.scales)

    @property
    def stem(self) -> str:
        """File name stem of the data file: ``<survey>_<wave>``."""
        return f"{self.survey}_{self.wave}"

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def check_variable_name(name: object, argument: str = "name") -> str:
    """Return ``name`` when it is a valid SPSS (and Stata/R-friendly) variable name.

    Raises
    ------
    ValueError
        Naming ``argument`` and the column, when ``name`` is not a letter followed by at most
        63 letters, digits, '_' or '.', ends in '.', or is an SPSS reserved word.
    """
    if (
        not isinstance(name, str)
        or not _SPSS_NAME.fullmatch(name)
        or name.endswith(".")
        or name.lower() in _SPSS_RESERVED
        or len(name.encode("utf-8")) > 64
    ):
        raise ValueError(
            f"{argument}: column {name!r} is not a valid SPSS variable name (a letter, then "
            "up to 63 letters, digits, '_' or '.'; not a reserved word)"
        )
    return name
