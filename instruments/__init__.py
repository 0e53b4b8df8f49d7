"""Instruments: the schema of an instrument file and Samen's built-in instrument library."""

from instruments.model import Instrument, Item, ResponseScale, Scale

__all__ = ["Instrument", "Item", "ResponseScale", "Scale"]
