"""The manager dashboard: figures, trust words, and the pages against the results service.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU.
Two closed waves with W1 6, W2 3, ICU 7, HOSP's own 2 responses each (k = 5): W2 is fewer
than k, and W1 is hidden with it (SURG minus W1 would leave W2's 3).
"""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.helpers import csrf_token
from webapp import create_app, results
from webapp.config import TestConfig
from webapp.dashboard import charts

PLAN = {"W1": 6, "W2": 3, "ICU": 7, "HOSP": 2}
SECOND = "2026-2"
PASSWORD = "a long enough password"
URL = f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}"


# --- figures (pure) ---------------------------------------------------------------------------


def _contrast(a: str, b: str) -> float:
    la, lb = charts.luminance(a), charts.luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@pytest.mark.parametrize("points", range(2, 8))
def test_answer_colours_are_distinct_and_labels_readable(points):
    colours = charts.answer_colours(points)
    assert len(colours) == points
    assert len({fill for fill, _ in colours}) == points
    for fill, label in colours:
        assert _contrast(fill, label) >= 4.5


def _cell(mean, lo, hi, n=10):
    return {"n": n, "mean": mean, "ci": [lo, hi], "suppressed": False, "reason": None}


WITHHELD = {"n": None, "mean": None, "ci": None, "suppressed": True, "reason": "fewer-than-k"}


def test_scale_comparison_marks_withheld_means_and_keeps_intervals():
    rows = [
        {"label": "Belonging", "unit": _cell(3.5, 3.2, 3.8), "organisation": _cell(3.4, 3.3, 3.5)},
        {"label": "Authenticity", "unit": WITHHELD, "organisation": _cell(3.1, 3.0, 3.2)},
    ]
    series = {"unit": "Ward 1", "organisation": "Organisation"}
    figure = charts.scale_comparison_figure(
        rows, series, (1, 5), withheld_text="fewer than 5 responses"
    )
    unit, org = figure["data"]
    assert unit["name"] == "Ward 1" and unit["x"] == [3.5, None]
    assert unit["error_x"]["arrayminus"][0] == pytest.approx(0.3)
    assert unit["error_x"]["array"][0] == pytest.approx(0.3)
    assert org["x"] == [3.4, 3.1]
    texts = [a["text"] for a in figure["layout"]["annotations"]]
    assert texts.count("fewer than 5 responses") == 1
    assert "Belonging" in texts and "Authenticity" in texts
    json.dumps(figure)  # plain JSON, no numpy or NaN


def test_distribution_bars_stack_to_100_and_withheld_items_are_marked():
    rows = [
        {
            "label": "I belong",
            "distribution": {"1": 0.1, "2": 0.2, "3": 0.3, "4": 0.25, "5": 0.15},
        },
        {"label": "I can be myself", "distribution": None},
    ]
    labels = [(str(c), f"label {c}") for c in range(1, 6)]
    figure = charts.distribution_figure(rows, labels, withheld_text="fewer than 5 responses")
    bars = figure["data"][:5]
    assert [b["name"] for b in bars] == [label for _, label in labels]
    assert sum(b["x"][0] for b in bars) == pytest.approx(100)
    assert all(b["x"][1] is None for b in bars)
    hidden = figure["data"][5]
    assert hidden["x"] == [None, 100] and hidden["text"][1] == "fewer than 5 responses"
    assert bars[2]["text"][0] == "30%"


def test_heat_class_bins_and_hidden():
    assert charts.heat_class(None, (1, 5)) == "heat-hidden"
    assert charts.heat_class(1.0, (1, 5)) == "heat-0"
    assert charts.heat_class(5.0, (1, 5)) == "heat-7"
    assert charts.heat_class(3.0, (1, 5)) == "heat-4"


def test_trend_figure_leaves_gaps_for_withheld_waves():
    figure = charts.trend_figure(
        ["2025", "2026"],
        [{"label": "Belonging", "means": [3.2, None], "ci": [[3.0, 3.4], None]}],
        (1, 5),
    )
    line = figure["data"][0]
    assert line["y"] == [3.2, None] and line["connectgaps"] is False
    assert line["error_y"]["array"] == [pytest.approx(0.2), 0]


def test_wrap_breaks_long_labels():
    assert charts.wrap("one two three four", 9) == "one two<br>three<br>four"


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def db_backend() -> str:
    """SQLite only: the pages add no SQL of their own (the results service is tested on both)."""
    return "sqlite"


def _answers(definition, rng):
    out = {}
    for item in definition.items:
        points = item.response_scale.points
        out[item.id] = None if rng.random() < 0.08 else int(rng.choice(points))
    return out


def _fill(db, wave, seed):
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey
    from surveys.waves import close_wave

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(seed)
    for unit, count in PLAN.items():
        tokens = issue_invitations(db, HOSPITAL_SLUG, unit, count + 1)
        for i, token in enumerate(tokens[:count]):
            demographics = {"dem_gender": 1 + i % 2, "dem_age": None}
            submit_response(db, token, _answers(definition, rng), "nl", demographics)
    close_wave(db, HOSPITAL_SLUG, wave)


@pytest.fixture
def dash_db(hospital_db, monkeypatch):
    from surveys.users import add_user
    from surveys.waves import open_wave

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    _fill(hospital_db, HOSPITAL_WAVE, 7)
    open_wave(hospital_db, HOSPITAL_SLUG, SECOND)
    _fill(hospital_db, SECOND, 8)
    add_user(hospital_db, "admin@example.org", "admin", PASSWORD)
    add_user(hospital_db, "surg@example.org", "manager", PASSWORD, "SURG")
    add_user(hospital_db, "icu@example.org", "manager", PASSWORD, "ICU")
    return hospital_db


@pytest.fixture
def dash_client(dash_db):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": dash_db})
    return app.test_client()


def login(client, email):
    page = client.get("/auth/login")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def _user(db, email):
    from surveys.users import get_user

    return get_user(db, email)


def test_signed_out_goes_to_the_login_page(dash_client):
    for url in ("/dashboard/", f"{URL}/SURG"):
        response = dash_client.get(url)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_manager_lands_on_own_unit_in_the_latest_closed_wave(dash_client):
    login(dash_client, "surg@example.org")
    first = dash_client.get("/dashboard/")
    assert first.headers["Location"].endswith(f"/dashboard/{HOSPITAL_SLUG}/")
    second = dash_client.get(first.headers["Location"])
    assert second.headers["Location"].endswith(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG")


SCOPE = [
    (f"{URL}/ICU", 403),
    (f"{URL}/HOSP", 403),
    (f"{URL}/NOPE", 404),
    (f"/dashboard/{HOSPITAL_SLUG}/1999-1/SURG", 404),
    (f"/dashboard/nope/{HOSPITAL_WAVE}/SURG", 404),
    (f"{URL}/SURG?filter=bad", 400),
    (f"{URL}/W2", 200),
]


def test_scope_and_unknown_names(dash_client):
    login(dash_client, "surg@example.org")
    for url, status in SCOPE:
        assert dash_client.get(url).status_code == status, url


def _numbers_of(html):
    return set(re.findall(r"\d+\.\d\d", html))


def test_page_shows_every_released_number_of_the_results_service(dash_db, dash_client):
    login(dash_client, "surg@example.org")
    response = dash_client.get(f"{URL}/SURG?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = results.unit_results(
        dash_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "SURG", _user(dash_db, "surg@example.org")
    )
    shown = _numbers_of(html)
    for block in (found, found["parent"], found["organisation"]):
        for cell in block["scales"].values():
            if not cell["suppressed"]:
                assert f"{cell['mean']:.2f}" in shown
                assert f"{cell['ci'][0]:.2f} – {cell['ci'][1]:.2f}" in html
    # W1 and W2 are withheld: their rows say so and give no number, never a count.
    heat_rows = re.findall(r"<tr><th scope=\"row\">Ward 2</th>(.*?)</tr>", html)
    assert heat_rows and all("fewer than 5" in row for row in heat_rows)
    assert all(not re.search(r"\d", re.sub(r"fewer than 5", "", row)) for row in heat_rows)
    ward1 = re.findall(r"<tr><th scope=\"row\">Ward 1</th>(.*?)</tr>", html)
    assert ward1 and all("hidden" in row and not re.search(r"\d", row) for row in ward1)
    assert 'Ward 2</a> <span class="hint">fewer than 5 responses</span>' in html


def test_page_and_api_agree(dash_db, dash_client):
    """The page's numbers are the API's numbers (one service behind both)."""
    login(dash_client, "surg@example.org")
    api = dash_client.get(
        f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{HOSPITAL_WAVE}/units/SURG/results"
    )
    html = dash_client.get(f"{URL}/SURG?lang=en").get_data(as_text=True)
    scale = api.get_json()["scales"]["belonging.membership"]
    assert f"{scale['mean']:.2f}" in html and scale["n"] == 9
    assert "n = 9" in html


def test_the_organisation_is_not_compared_with_itself(dash_client):
    """At the root the unit is the organisation: one column and one series, not two equal ones;
    below the root the organisation column is there."""
    login(dash_client, "admin@example.org")
    root = dash_client.get(f"{URL}/HOSP?lang=en").get_data(as_text=True)
    assert '<th scope="col">Organisation</th>' not in root
    assert "favourable · organisation" not in root  # the conversation starters
    below = dash_client.get(f"{URL}/SURG?lang=en").get_data(as_text=True)
    assert '<th scope="col">Organisation</th>' in below
    assert "favourable · organisation" in below
    for kind, title in (("strong", "Going well"), ("weak", "Worth a conversation")):
        assert f'<div class="starter-list {kind}">\n        <h3>{title}</h3>' in below


def test_figures_are_embedded_as_json_and_plotly_is_local(dash_client):
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"{URL}/HOSP?lang=en").get_data(as_text=True)
    blocks = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    assert blocks
    for _id, text in blocks:
        figure = json.loads(text)
        assert figure["data"] and figure["layout"]["height"] > 0
    assert any(name.startswith("trend-") for name, _ in blocks)  # two closed waves
    # plotly.js is not in the page: the deferred dashboard.js fetches it (and its style
    # sheet) after the load event, so the tables come first on a slow phone.
    assert '<script src="/static/dashboard/plotly.min.js' not in html
    assert re.search(
        r'<script defer src="/static/dashboard/dashboard\.js\?v=[0-9a-f]{12}" '
        r'data-plotly="/static/dashboard/plotly\.min\.js\?v=[0-9a-f]{12}" '
        r'data-plotly-css="/static/dashboard/plotly\.css\?v=[0-9a-f]{12}">',
        html,
    )
    assert "cdn" not in html.lower()
    with dash_client.get("/static/dashboard/plotly.min.js") as script:
        # The partial bundle of the chart types the dashboard draws (scatter, bar).
        assert script.status_code == 200 and b"plotly.js (basic" in script.data[:200]
        assert "max-age=31536000" in script.headers["Cache-Control"]
        assert "Content-Encoding" not in script.headers
    with dash_client.get(
        "/static/dashboard/plotly.min.js", headers={"Accept-Encoding": "gzip, br"}
    ) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == script.data
        assert len(packed.data) < 500_000
    css = dash_client.get("/static/dashboard/plotly.css")
    assert css.status_code == 200 and b".js-plotly-plot .plotly" in css.data
    assert b"outline:none" not in css.data


def test_open_wave_shows_nothing_but_says_why(dash_db, dash_client):
    from surveys.waves import open_wave

    open_wave(dash_db, HOSPITAL_SLUG, "2027-1")
    login(dash_client, "surg@example.org")
    html = dash_client.get(f"/dashboard/{HOSPITAL_SLUG}/2027-1/SURG?lang=en").get_data(
        as_text=True
    )
    assert html.count("Results appear when the round closes") == 1
    assert "shown when the wave has closed" not in html  # said once, not beside each unit
    assert not re.search(r'class="mean"', html)


def test_dutch_page(dash_client):
    login(dash_client, "surg@example.org")
    html = dash_client.get(f"{URL}/SURG?lang=nl").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Om over te praten" in html and "minder dan 5 ingevulde vragenlijsten" in html
    assert "Toon alleen de antwoorden van" in html
    assert re.search(r"\d,\d\d", html)  # Dutch decimal comma


def _apa(value: float) -> str:
    """A coefficient as the English page writes it: ``0.86``, ``-0.12`` (one format)."""
    from babel.numbers import format_decimal

    return format_decimal(value, "0.00", locale="en")


def test_trust_words_beside_each_scale_are_the_services_figures(dash_client):
    """The page's trust words come from the figures the API returns: they cannot diverge."""
    login(dash_client, "surg@example.org")
    api = f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{HOSPITAL_WAVE}/units"
    scales = dash_client.get(f"{api}/SURG/results").get_json()["scales"]
    html = dash_client.get(f"{URL}/SURG?lang=en").get_data(as_text=True)
    shown = [c["trust"] for c in scales.values() if c["trust"]]
    assert shown
    for trust in shown:
        if trust["alpha"] is not None:
            assert f"(alpha {_apa(trust['alpha'])}" in html
        if trust["rwg_j"] is not None:
            assert f"(rwg {_apa(trust['rwg_j'])})" in html
        if trust["icc1"] is not None:
            assert f"(ICC {_apa(trust['icc1'])})" in html
    # W2 (fewer than k): no figures, neither in the API nor on the page
    small = dash_client.get(f"{api}/W2/results").get_json()["scales"]
    assert all(c["trust"] is None for c in small.values())
    page = dash_client.get(f"{URL}/W2?lang=en").get_data(as_text=True)
    assert "(alpha " not in page and "(rwg " not in page and "(ICC " not in page
    assert "No reliability or agreement figures here." in page


def test_filter_goes_through_the_results_service(dash_db, dash_client):
    """A demographic filter: the page shows what unit_results releases for it, nothing more."""
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"{URL}/HOSP?lang=en&filter=dem_gender:1").get_data(as_text=True)
    assert '<option value="dem_gender:1" selected>' in html
    assert "Showing only: Woman" in html
    found = results.unit_results(
        dash_db,
        HOSPITAL_SLUG,
        HOSPITAL_WAVE,
        "HOSP",
        _user(dash_db, "admin@example.org"),
        filter="dem_gender:1",
    )
    released = [c for c in found["scales"].values() if not c["suppressed"]]
    withheld = [c for c in found["scales"].values() if c["suppressed"]]
    assert len(re.findall(r'<span class="mean">', html)) >= len(released)
    for cell in released:
        assert f"{cell['mean']:.2f}" in html
    if withheld:
        assert "fewer than 5 responses" in html or "hidden to protect" in html


def test_filter_menu_offers_only_the_survey_filter_question(dash_client):
    """Filters of two questions combine into groups below k, so only one question is offered."""
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"{URL}/HOSP?lang=en").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(dem_[a-z_]+):', html))
    assert offered == {"dem_gender"}
    assert dash_client.get(f"{URL}/HOSP?lang=en&filter=dem_age:1").status_code == 400


def test_dashboard_page_is_gzipped_when_accepted(dash_client):
    login(dash_client, "admin@example.org")
    plain = dash_client.get(f"{URL}/HOSP?lang=en")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = dash_client.get(f"{URL}/HOSP?lang=en", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    text = gzip.decompress(packed.data)  # the same page (tokens differ per request)
    assert b"<table" in text and abs(len(text) - len(plain.data)) < 200
    assert len(packed.data) < len(plain.data) / 3
