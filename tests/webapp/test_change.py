"""Change since the previous closed wave (webapp/results/change.py).

k counts responses with a valid scale score. A change is shown only where the unit's
scale cell is released in both waves, and it is computed from those two cells' numbers
alone: it adds no cell (test_change_adds_no_cell).
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from engine.comparisons.summary import welch_summary
from engine.comparisons.welch import Sample
from surveys import users as users_module
from surveys.users import UserInfo
from tests.conftest import HOSPITAL_SLUG
from tests.webapp.twowaves import FIRST, SECOND, two_closed_waves
from webapp import results
from webapp.results.change import change_cells, previous_wave, unit_change
from webapp.results.data import load_survey

ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
SURG = UserInfo("surg@example.org", "manager", "SURG", "s-surg")
ICU = UserInfo("icu@example.org", "manager", "ICU", "s-icu")


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def waves_db(hospital_db, monkeypatch):
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    two_closed_waves(hospital_db)
    return hospital_db


def test_previous_wave_is_the_last_closed_one_before(waves_db):
    survey = load_survey(waves_db, HOSPITAL_SLUG)
    assert previous_wave(survey, SECOND).label == FIRST
    assert previous_wave(survey, FIRST) is None


def test_change_is_welch_on_the_two_released_cells(waves_db):
    change = unit_change(waves_db, HOSPITAL_SLUG, SECOND, "HOSP", ADMIN)
    assert change["released"] and change["previous"] == FIRST
    now = results.unit_results(waves_db, HOSPITAL_SLUG, SECOND, "HOSP", ADMIN)["scales"]
    then = results.unit_results(waves_db, HOSPITAL_SLUG, FIRST, "HOSP", ADMIN)["scales"]
    shown = 0
    for sid, row in change["scales"].items():
        entry = row["unit"]
        if not entry["shown"]:
            assert now[sid]["suppressed"] or then[sid]["suppressed"]
            continue
        shown += 1
        a, b = now[sid], then[sid]
        expected = welch_summary(
            Sample(a["n"], a["mean"], a["sd"]), Sample(b["n"], b["mean"], b["sd"])
        )
        assert entry["difference"] == pytest.approx(a["mean"] - b["mean"])
        assert entry["ci"] == pytest.approx(list(expected.ci))
        assert entry["to"]["n"] == a["n"] and entry["from"]["n"] == b["n"]
        lo, hi = entry["ci"]
        assert (entry["direction"] is not None) == (lo > 0 or hi < 0)
    assert shown >= 10


def test_the_lean_of_w1_shows_as_a_rise_of_surgery(waves_db):
    # SURG = W1 + W2: W1's answers lean 1.5 points higher in 2026-2
    change = unit_change(waves_db, HOSPITAL_SLUG, SECOND, "SURG", SURG)
    ups = [sid for sid, row in change["scales"].items() if row["unit"].get("direction") == "up"]
    downs = [
        sid for sid, row in change["scales"].items() if row["unit"].get("direction") == "down"
    ]
    assert len(ups) >= 10 and not downs


def test_small_unit_in_the_earlier_wave_gives_no_change(waves_db):
    change = unit_change(waves_db, HOSPITAL_SLUG, SECOND, "W2", SURG)
    entries = [row["unit"] for row in change["scales"].values()]
    assert all(not e["shown"] and "difference" not in e for e in entries)
    # W2 held 3 responses in 2026-1; in 2026-2 (6) some scale cells are released
    assert any(e["wave"] == FIRST and e["reason"] == "fewer-than-k" for e in entries)


def test_nothing_without_a_previous_wave_or_in_scope(waves_db):
    first = unit_change(waves_db, HOSPITAL_SLUG, FIRST, "SURG", SURG)
    assert not first["released"] and first["reason"] == "no-previous-wave" and not first["scales"]
    with pytest.raises(results.AccessDenied):
        unit_change(waves_db, HOSPITAL_SLUG, SECOND, "ICU", SURG)


@pytest.mark.parametrize("user,unit", [(SURG, "SURG"), (ICU, "ICU"), (ADMIN, "HOSP")])
def test_change_adds_no_cell(waves_db, user, unit):
    """Every cell a change rests on is a released cell of the same caller in that wave."""
    change = unit_change(waves_db, HOSPITAL_SLUG, SECOND, unit, user)
    used = change_cells(change)
    assert used
    for wave, code, sid in used:
        cell = results.unit_results(waves_db, HOSPITAL_SLUG, wave, code, ADMIN)["scales"][sid]
        served = results.unit_results(waves_db, HOSPITAL_SLUG, wave, unit, user)
        blocks = [served, served["parent"] or {}, served["organisation"]]
        mine = next(b for b in blocks if b.get("unit") == code)
        assert not mine["scales"][sid]["suppressed"], (wave, code, sid)
        assert cell["n"] >= 5
