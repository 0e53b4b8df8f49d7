"""Homogeneity in the results service and ``samen audit`` (issue 13): sensitive items whose
answers are (nearly) all alike are coarsened or withheld, counted in respondents.

Data as in test_unwanted (k = 5, comment threshold 10 writers; W1 12, W2 6, ICU 12
responses, so HOSP 30, SURG 18, ICU 12 are released), with the unwanted-behaviour answers
changed: nobody experienced bullying (everyone "never": homogeneous everywhere), and only
respondent 11 of W1 and of ICU experienced intimidation "once or twice" (W2 has no number
11): ICU has 1 of 12 outside "never", SURG 1 of 18 (withheld); HOSP has 2 of 30, so its
"never vs at least once" split passes, but nobody answered "often" or "very often", so its
favourable split and hence its distribution are too uniform: coarse.
"""

from __future__ import annotations

import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp import test_comments
from tests.webapp.test_comments import ADMIN, prepare_db
from webapp import results
from webapp.dashboard.view import withheld_text
from webapp.research.auditing import audit_survey
from webapp.results.sensitive import unit_unwanted_behaviour

original = test_comments.ub_answers


def uniform_answers(i: int) -> dict[str, int | None]:
    out = original(i)
    out["ub_exp_bullying"] = 1
    out["ub_exp_intimidation"] = 2 if i == 11 else 1
    return out


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def uniform_db(hospital_db, monkeypatch):
    monkeypatch.setattr(test_comments, "ub_answers", uniform_answers)
    return prepare_db(hospital_db, monkeypatch)


def _behaviour(db, unit: str, name: str) -> dict:
    out = unit_unwanted_behaviour(db, HOSPITAL_SLUG, HOSPITAL_WAVE, unit, ADMIN)
    assert out is not None
    (row,) = [r for r in out["unit"]["behaviours"] if r["id"] == name]
    return row


def _item(db, unit: str, item: str) -> dict:
    found = results.unit_results(db, HOSPITAL_SLUG, HOSPITAL_WAVE, unit, ADMIN)
    return found["items"][item]


def test_everyone_alike_is_withheld_with_a_reason(uniform_db):
    for unit in ("HOSP", "SURG", "ICU"):
        share = _behaviour(uniform_db, unit, "bullying")["experienced"]
        assert share["suppressed"] and share["share"] is None and share["n"] is None
        assert share["reason"] == "homogeneous"
        cell = _item(uniform_db, unit, "ub_exp_bullying")
        assert cell["suppressed"] and cell["distribution"] is None and cell["mean"] is None
    # witnessed answers vary (test_comments.ub_answers): still shown at HOSP
    assert not _behaviour(uniform_db, "HOSP", "bullying")["witnessed"]["suppressed"]


def test_one_outside_the_largest_answer_is_withheld(uniform_db):
    for unit in ("SURG", "ICU"):  # 1 respondent of 18 / 12 said "once or twice"
        share = _behaviour(uniform_db, unit, "intimidation")["experienced"]
        assert share["suppressed"] and share["reason"] == "homogeneous"


def test_two_outside_coarsens_to_at_least_once(uniform_db):
    share = _behaviour(uniform_db, "HOSP", "intimidation")["experienced"]
    assert not share["suppressed"] and share["share"] == pytest.approx(2 / 30, abs=1e-4)
    cell = _item(uniform_db, "HOSP", "ub_exp_intimidation")
    assert cell["coarse"] and cell["mean"] is None and cell["favourable"] is None
    assert cell["distribution"]["1"] == pytest.approx(28 / 30, abs=1e-4)
    assert all(v is None for code, v in cell["distribution"].items() if code != "1")


def test_the_audit_checks_sensitive_items_and_finds_nothing(uniform_db):
    found = audit_survey(uniform_db, HOSPITAL_SLUG, HOSPITAL_WAVE, filters=False)
    assert found.homogeneity_views > 0 and not found.homogeneity_findings and found.ok
    assert "views under the homogeneity rule: none too uniform" in found.summary()


def test_the_reason_reads_as_words(uniform_db):
    from webapp import create_app
    from webapp.config import TestConfig

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": uniform_db})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = withheld_text("homogeneous", 5)
    assert text == "too uniform to show without revealing individual answers"
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert withheld_text("homogeneous", 5, short=True) == "te eensgezind"
