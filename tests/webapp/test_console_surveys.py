"""Console, Surveys: compose a survey with the form (the CLI's survey file and messages),
change it (privacy settings fixed once a wave has responses or is open), download and
upload the YAML, preview every page in both languages (nothing stored).

Each test gets a fresh database (``db``, SQLite and PostgreSQL).
"""

from __future__ import annotations

import io
import re

import pytest
import yaml

from surveys.definitions import get_survey, list_surveys
from tests.webapp.helpers import csrf_token
from tests.webapp.test_console_access import (
    ROLES,
    assert_refused,
    console_client,
    login_page_token,
)

FORM = {
    "id": "zorg-2026",
    "title_nl": "Werken bij Zorggroep",
    "title_en": "Working at Care Group",
    "organisation_nl": "Zorggroep, HR",
    "organisation_en": "Care Group, HR",
    "description_nl": "Hoe is het om hier te werken?",
    "description_en": "What is it like to work here?",
    "languages": ["nl", "en"],
    "instruments": ["belonging", "social_safety"],
    "open_comments": "y",
    "min_group_size": "5",
    "comment_threshold": "10",
    "retention_days": "730",
    "access": "invitations",
    "privacy_contact": "privacy@zorg.example",
}


def _post(client, url: str, data: dict, **kwargs):
    page = client.get(url if not url.endswith("upload") else "/console/surveys")
    return client.post(url, data={**data, "csrf_token": csrf_token(page.text)}, **kwargs)


def _create(client, **changes):
    return _post(client, "/console/surveys/new", {**FORM, **changes})


def test_the_form_creates_the_survey_the_cli_would(app, db, tmp_path):
    from surveys.definitions import create_survey

    client = console_client(app, db, "admin")
    response = _create(client)
    assert response.status_code == 302 and response.location == "/console/surveys"
    stored = get_survey(db, "zorg-2026")
    assert [i.id for i in stored.instruments] == ["belonging", "social_safety"]
    assert stored.min_group_size == 5 and stored.languages == ("nl", "en")
    assert stored.comments_enabled and not stored.open_link
    assert stored.description == {
        "nl": "Hoe is het om hier te werken?",
        "en": FORM["description_en"],
    }
    page = client.get("/console/surveys").text
    assert "Survey zorg-2026 created: 2 instruments, 42 questions, k = 5." in page
    # the downloaded YAML is a survey file the CLI takes back as the same survey
    download = client.get("/console/surveys/zorg-2026/survey.yaml")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    settings = yaml.safe_load(download.text)
    settings["id"] = "zorg-copy"
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    copy = get_survey(db, create_survey(db, path))
    assert copy.item_ids == stored.item_ids and copy.title == stored.title


def test_k_below_3_is_refused_next_to_the_field_with_the_cli_message(app, db):
    client = console_client(app, db, "admin")
    response = _create(client, min_group_size="2")
    assert response.status_code == 422
    html = response.text
    errors = re.search(
        r'<ul class="field-errors" id="min_group_size-errors">(.*?)</ul>', html, re.S
    )
    assert errors is not None
    assert "2 is below 3: Samen never shows groups smaller than 3" in errors.group(1)
    assert 'aria-invalid="true"' in html
    assert list_surveys(db) == []  # nothing half-stored


def test_missing_texts_and_instruments_are_named_per_field(app, db):
    client = console_client(app, db, "admin")
    response = _create(client, title_en="", instruments=[], comment_threshold="abc")
    html = response.text
    assert response.status_code == 422
    assert re.search(r'id="title_en-errors">\s*<li>title: missing text for &#39;en&#39;', html)
    assert 'id="instruments-errors"' in html
    assert re.search(
        r'id="comment_threshold-errors">\s*<li>comment_threshold: a whole number', html
    )
    assert list_surveys(db) == []


def test_a_taken_id_is_refused_with_the_cli_message(app, db):
    client = console_client(app, db, "admin")
    _create(client)
    response = _create(client, title_nl="Ander")
    assert response.status_code == 422
    assert "exists already; pick another id" in response.text
    assert get_survey(db, "zorg-2026").title["nl"] == FORM["title_nl"]


def test_without_csrf_nothing_is_stored(app, db):
    client = console_client(app, db, "admin")
    assert client.post("/console/surveys/new", data=FORM).status_code == 400
    assert list_surveys(db) == []


def test_privacy_settings_are_fixed_once_a_wave_is_open_texts_are_not(app, db):
    from surveys.waves import open_wave

    client = console_client(app, db, "admin")
    _create(client)
    # before any wave: k may change
    response = _post(client, "/console/surveys/zorg-2026/edit", {**FORM, "min_group_size": "7"})
    assert response.status_code == 302
    assert get_survey(db, "zorg-2026").min_group_size == 7
    open_wave(db, "zorg-2026", "2026-1")
    page = client.get("/console/surveys/zorg-2026/edit").text
    assert "round 2026-1 is open and respondents may have answers in progress" in page
    assert re.search(
        r'<input[^>]*disabled[^>]*id="min_group_size"|id="min_group_size"[^>]*disabled', page
    )
    # a forged POST cannot change a fixed setting; the title may change
    forged = {**FORM, "min_group_size": "3", "title_en": "Working at the Care Group"}
    response = _post(client, "/console/surveys/zorg-2026/edit", forged)
    assert response.status_code == 302
    stored = get_survey(db, "zorg-2026")
    assert stored.min_group_size == 7
    assert stored.title["en"] == "Working at the Care Group"


def test_a_yaml_upload_changing_a_fixed_setting_is_refused(app, db):
    from surveys.waves import open_wave

    client = console_client(app, db, "admin")
    _create(client)
    open_wave(db, "zorg-2026", "2026-1")
    settings = yaml.safe_load(client.get("/console/surveys/zorg-2026/survey.yaml").text)
    settings["min_group_size"] = 3
    raw = yaml.safe_dump(settings, allow_unicode=True).encode()
    response = _post(
        client,
        "/console/surveys/upload",
        {"file": (io.BytesIO(raw), "zorg.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "survey.yaml: min_group_size: locked: wave &#39;2026-1&#39; is open" in response.text
    assert get_survey(db, "zorg-2026").min_group_size == 5


def test_a_yaml_upload_creates_a_survey(app, db):
    from pathlib import Path

    client = console_client(app, db, "admin")
    raw = (Path(__file__).parents[2] / "surveys" / "examples" / "hospital.yaml").read_bytes()
    response = _post(
        client,
        "/console/surveys/upload",
        {"file": (io.BytesIO(raw), "hospital.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert get_survey(db, "hospital-2026").min_group_size == 5


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_preview_shows_every_page_in_each_language_and_stores_nothing(app, db, lang):
    from surveys.responses import count_responses
    from surveys.waves import open_wave

    client = console_client(app, db, "admin")
    _create(client, unwanted_behaviour="y", demographics="y")
    open_wave(db, "zorg-2026", "2026-1")
    url = f"/console/surveys/zorg-2026/preview/{lang}/"
    seen = []
    for _ in range(20):  # follow Next through every step
        page = client.get(url)
        assert page.status_code == 200, url
        assert f'<html lang="{lang}">' in page.text
        seen.append(url)
        forms = re.findall(r'<form[^>]*action="([^"]+)"', page.text)
        nexts = re.findall(r'<a class="button primary" href="([^"]+)"', page.text)
        step_forms = [f for f in forms if "/preview/" in f]
        if nexts and not step_forms:
            url = nexts[0]
            continue
        token = csrf_token(page.text)
        if url.endswith("/review"):
            done = client.post(step_forms[0], data={"csrf_token": token})
            assert done.status_code == 303
            break
        moved = client.post(
            step_forms[0], data={"csrf_token": token, "nav": "yes" if "consent" in url else "next"}
        )
        assert moved.status_code == 303
        url = moved.location
    assert url.endswith("/review")
    # welcome, consent, every page, comment, review
    assert any(u.endswith("/consent") for u in seen) and any(u.endswith("/comment") for u in seen)
    assert len(seen) >= 8
    assert count_responses(db, "zorg-2026", "2026-1") == 0
    texts = {"nl": "Erbij horen", "en": "Belonging"}
    belonging = client.get(f"/console/surveys/zorg-2026/preview/{lang}/belonging").text
    assert texts[lang] in belonging


@pytest.mark.parametrize("role", ROLES[:3])
def test_every_survey_route_refuses_everyone_but_the_admin(app, db, role):
    from surveys.definitions import create_survey
    from tests.webapp.conftest import HOSPITAL

    create_survey(db, HOSPITAL)
    client = console_client(app, db, role)
    for url in (
        "/console/surveys",
        "/console/surveys/new",
        "/console/surveys/hospital-2026/edit",
        "/console/surveys/hospital-2026/survey.yaml",
        "/console/surveys/hospital-2026/preview/nl/",
        "/console/surveys/hospital-2026/preview/en/belonging",
    ):
        assert_refused(client.get(url), role)
    token = login_page_token(client)
    for url in (
        "/console/surveys/new",
        "/console/surveys/hospital-2026/edit",
        "/console/surveys/upload",
        "/console/surveys/hospital-2026/preview/nl/belonging",
    ):
        assert_refused(client.post(url, data={"csrf_token": token, **FORM}), role)
    assert [s.slug for s in list_surveys(db)] == ["hospital-2026"]


def test_the_survey_pages_in_dutch(app, db):
    client = console_client(app, db, "admin", "nl")
    html = client.get("/console/surveys/new").text
    assert "<h1>Nieuw onderzoek</h1>" in html
    assert "Minimale groepsgrootte k (antwoorden)" in html


def test_the_filter_question_is_stored_and_used_by_the_results_service(app, db):
    from webapp.results.release import filter_question

    client = console_client(app, db, "admin")
    response = _create(client, demographics="y", filter_question="dem_role")
    assert response.status_code == 302
    definition = get_survey(db, "zorg-2026")
    assert definition.filter_question == "dem_role"
    assert filter_question(definition) == "dem_role"
    settings = yaml.safe_load(client.get("/console/surveys/zorg-2026/survey.yaml").text)
    assert settings["filter_question"] == "dem_role"


def test_a_filter_question_needs_the_background_questions(app, db):
    client = console_client(app, db, "admin")
    response = _create(client, filter_question="dem_role")  # no demographics module
    assert response.status_code == 422
    assert re.search(
        r'id="filter_question-errors">\s*<li>filter_question: needs the demographics module',
        response.text,
    )
    assert list_surveys(db) == []


def test_an_open_link_survey_is_previewed_from_the_unit_choice(app, db):
    from tests.webapp.conftest import _add_units

    _add_units(db)
    client = console_client(app, db, "admin")
    _create(client, access="open_link")
    first = client.get("/console/surveys/zorg-2026/preview/en/")
    assert first.request.path.endswith("/preview/en/")
    assert "Which team or department do you work in?" in first.text
    assert '<option value="ward-a">Ward A</option>' in first.text
    moved = client.post(
        "/console/surveys/zorg-2026/preview/en/unit",
        data={"csrf_token": csrf_token(first.text), "unit": "ward-a"},
    )
    assert moved.status_code == 303 and moved.location.endswith("/preview/en/welcome")
    welcome = client.get(moved.location).text
    assert 'href="/console/surveys/zorg-2026/preview/en/belonging"' in welcome
