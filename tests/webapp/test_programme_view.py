"""The evaluation page's words for every case: rose, fell, not distinguishable, no estimate."""

from __future__ import annotations

import pytest

from webapp import create_app
from webapp.config import TestConfig


def _scale(estimate, ci, reason=None, teams=6):
    numbers = reason is None
    side = {
        "units": teams,
        "units_left_out": 1,
        "before": {"n": 60, "mean": 3.5} if numbers else None,
        "after": {"n": 61, "mean": 3.5 + (estimate or 0)} if numbers else None,
    }
    other = {**side, "units": 9, "units_left_out": 0}
    if numbers:
        other = {**other, "after": {"n": 80, "mean": 3.5}}
    return {
        "scale": "belonging.membership",
        "name": {"en": "Group membership", "nl": "Deel van de groep"},
        "instrument": {"en": "Belonging", "nl": "Erbij horen"},
        "range": [1.0, 5.0],
        "estimate": estimate,
        "se": 0.1 if numbers else None,
        "df": 9.5 if numbers else None,
        "p": 0.04 if numbers else None,
        "ci": ci,
        "excludes_zero": (ci[0] > 0 or ci[1] < 0) if ci else None,
        "mixed": {"estimate": estimate, "se": 0.1} if numbers else None,
        "reason": reason,
        "sides": {"programme": side, "other": other},
    }


@pytest.fixture
def page(db):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})

    def render(scale, language="en"):
        from webapp.programmes.view import evaluation_page

        result = {"programme": {}, "k": 5, "scales": [scale]}
        with app.test_request_context(headers={"Accept-Language": language}):
            return evaluation_page(result)["groups"][0]["scales"][0]

    return render


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_words_per_case(page):
    rose = page(_scale(0.2, [-0.05, 0.44], teams=12))
    assert rose["verdict"] == (
        "Group membership rose 0.20 more in programme teams than elsewhere; 95% CI -0.05 to "
        "0.44: not distinguishable from no effect with 12 programme teams."
    )
    assert not rose["marked"] and rose["chart"] is not None
    fell = page(_scale(-0.31, [-0.52, -0.1]))
    assert fell["verdict"].startswith("Group membership fell 0.31 more in programme teams")
    assert fell["verdict"].endswith(
        "-0.52 to -0.10: the interval excludes zero (6 programme teams)."
    )
    assert fell["marked"]
    rows = {r["label"]: r["cells"] for r in fell["rows"]}
    assert rows["After minus before"] == ["-0.31", "0.00"]
    assert rows["Units"] == ["6", "9"]


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_no_numbers_without_two_units_a_side(page):
    held = page(_scale(None, None, reason="too-few-units", teams=1))
    assert held["chart"] is None and held["rows"] == [] and not held["shown"]
    assert "each side needs at least 2 units" in held["verdict"]
    assert "1 programme units and 9 other units" in held["verdict"]
    assert "Left out: 1 of the programme's units and 0 other units" in held["left_out"]


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_dutch_words(page):
    nl = page(_scale(0.2, [-0.05, 0.44], teams=12), "nl")
    assert nl["verdict"] == (
        "Deel van de groep steeg 0,20 meer in programmateams dan elders; "
        "95%-betrouwbaarheidsinterval -0,05 tot 0,44: niet te onderscheiden van geen effect "
        "met 12 programmateams."
    )
