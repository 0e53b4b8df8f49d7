"""Issue 16, "Dashboards that say one thing": the open wave, reversed statements, intervals.

The organisation and waves of tests/webapp/test_dashboard.py (k = 5 responses).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp import test_dashboard as base
from tests.webapp.test_dashboard import URL, _answers, login
from webapp.dashboard.view import rate_band

OPEN = "2027-1"

# the organisation and accounts of test_dashboard.py (SQLite: the pages add no SQL)
db_backend = base.db_backend
dash_db = base.dash_db
dash_client = base.dash_client


def test_rate_band_covers_every_count_the_rounded_count_allows():
    # 7 responses of 20 invited, k = 5 responses: released as 5, true count 5..9
    low, high = rate_band(5, 20, 5)
    assert (low, high) == (0.2, 0.5)
    for true in range(5, 10):
        assert low <= true / 20 <= high
    assert rate_band(0, 3, 5) == (0.0, 1.0)
    with pytest.raises(ValueError, match="invited"):
        rate_band(5, 0, 5)


def _open_with_responses(db, unit, invited, answered):
    import numpy as np

    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey
    from surveys.waves import open_wave

    open_wave(db, HOSPITAL_SLUG, OPEN)
    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(3)
    tokens = issue_invitations(db, HOSPITAL_SLUG, unit, invited)
    for token in tokens[:answered]:
        submit_response(db, token, _answers(definition, rng), "nl", {"dem_gender": 1})


def test_open_wave_says_once_when_results_appear_and_gives_a_band_not_a_count(
    dash_db, dash_client
):
    """An attacker (a manager) watches the open wave: the page gives the response as a band
    of tens of percent, never the count, and no chart or table says "fewer than 5"."""
    _open_with_responses(dash_db, "ICU", 20, 7)
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"/dashboard/{HOSPITAL_SLUG}/{OPEN}/ICU?lang=en").get_data(as_text=True)
    assert html.count("Results appear when the round closes") == 1
    assert "Response so far: between 20% and 50% of those invited." in html
    text = re.sub(r"<[^>]+>", " ", html)
    main = text[text.index("Results appear") :]
    assert "fewer than 5" not in main
    assert "shown when the wave has closed" not in main
    assert not re.search(r"\b[57] responses\b", main)
    assert not re.search(r"\bResponses\s+[57]\b", main)
    assert 'class="mean"' not in html and '<div class="chart"' not in html


def test_open_wave_below_k_says_fewer_than_k(dash_db, dash_client):
    _open_with_responses(dash_db, "ICU", 20, 3)
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"/dashboard/{HOSPITAL_SLUG}/{OPEN}/ICU?lang=en").get_data(as_text=True)
    assert "Response so far: fewer than 5 responses." in html
    assert "between" not in html.split("Results appear")[1].split("</section>")[0]


def test_open_wave_in_dutch(dash_db, dash_client):
    _open_with_responses(dash_db, "ICU", 20, 7)
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"/dashboard/{HOSPITAL_SLUG}/{OPEN}/ICU?lang=nl").get_data(as_text=True)
    assert "De uitkomsten verschijnen als de ronde sluit" in html
    assert "tussen 20% en 50% van de uitgenodigden" in html


def test_reversed_starters_say_that_disagreeing_is_favourable(dash_client, monkeypatch):
    """Every reverse-worded statement among the starters names its favourable answers."""
    from webapp.dashboard import view

    monkeypatch.setattr(view, "STARTERS", 40)  # every released statement is a starter
    login(dash_client, "admin@example.org")
    html = dash_client.get(f"{URL}/HOSP?lang=en").get_data(as_text=True)
    section = html[html.index('id="starters-h"') : html.index('id="scales-h"')]
    items = re.findall(r"<li>(.*?)</li>", section, flags=re.S)
    reversed_items = [i for i in items if "worded the other way round" in i]
    assert reversed_items
    for item in reversed_items:
        assert "“Disagree”" in item or "“Strongly disagree”" in item
        assert "favourable answer here" in item
        assert "% favourable" not in item
    plain = [i for i in items if "worded the other way round" not in i]
    assert plain and all("% favourable" in i for i in plain)


def test_intervals_stay_inside_the_scale_in_the_api_and_the_page(dash_db, dash_client):
    """A small filtered group with answers near the top: mean + t * se would pass 5."""
    login(dash_client, "admin@example.org")
    api = f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{HOSPITAL_WAVE}/units"
    found = []
    for unit in ("HOSP", "SURG", "ICU", "W1"):
        for query in ("", "?filter=dem_gender:1", "?filter=dem_gender:2"):
            body = dash_client.get(f"{api}/{unit}/results{query}").get_json() or {}
            for cell in list((body.get("scales") or {}).values()) + list(
                (body.get("items") or {}).values()
            ):
                if cell.get("ci"):
                    found.append(cell["ci"])
    assert found
    assert all(1.0 <= lo <= hi <= 5.0 for lo, hi in found)
    html = dash_client.get(f"{URL}/HOSP?lang=en").get_data(as_text=True)
    assert "cut off at the ends of the scale (1 and 5)" in html


def test_interval_is_clipped_where_the_t_interval_would_pass_the_end():
    """The cell function on answers 5, 5, 4 (n = 3 responses): the t interval runs past 5."""
    import numpy as np

    from webapp.results import cells

    class Measure:
        kind = "item"
        reverse = False
        ordinal = True
        points = (1, 2, 3, 4, 5)
        answers = np.array([[5.0], [5.0], [4.0]])
        scores = np.array([5.0, 5.0, 4.0])
        valid = np.array([True, True, True])

    out = cells.cell_at(Measure(), np.arange(3))
    assert out["mean"] == pytest.approx(14 / 3, abs=1e-3)
    assert out["ci"][1] == 5.0 and out["ci"][0] < out["mean"]


def _visible(html):
    """The page's text without scripts, styles and figure JSON."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(
    ("lang", "good", "bad"), [("nl", r"\d,\d\d", r"\d\.\d\d"), ("en", r"\d\.\d\d", r"\d,\d\d")]
)
def test_one_decimal_format_per_language(dash_client, lang, good, bad):
    """Means, intervals, trust figures and the reading guide: one format, a leading zero."""
    login(dash_client, "admin@example.org")
    text = _visible(dash_client.get(f"{URL}/SURG?lang={lang}").get_data(as_text=True))
    assert re.search(good, text)
    assert not re.search(bad, text)
    assert not re.search(r"(?<![\d])[.,]\d\d", text)  # no ".80" or ",81"
    assert ("0,80" if lang == "nl" else "0.80") in text  # the reading guide's threshold


def test_heat_map_shows_group_sizes_and_the_difference_from_the_parent(dash_db, dash_client):
    """Each released unit row carries its n (responses) and, per cell, its mean minus the
    first row's (the unit the page is about); withheld rows stay without a number."""
    from babel.numbers import format_decimal

    from webapp import results

    login(dash_client, "admin@example.org")
    html = dash_client.get(f"{URL}/HOSP?lang=en").get_data(as_text=True)
    user = base._user(dash_db, "admin@example.org")
    heat = results.heatmap(dash_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "HOSP", user)
    released = [row for row in heat["rows"] if row["n"] is not None]
    assert released
    diffs = 0
    for row in released:
        line = re.search(rf'<th scope="row">{row["name"]} <span class="n">n = (\d+)</span>', html)
        assert line and int(line.group(1)) == row["n"] >= 5
        for sid, cell in row["cells"].items():
            total = heat["total"]["cells"][sid]
            if cell["suppressed"] or total["mean"] is None:
                continue
            d = cell["mean"] - total["mean"]
            text = format_decimal(abs(d), "0.00", locale="en")
            if text != "0.00":
                text = ("+" if d > 0 else "\u2212") + text
            assert f'<span class="diff">({text})</span>' in html
            diffs += 1
    assert diffs
    for row in heat["rows"]:
        if row["n"] is None:
            assert not re.search(rf'<th scope="row">{row["name"]} <span class="n">', html)
