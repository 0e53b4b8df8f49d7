"""The works-council role: the profile, the audit result and response progress at k, and
nothing else (issue 13). The matrix of tests/webapp/test_access_matrix.py, asked as a
council member: every route the other roles have a rule for.

Expected for ``council``: its own pages (``council.*``) 200; a page everyone may open
(anonymous 200) 200 as well; the API's "who am I" 200; every other staff page or API route
refused (403, or 302 to its home page, never data); respondent pages as for any staff
member without a respondent session (the anonymous status, 400 "session ended").
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import HOSPITAL_SLUG as S
from tests.conftest import HOSPITAL_WAVE as W
from tests.webapp.helpers import csrf_token
from tests.webapp.test_access_matrix import (  # noqa: F401  (fixtures)
    LOGIN,
    PASSWORD,
    RULES,
    STAFF,
    _ask,
    _client,
    cheap_hasher,
    matrix_app,
)

COUNCIL = ("council@example.org", "council", None)
#: Council cells that differ from the rule below (anonymous LOGIN/401 -> 403).
SPECIAL: dict[tuple[str, str], int | str] = {
    ("api.me", "GET"): 200,
    ("auth.home", "GET"): 302,  # to the council's own start page
    ("dashboard.index", "GET"): 302,
    ("dashboard.survey", "GET"): 302,
    ("auth.logout", "POST"): LOGIN,  # signed out: back to the sign-in page
}


def expected(endpoint: str, method: str, anonymous: int | str) -> int | str:
    if endpoint.startswith("council.") and method == "GET":
        return 200
    if (endpoint, method) in SPECIAL:
        return SPECIAL[(endpoint, method)]
    if anonymous in (LOGIN, 401):
        return 403
    return anonymous


@pytest.fixture
def council_app(matrix_app, hospital_db):
    from surveys.users import add_user

    add_user(hospital_db, COUNCIL[0], COUNCIL[1], PASSWORD)
    return matrix_app


def _council(app: Any) -> Any:
    STAFF["council"] = COUNCIL
    try:
        return _client(app, "council")
    finally:
        del STAFF["council"]


def test_the_council_matrix_holds(council_app):
    client = _council(council_app)
    wrong = []
    for endpoint, rule in RULES.items():
        for method, statuses in rule.methods.items():
            got = _ask(client, method, rule.url)
            want = expected(endpoint, method, statuses["anonymous"])
            if got != want:
                wrong.append(f"{endpoint} {method} {rule.url}: {got}, expected {want}")
            if method != "GET" and endpoint.startswith("auth."):
                client = _council(council_app)  # it may have signed out
    assert not wrong, "\n".join(wrong)
