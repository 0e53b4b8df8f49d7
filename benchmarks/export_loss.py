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

Part 2 runs the engine alone (:func:`engine.disclosure.export.k_anonymize`) on the same
rows, unit labels and missing codes, but with only the unit fixed: what each profile and
suppression method would keep for a survey whose dashboards showed no table filtered by a
demographic question. On the demo they do: in part 1, local suppression withholds the
filter question by whole blocks and proves the file beside every table
(:mod:`webapp.research.export_blocks`), which is most of its CPU.

    python benchmarks/export_loss.py
    python benchmarks/export_loss.py --format sav
"""

from __future__ import annotations

import argparse
import shutil
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
        template = Path(folder) / "demo.db"
        db = Database(f"sqlite:///{template}")
        db.upgrade()
        build_demo(db, links=0, accounts=False)
        questions = [item.id for item in get_survey(db, DEMO).demographic_items]
        stored = load_answers(db, DEMO, WAVE)
        db.dispose()
        given = int((~pd.isna(stored.demographics)).sum())
        print(f"demo {DEMO} wave {WAVE}: {stored.n} responses, {len(questions)} demographic")
        print(f"questions, {given} demographic answers given (k = 5 responses)")
        print()
        header = (
            f"{'profile':<36} {'rows affected':>14} {'cells withheld':>18} {'answers kept':>14}"
        )
        print(header + "  cpu s  left out")
        for number, (name, profile) in enumerate(_profiles(questions)):
            # a fresh copy per profile: the first export of a wave pins its settings
            copy = Path(folder) / f"demo-{number}.db"
            shutil.copyfile(template, copy)
            db = Database(f"sqlite:///{copy}")
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
        print()
        _engine_only(template, questions, given)
    return 0


def _engine_only(template: Path, questions: list[str], given: int) -> None:
    """Part 2: k_anonymize per profile with only the unit fixed."""
    import numpy as np

    from engine.disclosure.export import export_units, k_anonymize
    from surveys.db import Database
    from surveys.responses import load_missing_kinds
    from webapp.research.export_plan import _frame, released_units
    from webapp.research.export_profiles import ExportProfile, resolve_profile
    from webapp.results.data import load_survey, load_wave

    db = Database(f"sqlite:///{template}")
    context = load_survey(db, DEMO).at_wave(WAVE)
    data = load_wave(db, context, WAVE)
    kinds = load_missing_kinds(db, DEMO, WAVE)
    k = context.definition.k
    own_n = data.own_counts(np.ones(data.n, dtype=bool))
    labels = export_units(context.parent, released_units(data, tuple(questions)), own_n, k)
    print("engine only, unit fixed, no filtered tables (k_anonymize):")
    print(
        f"{'profile':<36} {'rows affected':>14} {'cells withheld':>18} {'answers kept':>14}  cpu s"
    )
    for name, profile in _profiles(questions):
        assert isinstance(profile, ExportProfile)  # for mypy: _profiles builds them
        quasi, withheld = resolve_profile(profile, questions)
        frame = _frame(data, labels, withheld, kinds)
        cpu = time.process_time()
        result = k_anonymize(
            frame,
            quasi,
            k,
            fixed=["unit"],
            seed=0,
            suppression=profile.suppression,  # type: ignore[arg-type]
            keep_apart=(-1.0, -2.0, -3.0),
        )
        cpu = time.process_time() - cpu
        kept_cols = [c for c in quasi if c != "unit"]
        cells = sum(result.cells.get(c, 0) for c in kept_cols)
        total = data.n * len(kept_cols)
        values = result.data[[q for q in questions if q in kept_cols]].to_numpy(dtype=float)
        kept = int(np.nansum(values >= 0))
        print(
            f"{name:<36} {result.blanked:>6} ({result.blanked / data.n:5.1%})"
            f" {cells:>7} ({cells / total if total else 0:6.1%})"
            f" {kept:>6} ({kept / given:5.1%})  {cpu:5.2f}"
        )
    db.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
