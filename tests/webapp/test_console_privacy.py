"""The console's Audit & privacy section: `samen audit` of a closed round run from the page
and read there (passed, and findings when suppression is switched off), the anonymity
settings with their units (responses, writers), each round's retention, and the purge of
expired rounds that asks twice; every route admin-only.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.webapp.test_audit_cli import unsuppressed
from tests.webapp.test_console_people import admin_client, cheap_hasher, console_demo, csrf_token
from tests.webapp.test_research import signed_in

__all__ = ["cheap_hasher", "console_demo"]

DEMO = "hospital-2026"
ROUTES = [
    ("GET", "/console/privacy"),
    ("GET", f"/console/privacy/{DEMO}"),
    ("POST", f"/console/privacy/{DEMO}/audit"),
    ("GET", f"/console/privacy/{DEMO}/purge"),
    ("POST", f"/console/privacy/{DEMO}/purge"),
]


def _on(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """Make ``day`` today for the retention page and the purge."""
    import surveys._common
    import surveys.purge

    monkeypatch.setattr(surveys._common, "today", lambda: day)
    monkeypatch.setattr(surveys.purge, "today", lambda: day)


def _responses(db, wave: str) -> int:
    from surveys.responses import count_responses

    return count_responses(db, DEMO, wave)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_is_for_admins_only(console_demo, monkeypatch, method, path):
    app, db = console_demo
    _on(monkeypatch, dt.date(2028, 1, 1))  # 2025-2 has expired: a purge would delete it
    before = _responses(db, "2025-2")
    visitor = app.test_client()
    token = csrf_token(visitor.get("/auth/login").text)
    data = {"csrf_token": token, "wave": "2026-1", "sure": "y"} if method == "POST" else None
    anonymous = visitor.open(path, method=method, data=data)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location
    for role in ("manager", "researcher"):
        client = signed_in(app, role)
        token = csrf_token(client.get("/auth/password").text)
        data = {"csrf_token": token, "wave": "2026-1", "sure": "y"} if method == "POST" else None
        assert client.open(path, method=method, data=data).status_code == 403, role
    assert _responses(db, "2025-2") == before > 0


def test_the_page_names_each_threshold_with_its_unit_and_links_the_privacy_page(console_demo):
    app, _ = console_demo
    client, _ = admin_client(app)
    listing = client.get("/console/privacy").text
    assert f'href="/console/privacy/{DEMO}"' in listing
    page = client.get(f"/console/privacy/{DEMO}").text
    assert "Every number describes at least 5 responses" in page
    assert 'below that the pages say "fewer than 5"' in page.replace("&#34;", '"')
    assert "at least 10 people (writers) wrote one" in page
    assert "Responses are kept 730 days after their round closes." in page
    assert f'href="/privacy/{DEMO}"' in page
    # only closed rounds can be audited
    options = re.findall(r'<option value="([^"]+)"', page)
    assert options == ["2025-2", "2026-1"]
    assert "No round has passed its retention period" in page


def test_the_audit_runs_and_says_it_passed(console_demo, monkeypatch):
    app, db = console_demo
    import webapp.research.service as service

    # The page's audit is `samen audit hospital-2026 --wave 2026-1` itself: the one call it
    # makes is recorded (an audit of the demo costs ~15 s of CPU; it runs once, not twice).
    real = service.audit_survey
    calls = []

    def recorded(*args, **kwargs):
        calls.append((args, kwargs, real(*args, **kwargs)))
        return calls[-1][2]

    monkeypatch.setattr(service, "audit_survey", recorded)
    client, token = admin_client(app)
    response = client.post(
        f"/console/privacy/{DEMO}/audit", data={"csrf_token": token, "wave": "2026-1"}
    )
    assert response.status_code == 200
    ((args, kwargs, expected),) = calls
    assert args[0].url == db.url and args[1:] == (DEMO, "2026-1") and kwargs == {}
    assert expected.ok
    page = response.text
    assert "Passed: no group smaller than 5 can be derived" in page
    assert f"{expected.views} views over {expected.groups} groups of respondents" in page
    assert f"samen audit {DEMO} --wave 2026-1" in page


def test_the_audit_shows_its_findings(console_demo, monkeypatch):
    app, _ = console_demo
    import webapp.research.service as service

    real = service.audit_survey

    def leaky(db, slug, wave=None, **kwargs):  # what the audit says without suppression
        return real(db, slug, wave, filters=False, cells_of=unsuppressed)

    monkeypatch.setattr(service, "audit_survey", leaky)
    client, token = admin_client(app)
    page = client.post(
        f"/console/privacy/{DEMO}/audit", data={"csrf_token": token, "wave": "2026-1"}
    ).text
    assert re.search(r'class="flash flash-error" role="alert">Found \d+ ways? to derive', page)
    assert "unit:AMBU" in page  # AMBU (4 staff) would be shown on its own


def test_an_open_round_is_not_audited(console_demo):
    app, _ = console_demo
    client, token = admin_client(app)
    response = client.post(
        f"/console/privacy/{DEMO}/audit", data={"csrf_token": token, "wave": "2026-2"}
    )
    assert response.status_code == 400
    assert re.search(r'id="wave-errors">\s*<li>Choose a closed round', response.text)


def test_retention_says_until_when_and_which_rounds_expired(console_demo, monkeypatch):
    app, _ = console_demo
    _on(monkeypatch, dt.date(2028, 1, 1))
    client, _ = admin_client(app)
    page = client.get(f"/console/privacy/{DEMO}").text
    assert "expired on 2027-12-19: may be purged" in page  # closed 2025-12-19, + 730 days
    assert "until 2028-06-16" in page  # 2026-1 closed 2026-06-17
    assert "1 round has passed its retention period." in page
    assert f'href="/console/privacy/{DEMO}/purge"' in page


def test_the_purge_asks_twice_then_deletes_only_the_expired_round(console_demo, monkeypatch):
    app, db = console_demo
    _on(monkeypatch, dt.date(2028, 1, 1))
    kept = _responses(db, "2026-1")
    assert _responses(db, "2025-2") > 0
    client, token = admin_client(app)
    ask = client.get(f"/console/privacy/{DEMO}/purge")  # the button: first question
    assert ask.status_code == 200
    assert "round 2025-2, closed on 2025-12-19" in ask.text and "2026-1" not in ask.text
    unticked = client.post(f"/console/privacy/{DEMO}/purge", data={"csrf_token": token})
    assert unticked.status_code == 400 and "Tick the box to delete the responses." in unticked.text
    assert _responses(db, "2025-2") > 0  # the second question was not answered
    done = client.post(f"/console/privacy/{DEMO}/purge", data={"csrf_token": token, "sure": "y"})
    assert done.status_code == 302
    page = client.get(done.location).text
    assert re.search(r"Purged rounds 2025-2: deleted \d+ responses", page)
    assert "purged on 2028-01-01" in page
    assert _responses(db, "2025-2") == 0 and _responses(db, "2026-1") == kept


def test_nothing_to_purge_is_said(console_demo):
    app, db = console_demo
    client, token = admin_client(app)
    response = client.post(
        f"/console/privacy/{DEMO}/purge", data={"csrf_token": token, "sure": "y"}
    )
    assert response.status_code == 302
    assert "No round of this survey has passed its retention period." in (
        client.get(response.location).text
    )
    assert _responses(db, "2025-2") > 0
