"""Trust figures of the results service (webapp/results/trust.py): levels, words, released cells.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU, with
W1 6, W2 3, ICU 7 and HOSP's own 2 responses (k = 5): W2 is fewer than k, W1 is hidden
with it, SURG (9), ICU (7) and HOSP (18) are released.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_results import (  # noqa: F401
    ADMIN,
    SECOND_WAVE,
    SURG_MANAGER,
    cheap_hasher,
    fill_wave,
    get,
)
from webapp.results.trust import (
    ALPHA_GOOD,
    ALPHA_OK,
    ICC_CLEAR,
    ICC_SOME,
    RWG_MODERATE,
    RWG_STRONG,
    agreement,
    differences,
    reliability,
    trust_words,
)

KEYS = {"alpha", "omega", "rwg_j", "icc1", "reliability", "agreement", "differences"}


@pytest.fixture
def db_backend() -> str:
    """SQLite only: trust figures add no SQL (the results service is tested on both)."""
    return "sqlite"


@pytest.fixture
def trust_db(hospital_db):
    """hospital_db with wave 2026-1 answered and closed, and wave 2026-2 open."""
    from surveys.waves import open_wave

    fill_wave(hospital_db)
    open_wave(hospital_db, HOSPITAL_SLUG, SECOND_WAVE)
    return hospital_db


# --- levels and words (pure) ------------------------------------------------------------------


def test_levels_follow_the_documented_thresholds():
    assert [reliability(v) for v in (ALPHA_GOOD, 0.79, ALPHA_OK, 0.69, None)] == [
        "good",
        "acceptable",
        "acceptable",
        "weak",
        None,
    ]
    assert [agreement(v) for v in (RWG_STRONG, 0.69, RWG_MODERATE, 0.49, None)] == [
        "strong",
        "moderate",
        "moderate",
        "weak",
        None,
    ]
    assert [differences(v) for v in (ICC_CLEAR, 0.09, ICC_SOME, 0.01, None)] == [
        "clear",
        "some",
        "some",
        "hardly",
        None,
    ]


def _say(text, **values):
    return text % values if values else text


def _trust(alpha, omega, rwg_j, icc1):
    return {
        "alpha": alpha,
        "omega": omega,
        "rwg_j": rwg_j,
        "icc1": icc1,
        "reliability": reliability(alpha),
        "agreement": agreement(rwg_j),
        "differences": differences(icc1),
    }


@pytest.mark.parametrize(
    ("trust", "levels", "fragment"),
    [
        (_trust(0.86, 0.87, 0.82, 0.12), ["good"] * 3, "shared view"),
        (_trust(0.74, None, 0.6, 0.07), ["fair"] * 3, "moderately"),
        (_trust(0.55, 0.6, 0.3, 0.01), ["weak", "weak", "fair"], ""),
    ],
)
def test_trust_words_follow_the_documented_thresholds(trust, levels, fragment):
    words = trust_words(trust, _say, lambda v: f"{v:.2f}")
    assert [w["level"] for w in words] == levels
    assert f"alpha {trust['alpha']:.2f}" in words[0]["text"]
    assert ("omega" in words[0]["text"]) == (trust["omega"] is not None)
    assert f"rwg {trust['rwg_j']:.2f}" in words[1]["text"]
    assert fragment in words[1]["text"]


def test_trust_words_without_figures():
    assert trust_words({}, _say, str)[0]["level"] == "none"
    assert trust_words(None, _say, str)[0]["level"] == "none"
    assert trust_words(_trust(None, None, None, None), _say, str)[0]["level"] == "none"


# --- the service ------------------------------------------------------------------------------


def test_trust_of_a_released_scale_matches_the_engine(trust_db):
    from engine.psychometrics.reliability import cronbach_alpha
    from surveys.responses import load_answers
    from surveys.survey_store import get_survey

    out = get(trust_db, "SURG", user=SURG_MANAGER)
    trust = out["scales"]["belonging.membership"]["trust"]
    assert set(trust) == KEYS
    definition = get_survey(trust_db, HOSPITAL_SLUG)
    scale = definition.instrument("belonging").scales[0]
    ids = [item.id for item in scale.items]
    matrix = load_answers(trust_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    frame = pd.DataFrame(matrix.values, columns=matrix.item_ids)[ids]
    for item in scale.items:
        if item.reverse:
            frame[item.id] = 6 - frame[item.id]
    rows = frame[np.isin(matrix.unit_codes.astype(str), ["SURG", "W1", "W2"])]
    rows = rows[rows.notna().sum(axis=1) >= len(ids) * 2 / 3]
    expected = cronbach_alpha(rows.reset_index(drop=True)).alpha
    assert trust["alpha"] == pytest.approx(expected, abs=1e-3)
    assert trust["reliability"] == reliability(trust["alpha"])
    assert trust["agreement"] == agreement(trust["rwg_j"])
    assert trust["differences"] == differences(trust["icc1"])


def test_trust_only_for_released_cells(trust_db):
    """Released scale cells get figures; a suppressed cell, a filter or an open wave: None."""
    for unit in ("SURG", "ICU", "HOSP", "W1", "W2"):
        out = get(trust_db, unit)
        for sid, cell in out["scales"].items():
            if cell["suppressed"]:
                assert cell["trust"] is None, (unit, sid)
            else:
                assert cell["n"] >= out["k"]
                assert set(cell["trust"]) == KEYS, (unit, sid)
    # comparison blocks carry none
    surg = get(trust_db, "SURG")
    assert all("trust" not in c for c in surg["parent"]["scales"].values())
    assert all("trust" not in c for c in surg["organisation"]["scales"].values())
    # a filtered view: scales released, trust figures not
    women = get(trust_db, "HOSP", filter="dem_gender:1")
    assert women["scales"]["belonging.membership"]["mean"] is not None
    assert all(c["trust"] is None for c in women["scales"].values())
    # an open wave: nothing
    held = get(trust_db, "HOSP", wave=SECOND_WAVE)
    assert all(c["trust"] is None for c in held["scales"].values())


def test_trust_is_the_same_for_every_caller_and_kept_with_the_wave(trust_db):
    from webapp.results.data import load_survey, load_wave

    admin = get(trust_db, "SURG", user=ADMIN)["scales"]
    manager = get(trust_db, "SURG", user=SURG_MANAGER)["scales"]
    assert {s: c["trust"] for s, c in admin.items()} == {s: c["trust"] for s, c in manager.items()}
    data = load_wave(trust_db, load_survey(trust_db, HOSPITAL_SLUG), HOSPITAL_WAVE)
    kept = [slot for slot in data.derived if slot[0] == "trust" and slot[2] == "SURG"]
    assert len(kept) == sum(1 for c in admin.values() if c["trust"])
    # the caller's copy is the caller's
    admin["belonging.membership"]["trust"]["alpha"] = 99.0
    again = get(trust_db, "SURG")["scales"]["belonging.membership"]["trust"]
    assert again["alpha"] != 99.0


def test_icc1_is_one_number_per_scale_and_wave(trust_db):
    """ICC(1) describes the organisation: the same in every released unit's figures."""
    found = [get(trust_db, unit)["scales"] for unit in ("HOSP", "SURG", "ICU")]
    for sid in found[0]:
        icc = {cells[sid]["trust"]["icc1"] for cells in found if cells[sid]["trust"]}
        assert len(icc) <= 1, sid
    assert sum(1 for cells in found if cells["belonging.membership"]["trust"]) >= 2
