"""Open questions (``programme_feedback``'s two): asked on the respondent's page, stored as
comments naming their question apart from the response, shown per question under the comment
rules counted in that question's writers, and audited per question by ``samen audit``.

The organisation: ORG > A, B. The survey: ``programme_feedback`` with the general comment,
k = 3 responses, comment threshold 3 writers (people who answered the question).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from engine.disclosure.audit import View
from surveys import users as users_module
from surveys.errors import InputError, NotFound
from surveys.users import UserInfo
from tests.webapp.helpers import csrf_token, post_page, start
from webapp import create_app
from webapp.config import TestConfig
from webapp.results.comments import unit_comments, unit_open_answers

SLUG = "pf"
WAVE = "2026-1"
USEFUL, LESSON = "pf_open_useful", "pf_open_lesson"
ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
PASSWORD = "a long enough password"
SURVEY = """\
id: pf
title: {nl: Terugblik, en: Looking back}
organisation: {nl: Wij, en: Us}
languages: [nl, en]
instruments: [programme_feedback]
modules: {open_comments: true}
min_group_size: 3
comment_threshold: 3
"""
UNITS = (
    "unit_id,parent_id,name,manager_email\nORG,,Organisation,\nA,ORG,Cohort A,\nB,ORG,Cohort B,\n"
)


@pytest.fixture
def pf_db(db, tmp_path: Path):
    from surveys.org import import_units
    from surveys.survey_store import create_survey
    from surveys.waves import open_wave

    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    import_units(db, tmp_path / "units.csv")
    (tmp_path / "pf.yaml").write_text(SURVEY, encoding="utf-8")
    create_survey(db, tmp_path / "pf.yaml")
    open_wave(db, SLUG, WAVE)
    return db


def answer(db, unit: str, open_answers: list[dict[str, str]], comment: str | None = None) -> None:
    """One response per entry of ``open_answers`` in ``unit``, every closed item answered 4."""
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey

    items = get_survey(db, SLUG).items
    for token, opened in zip(
        issue_invitations(db, SLUG, unit, len(open_answers)), open_answers, strict=True
    ):
        submit_response(
            db, token, {i.id: 4 for i in items}, "en", comment=comment, open_answers=opened
        )


def writers(unit: str, useful: int, lesson: int, n: int) -> list[dict[str, str]]:
    """``n`` responses of ``unit``: the first ``useful`` answer USEFUL, the first ``lesson``
    answer LESSON."""
    out = []
    for i in range(n):
        row = {}
        if i < useful:
            row[USEFUL] = f"Useful {unit}{i}: the coaching."
        if i < lesson:
            row[LESSON] = f"Lesson {unit}{i}: ask the quiet ones."
        out.append(row)
    return out


# --- the respondent's page and the storage ---------------------------------------------------


def test_a_respondent_answers_both_open_questions_and_they_are_stored_apart(pf_db):
    from surveys.invitations import issue_invitations

    (token,) = issue_invitations(pf_db, SLUG, "A", 1)
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": pf_db}).test_client()
    assert start(client, token).status_code == 303
    first, last = "/survey/q/programme_feedback-1", "/survey/q/programme_feedback-2"
    assert "pf_open_useful" not in client.get(first).text  # on the instrument's last page only
    post_page(client, first, {"pf_course_1": "4", "pf_use_1": "5"})
    html = client.get(f"{last}?lang=en").text
    for question, words in ((USEFUL, "most useful to you"), (LESSON, "main lesson")):
        field = re.search(rf'<textarea id="{question}" name="{question}"[^>]*>', html)
        assert field is not None and 'maxlength="1000"' in field.group(0)
        assert f'aria-describedby="{question}-hint"' in field.group(0)
        assert re.search(rf'<label for="{question}">[^<]*{words}', html)
    assert "Welk onderdeel" in client.get(f"{last}?lang=nl").text
    client.get(f"{last}?lang=en")
    too_long = post_page(client, last, {USEFUL: "x" * 1001})
    assert too_long.status_code == 200 and "At most 1000 characters" in too_long.text
    sent = post_page(
        client,
        last,
        {"pf_do_1": "4", USEFUL: "The coaching session.", LESSON: " Ask before I judge. "},
    )
    assert sent.status_code == 303 and sent.location == "/survey/comment"
    post_page(client, "/survey/comment", {"comment": "Thank you."})
    review = client.get("/survey/review?lang=en").text
    assert "The coaching session." in review and "Ask before I judge." in review
    done = client.post("/survey/send", data={"csrf_token": csrf_token(review)})
    assert done.status_code == 303
    with pf_db.session() as session:
        rows = session.execute(text("SELECT question, text FROM comments")).all()
        columns = set(session.execute(text("SELECT * FROM comments")).keys())
        responses = session.execute(text("SELECT answers FROM responses")).scalars().all()
    assert sorted(rows, key=lambda r: str(r[0])) == sorted(
        [(None, "Thank you."), (USEFUL, "The coaching session."), (LESSON, "Ask before I judge.")],
        key=lambda r: str(r[0]),
    )
    # a comment names its question; nothing names the response it came with
    assert columns == {"id", "wave_id", "unit_id", "language", "text", "question"}
    assert len(responses) == 1 and "coaching" not in responses[0]


def test_the_open_link_stores_open_answers_too(pf_db, tmp_path):
    from surveys.openlink import submit_open_response
    from surveys.responses import load_comments
    from surveys.survey_store import create_survey
    from surveys.waves import open_wave

    (tmp_path / "open.yaml").write_text(
        SURVEY.replace("id: pf", "id: pfo") + "open_link: true\n", encoding="utf-8"
    )
    create_survey(pf_db, tmp_path / "open.yaml")
    open_wave(pf_db, "pfo", WAVE)
    with pytest.raises(InputError, match="not an open question"):
        submit_open_response(pf_db, "pfo", "B", {}, "en", "k1", open_answers={"nope": "x"})
    submit_open_response(pf_db, "pfo", "B", {}, "en", "k1", open_answers={LESSON: "Listen."})
    found = [(r.unit_code, r.question, r.text) for r in load_comments(pf_db, "pfo", WAVE)]
    assert found == [("B", LESSON, "Listen.")]


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_long_open_answers_never_break_the_cookie_cap(pf_db):
    """Two open answers and the comment of 1,000 random CJK characters each (hardly
    compressible): every cookie stays under the browsers' 4 KB; what no longer fits is
    refused with a request to shorten it, and the earlier texts are kept."""
    import random

    rng = random.Random(7)

    def noise() -> str:
        return "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(1000))

    from surveys.invitations import issue_invitations
    from webapp.respond.flow import COOKIE_BUDGET

    (token,) = issue_invitations(pf_db, SLUG, "A", 1)
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": pf_db}).test_client()
    start(client, token)
    client.get("/survey?lang=en")
    long = {q: noise() for q in (USEFUL, LESSON)}
    last = post_page(client, "/survey/q/programme_feedback-2", long)
    assert len(client.get_cookie("session").value) <= COOKIE_BUDGET
    comment = post_page(client, "/survey/comment", {"comment": noise()})
    assert len(client.get_cookie("session").value) <= COOKIE_BUDGET
    refused = [r for r in (last, comment) if r.status_code == 200]
    assert refused, "three such texts of 1,000 characters cannot all fit in 4 KB"
    assert all("too long to keep" in r.text for r in refused)
    if last.status_code == 303:  # the open answers were kept: the review shows them
        review = client.get("/survey/review").text
        assert long[USEFUL] in review and long[LESSON] in review


def test_open_answers_are_checked_and_keep_their_question_through_the_close(pf_db):
    from surveys.invitations import issue_invitations
    from surveys.responses import load_comments, submit_response
    from surveys.waves import close_wave

    token, spare = issue_invitations(pf_db, SLUG, "A", 2)
    with pytest.raises(InputError, match="not an open question"):
        submit_response(pf_db, token, {}, "en", open_answers={"pf_course_1": "x"})
    with pytest.raises(InputError, match="longer than"):
        submit_response(pf_db, token, {}, "en", open_answers={USEFUL: "x" * 4001})
    submit_response(pf_db, token, {}, "en", open_answers={USEFUL: "Good.", LESSON: "  "})
    submit_response(pf_db, spare, {}, "nl", comment="Dank.")
    close_wave(pf_db, SLUG, WAVE)  # rewrites the comments in random order, new keys
    rows = load_comments(pf_db, SLUG, WAVE)
    assert sorted((r.question or "", r.text, r.unit_code) for r in rows) == [
        ("", "Dank.", "A"),
        (USEFUL, "Good.", "A"),
    ]


def test_imported_rows_carry_their_open_answers(pf_db, tmp_path):
    from surveys.response_import import import_responses
    from surveys.responses import load_comments

    csv = tmp_path / "paper.csv"
    csv.write_text(f"unit,pf_course_1,{USEFUL},comment\nA,4,On paper.,\nB,5,,Fine\n", "utf-8")
    assert import_responses(pf_db, SLUG, WAVE, csv) == 2
    found = sorted((r.question or "", r.text) for r in load_comments(pf_db, SLUG, WAVE))
    assert found == [("", "Fine"), (USEFUL, "On paper.")]


# --- results: per question, in that question's writers ---------------------------------------


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_each_question_is_shown_only_from_its_own_writers(pf_db, monkeypatch):
    """A: 3 of 4 answered USEFUL (shown), 2 answered LESSON (withheld, no count); the general
    comment (4 writers) is its own set."""
    from surveys.users import add_user
    from surveys.waves import close_wave

    answer(pf_db, "A", writers("A", useful=3, lesson=2, n=4), comment="Thanks.")
    close_wave(pf_db, SLUG, WAVE)
    useful = unit_comments(pf_db, SLUG, WAVE, "A", ADMIN, question=USEFUL)
    assert useful["shown"] and useful["question"] == USEFUL
    assert sorted(c["text"] for c in useful["comments"]) == [
        f"Useful A{i}: the coaching." for i in range(3)
    ]
    lesson = unit_comments(pf_db, SLUG, WAVE, "A", ADMIN, question=LESSON)
    assert (lesson["shown"], lesson["reason"], lesson["comments"]) == (
        False,
        "fewer-than-threshold",
        None,
    )
    general = unit_comments(pf_db, SLUG, WAVE, "A", ADMIN)
    assert (
        general["question"] is None and [c["text"] for c in general["comments"]] == ["Thanks."] * 4
    )
    listed = unit_open_answers(pf_db, SLUG, WAVE, "A", ADMIN)
    assert [(a["question"], a["shown"]) for a in listed] == [(USEFUL, True), (LESSON, False)]
    assert listed[0]["text"]["nl"].startswith("Welk onderdeel")
    with pytest.raises(NotFound):
        unit_comments(pf_db, SLUG, WAVE, "A", ADMIN, question="pf_course_1")

    # the dashboard, in both languages, and the API
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    add_user(pf_db, ADMIN.email, "admin", PASSWORD)
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": pf_db}).test_client()
    page = client.get("/auth/login")
    client.post(
        "/auth/login",
        data={"email": ADMIN.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    html = client.get(f"/dashboard/{SLUG}/{WAVE}/A?lang=en").text
    assert 'id="open-answers-h"' in html and "Useful A0: the coaching." in html
    assert "Lesson A0" not in html
    assert "shown only for groups in which at least 3 people answered it" in html
    dutch = client.get(f"/dashboard/{SLUG}/{WAVE}/A?lang=nl").text
    assert "Open vragen" in dutch and "Lesson A0" not in dutch
    api = f"/api/v1/surveys/{SLUG}/waves/{WAVE}/units/A/comments"
    assert client.get(f"{api}?question={LESSON}").get_json()["comments"] is None
    assert len(client.get(f"{api}?question={USEFUL}").get_json()["comments"]) == 3
    assert client.get(f"{api}?question=nope").status_code == 404


def _combined_rule(db):
    """The wrong rule: the tree rule on every free-text answer of a unit, all questions
    together (as if a unit's open answers were one set)."""
    from engine.disclosure.rules import suppress_scope
    from surveys.responses import load_comments

    total: dict[str, int] = {}
    for row in load_comments(db, SLUG, WAVE):
        total[row.unit_code] = total.get(row.unit_code, 0) + 1

    def released(context, _writers, scope):
        own = {u: total.get(u, 0) for u in context.parent}
        threshold = context.definition.comment_threshold
        return suppress_scope(context.parent, own, threshold, frozenset(scope)).shown

    return released


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_per_question_counts_that_would_reveal_two_writers_are_withheld(pf_db, monkeypatch):
    """USEFUL: A 3 writers, B 2 (ORG 5). Showing ORG and A would give ORG minus A = B's 2
    answers, below the threshold of 3: A's USEFUL answers are withheld (complementary), B's
    (fewer than 3). LESSON: A 3, B 3: all shown. Counted over both questions (A 6, B 5 texts)
    everything would be shown, and the audit finds the 2 writers that rule gives away (B's
    own view, and ORG minus A)."""
    from surveys.waves import close_wave
    from webapp.research.audit_comments import audit_wave_comments
    from webapp.results import comments
    from webapp.results.data import load_survey

    answer(pf_db, "A", writers("A", useful=3, lesson=3, n=3))
    answer(pf_db, "B", writers("B", useful=2, lesson=3, n=3))
    close_wave(pf_db, SLUG, WAVE)

    def shown(unit: str, question: str) -> object:
        found = unit_comments(pf_db, SLUG, WAVE, unit, ADMIN, question=question)
        return len(found["comments"]) if found["shown"] else found["reason"]

    assert [shown(u, USEFUL) for u in ("ORG", "A", "B")] == [
        5,
        "complementary",
        "fewer-than-threshold",
    ]
    assert [shown(u, LESSON) for u in ("ORG", "A", "B")] == [6, 3, 3]

    context = load_survey(pf_db, SLUG).at_wave(WAVE)
    everyone = frozenset(context.parent)
    found, views = audit_wave_comments(pf_db, context, WAVE, everyone)
    # USEFUL: ORG; LESSON: ORG, A, B; the general comment: none (nobody wrote one)
    assert found == () and views == 1 + 3

    monkeypatch.setattr(comments, "released_comment_units", _combined_rule(pf_db))
    assert shown("A", USEFUL) == 3  # the wrong rule shows A...
    leaks, _ = audit_wave_comments(pf_db, context, WAVE, everyone)
    (leak,) = leaks  # ...and B (5 texts in all): the audit finds B's 2 writers of USEFUL
    assert leak.writers == 2 and leak.atoms == frozenset({"B"})
    assert all(view.startswith(f"answers:{USEFUL}:") for view in leak.inside + leak.outside)


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_samen_audit_covers_the_open_questions(pf_db):
    from surveys.waves import close_wave
    from webapp.research.service import audit_survey

    answer(pf_db, "A", writers("A", useful=3, lesson=3, n=3), comment="Fine.")
    answer(pf_db, "B", writers("B", useful=3, lesson=0, n=3), comment="Fine.")
    close_wave(pf_db, SLUG, WAVE)
    result = audit_survey(pf_db, SLUG, WAVE, filters=False)
    # general comment: ORG, A, B; USEFUL: ORG, A, B; LESSON: ORG, A (B has none)
    assert result.ok and result.comment_views == 8


# --- a property over the tree: every question's released sets pass its own audit -----------

TREE = {"ORG": None, "A": "ORG", "A1": "A", "A2": "A", "B": "ORG", "B1": "B"}


@settings(max_examples=120, deadline=None)
@given(
    st.fixed_dictionaries({u: st.integers(0, 8) for u in TREE}),
    st.fixed_dictionaries({u: st.integers(0, 8) for u in TREE}),
    st.integers(3, 6),
    st.sampled_from(sorted(TREE)),
)
def test_each_questions_released_sets_reveal_no_small_set(useful, lesson, threshold, manager):
    """Property: over random writer counts per question (USEFUL, LESSON) on a six-unit tree,
    the units the service shows per question (for an admin and for a manager of any unit)
    never reveal fewer than the threshold writers of that question by any set operation,
    while the same rule on both questions' texts together would, whenever a unit shown
    that way holds 1 to threshold-1 writers of one question."""
    from engine.disclosure.audit_comments import audit_comments
    from engine.disclosure.rules import suppress_scope
    from surveys.org import UnitInfo
    from surveys.survey_store import load_survey_file
    from webapp.research.audit_comments import comment_views
    from webapp.results.access import subtree
    from webapp.results.data import SurveyContext

    definition = replace(load_survey_file(_survey_file()), comment_threshold=threshold)
    units = {code: UnitInfo(code, code, up) for code, up in TREE.items()}
    context = SurveyContext(definition=definition, units=units, waves=[])
    for scope in (frozenset(TREE), frozenset(subtree(TREE, manager))):
        for question, writers in ((USEFUL, useful), (LESSON, lesson)):
            views = comment_views(context, writers, scope, question)
            assert audit_comments(writers, views, threshold) == ()
    both = {u: useful[u] + lesson[u] for u in TREE}
    shown = suppress_scope(TREE, both, threshold, frozenset(TREE)).shown
    small = [
        u
        for u in shown
        for w in (useful, lesson)
        if 0 < sum(w[m] for m in subtree(TREE, u)) < threshold
    ]
    if small:  # the combined rule leaks: the per-question audit sees it
        naive = [View(f"naive:{u}", frozenset(subtree(TREE, u))) for u in sorted(shown)]
        assert audit_comments(useful, naive, threshold) or audit_comments(lesson, naive, threshold)


def _survey_file() -> Path:
    path = Path(tempfile.gettempdir()) / "samen-test-pf-survey.yaml"
    if not path.exists() or path.read_text(encoding="utf-8") != SURVEY:
        path.write_text(SURVEY, encoding="utf-8")
    return path


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize(("lang", "words"), [("en", "main lesson"), ("nl", "belangrijkste les")])
def test_the_console_preview_shows_the_open_questions(pf_db, monkeypatch, lang, words):
    from surveys.users import add_user

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    add_user(pf_db, ADMIN.email, "admin", PASSWORD)
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": pf_db}).test_client()
    page = client.get("/auth/login")
    client.post(
        "/auth/login",
        data={"email": ADMIN.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    base = f"/console/surveys/{SLUG}/preview/{lang}"
    last = client.get(f"{base}/programme_feedback-2")
    assert last.status_code == 200 and f'<textarea id="{LESSON}"' in last.text
    review = client.get(f"{base}/review")
    assert review.status_code == 200 and words in review.text


def test_the_privacy_statement_names_the_open_answers_and_their_threshold():
    from surveys.privacy import privacy_summary
    from surveys.survey_store import load_survey_file

    summary = privacy_summary(load_survey_file(_survey_file()))
    assert summary.open_questions and summary.comments_enabled
    assert any("answers to the open questions, each apart" in s for s in summary.stored["en"])
    assert any("antwoorden op de open vragen" in s for s in summary.stored["nl"])
    assert any(
        "Answers to an open question are shown only for groups in which at least 3 people" in s
        for s in summary.who_sees["en"]
    )


def test_a_page_with_open_questions_shows_the_words_kept_not_a_kept_shell(pf_db):
    """Question pages without open questions come from shells (webapp.respond.pagecache);
    a page with open questions is rendered in full, so the words a respondent kept are in
    its text boxes, and another respondent's page never shows them."""
    from surveys.invitations import issue_invitations

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": pf_db})
    last = "/survey/q/programme_feedback-2"
    first_token, second_token = issue_invitations(pf_db, SLUG, "A", 2)
    one, two = app.test_client(), app.test_client()
    assert start(one, first_token).status_code == 303
    assert start(two, second_token).status_code == 303
    assert two.get(last).status_code == 200  # seen first by another respondent
    kept = post_page(one, last, {USEFUL: "The coaching session."}, nav="stay")
    assert kept.status_code == 303
    assert "The coaching session." in one.get(last).text
    assert "The coaching session." not in two.get(last).text
