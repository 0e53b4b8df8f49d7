"""Read the transaction logs as an attacker with a copy of them would: SQLite's WAL file frame by
frame, grouped into commits, and PostgreSQL's WAL through ``pg_waldump``.

SQLite's WAL (https://www.sqlite.org/fileformat.html#the_write_ahead_log): a 32-byte header
(magic, version, page size, checkpoint sequence, two salts, two checksums), then frames of a
24-byte header (page number, database size in pages -- nonzero only on the last frame of a
commit --, the salts, two checksums) and one page image. Which table a page belongs to comes
from walking each table's b-tree from its root page (``sqlite_master.rootpage``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import struct
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import pytest

__all__ = [
    "Commit",
    "pg_transactions",
    "pg_waldump",
    "sqlite_commits",
    "sqlite_page_owners",
]

_WAL_HEADER = struct.Struct(">IIIIIIII")
_FRAME_HEADER = struct.Struct(">IIIIII")
_WAL_MAGIC = (0x377F0682, 0x377F0683)


@dataclass
class Commit:
    """One SQLite commit in the WAL: the page images it wrote, by page number, and the images
    those pages had before it (from earlier frames or the database file)."""

    pages: dict[int, bytes] = field(default_factory=dict)
    before: dict[int, bytes] = field(default_factory=dict)

    def contains(self, needle: bytes) -> bool:
        return any(needle in image for image in self.pages.values())

    def removed(self, needle: bytes) -> bool:
        """True when ``needle`` was on one of the pages before this commit and is gone after."""
        return any(
            needle in self.before.get(number, b"") and needle not in image
            for number, image in self.pages.items()
        )


def sqlite_commits(database: Path, wal: Path) -> list[Commit]:
    """The commits of ``wal`` in log order, each with its pages' earlier images.

    Frames of every generation are read (a WAL that was only reset keeps older frames past
    its new end), as an attacker would.
    """
    base = database.read_bytes()
    data = wal.read_bytes()
    if len(data) < _WAL_HEADER.size:
        return []
    magic, _version, page_size, *_rest = _WAL_HEADER.unpack_from(data)
    if magic not in _WAL_MAGIC:
        raise ValueError(f"{wal}: not a SQLite WAL file")
    current: dict[int, bytes] = {}

    def image(number: int) -> bytes:
        if number in current:
            return current[number]
        start = (number - 1) * page_size
        return base[start : start + page_size]

    commits: list[Commit] = []
    pending = Commit()
    offset = _WAL_HEADER.size
    while offset + _FRAME_HEADER.size + page_size <= len(data):
        number, db_size, *_salts = _FRAME_HEADER.unpack_from(data, offset)
        page = data[offset + _FRAME_HEADER.size : offset + _FRAME_HEADER.size + page_size]
        offset += _FRAME_HEADER.size + page_size
        if number == 0:
            break
        pending.before.setdefault(number, image(number))
        pending.pages[number] = page
        if db_size:
            current.update(pending.pages)
            commits.append(pending)
            pending = Commit()
    return commits


def _tree_pages(pages: Mapping[int, bytes], root: int) -> set[int]:
    """Page numbers of the b-tree rooted at ``root`` (interior and leaf pages)."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        number = todo.pop()
        if number in seen or number not in pages:
            continue
        seen.add(number)
        page = pages[number]
        header = 100 if number == 1 else 0
        kind = page[header]
        if kind not in (2, 5):  # leaf pages (10, 13) have no children
            continue
        cells = struct.unpack_from(">H", page, header + 3)[0]
        todo.append(struct.unpack_from(">I", page, header + 8)[0])
        for i in range(cells):
            pointer = struct.unpack_from(">H", page, header + 12 + 2 * i)[0]
            todo.append(struct.unpack_from(">I", page, pointer)[0])
    return seen


def sqlite_page_owners(database: Path, commits: Iterable[Commit]) -> dict[int, set[str]]:
    """Page number -> names of the tables (and indexes, by their table) owning it, from the
    database file and every page image in ``commits``."""
    uri = f"file:{database}?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as connection:
        roots = connection.execute(
            "SELECT tbl_name, rootpage FROM sqlite_master WHERE rootpage > 0"
        ).fetchall()
    connection.close()
    base = database.read_bytes()
    page_size = struct.unpack_from(">H", base, 16)[0]
    page_size = 65536 if page_size == 1 else page_size
    versions: list[dict[int, bytes]] = [
        {n + 1: base[n * page_size : (n + 1) * page_size] for n in range(len(base) // page_size)}
    ]
    latest = dict(versions[0])
    for commit in commits:
        latest.update(commit.pages)
        versions.append(dict(latest))
    owners: dict[int, set[str]] = {}
    for pages in versions:
        for table, root in roots:
            for number in _tree_pages(pages, root):
                owners.setdefault(number, set()).add(table)
    return owners


def pg_waldump() -> str:
    """Path of PostgreSQL's ``pg_waldump``; a skip without it (a failure under CI=true)."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_waldump")) or [
        shutil.which("pg_waldump") or ""
    ]
    path = found[-1]
    if not path or not os.access(path, os.X_OK):
        message = "pg_waldump is missing (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true: the log replay must run", pytrace=False)
        pytest.skip(message)
    return path


_RECORD = re.compile(r"\btx:\s+(\d+),")
_BLOCK = re.compile(r"\brel (\d+)/(\d+)/(\d+)")


def pg_transactions(
    data_directory: str, start: str, end: str, database_oid: int
) -> dict[int, set[int]]:
    """Transaction id -> relfilenodes of database ``database_oid`` its WAL records touched,
    between LSNs ``start`` and ``end``."""
    wal = Path(data_directory) / "pg_wal"
    if not os.access(wal, os.R_OK | os.X_OK):
        message = f"{wal} is not readable (run the tests as root or as postgres)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true: the log replay must run", pytrace=False)
        pytest.skip(message)
    result = subprocess.run(
        [pg_waldump(), "-p", str(wal), "-s", start, "-e", end],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0 and not result.stdout:
        raise AssertionError(f"pg_waldump failed: {result.stderr.strip()}")
    touched: dict[int, set[int]] = {}
    for line in result.stdout.splitlines():
        record = _RECORD.search(line)
        if record is None or record.group(1) == "0":
            continue
        nodes = touched.setdefault(int(record.group(1)), set())
        for _space, db_oid, node in _BLOCK.findall(line):
            if int(db_oid) == database_oid:
                nodes.add(int(node))
    return touched
