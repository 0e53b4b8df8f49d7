"""Finding your way: each staff role's start page and header links, the 403 page's header,
and the psychometric report as files (HTML on its own, the JSON of `samen analyze`).

On the demo hospital (closed wave 2026-1, open wave 2026-2), staff signed in with the login
form as in tests/webapp/test_research.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.webapp.conftest import staffed_demo_app
from tests.webapp.test_export_cli import CLOSED, DEMO, OPEN
from tests.webapp.test_research import ACCOUNTS, PASSWORD, signed_in

HOMES = {"admin": "/console/", "manager": "/dashboard/", "researcher": "/research/"}


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    yield from staffed_demo_app(tmp_path_factory, sqlite_template, ACCOUNTS, PASSWORD)


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


def _login_location(app, role: str) -> str:
    from tests.webapp.helpers import csrf_token

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    data = {"email": ACCOUNTS[role][0], "password": PASSWORD, "csrf_token": csrf_token(page)}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302
    return response.location


def _nav(html: str) -> list[str]:
    """The hrefs of the header's staff links."""
    nav = re.search(r'<nav class="staff-nav".*?</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_lands_on_its_own_start_page(staff_app, role):
    assert _login_location(staff_app, role) == HOMES[role]


def test_a_researcher_lands_on_the_research_pages_not_a_dashboard(staff_app):
    client = signed_in(staff_app, "researcher")
    page = client.get(HOMES["researcher"], follow_redirects=True)
    assert page.status_code == 200
    assert page.request.path == f"/research/{DEMO}/"
    assert f"/research/{DEMO}/{CLOSED}/report" in page.text


def test_a_next_page_still_wins_over_the_start_page(staff_app):
    from tests.webapp.helpers import csrf_token

    client = staff_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    data = {"email": ACCOUNTS["researcher"][0], "password": PASSWORD}
    data["csrf_token"] = csrf_token(page)
    response = client.post(f"/auth/login?next=/dashboard/{DEMO}/", data=data)
    assert response.location == f"/dashboard/{DEMO}/"


def test_the_owner_overview_links_every_page(staff_app):
    client = signed_in(staff_app, "admin")
    assert client.get("/auth/home").location == "/console/"  # the console is the overview
    page = client.get("/console/")
    assert page.status_code == 200
    text = page.text
    for href in ("/dashboard/", "/research/", "/programmes/", f"/privacy/{DEMO}"):
        assert f'href="{href}"' in text
        assert client.get(href, follow_redirects=True).status_code == 200
    # the audit: the console's Audit & privacy section where it is there, else the command
    assert 'href="/console/privacy"' in text or f"samen audit {DEMO}" in text
    assert _nav(text) == ["/console/", "/dashboard/", "/research/", "/programmes/", "/council/"]
    assert 'href="/console/" aria-current="page"' in text


@pytest.mark.parametrize("role", ["manager", "researcher"])
def test_the_overview_is_the_owners_only(staff_app, role):
    response = signed_in(staff_app, role).get("/auth/home")
    assert response.status_code == 302 and response.location == HOMES[role]


def test_the_overview_asks_to_sign_in(staff_app):
    response = staff_app.test_client().get("/auth/home")
    assert response.status_code == 302 and response.location.startswith("/auth/login")


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("admin", ["/console/", "/dashboard/", "/research/", "/programmes/", "/council/"]),
        ("researcher", ["/dashboard/", "/research/", "/programmes/"]),
        ("manager", []),  # one page only: nothing to choose between
    ],
)
def test_the_header_links_the_pages_of_the_role(staff_app, role, links):
    client = signed_in(staff_app, role)
    page = client.get(f"/dashboard/{DEMO}/", follow_redirects=True)
    assert page.status_code == 200
    assert _nav(page.text) == links
    for href in links:  # every link opens for the role that sees it
        assert client.get(href, follow_redirects=True).status_code == 200
    if role == "manager":
        assert 'href="/research/"' not in page.text


def test_the_header_links_are_in_dutch(staff_app):
    page = signed_in(staff_app, "admin", "nl").get("/console/")
    assert ">Beheer</a>" in page.text and ">Onderzoek</a>" in page.text


def test_the_403_page_has_the_staff_header_and_leads_home(staff_app):
    page = signed_in(staff_app, "manager").get("/research/")
    assert page.status_code == 403
    text = page.text
    assert "account.css" in text  # the staff header's style: one row, as wide as the dashboard
    assert 'class="account-signout"' in text
    assert 'href="/dashboard/">Go to your start page</a>' in text


def test_a_signed_out_404_keeps_the_public_link(staff_app):
    page = staff_app.test_client().get("/research/nope/nope/nope")
    assert page.status_code in (302, 404)
    public = staff_app.test_client().get("/does-not-exist")
    assert public.status_code == 404
    assert "account.css" not in public.text and 'href="/">' in public.text


# --- the report as files ---------------------------------------------------------------


def test_the_report_page_links_both_downloads(staff_app):
    text = signed_in(staff_app, "researcher").get(f"/research/{DEMO}/{CLOSED}/report").text
    assert f'href="/research/{DEMO}/{CLOSED}/report.html" download' in text
    assert f'href="/research/{DEMO}/{CLOSED}/report.json" download' in text


def test_the_html_report_is_one_self_contained_file(staff_app):
    from engine.report.tables import fmt
    from webapp.research.service import wave_report

    response = signed_in(staff_app, "researcher").get(f"/research/{DEMO}/{CLOSED}/report.html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"samen-report-{DEMO}-{CLOSED}.html" in disposition
    text = response.get_data(as_text=True)
    # nothing fetched from the server or anywhere else when the file is opened
    assert "<script" not in text and "<link" not in text and "src=" not in text
    assert "@import" not in text and "url(" not in text
    assert not re.search(r'href="(?!#)', text)
    assert "<style>" in text and "font-family: system-ui" in text  # the CSS inline, unescaped
    # the numbers of the page
    report = wave_report(staff_app.extensions["samen_db"], DEMO, CLOSED)
    scale = report["scales"]["belonging.membership"]
    row = re.search(r"belonging\.membership</span></th>(.*?)</tr>", text, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[:5] == [
        fmt(scale["n_items"]),
        fmt(scale["n"]),
        fmt(scale["mean"], 2),
        fmt(scale["sd"], 2),
        fmt(scale["alpha"]),
    ]
    assert "Factor structure per instrument" in text


def test_the_json_report_is_what_samen_analyze_writes(staff_app):
    from webapp.research.service import report_json, wave_report

    response = signed_in(staff_app, "admin").get(f"/research/{DEMO}/{CLOSED}/report.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert f"samen-report-{DEMO}-{CLOSED}.json" in response.headers["Content-Disposition"]
    from webapp.results.drivers import wave_drivers

    db = staff_app.extensions["samen_db"]
    report = wave_report(db, DEMO, CLOSED)
    # samen analyze's report with the drivers of the wave added (the download's one extra key)
    expected = report_json({**report, "drivers": wave_drivers(db, DEMO, CLOSED)})
    assert response.get_data(as_text=True) == expected
    loaded = json.loads(response.get_data(as_text=True))
    assert loaded["n"] == report["n"] and loaded["survey"] == DEMO and loaded["wave"] == CLOSED
    assert loaded["scales"]["belonging.membership"]["alpha"] == pytest.approx(
        report["scales"]["belonging.membership"]["alpha"]
    )


def test_samen_analyze_writes_json_with_the_same_function(tmp_path):
    """The CLI and the download share :func:`report_json` (indent 2, no NaN, newline)."""
    from webapp.research.service import report_json

    assert report_json({"a": None, "b": [1.5]}) == '{\n  "a": null,\n  "b": [\n    1.5\n  ]\n}\n'
    with pytest.raises(ValueError):
        report_json({"a": float("nan")})


@pytest.mark.parametrize("kind", ["html", "json"])
def test_report_files_follow_the_page_rules(staff_app, kind):
    signed_out = staff_app.test_client().get(f"/research/{DEMO}/{CLOSED}/report.{kind}")
    assert signed_out.status_code == 302
    manager = signed_in(staff_app, "manager").get(f"/research/{DEMO}/{CLOSED}/report.{kind}")
    assert manager.status_code == 403
    researcher = signed_in(staff_app, "researcher")
    held = researcher.get(f"/research/{DEMO}/{OPEN}/report.{kind}")
    assert held.status_code == 409  # an open wave releases nothing, as a file neither
    assert "Content-Disposition" not in held.headers
    assert researcher.get(f"/research/{DEMO}/1999-1/report.{kind}").status_code == 404
    assert researcher.get(f"/research/{DEMO}/{CLOSED}/report.pdf").status_code == 404
