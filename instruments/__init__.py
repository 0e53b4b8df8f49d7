"""Instruments: the schema of an instrument file and Samen's built-in instrument library."""

from instruments.errors import InstrumentError, Problem, UnknownInstrumentError
from instruments.library import library_dir, list_builtin, load_any, load_builtin
from instruments.loader import check_survey_instruments, load_instrument, parse_instrument
from instruments.model import Instrument, Item, OpenQuestion, ResponseScale, Scale

__all__ = [
    "Instrument",
    "InstrumentError",
    "Item",
    "OpenQuestion",
    "Problem",
    "ResponseScale",
    "Scale",
    "UnknownInstrumentError",
    "check_survey_instruments",
    "library_dir",
    "list_builtin",
    "load_any",
    "load_builtin",
    "load_instrument",
    "parse_instrument",
]
