"""The research pages' numbers in the interface language's one decimal format.

The engine's formatters (:mod:`engine.report.tables`) write a point for the command line and
the files; on a page the numbers follow the language, as on the dashboard
(:func:`webapp.i18n.number`): ``0,812`` in Dutch, ``0.812`` in English.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.report.tables import MISSING, fmt
from webapp.i18n import current_language, number

__all__ = ["page_fmt", "page_fmt_ci", "page_fmt_p"]


def page_fmt(value: Any, digits: int = 3) -> str:
    """:func:`engine.report.tables.fmt` with the language's decimal sign (ints as they are)."""
    text = fmt(value, digits)
    if text == MISSING or "." not in text:
        return text
    return number(float(value), digits)


def page_fmt_p(value: Any) -> str:
    """A p-value: three decimals, or less than 0.001 (``<0,001`` in Dutch)."""
    if value is None:
        return MISSING
    return f"<{number(0.001, 3)}" if value < 0.001 else number(float(value), 3)


def page_fmt_ci(pair: Sequence[Any] | None) -> str:
    """``[low, high]``; in Dutch ``[low; high]``, since the comma is the decimal sign."""
    if not pair:
        return MISSING
    separator = "; " if current_language() == "nl" else ", "
    return f"[{page_fmt(pair[0])}{separator}{page_fmt(pair[1])}]"
