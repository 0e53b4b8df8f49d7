"""The equity view (webapp/results/equity.py, /equity/<survey>/<wave>, the API).

k counts responses with a valid scale score. Data: tests/webapp/twowaves.py: in each wave
5 respondents answer gender 3 ("another identity") and lean 1.2 points lower.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from surveys.users import UserInfo
from tests.conftest import HOSPITAL_SLUG
from tests.webapp.twowaves import SECOND, two_closed_waves
from webapp import results
from webapp.results.access import AccessDenied
from webapp.results.data import load_survey
from webapp.results.equity import equity, equity_cells
from webapp.results.equity_release import EQUITY_DEPTH

ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
SURG = UserInfo("surg@example.org", "manager", "SURG", "s-surg")
RESEARCHER = UserInfo("r@example.org", "researcher", None, "s-r")


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def waves_db(hospital_db, monkeypatch):
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    two_closed_waves(hospital_db)
    return hospital_db


def test_only_admins(waves_db):
    for user in (SURG, RESEARCHER):
        with pytest.raises(AccessDenied):
            equity(waves_db, HOSPITAL_SLUG, SECOND, user)


def test_every_question_is_compared_the_filter_question_in_every_unit(waves_db):
    found = equity(waves_db, HOSPITAL_SLUG, SECOND, ADMIN)
    assert all(q["offered"] and q["reason"] is None for q in found["questions"])
    assert [q["question"] for q in found["questions"] if q["filter"]] == ["dem_gender"]
    others = [q for q in found["questions"] if not q["filter"]]
    assert others and all(q["depth"] == EQUITY_DEPTH == 0 for q in others)
    parent = load_survey(waves_db, HOSPITAL_SLUG).parent
    for block in others:  # the organisation only
        assert [u["unit"] for u in block["units"]] == ["HOSP"] and parent["HOSP"] is None
    reasons = {
        gap["reason"]
        for q in found["questions"]
        for u in q["units"]
        for gaps in u["scales"].values()
        for gap in gaps.values()
        if not gap["shown"]
    }
    assert reasons <= {"fewer-than-k", "joint-audit", "complementary", "homogeneous"}
    assert found["k_counts"] == "responses"


def test_another_identity_scores_lower_in_the_organisation(waves_db):
    found = equity(waves_db, HOSPITAL_SLUG, SECOND, ADMIN)
    gender = next(q for q in found["questions"] if q["filter"])
    org = gender["units"][0]
    assert org["unit"] == "HOSP"
    lower = [
        sid
        for sid, gaps in org["scales"].items()
        if gaps["3"]["shown"] and gaps["3"]["excludes_zero"] and gaps["3"]["difference"] < 0
    ]
    assert len(lower) >= 5
    gap = org["scales"][lower[0]]["3"]
    assert gap["n"] >= 5 and gap["rest"]["n"] >= 5
    assert gap["p_holm"] >= gap["p"]
    assert gap["words"].startswith("lower than the rest")


def test_every_shown_gap_is_a_released_filter_cell_with_group_and_rest_at_k(waves_db):
    """What the equity view shows is what the dashboard's filter shows an admin: the group's
    cell, and the unit's cell whose complement the rest is; both at k."""
    found = equity(waves_db, HOSPITAL_SLUG, SECOND, ADMIN)
    cells = equity_cells(found)
    assert cells
    for unit, sid, question, code in cells:
        if question != "dem_gender":
            continue  # the other questions: next test
        filtered = results.unit_results(
            waves_db, HOSPITAL_SLUG, SECOND, unit, ADMIN, filter=f"{question}:{code}"
        )
        whole = results.unit_results(waves_db, HOSPITAL_SLUG, SECOND, unit, ADMIN)
        group, total = filtered["scales"][sid], whole["scales"][sid]
        assert not group["suppressed"] and not total["suppressed"]
        assert group["n"] >= 5 and total["n"] - group["n"] >= 5
    # units with a gap withheld everywhere are not listed (W2: 6 responses)
    units = {u["unit"] for q in found["questions"] for u in q["units"]}
    assert "W2" not in units


def test_other_questions_show_only_jointly_released_cells_at_k(waves_db):
    """A gap of a question other than the filter question is a cell the service releases
    when asked for every demographic question (the joint release that `samen audit`
    audits), with the group and the rest at k; a withheld one says why."""
    from webapp.research.auditing import served_cells
    from webapp.results.data import load_wave

    found = equity(waves_db, HOSPITAL_SLUG, SECOND, ADMIN)
    context = load_survey(waves_db, HOSPITAL_SLUG).at_wave(SECOND)
    data = load_wave(waves_db, context, SECOND)
    questions = tuple(data.matrix.demographic_ids)
    everyone = frozenset(context.parent)
    others = [c for c in equity_cells(found) if c[2] != "dem_gender"]
    assert others  # the age bands, at least, are compared in the organisation
    for unit, sid, question, code in others:
        measure = data.measures[sid]
        assert (unit, question, code) in served_cells(data, measure, everyone, questions)
        inside = measure.valid & data.in_subtree(unit)
        group = int((inside & (data.demographic(question) == float(code))).sum())
        assert group >= 5 and int(inside.sum()) - group >= 5


# --- pages and API ----------------------------------------------------------------------------

PASSWORD = "a long enough password"


@pytest.fixture
def client(waves_db):
    from surveys.users import add_user
    from webapp import create_app
    from webapp.config import TestConfig

    add_user(waves_db, "admin@example.org", "admin", PASSWORD)
    add_user(waves_db, "surg@example.org", "manager", PASSWORD, "SURG")
    add_user(waves_db, "r@example.org", "researcher", PASSWORD)
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": waves_db}).test_client()


def _login(client, email, lang="en"):
    from tests.webapp.test_dashboard_summary import login

    client.get(f"/auth/login?lang={lang}")
    return login(client, email, lang)


def test_equity_page_in_words_for_admins_only(client):
    url = f"/equity/{HOSPITAL_SLUG}/{SECOND}"
    assert "/auth/login" in client.get(url).headers["Location"]
    _login(client, "surg@example.org")
    assert client.get(url).status_code == 403
    assert client.get("/equity/").status_code == 403
    client = client.application.test_client()
    _login(client, "admin@example.org")
    html = client.get(url).get_data(as_text=True)
    assert "People who answered ‘Another identity’ score" in html
    assert "lower on" in html and "95% CI" in html
    assert "Compared in the whole organisation only." in html
    index = client.get("/equity/").get_data(as_text=True)
    assert f'href="/equity/{HOSPITAL_SLUG}/{SECOND}"' in index
    home = client.get("/auth/home", follow_redirects=True).get_data(as_text=True)
    assert 'href="/equity/"' in home  # the owner's start page (the console) links the page
    assert f'href="/dashboard/{HOSPITAL_SLUG}/plans"' in home
    assert client.get(f"/equity/{HOSPITAL_SLUG}/nope").status_code == 404


def test_equity_page_in_dutch(client):
    _login(client, "admin@example.org", lang="nl")
    html = client.get(f"/equity/{HOSPITAL_SLUG}/{SECOND}").get_data(as_text=True)
    assert "Mensen die ‘Anders’ antwoordden scoren" in html
    assert "Gelijkwaardigheid" in html


def test_api_matches_the_service_and_the_openapi_schema(client, waves_db):
    from pathlib import Path

    import yaml

    from tests.webapp.test_api import _check

    spec = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
    )
    _login(client, "admin@example.org")
    cases = {
        f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{SECOND}/equity": (
            "/surveys/{survey}/waves/{wave}/equity",
            equity(waves_db, HOSPITAL_SLUG, SECOND, ADMIN),
        ),
        f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{SECOND}/units/SURG/change": (
            "/surveys/{survey}/waves/{wave}/units/{unit}/change",
            None,
        ),
    }
    for url, (template, expected) in cases.items():
        response = client.get(url)
        assert response.status_code == 200, url
        schema = spec["paths"][template]["get"]["responses"]["200"]["content"]
        _check(response.get_json(), schema["application/json"]["schema"], spec)
        if expected is not None:
            assert response.get_json() == expected
    client = client.application.test_client()
    _login(client, "r@example.org")
    assert client.get(f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{SECOND}/equity").status_code == 403


def test_change_and_equity_add_no_cell_to_the_audited_views(waves_db):
    """Every cell a change or an equity gap rests on is a served cell that `samen audit`
    audits; and the audit of the wave (every demographic question in its atoms) is clean."""
    from webapp.research.audit_comparisons import comparison_cells, unserved_cells

    used = comparison_cells(waves_db, HOSPITAL_SLUG, SECOND)
    assert {u[0] for u in used} == {"change", "equity"}
    assert unserved_cells(waves_db, HOSPITAL_SLUG, SECOND) == []
    from webapp.research.auditing import audit_survey

    found = audit_survey(waves_db, HOSPITAL_SLUG, SECOND)
    assert found.ok, found.lines()
    assert found.comparison_cells == len(used) and not found.comparison_unserved
    assert "change and equity views rest on" in found.summary()


def test_a_cell_outside_the_served_views_would_be_reported(waves_db, monkeypatch):
    from webapp.research import audit_comparisons, auditing

    monkeypatch.setattr(auditing, "served_cells", lambda *args, **kwargs: set())
    missing = audit_comparisons.unserved_cells(waves_db, HOSPITAL_SLUG, SECOND)
    assert missing and {m[0] for m in missing} == {"change", "equity"}
