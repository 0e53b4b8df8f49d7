"""Information loss of the researcher export per profile, on the demo (not part of the suite).

Builds the demo hospital (``surveys/demo.py``, as ``samen demo`` does) in SQLite in a
temporary folder and exports its closed wave once per profile and suppression method, as
``samen export`` does. For each it prints:

- *rows affected*: rows with at least one quasi-identifier withheld (-4) by suppression;
- *cells withheld*: cells of the kept quasi-identifier columns (language and demographic
  questions) that had a value (an answer or a missing code) and were withheld (-4), as a
  share of those columns' cells;
- *answers kept*: demographic answers (codes other than -1..-4) in the file, out of those
  given, over every demographic question, so that profiles that leave questions out
  count them as lost;
- the columns left out whole and the CPU seconds of the export (process time).

    python benchmarks/export_loss.py
    python benchmarks/export_loss.py --format sav
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO = "hospital-2026"
WAVE = "2026-1"


def _profiles(questions: list[str]) -> list[tuple[str, object]]:
    from webapp.research.export_profiles import ExportProfile

    second = next((q for q in questions if q != "dem_gender"), questions[0])
    return [
        ("full, columns (before)", ExportProfile("full", suppression="columns")),
        ("full, local", ExportProfile("full")),
        ("units-only, local", ExportProfile("units-only")),
        (f"pick {second}, local", ExportProfile("pick", (second,))),
        (
            f"pick {second}, local, {second} first",
            ExportProfile("pick", (second,), order=(second,)),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from surveys.db import Database
    from surveys.demo import build_demo
    from surveys.responses import load_answers
    from surveys.survey_store import get_survey
    from webapp.research.service import export_wave

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", default="csv", choices=["csv", "sav", "xlsx"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="samen-loss-") as folder:
        db = Database(f"sqlite:///{Path(folder) / 'demo.db'}")
        db.upgrade()
        build_demo(db, links=0, accounts=False)
        questions = [item.id for item in get_survey(db, DEMO).demographic_items]
        stored = load_answers(db, DEMO, WAVE)
        given = int((~pd.isna(stored.demographics)).sum())
        print(f"demo {DEMO} wave {WAVE}: {stored.n} responses, {len(questions)} demographic")
        print(f"questions, {given} demographic answers given (k = 5 responses)")
        print()
        header = (
            f"{'profile':<36} {'rows affected':>14} {'cells withheld':>18} {'answers kept':>14}"
        )
        print(header + "  cpu s  left out")
        for name, profile in _profiles(questions):
            cpu = time.process_time()
            files = export_wave(db, DEMO, WAVE, args.format, Path(folder) / "out", profile=profile)  # type: ignore[arg-type]
            cpu = time.process_time() - cpu
            loss = files.loss
            assert loss is not None  # export_wave always sets it
            frame = pd.read_csv(files.paths[0]) if args.format == "csv" else None
            kept_cols = [c for c in ("language", *questions) if c not in loss.withheld]
            total = loss.rows * len(kept_cols)
            share = loss.cells_blanked / total if total else 0.0
            kept = int((frame[questions].ge(0)).sum().sum()) if frame is not None else float("nan")
            print(
                f"{name:<36} {loss.rows_affected:>6} ({loss.rows_affected / loss.rows:5.1%})"
                f" {loss.cells_blanked:>7} ({share:6.1%})"
                f" {kept:>6} ({kept / given:5.1%})"
                f"  {cpu:5.1f}  {', '.join(loss.withheld) or '-'}"
            )
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
