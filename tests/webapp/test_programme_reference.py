"""The programme page's numbers on the demo equal R's (clubSandwich, lme4) on the same data.

``tests/reference/data/programme_demo.csv`` holds, for two scales, every response the
evaluation of the demo's programme uses (after disclosure control: units released in both
waves), one row per response: scale, unit, wave (before/after), programme (1/0) and score.
This module writes it (``python -m tests.webapp.test_programme_reference``);
``tests/reference/programme_demo.R`` fits R's models on it and writes
``tests/reference/programme_demo.json``. The tests check that the file is what the service
uses today (per unit and wave: count and sum) and that the API's numbers equal R's.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
DATA = REFERENCE / "data" / "programme_demo.csv"
SCALES = ("belonging.membership", "social_safety.respect")


def demo_rows(db) -> list[dict[str, object]]:
    """The responses the evaluation of programme 1 uses, for :data:`SCALES`."""
    from surveys.programmes import get_programme
    from webapp.results.data import load_survey, load_wave
    from webapp.results.programme import clusters

    info = get_programme(db, 1)
    context = load_survey(db, info.survey)
    waves = {
        "before": load_wave(db, context, info.wave_before),
        "after": load_wave(db, context, info.wave_after),
    }
    rows: list[dict[str, object]] = []
    for scale in SCALES:
        found = clusters(waves["before"], waves["after"], scale, info.units)
        for side in ("programme", "other"):
            for unit in found.used[side]:
                for wave, data in waves.items():
                    measure = data.measures[scale]
                    mask = measure.valid & data.in_subtree(unit)
                    for score in sorted(measure.scores[mask]):  # type: ignore[index]
                        rows.append(
                            {
                                "scale": scale,
                                "unit": unit,
                                "wave": wave,
                                "programme": int(side == "programme"),
                                "score": repr(float(score)),
                            }
                        )
    return rows


def _cells(rows) -> dict[tuple, tuple[int, float]]:
    out: dict[tuple, list[float]] = {}
    for row in rows:
        out.setdefault((row["scale"], row["unit"], row["wave"], int(row["programme"])), []).append(
            float(row["score"])
        )
    return {key: (len(v), round(math.fsum(v), 9)) for key, v in out.items()}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    from surveys.db import Database
    from tests.webapp.test_export_cli import demo_copy

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    yield database
    database.dispose()


def test_the_reference_data_is_what_the_service_uses(demo_db):
    with DATA.open(encoding="utf-8") as handle:
        stored = list(csv.DictReader(handle))
    assert _cells(stored) == _cells(demo_rows(demo_db))


@pytest.mark.parametrize("scale", SCALES)
def test_the_evaluation_equals_r(demo_db, scale):
    from surveys.users import UserInfo
    from webapp.results.programme import programme_evaluation

    reference = json.loads((REFERENCE / "programme_demo.json").read_text("utf-8"))
    expected = reference["scales"][scale]
    found = programme_evaluation(demo_db, 1, UserInfo("a@example.org", "admin", None, "s"))
    got = next(s for s in found["scales"] if s["scale"] == scale)
    assert got["estimate"] == pytest.approx(expected["estimate"], rel=1e-6)
    assert got["se"] == pytest.approx(expected["se"], rel=1e-4)
    assert got["df"] == pytest.approx(expected["df"], rel=1e-3)
    assert got["p"] == pytest.approx(expected["p"], rel=1e-4, abs=1e-12)
    assert np.allclose(got["ci"], expected["ci"], rtol=1e-4)
    assert got["mixed"]["estimate"] == pytest.approx(expected["mixed"]["estimate"], rel=1e-4)
    assert got["mixed"]["se"] == pytest.approx(expected["mixed"]["se"], rel=1e-3)
    for side in ("programme", "other"):
        assert got["sides"][side]["units"] == expected["units"][side]
        for wave in ("before", "after"):
            block = got["sides"][side][wave]
            assert block["n"] == expected["groups"][side][wave]["n"]
            assert block["mean"] == pytest.approx(expected["groups"][side][wave]["mean"], abs=1e-4)


if __name__ == "__main__":  # python -m tests.webapp.test_programme_reference
    import tempfile

    from surveys.db import Database
    from surveys.demo import build_demo

    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/demo.db")
        database.upgrade()
        build_demo(database, links=0, accounts=False)
        found = demo_rows(database)
        database.dispose()
    with DATA.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["scale", "unit", "wave", "programme", "score"])
        writer.writeheader()
        writer.writerows(found)
    print(f"wrote {len(found)} rows to {DATA}")
