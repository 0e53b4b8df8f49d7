"""Problems found in instrument files, and the one exception that carries all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["InstrumentError", "Problem", "UnknownInstrumentError"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instrument file.

    ``file`` is the file as the caller named it, ``path`` the place inside the document in the
    notation ``scales[2].items[0].text.nl`` (empty for problems with the file as a whole, such
    as bad YAML syntax), ``message`` what is wrong, and ``line``/``column`` (1-based) where it
    is, when known. ``str(problem)`` reads ``FILE: PATH: message (line N)``.
    """

    file: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        text = ": ".join(parts)
        if self.line is not None:
            where = f"line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
            text += f" ({where})"
        return text


class InstrumentError(ValueError):
    """An instrument (or a combination of instruments) is invalid.

    ``problems`` lists every problem found, not only the first; ``str(error)`` is one problem
    per line.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("problems: an InstrumentError needs at least one problem")
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)

    def __reduce__(self) -> tuple[type[InstrumentError], tuple[list[Problem]]]:
        return (type(self), (self.problems,))


class UnknownInstrumentError(InstrumentError):
    """A reference names neither a built-in instrument nor an existing file."""
