"""Landing page, privacy page, language choice and error pages."""

from __future__ import annotations

import pytest
from flask import abort

from tests.webapp.helpers import csrf_token, start


def test_privacy_page_follows_the_survey_settings(client, survey):
    page = client.get(f"/privacy/{survey.slug}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.text
    assert "at least 5 people" in text  # k
    assert "at least 10 people" in text  # comment threshold
    assert "730 days" in text  # retention
    assert "Special categories of personal data" in text
    assert "Were you born in the Netherlands?" in text
    assert "sexual orientation" in text
    assert "Your name, e-mail or IP address." in text
    nl = client.get(f"/privacy/{survey.slug}?lang=nl")
    assert "Bijzondere persoonsgegevens" in nl.text and "Ben je in Nederland geboren?" in nl.text


def test_privacy_page_of_unknown_survey_is_404(client, db):
    assert client.get("/privacy/no-such-survey").status_code == 404


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({}, "", "nl"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, "", "en"),
        ({"Accept-Language": "de-DE"}, "", "nl"),
        ({"Accept-Language": "en"}, "?lang=nl", "nl"),
        ({"Accept-Language": "nl"}, "?lang=en", "en"),
        ({"Accept-Language": "nl"}, "?lang=fr", "nl"),
    ],
)
def test_language_choice(client, db, headers, query, expected):
    page = client.get("/" + query, headers=headers)
    assert f'<html lang="{expected}">' in page.text


def test_language_switch_is_remembered_and_beats_the_invitation(client, survey):
    token = survey.issue(language="en")[0]
    start(client, token, headers={"Accept-Language": "nl"})
    assert '<html lang="en">' in client.get("/survey", headers={"Accept-Language": "nl"}).text
    client.get("/survey?lang=nl")
    assert '<html lang="nl">' in client.get("/survey/review").text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_error_pages_are_friendly_in_both_languages(app, db, lang):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    client = app.test_client()
    expected = {
        "nl": {
            403: "Geen toegang",
            404: "Pagina niet gevonden",
            405: "Dit werkt hier niet",
            500: "bij ons iets mis",
        },
        "en": {
            403: "No access",
            404: "Page not found",
            405: "This does not work here",
            500: "on our side",
        },
    }[lang]
    responses = {
        403: client.get("/forbidden", headers={"Accept-Language": lang}),
        404: client.get("/nowhere", headers={"Accept-Language": lang}),
        405: client.post("/", headers={"Accept-Language": lang}),
        500: client.get("/boom", headers={"Accept-Language": lang}),
    }
    for status, response in responses.items():
        assert response.status_code == status
        body = response.text
        assert "Traceback" not in body and "secret detail" not in body
        assert f'<html lang="{lang}">' in body
        assert expected[status] in body


def test_method_not_allowed_page(client, db):
    response = client.put("/privacy/x", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert "This does not work here" in response.text


def test_open_link_picks_unit_and_limits_repeats(client, app, db, tmp_path):
    from surveys.invitations import open_link_token
    from tests.webapp.conftest import HOSPITAL, make_survey

    path = tmp_path / "open.yaml"
    path.write_text(
        HOSPITAL.read_text(encoding="utf-8").replace("open_link: false", "open_link: true"),
        encoding="utf-8",
    )
    survey = make_survey(db, path)
    token = open_link_token(db, survey.slug)
    assert token
    response = client.get(f"/o/{token}")
    assert response.status_code == 303 and response.location == "/survey/unit"
    assert "samen_client" in response.headers.get("Set-Cookie", "")
    assert client.get("/survey").location == "/survey/unit"
    page = client.get("/survey/unit", headers={"Accept-Language": "en"})
    assert "Ward B" in page.text
    bad = client.post("/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": "nope"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text
    chosen = client.post(
        "/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": "ward-b"}
    )
    assert chosen.location == "/survey"
    review = client.get("/survey/review")
    sent = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert sent.location == "/survey/thanks"
    from surveys.responses import count_responses

    assert count_responses(db, survey.slug, survey.wave, "ward-b") == 1
    # The same browser (same client cookie) through the open link again: refused, friendly.
    client.get(f"/o/{token}")
    page = client.get("/survey/unit")
    client.post("/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": "ward-b"})
    review = client.get("/survey/review", headers={"Accept-Language": "en"})
    again = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert again.status_code == 409
    assert count_responses(db, survey.slug, survey.wave) == 1
