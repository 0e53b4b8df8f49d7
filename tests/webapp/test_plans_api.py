"""Action plans in the API and the CLI (webapp/results/plans.py, webapp/api/plans.py,
`samen plan list`): the manager reads and writes their unit's plan; the survey owner sees
which units have one, and its text only when shared. Data: tests/webapp/twowaves.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import HOSPITAL_SLUG
from tests.webapp.test_plans import summary_db  # noqa: F401  (fixture)
from tests.webapp.twowaves import FIRST

URL = f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{FIRST}/units/SURG/plan"
LIST = f"/api/v1/surveys/{HOSPITAL_SLUG}/plans"
SECRET = "Every Monday stand-up: one colleague tells what they need"
POINT = {
    "kind": "scale",
    "ref": "belonging.membership",
    "action": SECRET,
    "owner_role": "team leader",
    "due_on": "2026-09-01",
}


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def tokens(summary_db):  # noqa: F811
    from surveys.users import add_user, issue_api_token

    add_user(summary_db, "icu@example.org", "manager", "a long enough password", "ICU")
    return {
        email: issue_api_token(summary_db, email)
        for email in ("surg@example.org", "icu@example.org", "admin@example.org")
    }


@pytest.fixture
def client(summary_db):  # noqa: F811
    from webapp import create_app
    from webapp.config import TestConfig

    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": summary_db}).test_client()


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _spec() -> dict:
    path = Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml"
    return yaml.safe_load(path.read_text("utf-8"))


def _schema(spec: dict, path: str, method: str) -> dict:
    responses = spec["paths"][path][method]["responses"]
    return responses["200"]["content"]["application/json"]["schema"]


def test_manager_writes_and_reads_the_plan(client, tokens):
    from tests.webapp.test_api import _check

    surg = _as(tokens["surg@example.org"])
    empty = client.get(URL, headers=surg)
    assert empty.status_code == 200 and empty.get_json()["plan"] is None
    saved = client.put(URL, json={"shared": False, "points": [POINT]}, headers=surg)
    assert saved.status_code == 200, saved.get_json()
    found = client.get(URL, headers=surg).get_json()
    assert found["plan"] == {"shared": False, "points": [POINT]}
    spec = _spec()
    path = "/surveys/{survey}/waves/{wave}/units/{unit}/plan"
    _check(found, _schema(spec, path, "get"), spec)
    _check(saved.get_json(), _schema(spec, path, "put"), spec)


def test_a_bad_plan_is_400_naming_the_problem(client, tokens):
    surg = _as(tokens["surg@example.org"])
    bad = dict(POINT, ref="nope")
    answer = client.put(URL, json={"points": [bad]}, headers=surg)
    assert answer.status_code == 400 and "'nope' is not a scale" in answer.get_json()["message"]
    assert client.put(URL, json={"points": []}, headers=surg).status_code == 400
    assert client.put(URL, data="not json", headers=surg).status_code == 400
    undated = dict(POINT, due_on="soon")
    assert client.put(URL, json={"points": [undated]}, headers=surg).status_code == 400


def test_only_the_unit_s_manager(client, tokens):
    for email in ("icu@example.org", "admin@example.org"):
        headers = _as(tokens[email])
        assert client.get(URL, headers=headers).status_code == 403
        put = client.put(URL, json={"points": [POINT]}, headers=headers)
        assert put.status_code == 403


def test_a_cookie_session_needs_the_csrf_token(client):
    from tests.webapp.test_dashboard_summary import login

    login(client, "surg@example.org")
    assert client.put(URL, json={"points": [POINT]}).status_code == 400  # no X-CSRFToken


def test_the_owner_sees_the_text_only_when_shared(client, tokens, summary_db):  # noqa: F811
    from tests.webapp.test_api import _check
    from webapp.cli import cli

    surg = _as(tokens["surg@example.org"])
    admin = _as(tokens["admin@example.org"])
    client.put(URL, json={"shared": False, "points": [POINT]}, headers=surg)
    listing = client.get(LIST, headers=admin).get_json()
    spec = _spec()
    _check(listing, _schema(spec, "/surveys/{survey}/plans", "get"), spec)
    [row] = listing["plans"]
    assert row["unit"] == "SURG" and row["wave"] == FIRST
    assert row["shared"] is False and row["points"] is None
    assert SECRET not in str(listing)
    assert client.get(LIST, headers=surg).status_code == 403

    runner = CliRunner(env={"SAMEN_DATABASE_URL": summary_db.url})
    out = runner.invoke(cli, ["plan", "list", HOSPITAL_SLUG])
    assert out.exit_code == 0, out.output
    assert "SURG" in out.output and "not shared" in out.output and SECRET not in out.output

    client.put(URL, json={"shared": True, "points": [POINT]}, headers=surg)
    [row] = client.get(LIST, headers=admin).get_json()["plans"]
    assert row["shared"] is True and row["points"] == [POINT]
    out = runner.invoke(cli, ["plan", "list", HOSPITAL_SLUG])
    assert SECRET in out.output and "belonging.membership" in out.output


def test_plan_list_without_plans(summary_db):  # noqa: F811
    from webapp.cli import cli

    runner = CliRunner(env={"SAMEN_DATABASE_URL": summary_db.url})
    out = runner.invoke(cli, ["plan", "list", HOSPITAL_SLUG])
    assert out.exit_code == 0 and "No unit of" in out.output
    assert runner.invoke(cli, ["plan", "list", "nope"]).exit_code == 2
