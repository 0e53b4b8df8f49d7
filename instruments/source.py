"""Reading an instrument file: bytes to a YAML document, with a line number for every path.

Paths are tuples of mapping keys (``str``) and list indices (``int``), formatted by
:func:`format_path` as ``scales[2].items[0].text.nl``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from instruments.errors import Problem

__all__ = ["Document", "PathKey", "format_path", "read_file", "read_text"]

PathKey = tuple[str | int, ...]


def format_path(path: PathKey) -> str:
    """``("scales", 2, "items", 0, "text", "nl")`` -> ``"scales[2].items[0].text.nl"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class Document:
    """A parsed YAML document, or the problems that stopped it from being parsed.

    ``data`` is what ``yaml.safe_load`` would return; ``lines`` maps every path in it to the
    1-based line where its key (or list entry) starts; ``problems`` holds file-level problems
    (unreadable file, bad syntax) and duplicate mapping keys, which YAML would silently
    overwrite.
    """

    file: str
    data: Any = None
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(problem.path == "" for problem in self.problems)

    def line(self, path: PathKey) -> int | None:
        """Line of ``path``, or of its nearest ancestor present in the file (None for the root)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def read_file(path: str | os.PathLike[str]) -> Document:
    """Read and parse the YAML file at ``path``; problems are recorded, never raised."""
    name = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return Document(name, problems=[Problem(name, "", "file not found")])
    except IsADirectoryError:
        return Document(name, problems=[Problem(name, "", "is a directory, not a YAML file")])
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        return Document(name, problems=[Problem(name, "", message)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        return Document(name, problems=[Problem(name, "", message, line=line)])
    return read_text(text, name)


def read_text(text: str, file: str = "<string>") -> Document:
    """Parse YAML ``text``; ``file`` is the name used in problems."""
    text = text.removeprefix("\ufeff")
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        doc = _parse(text, file, fast)
        if doc.ok:
            return doc
        # libyaml is ~10x faster, but PyYAML's own parser words its errors better.
    return _parse(text, file, yaml.SafeLoader)


def _parse(text: str, file: str, loader_class: Any) -> Document:
    doc = Document(file)
    try:
        loader = loader_class(text)
    except yaml.YAMLError as exc:
        doc.problems.append(_reader_problem(text, file, exc))
        return doc
    try:
        node = loader.get_single_node()
        if node is not None:
            # Index before constructing: construction flattens merge keys (<<) in place.
            _index(node, (), doc)
            doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = "bad YAML syntax: " + (exc.problem or exc.context or "unreadable YAML")
        if exc.context and exc.problem:
            message += f" ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                message += f" on line {exc.context_mark.line + 1}"
            message += ")"
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        doc.problems.append(Problem(file, "", message, line=line, column=column))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(_reader_problem(text, file, exc))
        return doc
    except RecursionError:
        doc.problems.append(Problem(file, "", "bad YAML: nested too deeply"))
        return doc
    finally:
        loader.dispose()
    return doc


def _reader_problem(text: str, file: str, exc: yaml.YAMLError) -> Problem:
    """A problem for a YAMLError without marks, e.g. a control character in the text."""
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.position, int):
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        message = f"bad YAML syntax: character #x{exc.character:04x} is not allowed in YAML"
        return Problem(file, "", message, line=line, column=column)
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return Problem(file, "", f"bad YAML: {first_line}")


def _index(node: yaml.Node, path: PathKey, doc: Document) -> None:
    """Record the line of every path below ``node``, and report duplicate mapping keys."""
    stack: list[tuple[yaml.Node, PathKey]] = [(node, path)]
    visited: set[tuple[int, PathKey]] = set()
    while stack:
        current, where = stack.pop()
        if (id(current), where) in visited or len(where) > 50:
            continue
        visited.add((id(current), where))
        if isinstance(current, yaml.MappingNode):
            first_seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = key_node.value
                child = (*where, key)
                line = key_node.start_mark.line + 1
                if key in first_seen:
                    message = f"duplicate key {key!r} (first given on line {first_seen[key]})"
                    doc.problems.append(Problem(doc.file, format_path(child), message, line))
                    continue
                first_seen[key] = line
                doc.lines[child] = line
                stack.append((value_node, child))
        elif isinstance(current, yaml.SequenceNode):
            for index, value_node in enumerate(current.value):
                child = (*where, index)
                doc.lines[child] = value_node.start_mark.line + 1
                stack.append((value_node, child))
