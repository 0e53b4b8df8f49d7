"""The unwanted-behaviour module: only for the organisation and units of at least the comment
threshold, never filtered, and every share derived from a released item cell.

Data as in test_comments (k = 5, comment threshold 10): W1 12, W2 6, ICU 12 responses;
every respondent answers the experienced and witnessed questions (``ub_answers``), so the
patterns follow the counts: HOSP (30), SURG (18) and ICU (12) are shown; W2 (6) is below
the threshold and W1 is hidden with it (SURG minus W1 would leave W2). "From whom" is
answered only by those to whom something happened: 15 in all, 9 in SURG, so SURG's sources
are withheld while the organisation's are shown.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_comments import (
    ADMIN,
    SUBTREE,
    SURG_MANAGER,
    UB_PLAN,
    login,
    prepare_db,
    ub_answers,
)
from webapp import create_app, results
from webapp.config import TestConfig
from webapp.results.sensitive import unit_unwanted_behaviour, unwanted_behaviour

BEHAVIOURS = ("bullying", "intimidation", "discrimination", "sexual", "aggression")
SOURCES = ("colleague", "manager", "public", "other")


@pytest.fixture
def db_backend() -> str:
    """SQLite only: the module adds no SQL of its own (the results service runs on both)."""
    return "sqlite"


@pytest.fixture
def comments_db(hospital_db, monkeypatch):
    return prepare_db(hospital_db, monkeypatch)


def _answers(unit: str) -> list[dict[str, int | None]]:
    return [ub_answers(i) for member in SUBTREE[unit] for i in range(UB_PLAN[member])]


def expected_share(unit: str, item: str, codes: set[int]) -> float:
    """Independent computation: share of the answers to ``item`` in ``codes``."""
    given = [a[item] for a in _answers(unit) if a[item] is not None]
    return round(sum(v in codes for v in given) / len(given), 4)


def get(db, unit, user=ADMIN, filter=None):
    return unit_unwanted_behaviour(db, HOSPITAL_SLUG, HOSPITAL_WAVE, unit, user, filter=filter)


def _shares(block) -> list[dict]:
    rows = [r[key] for r in block["behaviours"] for key in ("experienced", "witnessed")]
    return rows + block["sources"] + block["reporting"]


def test_organisation_level_is_shown_with_the_right_shares(comments_db):
    out = get(comments_db, "HOSP")
    assert out["comment_threshold"] == 10 and not out["filtered"]
    assert out["organisation"] is None  # HOSP is the organisation
    block = out["unit"]
    assert block["organisation"] and block["shown"]
    assert [r["id"] for r in block["behaviours"]] == list(BEHAVIOURS)
    for row in block["behaviours"]:
        name = row["id"]
        assert row["experienced"]["n"] == 30
        assert row["experienced"]["share"] == pytest.approx(
            expected_share("HOSP", f"ub_exp_{name}", {2, 3, 4, 5}), abs=1e-4
        )
        assert row["witnessed"]["share"] == pytest.approx(
            expected_share("HOSP", f"ub_wit_{name}", {2, 3, 4, 5}), abs=1e-4
        )
    for row in block["sources"]:
        assert row["n"] == 15 and not row["suppressed"]
        assert row["share"] == pytest.approx(
            expected_share("HOSP", f"ub_src_{row['id']}", {1}), abs=1e-4
        )
    reporting = {r["id"]: r for r in block["reporting"]}
    assert reporting["ub_rep_reported"]["share"] == pytest.approx(
        expected_share("HOSP", "ub_rep_reported", {1}), abs=1e-4
    )
    # satisfaction: 8 who reported, fewer than the threshold even for the organisation
    assert reporting["ub_rep_satisfaction"]["suppressed"]
    assert reporting["ub_rep_satisfaction"]["n"] is None


def test_small_unit_is_withheld_though_its_results_are_shown(comments_db):
    out = get(comments_db, "W2")
    block = out["unit"]
    assert not block["shown"] and block["reason"] == "fewer-than-threshold"
    assert all(s["suppressed"] and s["share"] is None and s["n"] is None for s in _shares(block))
    # W2's 6 responses reach k = 5: its scale results are shown; only the module is held
    found = results.unit_results(comments_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2", ADMIN)
    assert found["n"] == 6 and not found["scales"]["belonging.membership"]["suppressed"]
    # ... and the organisation's figures stand beside it
    assert out["organisation"]["shown"] and out["organisation"]["unit"] == "HOSP"


def test_no_differencing_across_the_tree(comments_db):
    block = get(comments_db, "W1")["unit"]  # 12 answers, but SURG minus W1 is W2's 6
    assert not block["shown"] and block["reason"] == "complementary"
    assert all(s["n"] is None for s in _shares(block))


def test_unit_at_the_threshold_per_item_n(comments_db):
    out = get(comments_db, "SURG", user=SURG_MANAGER)
    block = out["unit"]
    assert block["shown"] and not block["organisation"]
    assert all(not r["experienced"]["suppressed"] for r in block["behaviours"])
    assert block["behaviours"][0]["experienced"]["n"] == 18
    # "from whom": only 9 in SURG answered it (the rest: nothing happened) -> withheld
    assert all(s["suppressed"] and s["n"] is None for s in block["sources"])
    # the manager sees the organisation's figures as comparison
    assert all(not s["suppressed"] for s in out["organisation"]["sources"])


def test_never_with_a_filter(comments_db):
    out = get(comments_db, "HOSP", filter="dem_gender:1")
    assert out["filtered"]
    assert not out["unit"]["shown"] and out["unit"]["reason"] == "filter"
    assert all(s["suppressed"] and s["share"] is None for s in _shares(out["unit"]))


def test_the_engine_rule_is_applied_to_every_cell():
    """A released cell below the threshold outside the organisation is still withheld."""
    from surveys.survey_store import load_survey_file
    from tests.webapp.conftest import HOSPITAL

    definition = load_survey_file(HOSPITAL)
    cell = {
        "n": 7,
        "suppressed": False,
        "reason": None,
        "mean": None,
        "sd": None,
        "ci": None,
        "favourable": None,
        "distribution": {"1": 0.5, "2": 0.5, "3": 0.0, "4": 0.0},
    }
    items = {item.id: dict(cell) for item in definition.items}
    team = {"unit": "T", "name": "Team", "items": items}
    org = {"unit": "O", "name": "Org", "items": items}
    out = unwanted_behaviour(definition, {**team, "filter": None, "organisation": org})
    assert not out["unit"]["shown"]  # a unit: 7 < 10
    assert out["organisation"]["shown"]  # the organisation: the engine allows it
    assert out["organisation"]["behaviours"][0]["experienced"]["share"] == 0.5


def test_survey_without_the_module():
    from surveys.survey_store import load_survey_file
    from tests.webapp.conftest import HOSPITAL

    definition = load_survey_file(HOSPITAL)
    kept = tuple(i for i in definition.instruments if i.id != "unwanted_behaviour")
    plain = dataclasses.replace(definition, instruments=kept)
    assert unwanted_behaviour(plain, {"unit": "O", "organisation": {"unit": "O"}}) is None


def test_dashboard_page(comments_db):
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": comments_db}).test_client()
    login(client, "surg@example.org")
    url = f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}"
    page = client.get(f"{url}/SURG?lang=en").get_data(as_text=True)
    section = page.split('id="unwanted-h"')[1].split("</section>")[0]
    bullying = re.search(r'<th scope="row">Bullying</th>(.*?)</tr>', section, re.S).group(1)
    exp_surg = round(100 * expected_share("SURG", "ub_exp_bullying", {2, 3, 4, 5}))
    exp_org = round(100 * expected_share("HOSP", "ub_exp_bullying", {2, 3, 4, 5}))
    assert re.findall(r"<td>(\d+)%</td>", bullying)[:2] == [str(exp_surg), str(exp_org)]
    colleague = re.search(r'<th scope="row">A colleague</th>(.*?)</tr>', section, re.S).group(1)
    assert "fewer than 10 answers" in colleague and re.search(r"<td>\d+%</td>", colleague)
    small = client.get(f"{url}/W2?lang=en").get_data(as_text=True)
    small_section = small.split('id="unwanted-h"')[1].split("</section>")[0]
    row = re.search(r'<th scope="row">Bullying</th>(.*?)</tr>', small_section, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    # W2's own columns say "fewer than 10", never a number; the organisation's are shown
    assert "fewer than 10 answers" in cells[0] and not re.search(r"\d+%", cells[0])
    assert re.fullmatch(r"\d+%", cells[1])
    # the raw distributions of the module are not listed with the ordinary statements
    assert "have you been bullied" not in small
    filtered = client.get(f"{url}/SURG?lang=en&filter=dem_gender:1").get_data(as_text=True)
    filtered_section = filtered.split('id="unwanted-h"')[1].split("</section>")[0]
    assert "Not shown with a filter." in filtered_section
    assert not re.search(r"\d+%", filtered_section)
    dutch = client.get(f"{url}/SURG?lang=nl").get_data(as_text=True)
    assert "Ongewenst gedrag" in dutch and "Pesten" in dutch
