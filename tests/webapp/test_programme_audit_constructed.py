"""A constructed organisation where a programme evaluation that applies k to the unit but
not to the unit *in each wave* would give away a group below k (webapp/results/programme.py,
webapp/research/audit_programmes.py).

ORG > D1 > T1, T2, T3 and ORG > D2 > T4, T5; k = 5 responses. Before (2026-1) team T1 has 3
responses, after (2026-2) 6; T2 has 12 in both, the other teams 6. The programme's teams are
T1 and T2. The tables hide T1 before (3 < k) and, so that D1 minus its shown teams does not
give T1 away, its smallest sibling T3 too. A rule that admits a unit with k responses in the
wave after only puts T1 on the programme side before: "programme teams before" minus T2's
shown cell is T1's 3 responses. `samen audit` finds exactly that; the shipped rule (a unit's
cell released in both waves) leaves T1 out and the audit finds nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.twowaves import _answers

UNITS = """unit_id,parent_id,name,manager_email
ORG,,Organisation,
D1,ORG,Department 1,
T1,D1,Team 1,
T2,D1,Team 2,
T3,D1,Team 3,
D2,ORG,Department 2,
T4,D2,Team 4,
T5,D2,Team 5,
"""
BEFORE, AFTER = HOSPITAL_WAVE, "2026-2"
COUNTS = {
    BEFORE: {"T1": 3, "T2": 12, "T3": 6, "T4": 6, "T5": 6},
    AFTER: {"T1": 6, "T2": 12, "T3": 6, "T4": 6, "T5": 6},
}


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def organisation(db, tmp_path):
    from pathlib import Path

    from surveys.invitations import issue_invitations
    from surveys.org import import_units
    from surveys.programmes import add_programme, units_given
    from surveys.responses import submit_response
    from surveys.survey_store import create_survey, get_survey
    from surveys.waves import close_wave, open_wave

    csv_path = tmp_path / "units.csv"
    csv_path.write_text(UNITS, encoding="utf-8")
    import_units(db, csv_path)
    root = Path(__file__).resolve().parents[2]
    create_survey(db, root / "surveys" / "examples" / "hospital.yaml")
    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(3)
    for wave, counts in COUNTS.items():
        open_wave(db, HOSPITAL_SLUG, wave)
        for unit, count in counts.items():
            for i, token in enumerate(issue_invitations(db, HOSPITAL_SLUG, unit, count)):
                answers = _answers(definition, rng, 0.0)
                submit_response(db, token, answers, "nl", {"dem_gender": 1 + i % 2})
        close_wave(db, HOSPITAL_SLUG, wave)
    add_programme(
        db,
        HOSPITAL_SLUG,
        "Inclusive leadership",
        cohort="2026",
        before=BEFORE,
        after=AFTER,
        units=units_given(("T1", "T2")),
    )
    return db


def _k_for_the_unit_only(before, after, measure_id, units):
    """The leaky rule: a unit is used when it holds k responses in the wave *after*."""
    from webapp.results import programme

    first = programme._candidates(before, units)
    second = programme._candidates(after, units)
    measure = after.measures[measure_id]
    used = {
        side: tuple(
            sorted(
                u
                for u in first[side] & second[side]
                if programme._valid_n(after, measure, u) >= after.survey.definition.k
            )
        )
        for side in programme.SIDES
    }
    return programme.Clusters(used, dict.fromkeys(programme.SIDES, 0))


def test_the_leaky_rule_is_caught_and_the_shipped_rule_withholds_t1(organisation, monkeypatch):
    from webapp.research.auditing import audit_survey
    from webapp.results import programme
    from webapp.results.data import load_survey, load_wave

    context = load_survey(organisation, HOSPITAL_SLUG)
    before = load_wave(organisation, context.at_wave(BEFORE), BEFORE)
    after = load_wave(organisation, context.at_wave(AFTER), AFTER)
    scale = programme.evaluated_scales(before)[0].id
    shipped = programme.clusters(before, after, scale, ("T1", "T2"))
    assert "T1" not in shipped.used["programme"]  # hidden before: left out
    leaky = _k_for_the_unit_only(before, after, scale, ("T1", "T2"))
    assert leaky.used["programme"] == ("T1", "T2")

    found = audit_survey(organisation, HOSPITAL_SLUG, BEFORE, filters=False)
    assert found.ok, found.lines()[:3]

    monkeypatch.setattr(programme, "clusters", _k_for_the_unit_only)
    leaked = audit_survey(organisation, HOSPITAL_SLUG, BEFORE, filters=False)
    assert not leaked.ok
    assert leaked.programme_views > 0
    lines = leaked.lines()
    hit = [line for line in lines if "programme:" in line and "group of 3" in line]
    assert hit, lines[:5]
    assert "unit:T2" in hit[0]
