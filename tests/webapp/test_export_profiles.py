"""Missing codes, export profiles, local suppression and the information-loss summary.

The small hospital of tests/conftest.py (SQLite) with answers that say "not applicable",
answers left out and demographics rare enough to be withheld; the demo's closed wave for
every profile. k-anonymity of each file is checked the way a reader would: every combination
of unit, language and demographic columns, a withheld cell (-4) counting as a value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_export_cli import (  # noqa: F401  (module fixtures)
    CLOSED,
    DEMO,
    assert_k_anonymous,
    demo_copy,
    demo_db,
    demo_url,
    run,
)
from tests.webapp.test_research import research_app  # noqa: F401  (module fixture)

PLAN = {"W1": 8, "W2": 6, "ICU": 7, "HOSP": 5}


def fill(db, seed: int = 5) -> dict[str, dict[str, int]]:
    """Answer through invitations; per item, how many said "na" (-1), "pn" (-2) and left it
    out (-3)."""
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(seed)
    given: dict[str, dict[str, int]] = {
        item.id: {"na": 0, "pn": 0, "skip": 0} for item in definition.items
    }
    for unit, count in PLAN.items():
        for i, token in enumerate(issue_invitations(db, HOSPITAL_SLUG, unit, count)):
            answers: dict[str, int | str | None] = {}
            for item in definition.items:
                draw = rng.random()
                if draw < 0.05 and item.response_scale.prefer_not_to_say:
                    answers[item.id] = "pn"
                    given[item.id]["pn"] += 1
                elif draw < 0.1 and item.response_scale.not_applicable:
                    answers[item.id] = "na"
                    given[item.id]["na"] += 1
                elif draw < 0.2:
                    answers[item.id] = None
                    given[item.id]["skip"] += 1
                else:
                    answers[item.id] = int(rng.choice(item.response_scale.points))
            demographics = {"dem_gender": 1 + i % 2, "dem_age": int(rng.integers(1, 5))}
            submit_response(db, token, answers, "nl", demographics)
    return given


@pytest.fixture
def closed_hospital(hospital_db):
    from surveys.waves import close_wave

    given = fill(hospital_db)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    return hospital_db, given


def test_each_missing_code_appears_where_it_should_in_csv(closed_hospital, tmp_path):
    from webapp.research.service import export_wave

    db, given = closed_hospital
    files = export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path, seed=1)
    frame = pd.read_csv(files.paths[0], keep_default_na=False, na_values=[""])
    assert len(frame) == sum(PLAN.values())
    assert_k_anonymous(frame, files.k)
    checked = 0
    for item, counts in given.items():
        column = frame[item]
        assert column.notna().all()  # never empty: a code says why
        assert int((column == -1).sum()) == counts["na"]  # "not applicable" as given
        assert int((column == -2).sum()) == counts["pn"]  # "prefer not to say" as given
        assert int((column == -3).sum()) == counts["skip"]  # left out as given
        assert not (column == -4).any()  # items are never withheld
        checked += (counts["na"] > 0) + (counts["pn"] > 0)
    assert checked > 5  # not vacuous: many items had a "not applicable" or "prefer not to say"
    assert any(counts["pn"] for counts in given.values())
    demographics = [c for c in frame.columns if c.startswith("dem_")]
    values = frame[demographics].to_numpy(dtype=float)
    assert not np.isnan(values).any()
    # every withheld demographic cell is in the loss summary (or in a column left out whole)
    loss = files.loss
    withheld_cells = int((values == -4).sum())
    left_out = sum(len(frame) for c in demographics if c in loss.withheld)
    assert withheld_cells == left_out + sum(loss.cells.get(c, 0) for c in demographics)
    assert loss.rows == len(frame)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["resources"][0]["schema"]["missingValues"] == ["", "-1", "-2", "-3", "-4"]
    codebook = json.loads((tmp_path / "codebook.json").read_text(encoding="utf-8"))
    assert [c["value"] for c in codebook["missing_codes"]] == [-1, -2, -3, -4]
    assert codebook["information_loss"]["rows"] == len(frame)
    markdown = (tmp_path / "codebook.md").read_text(encoding="utf-8")
    assert "## Ontbrekend-codes" in markdown or "## Missing codes" in markdown
    assert "Informatieverlies" in markdown or "Information loss" in markdown


def test_spss_declares_the_codes_user_missing(closed_hospital, tmp_path):
    import pyreadstat

    from webapp.research.service import export_wave

    db, given = closed_hospital
    files = export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "sav", tmp_path, lang="en")
    item = max(given, key=lambda i: given[i]["na"])
    coded, meta = pyreadstat.read_sav(str(files.paths[0]), user_missing=True)
    assert int((coded[item] == -1).sum()) == given[item]["na"]
    assert int((coded[item] == -3).sum()) == given[item]["skip"]
    assert meta.missing_ranges[item] == [{"lo": -4.0, "hi": -1.0}]
    assert meta.variable_value_labels[item][-1.0] == "Not applicable"
    assert meta.variable_value_labels["dem_age"][-4.0].startswith("Withheld")
    # read as SPSS reads it by default: the codes are missing, not numbers
    plain, _ = pyreadstat.read_sav(str(files.paths[0]))
    assert int(plain[item].isna().sum()) == given[item]["na"] + given[item]["skip"]
    assert (plain[item].dropna() > 0).all()


def test_the_demographics_option_keeps_its_own_label(closed_hospital, tmp_path):
    from webapp.research.service import export_wave

    db, _ = closed_hospital
    export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path, lang="nl")
    codebook = json.loads((tmp_path / "codebook.json").read_text(encoding="utf-8"))
    age = next(c for c in codebook["columns"] if c["name"] == "dem_age")
    assert age["missing_codes"] == [-1, -3, -4]
    assert "-1 = Zeg ik liever niet" in age["missing"]["nl"]  # what the respondent saw


@pytest.mark.parametrize(
    ("profile", "kept"),
    [
        ({"name": "full"}, None),
        ({"name": "units-only"}, set()),
        ({"name": "pick", "questions": ("dem_age",)}, {"dem_age", "dem_gender"}),
        ({"name": "full", "suppression": "columns"}, None),
        ({"name": "full", "order": ("dem_age", "language")}, None),
    ],
)
def test_every_profile_is_k_anonymous_and_keeps_what_it_says(
    closed_hospital, tmp_path, profile, kept
):
    from webapp.research.export_profiles import ExportProfile
    from webapp.research.service import export_wave

    db, _ = closed_hospital
    chosen = ExportProfile(**profile)
    files = export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path, profile=chosen)
    frame = pd.read_csv(files.paths[0], keep_default_na=False, na_values=[""])
    assert_k_anonymous(frame, files.k)
    demographics = [c for c in frame.columns if c.startswith("dem_")]
    if kept is not None:
        for column in demographics:
            if column not in kept:
                assert (frame[column] == -4).all(), column
                assert column in files.loss.withheld
    assert files.loss.profile == chosen.name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "pick"], "one or 2"),
        (["--profile", "pick", "--question", "nope"], "no demographic question 'nope'"),
        (["--profile", "units-only", "--question", "dem_age"], "only with profile pick"),
        (["--order", "dem_age,dem_age"], "twice"),
        (["--profile", "units-only", "--order", "dem_age"], "not a column this profile keeps"),
    ],
)
def test_bad_profiles_exit_2_with_one_line(demo_url, tmp_path, monkeypatch, args, message):  # noqa: F811
    # refused before anything is pinned or written
    result = run(
        demo_url, monkeypatch, "export", DEMO, "--wave", CLOSED, "--out", str(tmp_path), *args
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


@pytest.mark.parametrize("profile", ["full", "units-only", "pick"])
def test_demo_export_per_profile_prints_the_loss(
    tmp_path_factory, sqlite_template, tmp_path, monkeypatch, profile
):
    url = demo_copy(tmp_path_factory, sqlite_template)  # a fresh wave: no export pinned yet
    args = ["--profile", profile] + (["--question", "dem_age"] if profile == "pick" else [])
    out = tmp_path / profile
    result = run(url, monkeypatch, "export", DEMO, "--wave", CLOSED, "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    assert f"information loss (profile {profile}" in result.output
    frame = pd.read_csv(out / f"{DEMO}_{CLOSED}.csv", keep_default_na=False, na_values=[""])
    assert_k_anonymous(frame, 5)
    markdown = (out / "codebook.md").read_text(encoding="utf-8")
    assert f"`{profile}`" in markdown


def test_a_wave_keeps_the_settings_of_its_first_export(closed_hospital, tmp_path):
    from surveys.errors import InputError
    from surveys.export_pins import pinned_export
    from webapp.research.export_profiles import ExportProfile
    from webapp.research.service import export_wave

    db, _ = closed_hospital
    assert pinned_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE) is None
    pick = ExportProfile("pick", ("dem_age",))
    export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path / "a", profile=pick)
    assert pinned_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == pick.describe()
    # the same settings in another format and language: the same rows, allowed
    export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "sav", tmp_path / "b", "en", profile=pick)
    # another profile, or the same with another importance order, would join with the first
    for other in (ExportProfile(), ExportProfile("pick", ("dem_age",), order=("dem_age",))):
        with pytest.raises(InputError, match="was exported with profile pick"):
            export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path / "c", profile=other)
    assert not (tmp_path / "c").exists()


def test_the_research_page_exports_the_profile_picked_and_keeps_to_it(research_app):  # noqa: F811
    import io
    import zipfile

    from tests.webapp.helpers import csrf_token
    from tests.webapp.test_research import signed_in

    client = signed_in(research_app, "researcher")
    page = client.get(f"/research/{DEMO}/").get_data(as_text=True)
    assert 'name="profile"' in page and "Units only" in page and "-4 withheld" in page
    data = {
        "wave": CLOSED,
        "format": "csv",
        "language": "en",
        "profile": "pick",
        "question_1": "dem_age",
        "order": "dem_age",
        "suppression": "local",
        "csrf_token": csrf_token(page),
    }
    response = client.post(f"/research/{DEMO}/", data=data)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    codebook = json.loads(archive.read("codebook.json"))
    assert codebook["information_loss"]["profile"] == "pick"
    frame = pd.read_csv(archive.open(f"{DEMO}_{CLOSED}.csv"))
    assert_k_anonymous(frame, 5)
    # another profile for the same wave is refused, with the reason on the page
    other = {**data, "profile": "units-only", "question_1": "", "order": ""}
    response = client.post(f"/research/{DEMO}/", data=other)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "was exported with profile pick" in text
    dutch = signed_in(research_app, "researcher", "nl")
    page = dutch.get(f"/research/{DEMO}/").get_data(as_text=True)
    assert "Alleen afdelingen" in page and "Wat het bestand bewaart" in page
