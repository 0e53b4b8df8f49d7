"""Free-text comments: comment threshold in writers, no filter, no differencing, no context.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU.
Wave 2026-1 (k = 5, comment threshold 10 writers): W1 18, W2 12, ICU 18 responses, HOSP's
own 0; two of every three respondents leave a comment, so W1 12, W2 8, ICU 12 writers.
Comments: W2 has 12 >= 10 responses but 8 writers, below the threshold (the respondent's
page promises writers, not responses); SURG's 20 writers minus W1's 12 would leave W2's 8,
so W1's are hidden too; HOSP, SURG and ICU show theirs. Every scale result of W1 and W2 is
shown (k = 5): the threshold, not k, decides.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from surveys.users import UserInfo
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.helpers import csrf_token
from webapp import create_app, results
from webapp.config import TestConfig
from webapp.results.comments import unit_comments

PLAN = {"W1": 18, "W2": 12, "ICU": 18}
#: The data of the unwanted-behaviour tests (tests/webapp/test_unwanted.py), which share
#: :func:`prepare_db`: the comments' rule and the module's rule count different things.
UB_PLAN = {"W1": 12, "W2": 6, "ICU": 12}
SUBTREE = {
    "HOSP": ("W1", "W2", "ICU"),
    "SURG": ("W1", "W2"),
    "W1": ("W1",),
    "W2": ("W2",),
    "ICU": ("ICU",),
}
SECOND = "2026-2"
PASSWORD = "a long enough password"
ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
RESEARCHER = UserInfo("research@example.org", "researcher", None, "s-research")
SURG_MANAGER = UserInfo("surg@example.org", "manager", "SURG", "s-surg")
ACCOUNTS = {
    "admin": ("admin@example.org", "admin", None),
    "researcher": ("research@example.org", "researcher", None),
    "manager": ("surg@example.org", "manager", "SURG"),
    "sibling": ("icu@example.org", "manager", "ICU"),
}
SCOPE = {
    "admin": {"HOSP", "SURG", "W1", "W2", "ICU"},
    "researcher": {"HOSP", "SURG", "W1", "W2", "ICU"},
    "manager": {"SURG", "W1", "W2"},
    "sibling": {"ICU"},
}


def comment_of(unit: str, i: int) -> str | None:
    """Respondent ``i`` of ``unit`` comments unless ``i % 3 == 2``."""
    return None if i % 3 == 2 else f"Remark {i} from {unit}.\nSecond line."


def language_of(i: int) -> str:
    return "en" if i % 4 == 3 else "nl"


def ub_answers(i: int) -> dict[str, int | None]:
    """The unwanted-behaviour answers of respondent ``i`` (a fixed pattern per behaviour)."""
    behaviours = ("bullying", "intimidation", "discrimination", "sexual", "aggression")
    out: dict[str, int | None] = {}
    for j, name in enumerate(behaviours):
        # odd respondents experienced something (every odd i has some j with (i+j) % 3 == 0)
        out[f"ub_exp_{name}"] = 2 if i % 2 == 1 and (i + j) % 3 == 0 else 1
        out[f"ub_wit_{name}"] = 3 if (i + j) % 2 == 0 else 1
    happened = any(out[f"ub_exp_{name}"] > 1 for name in behaviours)
    for j, source in enumerate(("colleague", "manager", "public", "other")):
        # only those to whom something happened answer "from whom" (the others: n/a)
        out[f"ub_src_{source}"] = (1 if (i + 2 * j) % 3 == 0 else 2) if happened else None
    out["ub_rep_reported"] = 1 if i % 4 == 0 else 2
    out["ub_rep_satisfaction"] = 4 + (i % 8 == 0) if i % 4 == 0 else None
    return out


def fill(db, wave: str = HOSPITAL_WAVE, plan=PLAN, close: bool = True, seed: int = 3) -> None:
    """Submit ``plan`` responses with comments and unwanted-behaviour answers."""
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey
    from surveys.waves import close_wave

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(seed)
    for unit, count in plan.items():
        tokens = issue_invitations(db, HOSPITAL_SLUG, unit, count)
        for i, token in enumerate(tokens):
            answers = {
                item.id: int(rng.choice(item.response_scale.points)) for item in definition.items
            }
            answers.update(ub_answers(i))
            demographics = {"dem_gender": 1 + i % 2, "dem_age": None}
            submit_response(
                db, token, answers, language_of(i), demographics, comment=comment_of(unit, i)
            )
    if close:
        close_wave(db, HOSPITAL_SLUG, wave)


def expected_comments(unit: str) -> list[tuple[str, str]]:
    return sorted(
        (text, language_of(i))
        for member in SUBTREE[unit]
        for i in range(PLAN[member])
        if (text := comment_of(member, i)) is not None
    )


def prepare_db(hospital_db, monkeypatch, plan=UB_PLAN):
    """hospital_db with wave 2026-1 answered (``plan``) and closed, wave 2026-2 open, accounts."""
    from surveys.users import add_user
    from surveys.waves import open_wave

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    fill(hospital_db, plan=plan)
    open_wave(hospital_db, HOSPITAL_SLUG, SECOND)
    fill(hospital_db, SECOND, {"W1": 10}, close=False)
    for email, role, unit in ACCOUNTS.values():
        add_user(hospital_db, email, role, PASSWORD, unit_code=unit)
    return hospital_db


@pytest.fixture
def comments_db(hospital_db, monkeypatch):
    return prepare_db(hospital_db, monkeypatch, PLAN)


def get(db, unit, user=ADMIN, filter=None, wave=HOSPITAL_WAVE):
    return unit_comments(db, HOSPITAL_SLUG, wave, unit, user, filter=filter)


def _pairs(out) -> list[tuple[str, str]]:
    return sorted((c["text"], c["language"]) for c in out["comments"])


# --- the service -----------------------------------------------------------------------------


def test_comments_of_units_above_the_threshold_without_context(comments_db):
    for unit in ("HOSP", "SURG", "ICU"):
        out = get(comments_db, unit)
        assert (out["shown"], out["suppressed"], out["reason"]) == (True, False, None), unit
        assert out["comment_threshold"] == 10 and out["k"] == 5
        assert _pairs(out) == expected_comments(unit)
        # text and language only: no sub-unit, no demographics, no count beside the list
        assert all(set(c) == {"text", "language"} for c in out["comments"])
        assert "n" not in out


def test_comments_come_in_a_fresh_random_order(comments_db):
    from surveys.responses import load_comments

    stored = tuple(r.text for r in load_comments(comments_db, HOSPITAL_SLUG, HOSPITAL_WAVE))
    orders = [tuple(c["text"] for c in get(comments_db, "HOSP")["comments"]) for _ in range(6)]
    # 32 comments: six equal shuffles (or six in storage order) have chance (1/32!)^5
    assert len(set(orders)) > 1
    assert any(order != stored for order in orders)


def _numbers(value) -> list[int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def test_below_the_threshold_no_comments_and_no_count(comments_db):
    out = get(comments_db, "W2")
    assert (out["shown"], out["suppressed"], out["reason"]) == (
        False,
        True,
        "fewer-than-threshold",
    )
    assert out["comments"] is None
    # the only numbers are the survey's k and comment threshold: not W2's 12 responses, not
    # its 8 writers
    assert sorted(_numbers(out)) == [5, 10]
    assert out["comment_threshold_counts"] == "writers"


def test_a_group_above_the_threshold_in_responses_but_not_in_writers(comments_db):
    """The promise counts writers: 12 responses with 8 comments show none of the 8."""
    from surveys.survey_store import get_survey

    threshold = get_survey(comments_db, HOSPITAL_SLUG).comment_threshold
    found = results.unit_results(comments_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2", ADMIN)
    assert found["n"] >= threshold  # enough responses ...
    assert len(expected_comments("W2")) < threshold  # ... but too few writers
    out = get(comments_db, "W2")
    assert (out["shown"], out["reason"], out["comments"]) == (False, "fewer-than-threshold", None)


def test_no_differencing_hides_a_large_unit_next_to_a_small_one(comments_db):
    # W1 has 12 >= 10 writers, but SURG's comments minus W1's would be W2's 8 writers
    out = get(comments_db, "W1")
    assert (out["shown"], out["reason"], out["comments"]) == (False, "complementary", None)
    assert sorted(_numbers(out)) == [5, 10]
    # the unit results of W1 and W2 are shown all the same (k = 5): the threshold decides
    found = results.unit_results(comments_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "SURG", ADMIN)
    assert {c["unit"]: c["n"] for c in found["children"]} == {"W1": 18, "W2": 12}


def test_never_with_a_filter(comments_db):
    for unit in ("HOSP", "SURG", "W2"):
        out = get(comments_db, unit, filter="dem_gender:1")
        assert (out["shown"], out["reason"], out["comments"]) == (False, "filter", None)
        assert out["filter"] == {"question": "dem_gender", "value": "1"}


def test_open_wave_shows_no_comments(comments_db):
    out = get(comments_db, "W1", wave=SECOND)  # 10 responses, but the wave is open
    assert (out["shown"], out["reason"], out["comments"]) == (False, "wave-open", None)


def test_manager_and_researcher_scope(comments_db):
    out = get(comments_db, "SURG", user=SURG_MANAGER)
    assert out["shown"] and _pairs(out) == expected_comments("SURG")
    assert get(comments_db, "W1", user=SURG_MANAGER)["reason"] == "complementary"
    for unit in ("HOSP", "ICU"):
        with pytest.raises(results.AccessDenied):
            get(comments_db, unit, user=SURG_MANAGER)
    # researchers: the admin's rules (every unit, the same thresholds)
    for unit in SUBTREE:
        as_researcher = get(comments_db, unit, user=RESEARCHER)
        as_admin = get(comments_db, unit, user=ADMIN)
        assert (as_researcher["shown"], as_researcher["reason"]) == (
            as_admin["shown"],
            as_admin["reason"],
        )
    assert _pairs(get(comments_db, "HOSP", user=RESEARCHER)) == expected_comments("HOSP")


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_survey_without_comments(hospital_db, tmp_path):
    from pathlib import Path

    from surveys.survey_store import create_survey
    from surveys.waves import close_wave, open_wave

    example = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
    text = example.read_text(encoding="utf-8")
    text = text.replace("id: hospital-2026", "id: quiet").replace(
        "open_comments: true", "open_comments: false"
    )
    path = tmp_path / "quiet.yaml"
    path.write_text(text, encoding="utf-8")
    create_survey(hospital_db, path)
    open_wave(hospital_db, "quiet", "q-1")
    close_wave(hospital_db, "quiet", "q-1")
    out = unit_comments(hospital_db, "quiet", "q-1", "HOSP", ADMIN)
    assert (out["shown"], out["reason"], out["comments"]) == (False, "off", None)


# --- the JSON API ----------------------------------------------------------------------------


def _tokens(db) -> dict[str, str]:
    from surveys.users import issue_api_token

    return {role: issue_api_token(db, email) for role, (email, _r, _u) in ACCOUNTS.items()}


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_api_scope_and_errors(comments_db):
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": comments_db}).test_client()
    tokens = _tokens(comments_db)
    base = f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{HOSPITAL_WAVE}/units"
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        for unit in SUBTREE:
            response = client.get(f"{base}/{unit}/comments", headers=headers)
            expected = 200 if unit in SCOPE[role] else 403
            assert response.status_code == expected, (role, unit)
            if expected == 403:
                assert "comments" not in response.get_json()
    assert client.get(f"{base}/HOSP/comments").status_code == 401
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    assert client.get(f"{base}/NOPE/comments", headers=admin).status_code == 404
    bad = client.get(f"{base}/HOSP/comments?filter=dem_gender:9", headers=admin)
    assert bad.status_code == 400
    shown = client.get(f"{base}/SURG/comments", headers=admin).get_json()
    assert _pairs(shown) == expected_comments("SURG")
    filtered = client.get(f"{base}/HOSP/comments?filter=dem_gender:2", headers=admin).get_json()
    assert filtered["comments"] is None and filtered["reason"] == "filter"


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_api_answers_match_the_openapi_schema(comments_db):
    from pathlib import Path

    import yaml

    from tests.webapp.test_api import _check

    spec_path = Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml"
    spec = yaml.safe_load(spec_path.read_text("utf-8"))
    operation = spec["paths"]["/surveys/{survey}/waves/{wave}/units/{unit}/comments"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": comments_db}).test_client()
    headers = {"Authorization": f"Bearer {_tokens(comments_db)['admin']}"}
    base = f"/api/v1/surveys/{HOSPITAL_SLUG}/waves"
    for url in (
        f"{base}/{HOSPITAL_WAVE}/units/HOSP/comments",
        f"{base}/{HOSPITAL_WAVE}/units/W2/comments",
        f"{base}/{HOSPITAL_WAVE}/units/W1/comments",
        f"{base}/{HOSPITAL_WAVE}/units/HOSP/comments?filter=dem_gender:1",
        f"{base}/{SECOND}/units/W1/comments",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        _check(response.get_json(), schema, spec)


# --- the dashboard page ----------------------------------------------------------------------


def login(client, email):
    page = client.get("/auth/login")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_dashboard_shows_comments_only_where_allowed(comments_db):
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": comments_db}).test_client()
    login(client, "surg@example.org")
    url = f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}"
    html = client.get(f"{url}/SURG?lang=en").get_data(as_text=True)
    assert 'id="comments-h"' in html
    shown = re.findall(
        r'<li lang="(nl|en)">(Remark \d+ from (W1|W2)\.)<br>Second line\.</li>', html
    )
    assert len(shown) == len(expected_comments("SURG"))
    for unit, reason in (
        ("W2", "at least 10 people wrote one"),
        ("W1", "protect a smaller group"),
    ):
        page = client.get(f"{url}/{unit}?lang=en").get_data(as_text=True)
        assert "Remark" not in page and reason in page, unit
    filtered = client.get(f"{url}/SURG?lang=en&filter=dem_gender:1").get_data(as_text=True)
    assert "Remark" not in filtered and "never shown with a filter" in filtered
    dutch = client.get(f"{url}/W2?lang=nl").get_data(as_text=True)
    assert "Opmerkingen" in dutch and "Remark" not in dutch


# --- samen audit ------------------------------------------------------------------------------


def test_audit_checks_the_comment_sets_in_writers(comments_db, monkeypatch):
    """`samen audit` audits the comment sets: they pass; the old rule (the tree rule on
    responses) shows W2 (12 responses, 8 writers) and W1 (SURG minus W1 = W2's 8 writers),
    and the audit names the 8 writers and how to read them."""
    import webapp.results.comments as comments
    from engine.disclosure.rules import suppress_scope
    from webapp.research.service import audit_survey
    from webapp.results.data import load_survey, responses_by_unit

    result = audit_survey(comments_db, HOSPITAL_SLUG, HOSPITAL_WAVE, filters=False)
    assert result.ok and result.comment_views == 3  # HOSP, SURG, ICU
    assert "no set of comments by too few writers" in result.summary()
    context = load_survey(comments_db, HOSPITAL_SLUG).at_wave(HOSPITAL_WAVE)
    responses = responses_by_unit(comments_db, context, HOSPITAL_WAVE)

    def by_responses(context, writers, scope):
        own = {u: responses.get(u, 0) for u in context.parent}
        return suppress_scope(context.parent, own, 10, scope).shown

    monkeypatch.setattr(comments, "released_comment_units", by_responses)
    old = audit_survey(comments_db, HOSPITAL_SLUG, HOSPITAL_WAVE, filters=False)
    assert not old.ok and not old.findings  # the numbers pass; the comments do not
    assert [(f.atoms, f.writers) for f in old.comment_findings] == [(frozenset({"W2"}), 8)]
    assert old.lines() == [
        f"{HOSPITAL_WAVE} comments: comments of 8 writer(s) derivable: comments:W2"
    ]
    assert "1 finding(s) of too few writers" in old.summary()


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize(("threshold", "open_k", "shown"), [(10, 12, 12), (15, 12, 15)])
def test_open_link_comments_say_the_writers_they_need(hospital_db, threshold, open_k, shown):
    """Under the open-link rule the page names the larger of the two thresholds, in writers."""
    from flask import render_template

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})
    comments = {
        "reason": "open-link",
        "shown": False,
        "comment_threshold": threshold,
        "open_link_k": open_k,
    }
    with app.test_request_context("/?lang=en"):
        html = render_template("dashboard/_comments.html", comments=comments)
    assert f"als daar minstens {shown} mensen een opmerking schreven" in html  # Dutch default
