"""Drivers on the research page (webapp/results/drivers.py, templates/research/_drivers.html).

The LMG itself is checked against R's relaimpo in tests/engine/comparisons/test_drivers.py;
here: which predictors and outcomes, the k rule on complete cases (responses), the page.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import HOSPITAL_SLUG
from tests.webapp.test_plans import summary_db  # noqa: F401  (fixture)
from tests.webapp.twowaves import SECOND
from webapp.results.drivers import OUTCOMES, wave_drivers


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


def test_outcomes_and_predictors(summary_db):  # noqa: F811
    found = wave_drivers(summary_db, HOSPITAL_SLUG, SECOND)
    assert [o["scale"] for o in found["outcomes"]] == [s for _i, s in OUTCOMES]
    ids = [p["id"] for p in found["predictors"]]
    # the climate instruments as one predictor each, the other work-experience scales,
    # never the outcomes or the sensitive unwanted-behaviour module
    assert ids[:5] == [
        "belonging",
        "authenticity",
        "social_safety",
        "psychological_safety",
        "inclusive_leadership",
    ]
    assert "work_experience.appreciation" in ids and "work_experience.workload" in ids
    assert not any("intention_to_stay" in i or "work_pleasure" in i for i in ids)
    assert not any(i.startswith("unwanted") for i in ids)
    for outcome in found["outcomes"]:
        assert outcome["shown"] and outcome["n"] >= found["k"]
        shares = [d["share"] for d in outcome["drivers"].values()]
        assert sum(shares) == pytest.approx(1.0)
        lmgs = [d["lmg"] for d in outcome["drivers"].values()]
        assert sum(lmgs) == pytest.approx(outcome["r2"])
        top = max(outcome["drivers"].values(), key=lambda d: d["lmg"])
        assert top["rank"] == 1
        for d in outcome["drivers"].values():
            lo, hi = d["share_ci"]
            assert lo <= hi


def test_fewer_than_k_complete_cases_gives_no_numbers(summary_db, monkeypatch):  # noqa: F811
    from webapp.results import drivers as module

    monkeypatch.setattr(module, "OUTCOMES", (("work_experience", "work_pleasure"),))
    real = np.column_stack

    def few(columns):  # every predictor missing but for 4 responses (k = 5)
        stacked = real(columns)
        stacked[4:, 0] = np.nan
        return stacked

    monkeypatch.setattr(module.np, "column_stack", few)
    found = module.wave_drivers(summary_db, HOSPITAL_SLUG, SECOND)
    monkeypatch.setattr(module.np, "column_stack", real)
    outcome = found["outcomes"][0]
    assert not outcome["shown"] and outcome["reason"] == "fewer-than-k"
    assert "n" not in outcome and "drivers" not in outcome


def test_research_page_shows_the_drivers_in_words(summary_db):  # noqa: F811
    from tests.webapp.test_dashboard_summary import login
    from webapp import create_app
    from webapp.config import TestConfig

    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": summary_db}).test_client()
    login(client, "admin@example.org")
    html = client.get(f"/research/{HOSPITAL_SLUG}/{SECOND}/report").get_data(as_text=True)
    assert 'id="drivers-h"' in html
    assert "What matters most for intention to stay and work pleasure" in html
    assert "The climate explains" in html and "matters most:" in html
    assert html.count('<table class="report drivers">') == 2
