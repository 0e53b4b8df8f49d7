"""Benchmark of the researcher export, ``samen export`` (not part of the test suite).

Builds the closed wave of ``benchmarks/dashboard.py`` — the example questionnaire
(``surveys/examples/hospital.yaml``) with about N responses (default 100,000) over about 300
units, in SQLite in a temporary folder (``--keep FILE`` builds it once and reuses it) — and
times :func:`webapp.research.service.export_wave` once per format, as ``samen export`` and
the research page's download call it: load the wave, k-anonymise, shuffle, write the data
file with ``codebook.json``, ``codebook.md`` and ``datapackage.json``.

For each format it prints the wall and CPU time of the whole export, the part spent in
:func:`webapp.exports.write_export` (checking, converting and writing the files), and the
size of the data file.

    python benchmarks/export.py                   # N = 100,000, csv, sav and xlsx
    python benchmarks/export.py --n 20000         # smaller
    python benchmarks/export.py --format xlsx     # one format
    python benchmarks/export.py --keep /tmp/export-bench.db

Target: the xlsx export of 100,000 responses (the example survey: 118 columns) well under
60 s, so that a download from the research page does not run into a proxy's time-out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.dashboard import WAVE, _reuse, _units, build  # noqa: E402

FORMATS = ("csv", "sav", "xlsx")
TARGET = {"xlsx": 60.0}


def _timing(function: Callable[..., Any], spent: list[tuple[float, float]]) -> Callable[..., Any]:
    """``function``, appending (wall, CPU) seconds of each call to ``spent``."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - wall, time.process_time() - cpu))

    return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="responses in the wave")
    parser.add_argument(
        "--format", dest="formats", action="append", choices=FORMATS, help="repeatable"
    )
    parser.add_argument(
        "--keep",
        metavar="FILE",
        type=Path,
        help="SQLite file to build once and reuse on later runs (default: a temporary one)",
    )
    args = parser.parse_args(argv)

    import webapp.exports
    from surveys.db import Database
    from surveys.responses import count_responses
    from webapp.research.service import export_wave

    spent: list[tuple[float, float]] = []
    # export_wave imports write_export from webapp.exports when it runs.
    webapp.exports.write_export = _timing(webapp.exports.write_export, spent)  # type: ignore[assignment]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.db"
        reuse = args.keep is not None and args.keep.exists()
        db = Database(f"sqlite:///{path}")
        started = time.perf_counter()
        if reuse:
            slug, _, _ = _reuse(db)
        else:
            db.upgrade()
            slug, _, _ = build(db, args.n)
        total = count_responses(db, slug, WAVE)
        print(
            f"built: {total:,} responses, {len(_units())} units, closed wave {WAVE} "
            f"in {time.perf_counter() - started:.1f} s (load average {os.getloadavg()[0]:.1f})"
        )
        print(
            f"\n{'format':8} {'export wall':>12} {'CPU':>8} {'write_export wall':>18} "
            f"{'CPU':>8} {'data file':>10}"
        )
        for fmt in args.formats or FORMATS:
            out = Path(folder) / f"out-{fmt}"
            spent.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            files = export_wave(db, slug, WAVE, fmt, out)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            (write_wall, write_cpu), size = spent[0], files.paths[0].stat().st_size
            verdict = ""
            if fmt in TARGET:
                met = "met" if wall < TARGET[fmt] else "MISSED"
                verdict = f"   (target < {TARGET[fmt]:g} s: {met})"
            print(
                f"{fmt:8} {wall:11.1f}s {cpu:7.1f}s {write_wall:17.1f}s {write_cpu:7.1f}s "
                f"{size / 2**20:7.1f} MB{verdict}"
            )
        columns = len(json.loads((out / "codebook.json").read_text())["columns"])
        print(f"\n{files.rows:,} rows x {columns} columns; load average {os.getloadavg()[0]:.1f}")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
