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
from webapp.results.drivers import OUTCOMES, choose_predictors, wave_drivers


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


def test_outcomes_and_predictors(summary_db):  # noqa: F811
    found = wave_drivers(summary_db, HOSPITAL_SLUG, SECOND)
    assert [o["scale"] for o in found["outcomes"]] == [s for _i, s in OUTCOMES]
    ids = [p["id"] for p in found["predictors"]]
    # the climate scales, each on its own but for the two largest instruments (10 and 5
    # scales), which enter as one composite each: 23 climate scales -> 10 predictors <= 12
    assert found["composites"] == ["social_safety", "inclusive_leadership"]
    assert found["max_predictors"] == 12 and len(ids) == 10
    assert ids == [
        "belonging.membership",
        "belonging.affection",
        "authenticity.room",
        "authenticity.value",
        "social_safety",
        "psychological_safety.speaking_up",
        "psychological_safety.mistakes",
        "psychological_safety.asking_help",
        "psychological_safety.risk_taking",
        "inclusive_leadership",
    ]
    assert not any(i.startswith("work_experience") for i in ids)  # outcomes, not climate
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
            # this small wave: with 10 predictors most bootstrap replicates are collinear,
            # and with fewer than half usable there is no interval (never a made-up one)
            assert (lo is None and hi is None) or lo <= d["share"] <= hi


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
    assert "Predictors (10)" in html and "at most 12" in html


def test_choose_predictors_collapses_the_largest_instruments_first():
    groups = [("a", ["1", "2"]), ("b", list("123456")), ("c", ["1"]), ("d", list("12345"))]
    assert choose_predictors(groups, 12) == [
        ("a", ("1", "2")),
        ("b", None),
        ("c", ("1",)),
        ("d", ("1", "2", "3", "4", "5")),
    ]  # 14 -> 9: b (6 scales) alone is enough
    assert [c for _i, c in choose_predictors(groups, 3)] == [None, None, ("1",), None]
    assert choose_predictors(groups, 20) == [(i, tuple(s)) for i, s in groups]


def test_drivers_in_the_api_and_the_report_downloads(summary_db):  # noqa: F811
    import json
    from pathlib import Path

    import yaml

    from surveys.users import add_user
    from tests.webapp.test_api import _check
    from tests.webapp.test_dashboard_summary import login
    from webapp import create_app
    from webapp.config import TestConfig

    add_user(summary_db, "r@example.org", "researcher", "a long enough password")
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": summary_db})
    client = app.test_client()
    login(client, "r@example.org")
    url = f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{SECOND}/drivers"
    answer = client.get(url)
    assert answer.status_code == 200
    found = answer.get_json()
    assert found["survey"] == HOSPITAL_SLUG and found["wave"] == SECOND
    expected = wave_drivers(summary_db, HOSPITAL_SLUG, SECOND)
    assert found["outcomes"] == json.loads(json.dumps(expected["outcomes"]))
    spec = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
    )
    schema = spec["paths"]["/surveys/{survey}/waves/{wave}/drivers"]["get"]["responses"]
    _check(found, schema["200"]["content"]["application/json"]["schema"], spec)
    report = client.get(f"/research/{HOSPITAL_SLUG}/{SECOND}/report.json")
    assert json.loads(report.data)["drivers"]["outcomes"] == found["outcomes"]
    html = client.get(f"/research/{HOSPITAL_SLUG}/{SECOND}/report.html").get_data(as_text=True)
    assert 'id="drivers-h"' in html and "The climate explains" in html
    manager = app.test_client()
    login(manager, "surg@example.org")
    assert manager.get(url).status_code == 403
