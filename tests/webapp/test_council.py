"""The works-council role: the profile, the audit result and response progress at k, and
nothing else (issue 13). The matrix of tests/webapp/test_access_matrix.py, asked as a
council member: every route the other roles have a rule for.

Expected for ``council``: its own pages (``council.*``) 200; a page everyone may open
(anonymous 200) 200 as well; the API's "who am I" 200; every other staff page or API route
refused (403, or 302 to its home page, never data); respondent pages as for any staff
member without a respondent session (the anonymous status, 400 "session ended").
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import HOSPITAL_SLUG as S
from tests.conftest import HOSPITAL_WAVE as W
from tests.webapp.test_access_matrix import (  # noqa: F401  (fixtures)
    LOGIN,
    PASSWORD,
    RULES,
    STAFF,
    _ask,
    _client,
    cheap_hasher,
    matrix_app,
)

COUNCIL = ("council@example.org", "council", None)
#: Council cells that differ from the rule below (anonymous LOGIN/401 -> 403).
SPECIAL: dict[tuple[str, str], int | str] = {
    ("api.me", "GET"): 200,
    ("auth.home", "GET"): 302,  # to the council's own start page
    ("dashboard.index", "GET"): 302,
    ("dashboard.survey", "GET"): 302,
    ("auth.logout", "POST"): LOGIN,  # signed out: back to the sign-in page
    ("auth.password", "GET"): 200,  # their own password, like every staff account
    ("auth.password", "POST"): 400,  # (the form's fields missing)
    ("api.leader_view", "GET"): 404,  # no leader view of theirs: nothing to see
}


def expected(endpoint: str, method: str, anonymous: int | str) -> int | str:
    if endpoint.startswith("council.") and method == "GET":
        return 200
    if (endpoint, method) in SPECIAL:
        return SPECIAL[(endpoint, method)]
    if anonymous in (LOGIN, 401):
        return 403
    return anonymous


@pytest.fixture
def council_app(matrix_app, hospital_db):  # noqa: F811
    from surveys.users import add_user

    add_user(hospital_db, COUNCIL[0], COUNCIL[1], PASSWORD)
    return matrix_app


def _council(app: Any) -> Any:
    STAFF["council"] = COUNCIL
    try:
        return _client(app, "council")
    finally:
        del STAFF["council"]


def test_the_council_matrix_holds(council_app):
    client = _council(council_app)
    wrong = []
    for endpoint, rule in RULES.items():
        for method, statuses in rule.methods.items():
            got = _ask(client, method, rule.url)
            want = expected(endpoint, method, statuses["anonymous"])
            if got != want:
                wrong.append(f"{endpoint} {method} {rule.url}: {got}, expected {want}")
            if method != "GET" and endpoint.startswith("auth."):
                client = _council(council_app)  # it may have signed out
    assert not wrong, "\n".join(wrong)


def test_the_dashboard_redirect_leads_to_no_data(council_app):
    client = _council(council_app)
    page = client.get("/dashboard/", follow_redirects=True)
    assert page.status_code == 403


def test_the_profile_page_shows_the_settings_and_the_consent(council_app, hospital_db):
    from surveys.consent import give_consent
    from surveys.survey_store import get_survey

    definition = get_survey(hospital_db, S)
    client = _council(council_app)
    before = client.get(f"/council/{S}/profile").text
    assert "Not agreed yet" in before and f"samen survey consent {S}" in before
    assert f"{definition.k} responses behind every number shown" in before
    assert f"{definition.comment_threshold} writers (people who wrote a comment)" in before
    assert "fewer than 2 respondents gave another answer" in before
    assert 'href="/council/static/council.css?v=' in before  # the print CSS
    give_consent(hospital_db, S, "OR, 2026-12-01", audit="checked 12 views: no group")
    after = client.get(f"/council/{S}/profile").text
    assert "Agreed by OR on 2026-12-01." in after and "checked 12 views: no group" in after
    nl = client.get(f"/council/{S}/profile", headers={"Accept-Language": "nl"}).text
    assert "Ingestemd door OR op 2026-12-01." in nl


def test_progress_shows_counts_at_k_only(council_app, hospital_db):
    """The hospital fixture's wave: W1 answered below k is withheld, no results anywhere."""
    client = _council(council_app)
    page = client.get(f"/council/{S}/progress")
    assert page.status_code == 200
    assert f"round {W}" in page.text
    assert "Responses per unit" in page.text
    assert "mean" not in page.text.lower() and "favourable" not in page.text.lower()


def test_the_privacy_page_shows_the_consent_date(council_app, hospital_db):
    from surveys.consent import give_consent

    client = council_app.test_client()
    before = client.get(f"/privacy/{S}", headers={"Accept-Language": "en"}).text
    assert "No agreement of the works council recorded" in before
    give_consent(hospital_db, S, "OR, 2026-12-01")
    after = client.get(f"/privacy/{S}", headers={"Accept-Language": "en"}).text
    assert "The works council (OR) agreed to these privacy settings on 2026-12-01" in after
    nl = client.get(f"/privacy/{S}", headers={"Accept-Language": "nl"}).text
    assert "De ondernemingsraad (OR) stemde op 2026-12-01 in" in nl


def test_the_profile_prints_with_a_signature_block_in_both_languages(council_app, hospital_db):
    """The print stylesheet is linked and hides the header; the signature block is there
    in English and Dutch, with lines for both parties."""
    from pathlib import Path

    client = _council(council_app)
    en = client.get(f"/council/{S}/profile", headers={"Accept-Language": "en"}).text
    nl = client.get(f"/council/{S}/profile", headers={"Accept-Language": "nl"}).text
    for page in (en, nl):
        assert 'href="/council/static/council.css?v=' in page
        assert 'class="signatures"' in page and page.count('class="signature"') == 2
    assert "Signatures" in en and "For the works council" in en and "Signature</p>" in en
    assert "Handtekeningen" in nl and "Namens de ondernemingsraad" in nl
    assert "Namens de werkgever (beheerder)" in nl and "Handtekening</p>" in nl
    assert "Too uniform to show" in en and "Te eensgezind om te tonen" in nl
    css = (Path(__file__).resolve().parents[2] / "webapp/council/static/council.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert "size: A4" in print_rules and "header, footer, nav" in print_rules
    assert ".signatures { break-inside: avoid" in print_rules


def test_a_wave_closed_after_the_consent_is_named(council_app, hospital_db):
    """The consent's audit covered no wave; 2026-1 closed later: the page says so, and
    offers the admin (not the council) to run the audit again."""
    from surveys.consent import give_consent
    from surveys.waves import close_wave

    give_consent(hospital_db, S, "OR, 2026-12-01", audit="checked 0 views (waves: none; x)")
    client = _council(council_app)
    assert "The data changed since this audit" not in client.get(f"/council/{S}/profile").text
    close_wave(hospital_db, S, W)
    page = client.get(f"/council/{S}/profile", headers={"Accept-Language": "en"}).text
    assert "The data changed since this audit" in page and f"{W} (closed on" in page
    assert "Ask the survey owner to run the audit again" in page
    assert "/console/privacy/" not in page
    nl = client.get(f"/council/{S}/profile", headers={"Accept-Language": "nl"}).text
    assert "De gegevens zijn veranderd sinds deze audit" in nl
    admin = _client(council_app, "admin")
    page = admin.get(f"/council/{S}/profile", headers={"Accept-Language": "en"}).text
    assert f"/console/privacy/{S}" in page and "Run the audit again" in page


def test_the_profile_shows_the_latest_stored_audit_run(council_app, hospital_db):
    """Beside the consent's audit: the latest run stored (when, by whom, its summary)."""
    from surveys.audit_runs import record_run
    from surveys.consent import give_consent

    give_consent(hospital_db, S, "OR, 2026-12-01", audit="checked 12 views: no group")
    client = _council(council_app)
    page = client.get(f"/council/{S}/profile").text
    assert "Latest audit run:" in page and "none stored yet" in page
    record_run(hospital_db, S, by="owner@example.org", ok=True, summary="checked 3 views: old")
    run = record_run(hospital_db, S, by="command line", ok=False, summary="checked 9 views: 1 f")
    en = client.get(f"/council/{S}/profile", headers={"Accept-Language": "en"}).text
    nl = client.get(f"/council/{S}/profile", headers={"Accept-Language": "nl"}).text
    assert "checked 9 views: 1 f" in en and "checked 3 views: old" not in en
    assert "checked 12 views: no group" in en  # the consent's own audit stays
    when = f"{run.at.date().isoformat()} at {run.at.strftime('%H:%M')} UTC by the command line"
    assert when in en and "it found groups smaller than the minimum group size" in en
    assert "Laatst uitgevoerde onthullingscontrole:" in nl and "door de opdrachtregel" in nl
    assert "kleiner zijn dan de minimale groepsgrootte" in nl
