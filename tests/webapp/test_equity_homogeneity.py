"""Equity cells of the demographic questions other than the filter question pass through the
homogeneity rule for the scales it covers (social safety), instead of being withheld for
every such scale. Counted in respondents; k = 5 responses.

Data: W1 12, W2 6, ICU 12 responses (30); age band 1 for every third respondent (10), 2
for the others (20); gender alternates (the filter question). On ``respect`` everyone in
age band 1 answers 5 on every item (a homogeneous group of 10), the others vary; on
``appreciation`` everyone varies; every other social-safety item is 1-5 cycling too.
"""

from __future__ import annotations

import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from webapp.research.auditing import audit_survey

PLAN = {"W1": 12, "W2": 6, "ICU": 12}


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


def _answers(definition, i: int, band: int) -> dict[str, int]:
    out = {}
    for item in definition.items:
        if item.id.startswith("ss_resp_"):
            out[item.id] = 5 if band == 1 else 1 + (i % 5)
        elif item.id.startswith("ss_"):
            out[item.id] = 1 + ((i + len(item.id)) % 5)
        else:
            out[item.id] = item.response_scale.points[i % len(item.response_scale.points)]
    return out


@pytest.fixture
def age_db(hospital_db):
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey
    from surveys.waves import close_wave

    definition = get_survey(hospital_db, HOSPITAL_SLUG)
    n = 0
    for unit, count in PLAN.items():
        for token in issue_invitations(hospital_db, HOSPITAL_SLUG, unit, count):
            band = 1 if n % 3 == 0 else 2
            demographics = {"dem_gender": 1 + n % 2, "dem_age": band}
            submit_response(hospital_db, token, _answers(definition, n, band), "nl", demographics)
            n += 1
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    return hospital_db


def _admin():
    from surveys.users import UserInfo

    return UserInfo("admin@example.org", "admin", None, "k")


def _data(db):
    from webapp.results.data import load_survey, load_wave

    context = load_survey(db, HOSPITAL_SLUG)
    return load_wave(db, context.at_wave(HOSPITAL_WAVE), HOSPITAL_WAVE)


def test_social_safety_gets_equity_cells_of_other_questions_where_safe(age_db):
    from webapp.results.release import released_cells, withheld_as_uniform

    data = _data(age_db)
    questions = tuple(data.matrix.demographic_ids)
    everyone = frozenset(data.survey.parent)
    varied = data.measures["social_safety.appreciation"]
    uniform = data.measures["social_safety.respect"]
    assert varied.homogeneity and uniform.homogeneity
    shown = released_cells(data, varied, everyone, questions)
    assert {("HOSP", "dem_age", "1"), ("HOSP", "dem_age", "2")} <= shown
    hidden = released_cells(data, uniform, everyone, questions)
    assert ("HOSP", None, None) in hidden  # the organisation's respect score is shown
    # band 1 all answered 5; band 2 is HOSP minus band 1: both withheld by the rule
    assert not {("HOSP", "dem_age", "1"), ("HOSP", "dem_age", "2")} & hidden
    assert {("HOSP", "dem_age", "1"), ("HOSP", "dem_age", "2")} <= withheld_as_uniform(
        data, uniform, questions
    )


def test_the_equity_view_shows_the_safe_gaps_and_knows_why_others_are_not(age_db):
    from webapp.results.equity import _reasons, equity

    found = equity(age_db, HOSPITAL_SLUG, HOSPITAL_WAVE, _admin())
    block = next(q for q in found["questions"] if q["question"] == "dem_age")
    hosp = next(u for u in block["units"] if u["unit"] == "HOSP")
    # no gap of respect by age band is shown, so the scale is left out of the unit
    assert "social_safety.respect" not in hosp["scales"]
    reasons = _reasons(_data(age_db), "dem_gender", ("dem_gender", "dem_age"))
    bands = {reasons["social_safety.respect"][("HOSP", "dem_age", c)] for c in ("1", "2")}
    assert bands == {"homogeneous"}
    gaps = hosp["scales"]["social_safety.appreciation"]
    assert gaps["1"]["shown"] and gaps["1"]["n"] == 10 and gaps["1"]["rest"]["n"] == 20


def test_the_audit_passes_and_finds_the_leak_without_the_rule(age_db):
    from engine.disclosure.homogeneity import parts_of
    from webapp.research.audit_homogeneity import audit_measure_homogeneity
    from webapp.results.cells import favourable_top

    found = audit_survey(age_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    assert found.ok and not found.homogeneity_findings, found.lines()
    data = _data(age_db)
    scale = data.measures["social_safety.respect"]
    parts = parts_of(scale.points, favourable_top(scale.points), lowest=False)
    # the organisation and band 2 shown: HOSP minus band 2 is band 1, all 5
    cells = {("HOSP", None, None), ("HOSP", "dem_age", "2")}
    leaks, _ = audit_measure_homogeneity(data, scale, {parts: cells})
    assert any(f.counts == (10, 0) for f in leaks)
