"""Faults: the database unreachable or read-only for a moment while a respondent presses Send
(SQLite and PostgreSQL).

A statement hook of the engine refuses every statement (unreachable) or every write
(read-only), the way the driver would. The respondent sees a friendly page (503), the log
says what happened, nothing is half-written (no response, no spent right), and once the
database is back, pressing Send again with the same cookie stores the response once.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from tests.webapp.helpers import csrf_token, start


def _counts(db: Any) -> tuple[int, int]:
    from surveys.models import Response, SpentRight

    with db.session() as session:
        responses = session.scalar(select(func.count()).select_from(Response))
        spent = session.scalar(select(func.count()).select_from(SpentRight))
    return int(responses or 0), int(spent or 0)


@pytest.mark.parametrize("fault", ["unreachable", "read-only"])
def test_send_while_the_database_fails_keeps_the_draft(
    survey: Any, client: Any, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    assert start(client, survey.tokens[0]).status_code == 303
    review = client.get("/survey/review")
    assert review.status_code == 200
    form = {"csrf_token": csrf_token(review.text)}

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        writes = ("INSERT", "UPDATE", "DELETE")
        if fault == "unreachable" or statement.lstrip().upper().startswith(writes):
            message = "server closed the connection" if fault == "unreachable" else "read-only"
            raise OperationalError(statement, {}, Exception(message))

    engine = survey.db.engine
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        with caplog.at_level(logging.WARNING):
            failed = client.post("/survey/send", data=form)
    finally:
        event.remove(engine, "before_cursor_execute", refuse)

    assert failed.status_code == 503
    # The default language is Dutch: "Your answers could not be saved just now".
    assert "Je antwoorden konden nu even niet worden opgeslagen" in failed.text
    assert "/survey/resume" in failed.text  # the way back to the answers
    assert "Traceback" not in failed.text
    assert "database unavailable" in caplog.text and "rolled back" in caplog.text
    assert _counts(survey.db) == (0, 0)  # nothing half-written

    again = client.post("/survey/send", data=form)  # the same cookie: the draft was kept
    assert again.status_code == 303 and again.headers["Location"].endswith("/survey/thanks")
    assert _counts(survey.db) == (1, 1)
    assert client.post("/survey/send", data=form).status_code in (400, 409)  # sent once
