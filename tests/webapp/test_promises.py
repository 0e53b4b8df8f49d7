"""Every promise the respondent pages and the privacy page make, checked against behaviour.

One test per promise: it finds the sentence on the page as the respondent reads it (with the
number read from the survey definition: k in responses, the comment threshold in writers,
the retention in days), then makes the product do what the sentence rules out and checks
that it does not. Promises checked elsewhere are named in :data:`ELSEWHERE`.

The survey (tests/webapp/conftest.py ``survey``): the hospital example, units hospital >
ward-a, ward-b, one open wave; invitations for ward-a.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Date, DateTime, Time, inspect

from surveys.users import UserInfo
from tests.webapp.helpers import csrf_token, post_page, start
from webapp.respond.questionnaire import Questionnaire

ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
EN = {"Accept-Language": "en"}

#: Promises whose behaviour other tests check (the sentence: the test).
ELSEWHERE = {
    "Your link was deleted when you opened the survey": (
        "tests/webapp/test_respond.py::test_drafts_never_reach_the_database"
    ),
    "Researchers get a file in which every combination ... occurs at least k times": (
        "tests/webapp/test_export_cli.py::test_csv_export_is_k_anonymous_complete_and_unchanged"
    ),
    "All answers are deleted for good N days after the round closes": (
        "tests/surveys/test_privacy_purge.py::test_purge_expired_uses_retention"
    ),
    "Results are also hidden when ... they would reveal a smaller group": (
        "tests/webapp/test_audit_cli.py::test_demo_unit_totals_pass_for_every_role_and_a_manager"
    ),
    "Your link no longer works (thanks.html)": (
        "tests/webapp/test_respond.py::test_unknown_and_used_tokens_get_the_same_page"
    ),
    "Each person answers once. Nothing new was stored. (already.html)": (
        "tests/webapp/test_respond.py::test_a_replayed_cookie_sends_once"
    ),
    "Results are shown only for the whole organisation and the parts directly below it "
    "(open link)": "tests/webapp/test_openlink.py::test_open_link_results_hide_the_padded_unit",
    "Your answer (to an open question) is shown only when at least N people from your group "
    "answered the same question": (
        "tests/webapp/test_open_questions.py::test_each_question_is_shown_only_from_its_own_writers"
    ),
}


def _definition(survey: Any):
    from surveys.survey_store import get_survey

    return get_survey(survey.db, survey.slug)


def _answers(definition: Any, i: int) -> dict[str, int | None]:
    return {
        item.id: int(item.response_scale.points[i % len(item.response_scale.points)])
        for item in definition.items
    }


def _submit(survey: Any, n: int, comments: int = 0, unit: str | None = None) -> None:
    """``n`` responses in ``unit`` (default ward-a) through the service; the first
    ``comments`` of them leave a comment."""
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response

    definition = _definition(survey)
    tokens = issue_invitations(survey.db, survey.slug, unit or survey.unit, n)
    for i, token in enumerate(tokens):
        comment = f"Opmerking nummer {i} van {unit or survey.unit}." if i < comments else None
        submit_response(survey.db, token, _answers(definition, i), "nl", comment=comment)


def _close(survey: Any) -> None:
    from surveys.waves import close_wave

    close_wave(survey.db, survey.slug, survey.wave)


def _results(survey: Any, unit: str) -> dict[str, Any]:
    from webapp import results

    return results.unit_results(survey.db, survey.slug, survey.wave, unit, ADMIN)


def _comments(survey: Any, unit: str) -> dict[str, Any]:
    from webapp.results.comments import unit_comments

    return unit_comments(survey.db, survey.slug, survey.wave, unit, ADMIN)


def _walk_to(client: Any, survey: Any, path: str, lang: dict[str, str] = EN) -> Any:
    """Open a fresh invitation and GET ``path`` of the respondent flow."""
    token = survey.issue(1)[0]
    assert start(client, token, headers=lang).status_code == 303
    return client.get(path, headers=lang)


def _no_numbers_of(block: dict[str, Any]) -> bool:
    """Nothing released in a unit's block: no n, and every scale and item withheld."""
    cells = [*block.get("scales", {}).values(), *block.get("items", {}).values()]
    return block["n"] is None and all(c["mean"] is None and c["n"] is None for c in cells)


# --- the comment page -------------------------------------------------------------------------


@pytest.mark.parametrize("at_threshold", [False, True])
def test_comment_is_shown_only_when_the_threshold_of_people_wrote_one(
    client, survey, at_threshold
):
    """comment.html: "Your comment is shown only when at least N people from your group
    wrote one". N is read from the survey; the group has far more than N responses, and
    N - 1 or N of them wrote a comment."""
    threshold = _definition(survey).comment_threshold
    page = _walk_to(client, survey, "/survey/comment")
    assert (
        f"Your comment is shown only when at least {threshold} people from your group wrote one"
        in page.text
    )
    nl = _walk_to(client, survey, "/survey/comment", {"Accept-Language": "nl"})
    assert f"minstens {threshold} mensen uit je groep een opmerking schreven" in nl.text
    writers = threshold if at_threshold else threshold - 1
    _submit(survey, 2 * threshold + 5, comments=writers)
    _close(survey)
    assert _results(survey, survey.unit)["n"] >= threshold  # the group reaches N responses
    for unit in (survey.unit, "hospital"):  # the unit, and the organisation above it
        out = _comments(survey, unit)
        assert out["comment_threshold"] == threshold
        assert out["comment_threshold_counts"] == "writers"
        if at_threshold:
            assert out["shown"] and len(out["comments"]) == writers, unit
        else:
            assert (out["shown"], out["comments"]) == (False, None), unit


def test_comment_is_never_shown_next_to_your_other_answers(client, survey):
    """comment.html: "... and never next to your other answers"; privacy: "Your comment,
    apart from your answers and without the questions about you"."""
    page = _walk_to(client, survey, "/survey/comment")
    assert "never next to your other answers" in page.text
    privacy = client.get(f"/privacy/{survey.slug}", headers=EN).text
    assert "Your comment, apart from your answers and without the questions about you." in (
        privacy
    )
    columns = {c["name"] for c in inspect(survey.db.engine).get_columns("comments")}
    # no link, no profile: ``question`` names the open question answered, never the response
    assert columns == {"id", "wave_id", "unit_id", "language", "text", "question"}
    threshold = _definition(survey).comment_threshold
    _submit(survey, threshold, comments=threshold)
    _close(survey)
    out = _comments(survey, survey.unit)
    assert out["shown"]
    assert all(set(c) == {"text", "language"} for c in out["comments"])


# --- k: "results only for groups of at least k people" ---------------------------------------


def test_results_only_for_groups_of_at_least_k(client, survey):
    """welcome.html, unit.html, thanks.html, consent.html and the privacy page: "Results are
    only shown for groups of at least k people. If fewer people answer, nothing is shown."
    k is read from the survey: k - 1 responses show nothing, not the count either."""
    k = _definition(survey).k
    welcome = _walk_to(client, survey, "/survey")
    assert f"Results are only shown for groups of at least {k} people." in welcome.text
    assert "If fewer people answer, nothing is shown." in welcome.text
    privacy = client.get(f"/privacy/{survey.slug}", headers=EN).text
    assert f"Results are shown only for groups of at least {k} people." in privacy
    _submit(survey, k - 1)
    _close(survey)
    for unit in (survey.unit, "hospital"):
        found = _results(survey, unit)
        assert _no_numbers_of(found), unit
        assert str(k - 1) not in repr({key: v for key, v in found.items() if key == "n"})


def test_results_of_a_group_of_k_are_shown(survey):
    """The other side of the same promise: a group of exactly k is shown (the test above
    could not fail otherwise)."""
    k = _definition(survey).k
    _submit(survey, k)
    _close(survey)
    assert _results(survey, survey.unit)["n"] == k


def test_results_only_after_the_round_closes(client, survey):
    """thanks.html: "Results are shared after this round closes"; privacy: "Results appear
    only after the round has closed". Far more than k answered, the wave still open."""
    k = _definition(survey).k
    token = survey.issue(1)[0]
    start(client, token, headers=EN)
    review = client.get("/survey/review", headers=EN)
    client.post("/survey/send", data={"csrf_token": csrf_token(review.text)}, headers=EN)
    thanks = client.get("/survey/thanks", headers=EN).text
    assert "Results are shared after this round closes" in thanks
    privacy = client.get(f"/privacy/{survey.slug}", headers=EN).text
    assert "Results appear only after the round has closed." in privacy
    _submit(survey, 3 * k)
    for unit in (survey.unit, "hospital"):
        found = _results(survey, unit)
        assert found["released"] is False and _no_numbers_of(found), unit
        assert _comments(survey, unit)["comments"] is None


# --- skipping, and nothing stored before Send -------------------------------------------------


def _row_counts(db: Any) -> dict[str, int]:
    from sqlalchemy import func, select, table

    names = inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        }


def test_you_may_skip_any_question_and_nothing_is_stored_until_send(client, survey):
    """page.html: "You may skip any question."; welcome.html: "You can skip any question ...
    Nothing is stored until you press Send at the end."; review.html: "Nothing has been
    sent yet." Every page posted empty moves on; the database does not change until Send;
    Send stores one response with no answers."""
    questionnaire = Questionnaire.from_definition(_definition(survey))
    welcome = _walk_to(client, survey, "/survey")
    assert "You can skip any question" in welcome.text
    assert "Nothing is stored until you press Send at the end." in welcome.text
    before = _row_counts(survey.db)
    consent = post_page(client, "/survey/consent", {}, nav="yes")
    assert consent.status_code == 303
    for page in questionnaire.pages:
        html = client.get(f"/survey/q/{page.id}", headers=EN).text
        assert "You may skip any question." in html
        moved = post_page(client, f"/survey/q/{page.id}", {})
        assert moved.status_code == 303, page.id  # no "required" error, on to the next
    review = client.get("/survey/review", headers=EN)
    assert "Nothing has been sent yet." in review.text
    assert _row_counts(survey.db) == before
    sent = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert sent.status_code == 303 and sent.location == "/survey/thanks"
    assert _row_counts(survey.db)["responses"] == before["responses"] + 1


def test_sensitive_questions_may_each_be_left_unanswered(client, survey):
    """consent.html: "These questions are optional. You may skip them, or leave any one of
    them unanswered." (It promised an answer for "prefer not to say" on every question,
    which the unwanted-behaviour questions on source and reporting do not have.) Each
    sensitive question posted empty is accepted, and its answer is stored as missing."""
    from surveys.responses import load_answers

    questionnaire = Questionnaire.from_definition(_definition(survey))
    consent = _walk_to(client, survey, "/survey/consent")
    assert "These questions are optional." in consent.text
    assert "leave any one of them unanswered" in consent.text
    assert "every question has an answer for if you prefer not to say" not in consent.text
    post_page(client, "/survey/consent", {}, nav="yes")
    sensitive = [p for p in questionnaire.pages if p.sensitive]
    assert sensitive
    for page in questionnaire.pages:
        # answer every ordinary question, leave every sensitive one empty
        points = {i.id: str(i.response_scale.points[0]) for i in page.items}
        data = {} if page.sensitive else points
        assert post_page(client, f"/survey/q/{page.id}", data).status_code == 303
    review = client.get("/survey/review")
    client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    matrix = load_answers(survey.db, survey.slug, survey.wave)
    assert matrix.n == 1
    for page in sensitive:
        for item in page.items:
            if item.id in matrix.item_ids:
                value = matrix.values[0, matrix.item_ids.index(item.id)]
            else:  # a question about you, kept with the answers
                value = matrix.demographics[0, matrix.demographic_ids.index(item.id)]
            assert value is None or value != value, item.id  # None or NaN: missing


def test_special_category_questions_have_prefer_not_to_say(client, survey):
    """privacy.html: special categories "Each is optional and has an answer for if you
    prefer not to say." Each such question offers that answer on its page."""
    from surveys.privacy import privacy_summary

    definition = _definition(survey)
    privacy = client.get(f"/privacy/{survey.slug}", headers=EN).text
    assert "Each is optional and has an answer for if you prefer not to say." in privacy
    special = {q.id for q in privacy_summary(definition).special_category_questions}
    assert special
    questionnaire = Questionnaire.from_definition(definition)
    _walk_to(client, survey, "/survey")
    post_page(client, "/survey/consent", {}, nav="yes")
    seen = set()
    for page in questionnaire.pages:
        asked = special & {i.id for i in page.items}
        if not asked:
            continue
        html = client.get(f"/survey/q/{page.id}", headers=EN).text
        for item in page.items:
            if item.id in asked:
                assert item.response_scale.not_applicable, item.id
                assert item.response_scale.not_applicable["en"] == "Prefer not to say"
                seen.add(item.id)
        assert "Prefer not to say" in html
    assert seen == special


# --- what is not stored -----------------------------------------------------------------------


def test_no_name_e_mail_ip_or_time_is_stored_with_answers(client, survey):
    """privacy: "What we do not store: Your name, e-mail or IP address. The time you
    answered." No column of the tables that hold answers or comments can hold them."""
    privacy = client.get(f"/privacy/{survey.slug}", headers=EN).text
    assert "Your name, e-mail or IP address." in privacy
    assert "The time you answered." in privacy
    inspector = inspect(survey.db.engine)
    for table in ("responses", "comments"):
        for column in inspector.get_columns(table):
            name = column["name"].lower()
            assert not any(w in name for w in ("name", "mail", "ip", "time", "date", "_at")), (
                table,
                name,
            )
            assert not isinstance(column["type"], (Date, DateTime, Time)), (table, name)


def test_daily_counts_are_per_unit_and_day_only(survey):
    """privacy: "Per unit per day the number of completed questionnaires": a count, no more."""
    columns = {c["name"] for c in inspect(survey.db.engine).get_columns("daily_counts")}
    assert columns <= {"id", "wave_id", "unit_id", "day", "count"}


def test_the_promises_checked_elsewhere_name_existing_tests():
    """Each entry of ELSEWHERE names a test that exists, so the list cannot rot silently."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for sentence, where in ELSEWHERE.items():
        path, name = where.split("::")
        assert f"def {name}(" in (root / path).read_text(encoding="utf-8"), sentence
