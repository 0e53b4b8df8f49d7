"""Generic checks shared by the instrument schema: mappings, ids, flags, texts per language.

Each check records a :class:`~instruments.errors.Problem` (file, path, line) and returns the
checked value, or None when it is unusable, so the caller can go on and find more problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import get_close_matches
from typing import Any

from instruments.errors import Problem
from instruments.source import Document, PathKey, format_path

__all__ = ["ID_PATTERN", "BaseChecker", "describe", "is_int"]

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def describe(value: Any) -> str:
    """How a YAML value reads to the person who wrote it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        # YAML reads a bare Yes/No/On/Off as true/false: the usual cause when text was meant.
        return f'true/false ({str(value).lower()}; put quotes around a text like "No")'
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} ({value})"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class BaseChecker:
    """Collects problems found in one document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = list(doc.problems)
        self.languages: tuple[str, ...] | None = None

    def add(self, path: PathKey, message: str) -> None:
        line = self.doc.line(path)
        self.problems.append(Problem(self.doc.file, format_path(path), message, line))

    # -- generic checks ------------------------------------------------------------------

    def mapping(
        self, value: Any, path: PathKey, keys: Sequence[str], required: Sequence[str], what: str
    ) -> dict[Any, Any] | None:
        """Check that ``value`` is a mapping with only ``keys`` and all of ``required``."""
        if not isinstance(value, dict):
            self.add(path, f"{what} must be a mapping of keys, got {describe(value)}")
            return None
        for key in value:
            if key in keys:
                continue
            message = f"unknown key {key!r}"
            close = get_close_matches(str(key), keys, n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            else:
                message += f"; allowed here: {', '.join(keys)}"
            self.add((*path, str(key)), message)
        for key in required:
            if key not in value:
                self.add((*path, key), f"missing required key {key!r}")
        return value

    def identifier(self, value: Any, path: PathKey, what: str) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"{what} must be text, got {describe(value)}")
            return None
        if not ID_PATTERN.fullmatch(value):
            self.add(
                path,
                f"{what} {value!r} must match [a-z][a-z0-9_]* "
                "(lower-case letters, digits and _, starting with a letter)",
            )
            return None
        return value

    def flag(self, data: dict[Any, Any], key: str, path: PathKey, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add((*path, key), f"must be true or false, got {describe(value)}")
            return default
        return value

    def known_language(self, lang: Any, path: PathKey) -> bool:
        if self.languages is None:
            return isinstance(lang, str)
        if lang not in self.languages:
            known = ", ".join(self.languages)
            self.add(path, f"language {lang!r} is not one of the instrument's languages ({known})")
            return False
        return True

    def texts(self, value: Any, path: PathKey, what: str) -> dict[str, str] | None:
        """A text per language, e.g. ``{nl: ..., en: ...}``; None when anything is wrong."""
        if not isinstance(value, dict):
            self.add(path, f"expected a {what} per language, got {describe(value)}")
            return None
        before = len(self.problems)
        out: dict[str, str] = {}
        for lang, text in value.items():
            here = (*path, str(lang))
            if not self.known_language(lang, here):
                continue
            if not isinstance(text, str) or not text.strip():
                self.add(here, f"{what} for language {lang!r} must be text, got {describe(text)}")
                continue
            out[lang] = text.strip()
        for lang in self.languages or ():
            if lang not in value:
                self.add((*path, lang), f"missing {what} for language {lang!r}")
        return out if len(self.problems) == before else None
