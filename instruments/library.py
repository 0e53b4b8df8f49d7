"""Samen's built-in instrument library (instruments/library/*.yaml).

A built-in instrument's file is named after its id: ``library/belonging.yaml`` holds the
instrument ``belonging``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from instruments.errors import InstrumentError, Problem, UnknownInstrumentError
from instruments.loader import load_instrument
from instruments.model import Instrument
from instruments.schema import ID_PATTERN

__all__ = ["library_dir", "list_builtin", "load_any", "load_builtin"]


def library_dir() -> Path:
    """The directory holding the built-in instrument files."""
    return Path(__file__).resolve().parent / "library"


def list_builtin() -> list[str]:
    """Ids of the built-in instruments, sorted."""
    directory = library_dir()
    if not directory.is_dir():
        return []
    return sorted(path.stem for path in directory.glob("*.yaml") if path.is_file())


def load_builtin(instrument_id: str) -> Instrument:
    """Load the built-in instrument ``instrument_id`` (cached; instruments are read-only).

    Raises
    ------
    UnknownInstrumentError
        When there is no built-in instrument of that id.
    InstrumentError
        When the built-in file is invalid (a bug in the library, caught by its tests).
    """
    return _load_builtin(library_dir(), instrument_id)


@lru_cache(maxsize=64)
def _load_builtin(directory: Path, instrument_id: str) -> Instrument:
    path = directory / f"{instrument_id}.yaml"
    if (
        not isinstance(instrument_id, str)
        or not ID_PATTERN.fullmatch(instrument_id)
        or not path.is_file()
    ):
        raise UnknownInstrumentError([Problem(str(instrument_id), "", _unknown_message())])
    instrument = load_instrument(path)
    if instrument.id != instrument_id:
        message = f"a built-in file must hold the instrument of its name, {instrument_id!r}, "
        message += f"not {instrument.id!r}"
        raise InstrumentError([Problem(str(path), "id", message)])
    return instrument


def load_any(ref: str | os.PathLike[str]) -> Instrument:
    """Load a built-in instrument by id, or an instrument file by path.

    A plain id (``belonging``) names a built-in unless a file of exactly that name exists;
    anything else (``my/scale.yaml``) is a path.

    Raises
    ------
    UnknownInstrumentError
        When ``ref`` looks like an id but is neither a built-in nor an existing file.
    InstrumentError
        When the file is missing or invalid.
    """
    if not isinstance(ref, str):
        return load_instrument(ref)
    if ID_PATTERN.fullmatch(ref) and not Path(ref).is_file():
        if ref in list_builtin():
            return load_builtin(ref)
        raise UnknownInstrumentError([Problem(ref, "", _unknown_message() + " nor a file")])
    return load_instrument(ref)


def _unknown_message() -> str:
    builtins = ", ".join(list_builtin()) or "none installed"
    return f"not a built-in instrument (built-in: {builtins})"
