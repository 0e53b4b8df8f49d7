"""The dashboard's one-screen summary: scores, change since the previous closed wave,
parent and organisation (webapp/dashboard/view_summary.py, templates/dashboard/_summary.html).

Data: tests/webapp/twowaves.py (two closed waves; W1 leans 1.5 points higher in 2026-2).
"""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.conftest import HOSPITAL_SLUG
from tests.webapp.helpers import csrf_token
from tests.webapp.twowaves import FIRST, SECOND, two_closed_waves
from webapp import create_app
from webapp.config import TestConfig

PASSWORD = "a long enough password"


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def summary_db(hospital_db, monkeypatch):
    from surveys.users import add_user

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    two_closed_waves(hospital_db)
    add_user(hospital_db, "surg@example.org", "manager", PASSWORD, "SURG")
    add_user(hospital_db, "w2@example.org", "manager", PASSWORD, "W2")
    add_user(hospital_db, "admin@example.org", "admin", PASSWORD)
    return hospital_db


@pytest.fixture
def client(summary_db):
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": summary_db}).test_client()


def login(client, email, lang="en"):
    page = client.get(f"/auth/login?lang={lang}")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def _summary(html: str) -> str:
    start = html.index('<section class="summary"')
    return html[start : html.index("</section>", start)]


def test_summary_opens_the_page_with_marked_changes(client):
    login(client, "surg@example.org")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG").get_data(as_text=True)
    block = _summary(html)
    assert html.index('<section class="summary"') < html.index('id="response-h"')
    assert f"since wave {FIRST}" in block
    assert block.count('class="change-up"') >= 10  # the lean of W1
    assert 'class="change-down"' not in block
    assert "▲" in block and "95% CI" in block
    # the parent column (City Hospital is the organisation: one column, not two)
    assert "Organisation" in block


def test_no_change_where_the_earlier_wave_was_below_k(client):
    login(client, "w2@example.org")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/W2").get_data(as_text=True)
    block = _summary(html)
    assert "▲ <" not in block and "▼ <" not in block
    assert f"in {FIRST}" in block  # "fewer than 5 in 2026-1"
    assert not re.search(r"[+\u2212]\d\.\d\d", block)


def test_first_wave_says_there_is_nothing_to_compare_with(client):
    login(client, "surg@example.org")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{FIRST}/SURG").get_data(as_text=True)
    assert "no earlier closed wave" in _summary(html)


def test_summary_in_dutch(client):
    login(client, "surg@example.org", lang="nl")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG").get_data(as_text=True)
    block = _summary(html)
    assert "Samenvatting" in block and "Verandering sinds" in block and "sinds ronde" in block


def test_filtered_page_has_no_summary(client):
    login(client, "admin@example.org")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/HOSP?filter=dem_gender:1")
    assert '<section class="summary"' not in html.get_data(as_text=True)


def test_columns_are_balanced_and_keep_the_order():
    from webapp.dashboard.view_summary import _balanced

    groups = [{"title": t, "rows": [0] * n} for t, n in [("a", 2), ("b", 2), ("c", 10), ("d", 4)]]
    groups += [{"title": t, "rows": [0] * n} for t, n in [("e", 5), ("f", 4)]]
    left, right = _balanced(groups)
    assert [g["title"] for g in left + right] == list("abcdef")
    height = [sum(len(g["rows"]) + 1 for g in column) for column in (left, right)]
    assert abs(height[0] - height[1]) <= 5  # 17 and 16 rows for the hospital survey
    assert _balanced(groups[:1]) == [groups[:1]]
