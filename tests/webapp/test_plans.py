"""Action plans: the form round-trip (CSRF, messages next to the field), who sees what, and
the next round's summary showing each focus point's change (surveys/plans.py,
webapp/dashboard/plan_routes.py). Data: tests/webapp/twowaves.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from surveys.errors import InputError
from surveys.plans import FocusPoint, get_plan, list_plans, save_plan
from tests.conftest import HOSPITAL_SLUG
from tests.webapp.helpers import csrf_token
from tests.webapp.test_dashboard_summary import login
from tests.webapp.twowaves import FIRST, SECOND

PLAN_URL = f"/dashboard/{HOSPITAL_SLUG}/{FIRST}/SURG/plan"
ACTION = "Every Monday stand-up: one colleague tells what they need"


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def summary_db(hospital_db, monkeypatch):
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from surveys import users as users_module
    from surveys.users import add_user
    from tests.webapp.twowaves import two_closed_waves

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    two_closed_waves(hospital_db)
    for email, role, unit in [
        ("surg@example.org", "manager", "SURG"),
        ("admin@example.org", "admin", None),
    ]:
        add_user(hospital_db, email, role, "a long enough password", unit)
    return hospital_db


@pytest.fixture
def client(summary_db):
    from surveys.users import add_user
    from webapp import create_app
    from webapp.config import TestConfig

    add_user(summary_db, "icu@example.org", "manager", "a long enough password", "ICU")
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": summary_db}).test_client()


def _form(client, **fields):
    token = csrf_token(client.get(PLAN_URL).get_data(as_text=True))
    data = {"csrf_token": token}
    data.update(fields)
    return client.post(PLAN_URL, data=data)


def test_service_validates_and_replaces(summary_db):
    point = FocusPoint("scale", "belonging.membership", "talk", "team leader", dt.date(2026, 9, 1))
    with pytest.raises(InputError) as caught:
        save_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG", [point] * 4, False)
    assert "1 to 3 focus points" in "\n".join(caught.value.problems)
    refs = {"scale": {"belonging.membership"}, "item": set()}
    bad = FocusPoint("scale", "nope", "talk", "team leader", dt.date(2026, 9, 1))
    with pytest.raises(InputError):
        save_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG", [bad], False, refs)
    save_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG", [point], False, refs)
    save_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG", [point], True, refs)
    found = get_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG")
    assert found.shared and [p.ref for p in found.points] == ["belonging.membership"]
    assert [(p.unit, p.shared) for p in list_plans(summary_db, HOSPITAL_SLUG)] == [("SURG", True)]


def test_form_round_trip_and_messages_next_to_the_field(client, summary_db):
    login(client, "surg@example.org")
    page = client.get(PLAN_URL).get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Focus point 3" in page
    # no CSRF token: refused
    assert (
        client.post(PLAN_URL, data={"focus-0-ref": "scale:belonging.membership"}).status_code
        == 400
    )
    # a focus point without action, role or date: three messages, nothing stored
    bad = _form(client, **{"focus-0-ref": "scale:belonging.membership"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Write down what the team agreed to do." in html
    assert "Name the role that takes it up." in html and "Give a date." in html
    assert re.search(r'id="focus-0-action-errors"', html)
    assert get_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG") is None
    # nothing chosen at all
    assert "Choose at least one focus point." in _form(client).get_data(as_text=True)
    saved = _form(
        client,
        **{
            "focus-0-ref": "scale:belonging.membership",
            "focus-0-action": ACTION,
            "focus-0-owner_role": "team leader",
            "focus-0-due_on": "2026-09-01",
            "focus-1-ref": "item:bel_mem_1",
            "focus-1-action": "Welcome new colleagues together",
            "focus-1-owner_role": "two nurses",
            "focus-1-due_on": "2026-10-01",
        },
    )
    assert saved.status_code == 302 and "saved=1" in saved.headers["Location"]
    plan = get_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG")
    assert [(p.kind, p.ref) for p in plan.points] == [
        ("scale", "belonging.membership"),
        ("item", "bel_mem_1"),
    ]
    assert not plan.shared
    assert ACTION in client.get(PLAN_URL).get_data(as_text=True)  # the form shows the plan


def test_next_round_summary_shows_the_focus_points_change(client, summary_db):
    point = FocusPoint("scale", "belonging.membership", ACTION, "team leader", dt.date(2026, 9, 1))
    item = FocusPoint("item", "bel_mem_1", "welcome", "two nurses", dt.date(2026, 9, 1))
    save_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG", [point, item], False)
    login(client, "surg@example.org")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG").get_data(as_text=True)
    block = html[
        html.index('<section class="summary"') : html.index(
            "</section>", html.index('<section class="summary"')
        )
    ]
    focus_rows = re.findall(r'<tr class="focus[^"]*">(.*?)</tr>', block, re.S)
    assert len(focus_rows) == 2
    assert "Group membership" in focus_rows[0] and "focus point" in focus_rows[0]
    assert "In my team, I am seen as one of us." in focus_rows[1]
    assert "change-up" in focus_rows[0]  # W1's lean: the focus scale rose
    assert f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG/plan" in block  # this round's plan


def test_who_sees_what(client, summary_db):
    point = FocusPoint("scale", "belonging.membership", ACTION, "team leader", dt.date(2026, 9, 1))
    save_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG", [point], False)
    login(client, "icu@example.org")
    assert client.get(PLAN_URL).status_code == 403  # another unit's plan
    assert client.get(f"/dashboard/{HOSPITAL_SLUG}/plans").status_code == 403
    admin = client.application.test_client()
    login(admin, "admin@example.org")
    assert admin.get(PLAN_URL).status_code == 403  # the team's notes: the manager writes them
    listing = admin.get(f"/dashboard/{HOSPITAL_SLUG}/plans").get_data(as_text=True)
    assert "Surgery" in listing and "not shared" in listing and ACTION not in listing
    save_plan(summary_db, HOSPITAL_SLUG, FIRST, "SURG", [point], True)
    listing = admin.get(f"/dashboard/{HOSPITAL_SLUG}/plans").get_data(as_text=True)
    assert ACTION in listing and "team leader" in listing
