"""The manager dashboard: figures, trust words, and the pages against the results service.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU.
Two closed waves with W1 6, W2 3, ICU 7, HOSP's own 2 responses each (k = 5): W2 is fewer
than k, and W1 is hidden with it (SURG minus W1 would leave W2's 3).
"""

from __future__ import annotations

import gzip
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
    chart = charts.scale_comparison_chart(
        rows, series, (1, 5), withheld_text="fewer than 5 responses", separators=",."
    )
    # Three shown means (the withheld one is a labelled mark, never a dot), at 3 % + share of
    # 94 % of the width: 3.5 on 1..5 lies at 3 + 0.625 * 94 = 61.75 %.
    assert [m["title"] for m in chart["marks"]] == [
        "Ward 1: 3,50 (3,20 – 3,80)",
        "Organisation: 3,40 (3,30 – 3,50)",
        "Organisation: 3,10 (3,00 – 3,20)",
    ]
    unit = chart["marks"][0]
    assert unit["x"] == pytest.approx(61.75)
    assert unit["lo"] == pytest.approx(3 + 0.55 * 94) and unit["hi"] == pytest.approx(3 + 0.7 * 94)
    assert [w["text"] for w in chart["withheld"]] == ["fewer than 5 responses"]
    assert chart["withheld"][0]["y"] > unit["y"]  # in the second block, the unit's line
    assert [label["lines"] for label in chart["labels"]] == [["Belonging"], ["Authenticity"]]
    assert [t["label"] for t in chart["ticks"]] == ["1", "2", "3", "4", "5"]
    assert chart["height"] > chart["axis"] > chart["withheld"][0]["y"]


def test_distribution_bars_stack_to_100_and_withheld_items_are_marked():
    rows = [
        {
            "label": "I belong",
            "distribution": {"1": 0.1, "2": 0.2, "3": 0.3, "4": 0.35, "5": 0.05},
        },
        {"label": "I can be myself", "distribution": None},
    ]
    labels = [(str(c), f"label {c}") for c in range(1, 6)]
    chart = charts.distribution_chart(rows, labels, withheld_text="fewer than 5 responses")
    shown, hidden = chart["rows"]
    segments = shown["segments"]
    assert [s["title"] for s in segments] == [
        "label 1: 10%",
        "label 2: 20%",
        "label 3: 30%",
        "label 4: 35%",
        "label 5: 5%",
    ]
    assert sum(s["width"] for s in segments) == pytest.approx(100)
    assert [s["x"] for s in segments] == pytest.approx([0, 10, 30, 60, 95])
    # Labelled where it fits a phone's bar: 5 % is left to its tooltip and the table.
    assert [s["text"] for s in segments] == ["10%", "20%", "30%", "35%", ""]
    assert [f for f, _ in charts.answer_colours(5)] == [s["fill"] for s in segments]
    assert shown["withheld"] is None
    assert hidden["segments"] == [] and hidden["withheld"] == "fewer than 5 responses"


def test_distribution_leaves_out_answers_nobody_gave():
    labels = [(str(c), f"label {c}") for c in range(1, 4)]
    rows = [{"label": "x", "distribution": {"1": 0.0, "2": 0.5, "3": 0.5}}]
    chart = charts.distribution_chart(rows, labels, withheld_text="-")
    assert [s["x"] for s in chart["rows"][0]["segments"]] == [0, 50]


def test_heat_class_bins_and_hidden():
    assert charts.heat_class(None, (1, 5)) == "heat-hidden"
    assert charts.heat_class(1.0, (1, 5)) == "heat-0"
    assert charts.heat_class(5.0, (1, 5)) == "heat-7"
    assert charts.heat_class(3.0, (1, 5)) == "heat-4"


def test_trend_chart_leaves_gaps_for_withheld_waves():
    chart = charts.trend_chart(
        ["2024", "2025", "2026"],
        [{"label": "Belonging", "means": [3.0, 3.2, None], "ci": [[2.8, 3.2], [3.0, 3.4], None]}],
        (1, 5),
    )
    (line,) = chart["lines"]
    assert [p["title"] for p in line["points"]] == [
        "Belonging, 2024: 3.00 (2.80 – 3.20)",
        "Belonging, 2025: 3.20 (3.00 – 3.40)",
    ]
    assert len(line["segments"]) == 1  # 2024 to 2025; nothing drawn towards the withheld 2026
    assert [w["x"] for w in chart["waves"]] == [16, 54, 92]
    first, second = line["points"]
    assert second["y"] < first["y"]  # higher means are higher up
    assert first["hi"] < first["y"] < first["lo"]
    # The axis spans the data with half a point of room: 2.3 .. 3.9, ticks every 0.5.
    assert [t["label"] for t in chart["ticks"]] == ["2.5", "3", "3.5"]


def test_wrap_breaks_long_labels():
    assert charts.wrap("one two three four", 9) == ["one two", "three", "four"]


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


def _tables_after(html: str, chart_id: str) -> str:
    """The table region that follows the chart ``chart_id`` on the page."""
    start = html.index(f'<div class="chart" id="{chart_id}">')
    table = html.index("<table", start)
    return html[table : html.index("</table>", table)]


def test_charts_are_inline_svg_with_the_tables_numbers(dash_client):
    """The charts are drawn by the server from the cells the tables show: every mean a
    comparison chart marks is a mean of the table under it, and each withheld cell of the
    table is a withheld mark, not a dot. No charting script is loaded."""
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"{URL}/SURG?lang=en").get_data(as_text=True)
    assert "plotly" not in html.lower() and "dashboard.js" not in html
    assert "application/json" not in html
    charts_found = re.findall(r'<div class="chart" id="([^"]+)">\s*<svg ([^>]*)>', html)
    assert {name.split("-")[0] for name, _ in charts_found} == {"cmp", "trend", "dist"}
    for name, attributes in charts_found:
        assert 'role="img"' in attributes
        assert f'aria-labelledby="{name}-title {name}-desc"' in attributes
        assert f'<title id="{name}-title">' in html and f'<desc id="{name}-desc">' in html
    compared = 0
    for name, _ in charts_found:
        if not name.startswith("cmp-"):
            continue
        start = html.index(f'id="{name}"')
        svg = html[start : html.index("</svg>\n</div>", start)]
        marked = sorted(re.findall(r"<title>[^<:]+: (\d\.\d\d) \(", svg))
        table = _tables_after(html, name)
        shown = sorted(re.findall(r'<span class="mean">(\d\.\d\d)</span>', table))
        assert marked == shown
        withheld_marks = svg.count("fewer than 5")
        assert withheld_marks == table.count('<span class="withheld">')
        compared += len(marked) + withheld_marks
    assert compared > 0


def test_the_charts_of_a_unit_below_k_show_no_number(dash_client):
    """W2 (3 responses, k = 5): its page's charts mark no mean for the unit, only the
    withheld text; the organisation's and parent's marks stay."""
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"{URL}/W2?lang=en").get_data(as_text=True)
    svgs = re.findall(r'<div class="chart" id="cmp-[^"]+">(.*?)</svg>\n</div>', html, re.S)
    assert svgs
    for svg in svgs:
        assert not re.search(r"<title>W2[^<]*: \d", svg)
        assert "fewer than 5" in svg
    for svg in re.findall(r'<div class="chart" id="dist-[^"]+">(.*?)</svg>\n</div>', html, re.S):
        assert "<rect x=" in svg and "%</title>" not in svg  # every bar withheld


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
