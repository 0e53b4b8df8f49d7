"""Research pages: who may see them, the report page per wave, the export download.

On the demo hospital (built once per session, copied per module): a closed wave 2026-1 and
an open wave 2026-2; staff signed in with the login form (CSRF round trip).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.webapp.conftest import staffed_demo_app
from tests.webapp.helpers import csrf_token
from tests.webapp.test_export_cli import CLOSED, DEMO, OPEN, assert_k_anonymous
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
    yield from staffed_demo_app(tmp_path_factory, sqlite_template, ACCOUNTS, PASSWORD)


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
    from engine.report.tables import fmt, fmt_ci
    from surveys.responses import load_answers
    from webapp.research.service import wave_report

    client = signed_in(research_app, "researcher")
    page = client.get(f"/research/{DEMO}/{CLOSED}/report")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    report = wave_report(research_app.extensions["samen_db"], DEMO, CLOSED)
    scale = report["scales"]["belonging.membership"]
    row = re.search(r"belonging\.membership</span></th>(.*?)</tr>", text, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[:11] == [
        fmt(scale["n_items"]),
        fmt(scale["n"]),
        fmt(scale["mean"], 2),
        fmt(scale["sd"], 2),
        fmt(scale["alpha"]),
        fmt_ci(scale["alpha_ci"]),
        fmt(scale["std_alpha"]),
        fmt(scale["omega_total"]),
        fmt(scale["composite_reliability"]),
        fmt(scale["ordinal_alpha"]),
        fmt(scale["icc1"]),
    ]
    assert scale["alpha"] is not None and scale["icc1"] is not None
    for heading in ("Reliability", "Items", "Factor structure per instrument", "CFI", "SRMR"):
        assert heading in text
    # aggregation statistics only over units of at least k responses
    stored = load_answers(research_app.extensions["samen_db"], DEMO, CLOSED)
    units = pd.Series(stored.unit_codes).value_counts()
    assert report["group"]["n_groups"] == int((units >= 5).sum())
    assert report["group"]["n_missing"] == int(units[units < 5].sum()) > 0
    # ... without saying how many responses the small units hold (it may be fewer than k)
    assert "at least 5 responses; smaller units are left out" in text
    assert f" {report['group']['n_missing']} responses" not in text


def test_report_page_writes_decimals_the_dutch_way(research_app):
    """One decimal format per language (issue 16): ``0,812`` in Dutch, never ``0.812``."""
    client = signed_in(research_app, "researcher", "nl")
    text = client.get(f"/research/{DEMO}/{CLOSED}/report?lang=nl").get_data(as_text=True)
    tables = re.findall(r"<table.*?</table>", text, re.S)
    numbers = [
        cell
        for table in tables
        for cell in re.findall(r"<td[^>]*>([^<]*)</td>", table)
        if re.search(r"\d", cell)
    ]
    assert any(re.search(r"\d,\d{3}", cell) for cell in numbers)
    assert not any(re.search(r"\d\.\d", cell) for cell in numbers)
    assert not any(re.search(r"(?<!\d)[.,]\d", cell) for cell in numbers)
    assert "Ladingen van 0,30 en hoger zijn vet" in text


def _sections(text: str) -> dict[str, str]:
    """Instrument id -> the HTML of its section on the report page."""
    pattern = r'(<section class="instrument" id="instrument-(\w+)".*?</section>)'
    return {found: html for html, found in re.findall(pattern, text, re.S)}


def _cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>([^<]*)</td>", html)


@pytest.fixture(scope="module")
def demo_answers(research_app):
    """The closed wave's answers as a frame, and the survey's scored scales per instrument."""
    from surveys.responses import load_answers
    from webapp.research.reporting import instrument_specs
    from webapp.results.data import load_survey

    database = research_app.extensions["samen_db"]
    definition = load_survey(database, DEMO).definition
    stored = load_answers(database, DEMO, CLOSED)
    frame = pd.DataFrame(stored.values, columns=list(stored.item_ids))
    return frame, definition, instrument_specs(definition)


def test_report_has_a_factor_section_per_scored_instrument(research_app, demo_answers):
    _, definition, by_instrument = demo_answers
    client = signed_in(research_app, "researcher")
    text = client.get(f"/research/{DEMO}/{CLOSED}/report").get_data(as_text=True)
    sections = _sections(text)
    scored = [instrument.id for instrument, _ in by_instrument]
    assert list(sections) == scored
    assert len(scored) == 6
    # the unscored, sensitive module gets no factor analysis
    assert "unwanted_behaviour" not in scored
    assert any(i.id == "unwanted_behaviour" for i in definition.answer_instruments)
    for instrument, specs in by_instrument:
        section = sections[instrument.id]
        heading = re.search(r"<h3[^>]*>([^<]*)</h3>", section)
        assert heading is not None and heading.group(1) == instrument.title["en"]
        assert section.count('class="scale-row"') == len(specs)
    # belonging has two scales: two EFA factor columns
    assert sections["belonging"].count('class="factor"') == 2
    assert "In my team, I am seen as one of us." in sections["belonging"]
    # no survey-wide factor analysis any more: every factor column is an instrument's
    assert text.count('class="factor"') == sum(
        section.count('class="factor"') for section in sections.values()
    )


def test_each_instrument_cfa_uses_its_own_complete_cases(research_app, demo_answers):
    from webapp.research.service import wave_report

    frame, _, by_instrument = demo_answers
    report = wave_report(research_app.extensions["samen_db"], DEMO, CLOSED)
    all_items = [item for _, specs in by_instrument for spec in specs for item in spec.items]
    survey_wide = int(frame[all_items].notna().all(axis=1).sum())
    instruments = {entry["id"]: entry for entry in report["instruments"]}
    for instrument, specs in by_instrument:
        cfa = instruments[instrument.id]["cfa"]
        items = [item for spec in specs if len(spec.items) >= 2 for item in spec.items]
        assert cfa["n"] == int(frame[items].notna().all(axis=1).sum())
        assert cfa["n"] >= 2 * survey_wide, instrument.id
        assert cfa["chisq"] is not None and math.isfinite(cfa["chisq"])
        assert cfa["df"] > 0 and cfa["cfi"] is not None and cfa["rmsea"] is not None
    assert instruments["belonging"]["efa"]["n_factors"] == 2
    assert "efa" not in report and "cfa" not in report


def test_instrument_numbers_are_the_engine_report_of_its_scales(research_app, demo_answers):
    from engine.report.pipeline import analyze
    from engine.report.tables import fmt, fmt_ci, fmt_p

    frame, _, by_instrument = demo_answers
    client = signed_in(research_app, "researcher")
    text = client.get(f"/research/{DEMO}/{CLOSED}/report").get_data(as_text=True)
    sections = _sections(text)
    for instrument, specs in by_instrument:
        expected = analyze(frame, specs)
        efa, cfa, omega = expected["efa"], expected["cfa"], expected.get("omega")
        fit = re.search(r'<table class="report fit">.*?</table>', sections[instrument.id], re.S)
        assert fit is not None
        wanted = [
            fmt(efa["kmo"]),
            f"{fmt(efa['bartlett']['chisq'], 2)} ({fmt(efa['bartlett']['df'])}), "
            f"{fmt_p(efa['bartlett']['p'])}".replace("<", "&lt;"),
            fmt(efa["parallel_n_factors"]),
            fmt(efa["n_factors"]),
            fmt(cfa["n"]),
            f"{fmt(cfa['chisq'], 2)} ({fmt(cfa['df'])}), {fmt_p(cfa['p'])}".replace("<", "&lt;"),
            fmt(cfa["cfi"]),
            fmt(cfa["tli"]),
            f"{fmt(cfa['rmsea'])} {fmt_ci(cfa['rmsea_ci'])}",
            fmt(cfa["srmr"]),
        ]
        if omega is not None:
            wanted += [fmt(omega["hierarchical"]), fmt(omega["total"])]
        assert _cells(fit.group(0)) == wanted, instrument.id
        # every item's row: EFA loadings, its KMO, its CFA loading on its own scale
        loadings = re.search(
            r'<table class="report loadings[^"]*">.*?</table>', sections[instrument.id], re.S
        )
        assert loadings is not None
        rows = re.findall(r'<span class="item-id">-?(\w+)</span>.*?</tr>', loadings.group(0), re.S)
        assert rows == [item for spec in specs for item in spec.items]
        factors = list(next(iter(efa["loadings"].values())))
        assert len(factors) == efa["n_factors"]
        for spec in specs:
            for item in spec.items:
                row = re.search(
                    rf'<span class="item-id">-?{item}</span>.*?</th>(.*?)</tr>',
                    loadings.group(0),
                    re.S,
                )
                assert row is not None
                assert _cells(row.group(1)) == [
                    *(fmt(efa["loadings"][item][f]) for f in factors),
                    fmt(efa["kmo_items"][item]),
                    fmt(cfa["loadings"][item][spec.id]),
                ]


def test_instrument_notes_explain_what_is_missing(research_app, monkeypatch):
    """A number the engine cannot give shows as NA, with the instrument's note below."""
    import copy

    from webapp.research import service as research_service

    report = copy.deepcopy(
        research_service.wave_report(research_app.extensions["samen_db"], DEMO, CLOSED)
    )
    belonging = report["instruments"][0]
    belonging["cfa"].update(chisq=None, p=None, cfi=None, tli=None, loadings=None)
    belonging["notes"] = ["cfa: the ML estimation did not converge"]
    monkeypatch.setattr(research_service, "wave_report", lambda *args: report)
    client = signed_in(research_app, "researcher")
    text = client.get(f"/research/{DEMO}/{CLOSED}/report").get_data(as_text=True)
    sections = _sections(text)
    assert "<li>cfa: the ML estimation did not converge</li>" in sections["belonging"]
    fit = re.search(r'<table class="report fit">.*?</table>', sections["belonging"], re.S)
    assert fit is not None
    assert f"NA ({belonging['cfa']['df']}), NA" in _cells(fit.group(0))
    assert '<ul class="notes"' not in sections["authenticity"]


def test_report_page_in_dutch(research_app):
    client = signed_in(research_app, "admin", language="nl")
    text = client.get(f"/research/{DEMO}/{CLOSED}/report").get_data(as_text=True)
    assert "Psychometrisch rapport" in text
    assert "Betrouwbaarheid" in text
    assert "alleen de afdelingen met minstens 5 ingevulde vragenlijsten" in text
    assert "Reliability" not in text
    # one section per instrument, headed by its Dutch title
    assert "Factorstructuur per instrument" in text
    assert '<h3 id="instrument-belonging-h">Erbij horen</h3>' in text
    assert "2 schalen, 8 vragen." in text
    assert "Factor structure" not in text


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
