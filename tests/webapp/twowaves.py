"""Two closed waves of the hospital survey for the change and equity tests.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU.
Responses (k = 5): wave 2026-1 W1 8, W2 3, ICU 7, HOSP's own 6; wave 2026-2 W1 9, W2 6,
ICU 7, HOSP's own 6. In 2026-2 the answers in W1 lean 1.5 points higher (a change the
interval finds). W2 is below k in 2026-1 (and W1 is hidden with it: SURG minus W1 would
leave W2's 3), so no change of W1 or W2 can be shown. Genders alternate 1, 2 (and every
fourth response answers 3, "another identity": 5 in each wave) per unit; ages alternate
1, 2, 3. Gender 3 answers lean 1.2 points lower in both waves.
"""

from __future__ import annotations

import numpy as np

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE

FIRST = HOSPITAL_WAVE
SECOND = "2026-2"
PLANS = {
    FIRST: {"W1": 8, "W2": 3, "ICU": 7, "HOSP": 6},
    SECOND: {"W1": 9, "W2": 6, "ICU": 7, "HOSP": 6},
}
#: Respondents who answer gender 3 ("another identity") lean this much lower, in both waves.
OTHER_GENDER_LEAN = -1.2
#: Units whose answers lean higher in the second wave, by how many points.
LEAN = {SECOND: {"W1": 1.5}}


def _answers(definition, rng, lean: float) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for item in definition.items:
        points = item.response_scale.points
        if rng.random() < 0.05:
            out[item.id] = None
            continue
        low, high = min(points), max(points)
        centre = (low + high) / 2 + (-lean if item.reverse else lean)
        out[item.id] = int(np.clip(round(rng.normal(centre, 1.0)), low, high))
    return out


def fill(db, wave: str, seed: int) -> None:
    from surveys.definitions import get_survey
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.waves import close_wave

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(seed)
    for unit, count in PLANS[wave].items():
        lean = LEAN.get(wave, {}).get(unit, 0.0)
        tokens = issue_invitations(db, HOSPITAL_SLUG, unit, count)
        for i, token in enumerate(tokens):
            gender = 3 if i % 4 == 3 else 1 + i % 2
            demographics = {"dem_gender": gender, "dem_age": 1 + i % 3}
            shift = lean + (OTHER_GENDER_LEAN if gender == 3 else 0.0)
            submit_response(db, token, _answers(definition, rng, shift), "nl", demographics)
    close_wave(db, HOSPITAL_SLUG, wave)


def two_closed_waves(db) -> None:
    """``hospital_db`` (wave 2026-1 open) with both waves answered and closed."""
    from surveys.waves import open_wave

    fill(db, FIRST, 11)
    open_wave(db, HOSPITAL_SLUG, SECOND)
    fill(db, SECOND, 12)
