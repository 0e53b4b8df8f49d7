"""Issue 14, path 4: the survey owner who holds the mail-merge list of links.

The attack: visit every link on the list; a used link answered 404 and an unused one 303, so
the holder learned who had answered, then answered the unused links with known answers and
subtracted them after close. Now a visit (GET) of any link shows one page and reads nothing;
only pressing its button uses a link up. What the button still reveals is said on the privacy
page, and mailing through Samen (`samen invite --emails`) leaves nobody holding links.
"""

from __future__ import annotations

import re

from sqlalchemy import event

from surveys.waves import close_wave
from tests.webapp.helpers import csrf_token, start

_CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]+(")')


def _visit(app, token: str, lang: str = "nl") -> tuple[int, str]:
    """What a fresh browser sees when it opens ``/s/<token>``, CSRF token blanked."""
    response = app.test_client().get(f"/s/{token}", headers={"Accept-Language": lang})
    return response.status_code, _CSRF_VALUE.sub(r"\1\2", response.text)


def test_visiting_links_tells_the_list_holder_nothing(app, survey):
    """The holder of the list visits every link, as an attacker would, after one colleague
    answered and another opened the survey: every visit gets the same page, and no visit
    touches the database."""
    unused, answered, opened = survey.issue(3)
    respondent = app.test_client()
    start(respondent, answered)
    review = respondent.get("/survey/review")
    respondent.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    start(app.test_client(), opened)
    assert survey.count() == 1

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = survey.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        pages = {
            "unused": _visit(app, unused),
            "answered": _visit(app, answered),
            "opened": _visit(app, opened),
            "unknown": _visit(app, "Z" * len(unused)),
        }
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []
    assert len(set(pages.values())) == 1
    status, body = pages["unused"]
    assert status == 200 and "Vragenlijst openen" in body
    for token in (unused, answered, opened):
        assert token not in body


def test_visiting_after_close_tells_nothing_either(app, survey):
    unused, answered = survey.issue(2)
    respondent = app.test_client()
    start(respondent, answered)
    review = respondent.get("/survey/review")
    respondent.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    close_wave(survey.db, survey.slug, survey.wave)
    assert _visit(app, unused, "en") == _visit(app, answered, "en")
    # Pressing the button after close: a used link and an unused one get the same page too.
    left, right = start(app.test_client(), unused), start(app.test_client(), answered)
    assert left.status_code == right.status_code == 404 and left.data == right.data


def test_privacy_page_says_what_a_list_of_links_allows(client, survey):
    survey.issue(2)  # handed out as links (the fixture's three are links too)
    english = client.get(f"/privacy/{survey.slug}", headers={"Accept-Language": "en"}).text
    assert "How the invitation links are sent" in english
    assert "can see who has answered by trying links" in english
    assert "padding a unit with fake answers" in english
    assert "samen invite --emails" in english
    assert "In this round: 0 invitations mailed by Samen, 5 handed out as a list of links." in (
        english
    )
    assert "erased when you open the survey" in english
    dutch = client.get(f"/privacy/{survey.slug}", headers={"Accept-Language": "nl"}).text
    assert "Hoe de uitnodigingslinks worden verstuurd" in dutch
    assert "kan wie die lijst heeft zien wie al heeft geantwoord" in dutch
    assert "nepantwoorden" in dutch
    assert "5 als lijst van links uitgedeeld" in dutch
