"""Loading a wave: compact answer strings become a NumPy matrix in one pass, exactly."""

from __future__ import annotations

import secrets

import numpy as np

from surveys.responses import load_answers
from surveys.survey_store import get_survey
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE

N = 50_000


def test_load_answers_of_fifty_thousand_responses(hospital_db, db_backend):
    db = hospital_db
    definition = get_survey(db, HOSPITAL_SLUG)
    m, d = len(definition.items), len(definition.demographic_items)
    rng = np.random.default_rng(7)
    codes = rng.integers(1, 6, (N, m)).astype(np.uint8) + ord("0")
    codes[rng.random((N, m)) < 0.05] = ord("-")
    answers = [row.tobytes().decode("ascii") for row in codes]
    rows = [
        (secrets.token_urlsafe(16), 1, 3 + i % 2, "nl", a, "1" * d) for i, a in enumerate(answers)
    ]
    columns = "id, wave_id, unit_id, language, answers, demographics"
    raw = db.engine.raw_connection()
    try:
        driver = raw.driver_connection
        if db.is_sqlite:  # our SQLite connections run in autocommit mode: one transaction
            driver.execute("BEGIN")
            driver.executemany(
                f"INSERT INTO responses ({columns}) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
            driver.execute("COMMIT")
        else:
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY responses ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            driver.commit()
    finally:
        raw.close()
    matrix = load_answers(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    assert matrix.values.shape == (N, m)
    assert np.isnan(matrix.values).sum() == (codes == ord("-")).sum()
    assert np.nansum(matrix.values) == (codes[codes != ord("-")] - ord("0")).sum()
    assert set(matrix.unit_codes) == {"W1", "W2"}
    assert (matrix.demographics == 1).all()
    # How fast is measured by benchmarks/dashboard.py (a 100k wave), not here: a timed
    # assertion failed on a loaded CI machine (8.3 s for a load that takes ~1 s idle).
