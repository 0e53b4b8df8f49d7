"""Research pages: who may see them, the report page per wave, the export download.

On the demo hospital (built once per session, copied per module): a closed wave 2026-1 and
an open wave 2026-2; staff signed in with the login form (CSRF round trip).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.webapp.helpers import csrf_token
from tests.webapp.test_export_cli import CLOSED, DEMO, OPEN, assert_k_anonymous, demo_copy
from webapp import create_app
from webapp.config import TestConfig

PASSWORD = "a long enough password"
ACCOUNTS = {
    "admin": ("admin@example.org", None),
    "researcher": ("research@example.org", None),
    "manager": ("chirb@example.org", "CHIR-B"),
}
URLS = [
    "/research/",
    f"/research/{DEMO}/",
    f"/research/{DEMO}/{CLOSED}/report",
]


@pytest.fixture(scope="module")
def research_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    from surveys.db import Database
    from surveys.users import add_user

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    hasher = users_module.HASHER
    users_module.HASHER = PasswordHasher.from_parameters(CHEAPEST)
    try:
        for role, (email, unit) in ACCOUNTS.items():
            add_user(database, email, role, PASSWORD, unit_code=unit)
    finally:
        users_module.HASHER = hasher
    yield create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    database.dispose()


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


def signed_in(app, role: str, language: str = "en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get("/auth/login").get_data(as_text=True)
    email = ACCOUNTS[role][0]
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    assert client.post("/auth/login", data=data).status_code == 302
    return client


@pytest.mark.parametrize("url", URLS)
def test_signed_out_visitors_are_sent_to_sign_in(research_app, url):
    response = research_app.test_client().get(url)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")


@pytest.mark.parametrize("url", URLS)
def test_managers_are_refused(research_app, url):
    assert signed_in(research_app, "manager").get(url).status_code == 403


@pytest.mark.parametrize("role", ["admin", "researcher"])
def test_researchers_and_admins_see_the_survey(research_app, role):
    client = signed_in(research_app, role)
    assert client.get("/research/").location.endswith(f"/research/{DEMO}/")
    page = client.get(f"/research/{DEMO}/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/research/{DEMO}/{CLOSED}/report"' in text
    assert f"/research/{DEMO}/{OPEN}/report" not in text  # open: no report yet
    # only closed waves can be exported
    assert f'<option selected value="{CLOSED}">' in text or f'value="{CLOSED}"' in text
    assert f'value="{OPEN}"' not in text


def test_unknown_survey_and_wave_are_404(research_app):
    client = signed_in(research_app, "researcher")
    assert client.get("/research/nope/").status_code == 404
    assert client.get(f"/research/{DEMO}/1999-1/report").status_code == 404


def test_report_page_shows_the_engine_report(research_app):
    from engine.report_tables import fmt, fmt_ci
    from surveys.responses import load_answers
    from webapp.research_service import wave_report

    client = signed_in(research_app, "researcher")
    page = client.get(f"/research/{DEMO}/{CLOSED}/report")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    report = wave_report(research_app.extensions["samen_db"], DEMO, CLOSED)
    scale = report["scales"]["belonging.membership"]
    row = re.search(r"belonging\.membership</span></th>(.*?)</tr>", text, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[:10] == [
        fmt(scale["n_items"]),
        fmt(scale["n"]),
        fmt(scale["mean"], 2),
        fmt(scale["sd"], 2),
        fmt(scale["alpha"]),
        fmt_ci(scale["alpha_ci"]),
        fmt(scale["std_alpha"]),
        fmt(scale["omega_total"]),
        fmt(scale["ordinal_alpha"]),
        fmt(scale["icc1"]),
    ]
    assert scale["alpha"] is not None and scale["icc1"] is not None
    for heading in ("Reliability", "Items", "Factor structure", "EFA loadings", "CFI", "SRMR"):
        assert heading in text
    # aggregation statistics only over units of at least k responses
    stored = load_answers(research_app.extensions["samen_db"], DEMO, CLOSED)
    units = pd.Series(stored.unit_codes).value_counts()
    assert report["group"]["n_groups"] == int((units >= 5).sum())
    assert report["group"]["n_missing"] == int(units[units < 5].sum()) > 0
    # ... without saying how many responses the small units hold (it may be fewer than k)
    assert "at least 5 responses; smaller units are left out" in text
    assert f" {report['group']['n_missing']} responses" not in text


def test_report_page_in_dutch(research_app):
    client = signed_in(research_app, "admin", language="nl")
    text = client.get(f"/research/{DEMO}/{CLOSED}/report").get_data(as_text=True)
    assert "Psychometrisch rapport" in text
    assert "Betrouwbaarheid" in text
    assert "alleen de afdelingen met minstens 5 antwoorden" in text
    assert "Reliability" not in text


def test_open_wave_report_is_held_back(research_app):
    client = signed_in(research_app, "researcher")
    page = client.get(f"/research/{DEMO}/{OPEN}/report")
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "still open" in text
    assert "alpha if dropped" not in text


def test_export_download_is_a_k_anonymous_zip(research_app):
    client = signed_in(research_app, "researcher")
    page = client.get(f"/research/{DEMO}/").get_data(as_text=True)
    data = {"wave": CLOSED, "format": "csv", "language": "en", "csrf_token": csrf_token(page)}
    response = client.post(f"/research/{DEMO}/", data=data)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert f"{DEMO}_{CLOSED}_csv.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted(
        [f"{DEMO}_{CLOSED}.csv", "codebook.json", "codebook.md", "datapackage.json"]
    )
    frame = pd.read_csv(
        archive.open(f"{DEMO}_{CLOSED}.csv"), keep_default_na=False, na_values=[""]
    )
    from surveys.responses import count_by_unit

    database = research_app.config["SAMEN_DATABASE"]
    assert len(frame) == sum(count_by_unit(database, DEMO, CLOSED).values()) > 300
    assert_k_anonymous(frame, 5)


@pytest.mark.parametrize(
    "data",
    [
        {"wave": OPEN, "format": "csv", "language": "en"},  # not a choice: open
        {"wave": CLOSED, "format": "pdf", "language": "en"},
        {"wave": CLOSED, "format": "csv", "language": "de"},
    ],
)
def test_invalid_export_requests_are_refused(research_app, data):
    client = signed_in(research_app, "researcher")
    page = client.get(f"/research/{DEMO}/").get_data(as_text=True)
    response = client.post(f"/research/{DEMO}/", data={**data, "csrf_token": csrf_token(page)})
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_export_needs_csrf(research_app):
    client = signed_in(research_app, "researcher")
    response = client.post(
        f"/research/{DEMO}/", data={"wave": CLOSED, "format": "csv", "language": "en"}
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_export_download_on_each_backend(hospital_db):
    """The small hospital of tests/conftest.py (SQLite and PostgreSQL), signed in as admin."""
    from surveys.users import add_user
    from surveys.waves import close_wave
    from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
    from tests.webapp.test_export_cli import fill

    n = fill(hospital_db)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    add_user(hospital_db, ACCOUNTS["admin"][0], "admin", PASSWORD)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})
    client = signed_in(app, "admin")
    page = client.get(f"/research/{HOSPITAL_SLUG}/").get_data(as_text=True)
    data = {"wave": HOSPITAL_WAVE, "format": "xlsx", "language": "nl"}
    response = client.post(
        f"/research/{HOSPITAL_SLUG}/", data={**data, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    frame = pd.read_excel(archive.open(f"{HOSPITAL_SLUG}_{HOSPITAL_WAVE}.xlsx"), sheet_name=0)
    assert len(frame) == n
    assert_k_anonymous(frame, 5)
