"""Console, Rounds: open and close a wave with the CLI's services and messages; the
response per unit while open through the results service (below k: "fewer than k
responses", never a count); closing asks first and says what it does.

The hospital survey of tests/webapp/conftest.py (k = 5, units hospital > ward-a, ward-b).
"""

from __future__ import annotations

import re

import pytest

from surveys.waves import current_wave, list_waves
from tests.webapp.conftest import make_survey
from tests.webapp.helpers import csrf_token
from tests.webapp.test_console_access import (
    ROLES,
    assert_refused,
    console_client,
    login_page_token,
)

SLUG = "hospital-2026"


def _answer(db, slug: str, wave: str, unit: str, n: int) -> None:
    """``n`` responses for ``unit`` through the storage service (empty answers)."""
    from surveys.definitions import get_survey
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response

    definition = get_survey(db, slug)
    first = definition.items[0]
    for token in issue_invitations(db, slug, unit, n):
        submit_response(db, token, {first.id: first.response_scale.points[0]}, "en")


def _row(html: str, code: str) -> str:
    found = re.search(rf"<tr[^>]*><th[^>]*>[^<]*<code>{code}</code></th>(.*?)</tr>", html, re.S)
    assert found is not None, code
    return found.group(1)


def test_an_open_wave_shows_fewer_than_k_not_the_count(app, db):
    survey = make_survey(db, tokens=3)  # wave 2026-1 open, 3 links for ward-a
    _answer(db, SLUG, survey.wave, "ward-a", 2)
    client = console_client(app, db, "admin")
    html = client.get(f"/console/rounds/{SLUG}").text
    assert "Round 2026-1 is open" in html
    for code in ("hospital", "ward-a", "ward-b"):
        assert "fewer than 5 responses" in _row(html, code)
    assert not re.search(r">\s*2\s*<", _row(html, "ward-a"))  # never the count
    nl = console_client(app, db, "admin", "nl").get(f"/console/rounds/{SLUG}").text
    assert "minder dan 5 antwoorden" in nl


def test_at_k_the_rate_is_a_band_of_tens_of_percent(app, db):
    survey = make_survey(db, tokens=1)
    _answer(db, SLUG, survey.wave, "ward-a", 6)
    _answer(db, SLUG, survey.wave, "ward-b", 6)
    client = console_client(app, db, "admin")
    html = client.get(f"/console/rounds/{SLUG}").text
    # released while open as the count rounded down to a multiple of k (5), widened to a
    # band covering 5..9 responses: ward-b 5/6..9/6 -> 80%..100%; ward-a (one link unused,
    # 7 invited) 5/7..9/7 -> 70%..100%; hospital 10/13..14/13 -> 70%..100%
    assert "between 80% and 100% of those invited" in _row(html, "ward-b")
    assert "between 70% and 100% of those invited" in _row(html, "ward-a")
    assert "between 70% and 100% of those invited" in _row(html, "hospital")
    assert ">7<" in _row(html, "ward-a")  # links issued: the survey owner's own number


def test_open_a_round_with_the_cli_message_on_refusal(app, db):
    from surveys.definitions import create_survey
    from tests.webapp.conftest import HOSPITAL, _add_units

    _add_units(db)
    create_survey(db, HOSPITAL)
    client = console_client(app, db, "admin")
    page = client.get(f"/console/rounds/{SLUG}").text
    assert "Open a round" in page
    bad = client.post(
        f"/console/rounds/{SLUG}/open", data={"label": "a b", "csrf_token": csrf_token(page)}
    )
    assert bad.status_code == 422
    assert re.search(r'id="label-errors">\s*<li>wave label &#39;a b&#39;: use letters', bad.text)
    assert list_waves(db, SLUG) == []
    good = client.post(
        f"/console/rounds/{SLUG}/open", data={"label": "2026-1", "csrf_token": csrf_token(page)}
    )
    assert good.status_code == 302
    assert current_wave(db, SLUG).label == "2026-1"
    assert "Wave 2026-1 of hospital-2026 is open." in client.get(good.location).text


def test_closing_asks_first_then_closes_and_says_what_it_did(app, db):
    survey = make_survey(db, tokens=1)
    _answer(db, SLUG, survey.wave, "ward-a", 2)
    client = console_client(app, db, "admin")
    ask = client.get(f"/console/rounds/{SLUG}/2026-1/close")
    assert ask.status_code == 200
    for words in ("Closing is final", "random order", "results are released"):
        assert words in ask.text
    assert current_wave(db, SLUG) is not None  # asking changed nothing
    done = client.post(
        f"/console/rounds/{SLUG}/2026-1/close", data={"csrf_token": csrf_token(ask.text)}
    )
    assert done.status_code == 302
    assert current_wave(db, SLUG) is None
    page = client.get(done.location).text
    assert "Wave 2026-1 of hospital-2026 is closed." in page
    assert "rewritten in random order" in page
    # closing twice: the CLI's message
    again = client.get(f"/console/rounds/{SLUG}/2026-1/close")
    assert again.status_code == 404


def test_close_without_csrf_is_refused(app, db):
    make_survey(db, tokens=1)
    client = console_client(app, db, "admin")
    assert client.post(f"/console/rounds/{SLUG}/2026-1/close").status_code == 400
    assert current_wave(db, SLUG) is not None


@pytest.mark.parametrize("role", ROLES[:3])
def test_every_rounds_route_refuses_everyone_but_the_admin(app, db, role):
    make_survey(db, tokens=1)
    client = console_client(app, db, role)
    for url in (
        "/console/rounds",
        f"/console/rounds/{SLUG}",
        f"/console/rounds/{SLUG}/2026-1/close",
    ):
        assert_refused(client.get(url), role)
    token = login_page_token(client)
    for url, data in (
        (f"/console/rounds/{SLUG}/open", {"label": "2026-2"}),
        (f"/console/rounds/{SLUG}/2026-1/close", {}),
    ):
        assert_refused(client.post(url, data={"csrf_token": token, **data}), role)
    assert current_wave(db, SLUG).label == "2026-1"
