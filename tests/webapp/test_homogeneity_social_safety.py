"""Homogeneity for social safety (issue 13): named in DESIGN.md point 6 though not marked
``sensitive``; items, scales, subtraction over the tree and filter cells. Counted in
respondents.

Data (k = 5; W1 12, W2 6, ICU 12 responses; gender 1 for even, 2 for odd respondents):
every social-safety item is answered 4 ("agree") by everyone, except

- ``open_conversation`` in W1: answers cycle 1-5 (varied), so W1 passes while W2 and ICU
  (all 4) are too uniform; SURG (W1 + W2) minus its shown child W1 would be W2 again, so
  the smaller of the two, W1, is withheld as well ("complementary"); HOSP minus SURG would
  be ICU, so SURG is withheld; HOSP is shown;
- ``respect`` in every unit: answers vary for women, while all men in ICU answer 5 — the
  unit cells pass, but the filtered cell "ICU, gender 2" is too uniform, and ICU minus
  "ICU, gender 1" would give it: both filter cells of ICU are withheld. (W1's and W2's
  filter cells are withheld by the k rule already: W2 has 3 women and 3 men.)
"""

from __future__ import annotations

import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from webapp import results
from webapp.research.auditing import audit_survey

PLAN = {"W1": 12, "W2": 6, "ICU": 12}


def _answers(definition, unit: str, i: int) -> dict[str, int]:
    out = {}
    for item in definition.items:
        if item.id.startswith("ss_open_"):
            out[item.id] = 1 + (i % 5) if unit == "W1" else 4
        elif item.id.startswith("ss_resp_"):
            if i % 2 == 1:  # men
                out[item.id] = 5 if unit == "ICU" else 2 + (i % 3)
            else:
                out[item.id] = 1 + (i % 5)
        elif item.id.startswith("ss_"):
            out[item.id] = 4
        else:
            out[item.id] = item.response_scale.points[i % len(item.response_scale.points)]
    return out


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def uniform_db(hospital_db):
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey
    from surveys.waves import close_wave

    definition = get_survey(hospital_db, HOSPITAL_SLUG)
    for unit, count in PLAN.items():
        for i, token in enumerate(issue_invitations(hospital_db, HOSPITAL_SLUG, unit, count)):
            demographics = {"dem_gender": 1 + i % 2, "dem_age": None}
            answers = _answers(definition, unit, i)
            submit_response(hospital_db, token, answers, "nl", demographics)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    return hospital_db


def _admin():
    from surveys.users import UserInfo

    return UserInfo("admin@example.org", "admin", None, "k")


def _results(db, unit: str, filter: str | None = None) -> dict:
    return results.unit_results(db, HOSPITAL_SLUG, HOSPITAL_WAVE, unit, _admin(), filter=filter)


def _scale(found: dict, scale: str) -> dict:
    return found["scales"][f"social_safety.{scale}"]


def test_uniform_social_safety_items_are_withheld_with_the_reason(uniform_db):
    for unit in ("W2", "ICU"):  # everyone answered 4
        found = _results(uniform_db, unit)
        cell = found["items"]["ss_appr_1"]
        assert cell["suppressed"] and cell["reason"] == "homogeneous"
        assert cell["distribution"] is None and cell["favourable"] is None
        assert _scale(found, "appreciation")["reason"] == "homogeneous"
    hosp = _results(uniform_db, "HOSP")
    assert not hosp["items"]["ss_open_1"]["suppressed"]
    assert not _scale(hosp, "open_conversation")["suppressed"]
    # agreement items are never coarsened to a "lowest answer" share: full or withheld
    assert not any(c.get("coarse") for c in hosp["items"].values() if c)


def test_a_uniform_remainder_withholds_the_smallest_shown_descendant(uniform_db):
    """SURG minus W1 is W2 (all 4): W1 (12) is withheld, not SURG (18); then HOSP minus
    SURG is ICU (all 4): SURG is withheld, and HOSP (30, varied) is shown."""
    for unit in ("W1", "SURG"):
        found = _results(uniform_db, unit)
        cell = found["items"]["ss_open_1"]
        assert cell["suppressed"] and cell["reason"] == "complementary", unit
        assert _scale(found, "open_conversation")["suppressed"], unit
    assert _results(uniform_db, "HOSP")["items"]["ss_open_1"]["n"] == 30


def test_a_uniform_filter_group_and_its_complement_are_withheld(uniform_db):
    unit = _results(uniform_db, "ICU")
    assert not _scale(unit, "respect")["suppressed"]  # women vary: the unit passes
    for value in ("1", "2"):  # men all 5; women = ICU minus men would give them
        cell = _scale(_results(uniform_db, "ICU", f"dem_gender:{value}"), "respect")
        assert cell["suppressed"] and cell["reason"] == "homogeneous", value
    # the same filter on a scale everyone varies on (open_conversation is 4 in ICU: no)
    other = _scale(_results(uniform_db, "ICU", "dem_gender:2"), "open_conversation")
    assert other["suppressed"]


def test_the_audit_finds_no_homogeneous_group(uniform_db):
    found = audit_survey(uniform_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    assert found.homogeneity_views > 0
    assert not found.homogeneity_findings, found.lines()
    assert found.ok


def test_the_audit_finds_what_the_service_would_leak(uniform_db):
    """Serve every released cell without the homogeneity rule: the audit's search finds the
    uniform groups, directly and by subtraction."""
    from engine.disclosure.homogeneity import parts_of
    from webapp.research.audit_homogeneity import audit_measure_homogeneity
    from webapp.results.cells import favourable_top
    from webapp.results.data import load_survey, load_wave

    context = load_survey(uniform_db, HOSPITAL_SLUG)
    data = load_wave(uniform_db, context.at_wave(HOSPITAL_WAVE), HOSPITAL_WAVE)
    item = data.measures["ss_open_1"]
    parts = parts_of(item.points, favourable_top(item.points), lowest=False)
    # W1 and SURG only: each passes alone, SURG minus W1 is W2 (all 4)
    found, _ = audit_measure_homogeneity(
        data, item, {parts: {("W1", None, None), ("SURG", None, None)}}
    )
    assert found and all(set(f.names) == {"unit:W1", "unit:SURG"} for f in found)
    assert {f.part for f in found} >= {(4,)}
    scale = data.measures["social_safety.respect"]
    cells = {("ICU", None, None), ("ICU", "dem_gender", "1")}
    found, _ = audit_measure_homogeneity(data, scale, {parts: cells})
    assert any(f.part == (5,) and f.counts == (6, 0) for f in found)  # ICU's six men
