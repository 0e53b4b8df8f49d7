"""The access-control matrix: every route of ``app.url_map`` x every role, written down once.

:data:`RULES` holds, per endpoint name, an example URL and the status each role gets for each
method. A route without a rule fails :func:`test_every_route_has_a_rule` with the line to add;
a role that gets anything else than written here fails :func:`test_the_matrix_holds`, which
lists every cell that differs. Roles:

- ``anonymous``: no cookie, no token;
- ``respondent``: a respondent session (an invitation for ward W1 started, on the first page);
- ``manager_a``: the manager of SURG (surgery, with wards W1 and W2 below it);
- ``manager_b``: the manager of ICU (a sibling of SURG);
- ``researcher`` and ``admin``: signed in with a cookie.

The API is also asked with bearer tokens (:func:`test_the_api_matrix_holds_with_tokens`).
Statuses: 200 the page or data; 302 a redirect (to the sign-in page for staff pages, to the
respondent's own page for respondent pages); 401 the API without a caller; 403 outside the
role's scope; 404 unknown or not visible; 400 a POST without the form's fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.conftest import HOSPITAL_SLUG as S
from tests.conftest import HOSPITAL_WAVE as W
from tests.webapp.helpers import csrf_token, start
from webapp import create_app
from webapp.config import TestConfig

ROLES = ("anonymous", "respondent", "manager_a", "manager_b", "researcher", "admin")
STAFF = {
    "manager_a": ("surg@example.org", "manager", "SURG"),
    "manager_b": ("icu@example.org", "manager", "ICU"),
    "researcher": ("research@example.org", "researcher", None),
    "admin": ("owner@example.org", "admin", None),
}
PASSWORD = "correct horse battery"
#: A redirect to the sign-in page (a staff page asked without a staff session).
LOGIN = "login"


def statuses(*values: int | str) -> dict[str, int | str]:
    """Statuses in the order of :data:`ROLES`."""
    assert len(values) == len(ROLES)
    return dict(zip(ROLES, values, strict=True))


def everyone(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


def staff_only(admin: int | str) -> dict[str, int | str]:
    """The console: the sign-in page without a staff session, 403 for the other roles."""
    return statuses(LOGIN, LOGIN, 403, 403, 403, admin)


@dataclass(frozen=True)
class Rule:
    """An example URL of one endpoint and, per method, the status of every role."""

    url: str
    methods: dict[str, dict[str, int | str]] = field(default_factory=dict)


#: anonymous, respondent, manager_a (SURG), manager_b (ICU), researcher, admin
RULES: dict[str, Rule] = {
    # --- public, static -------------------------------------------------------------------
    "static": Rule("/static/samen.css", {"GET": everyone(200)}),
    "public.index": Rule("/", {"GET": everyone(200)}),
    "public.privacy": Rule(f"/privacy/{S}", {"GET": everyone(200)}),
    "auth.static": Rule("/auth/static/account.css", {"GET": everyone(200)}),
    "research.static": Rule("/research/static/research.css", {"GET": everyone(200)}),
    # --- respondents: without a respondent session, 400 (the "session ended" page) -------
    "respond.invitation": Rule("/s/unknown-token", {"GET": everyone(200)}),  # the same page
    "respond.start": Rule("/s/unknown-token", {"POST": statuses(404, 303, 404, 404, 404, 404)}),
    "respond.open_link": Rule("/o/unknown-token", {"GET": everyone(404)}),
    "respond.unit": Rule(
        "/survey/unit",
        {
            "GET": statuses(400, 303, 400, 400, 400, 400),
            "POST": statuses(400, 303, 400, 400, 400, 400),
        },
    ),
    "respond.welcome": Rule("/survey", {"GET": statuses(400, 200, 400, 400, 400, 400)}),
    "respond.consent": Rule(
        "/survey/consent",
        {
            "GET": statuses(400, 200, 400, 400, 400, 400),
            "POST": statuses(400, 303, 400, 400, 400, 400),
        },
    ),
    "respond.page": Rule(
        "/survey/q/belonging",
        {
            "GET": statuses(400, 200, 400, 400, 400, 400),
            "POST": statuses(400, 303, 400, 400, 400, 400),
        },
    ),
    "respond.comment": Rule(
        "/survey/comment",
        {
            "GET": statuses(400, 200, 400, 400, 400, 400),
            "POST": statuses(400, 303, 400, 400, 400, 400),
        },
    ),
    "respond.review": Rule("/survey/review", {"GET": statuses(400, 200, 400, 400, 400, 400)}),
    "respond.send": Rule("/survey/send", {"POST": statuses(400, 303, 400, 400, 400, 400)}),
    "respond.resume": Rule("/survey/resume", {"GET": statuses(400, 303, 400, 400, 400, 400)}),
    "respond.saved": Rule("/survey/saved", {"GET": statuses(400, 200, 400, 400, 400, 400)}),
    "respond.thanks": Rule("/survey/thanks", {"GET": everyone(200)}),
    # --- sign-in --------------------------------------------------------------------------
    "auth.login": Rule("/auth/login", {"GET": everyone(200), "POST": everyone(200)}),
    "auth.logout": Rule("/auth/logout", {"POST": everyone(LOGIN)}),
    "auth.home": Rule("/auth/home", {"GET": statuses(LOGIN, LOGIN, 302, 302, 302, 302)}),
    # --- the API (cookie sessions; tokens below) ------------------------------------------
    "api.me": Rule("/api/v1/me", {"GET": statuses(401, 401, 200, 200, 200, 200)}),
    "api.unit_results": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/results",
        {"GET": statuses(401, 401, 200, 403, 200, 200)},
    ),
    "api.heatmap": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/heatmap",
        {"GET": statuses(401, 401, 200, 403, 200, 200)},
    ),
    "api.response_rate": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/response-rate",
        {"GET": statuses(401, 401, 200, 403, 200, 200)},
    ),
    "api.trend": Rule(
        f"/api/v1/surveys/{S}/units/SURG/trend",
        {"GET": statuses(401, 401, 200, 403, 200, 200)},
    ),
    "api.unit_comments": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/comments",
        {"GET": statuses(401, 401, 200, 403, 200, 200)},
    ),
    "api.leader_view": Rule(
        f"/api/v1/surveys/{S}/units/SURG/leader-view",  # nobody gave a view: 404 for all
        {"GET": statuses(401, 401, 404, 404, 404, 404)},
    ),
    "api.leader_summary": Rule(
        f"/api/v1/surveys/{S}/leaders/summary", {"GET": statuses(401, 401, 403, 403, 403, 200)}
    ),
    "api.openapi": Rule("/api/v1/openapi.yaml", {"GET": everyone(200)}),
    # --- research (the wave is open: a report answers 409 until it closes) ----------------
    "research.index": Rule("/research/", {"GET": statuses(LOGIN, LOGIN, 403, 403, 302, 302)}),
    "research.survey": Rule(
        f"/research/{S}/",
        {
            "GET": statuses(LOGIN, LOGIN, 403, 403, 200, 200),
            "POST": statuses(LOGIN, LOGIN, 403, 403, 400, 400),
        },
    ),
    "research.report": Rule(
        f"/research/{S}/{W}/report", {"GET": statuses(LOGIN, LOGIN, 403, 403, 409, 409)}
    ),
    "research.report_file": Rule(
        f"/research/{S}/{W}/report.json", {"GET": statuses(LOGIN, LOGIN, 403, 403, 409, 409)}
    ),
    # --- programmes (the matrix's database has none: an id is unknown to who may look) ---
    "programmes.static": Rule("/programmes/static/programmes.css", {"GET": everyone(200)}),
    "programmes.index": Rule("/programmes/", {"GET": statuses(LOGIN, LOGIN, 403, 403, 200, 200)}),
    "programmes.evaluation": Rule(
        "/programmes/1", {"GET": statuses(LOGIN, LOGIN, 403, 403, 404, 404)}
    ),
    "programmes.remove": Rule(
        "/programmes/1/remove", {"POST": statuses(LOGIN, LOGIN, 403, 403, 403, 404)}
    ),
    "api.programme_evaluation": Rule(
        "/api/v1/programmes/1/evaluation", {"GET": statuses(401, 401, 403, 403, 404, 404)}
    ),
    # --- works council (role council: tests/webapp/test_council.py) ------------------------
    "council.static": Rule("/council/static/council.css", {"GET": everyone(200)}),
    "council.index": Rule("/council/", {"GET": statuses(LOGIN, LOGIN, 403, 403, 403, 200)}),
    "council.profile": Rule(
        f"/council/{S}/profile", {"GET": statuses(LOGIN, LOGIN, 403, 403, 403, 200)}
    ),
    "council.progress": Rule(
        f"/council/{S}/progress", {"GET": statuses(LOGIN, LOGIN, 403, 403, 403, 200)}
    ),
    # --- leader self-views: the personal link (unknown here) and the admin's aggregate -----
    "leaders.answer": Rule("/l/unknown-token", {"GET": everyone(404), "POST": everyone(404)}),
    "leaders.saved": Rule("/l/unknown-token/saved", {"GET": everyone(404)}),
    "leaders_admin.summary": Rule(
        f"/leaders/{S}/", {"GET": statuses(LOGIN, LOGIN, 403, 403, 403, 200)}
    ),
    # --- dashboard ------------------------------------------------------------------------
    "dashboard.index": Rule("/dashboard/", {"GET": statuses(LOGIN, LOGIN, 302, 302, 302, 302)}),
    "dashboard.survey": Rule(
        f"/dashboard/{S}/", {"GET": statuses(LOGIN, LOGIN, 302, 302, 302, 302)}
    ),
    "dashboard.unit": Rule(
        f"/dashboard/{S}/{W}/SURG", {"GET": statuses(LOGIN, LOGIN, 200, 403, 200, 200)}
    ),
    # --- the admin console (admins only; a POST with no more than its CSRF token stores
    # nothing: 422 with the problems, or 302 back with what went wrong) -------------------
    "console.static": Rule("/console/static/console.css", {"GET": staff_only(200)}),
    "console.index": Rule("/console/", {"GET": staff_only(200)}),
    "console.organisation": Rule("/console/organisation", {"GET": staff_only(200)}),
    "console.organisation_check": Rule("/console/organisation/check", {"POST": staff_only(422)}),
    "console.organisation_import": Rule("/console/organisation/import", {"POST": staff_only(302)}),
    "console.surveys": Rule("/console/surveys", {"GET": staff_only(200)}),
    "console.surveys_new": Rule(
        "/console/surveys/new", {"GET": staff_only(200), "POST": staff_only(422)}
    ),
    "console.surveys_edit": Rule(
        f"/console/surveys/{S}/edit", {"GET": staff_only(200), "POST": staff_only(422)}
    ),
    "console.surveys_download": Rule(
        f"/console/surveys/{S}/survey.yaml", {"GET": staff_only(200)}
    ),
    "console.surveys_upload": Rule("/console/surveys/upload", {"POST": staff_only(422)}),
    "console.surveys_preview": Rule(
        f"/console/surveys/{S}/preview/en/belonging",
        {"GET": staff_only(200), "POST": staff_only(303)},
    ),
    "console.rounds": Rule("/console/rounds", {"GET": staff_only(302)}),
    "console.rounds_survey": Rule(f"/console/rounds/{S}", {"GET": staff_only(200)}),
    "console.rounds_open": Rule(f"/console/rounds/{S}/open", {"POST": staff_only(422)}),
    "console.rounds_close_confirm": Rule(
        f"/console/rounds/{S}/{W}/close", {"GET": staff_only(200)}
    ),
    # (a wave that does not exist: the matrix's open wave stays open)
    "console.rounds_close": Rule(f"/console/rounds/{S}/nope/close", {"POST": staff_only(404)}),
    "console.invitations": Rule("/console/invitations", {"GET": staff_only(200)}),
    "console.invitations_survey": Rule(f"/console/invitations/{S}", {"GET": staff_only(200)}),
    "console.invitations_links": Rule(
        f"/console/invitations/{S}/links", {"POST": staff_only(400)}
    ),
    "console.invitations_mail": Rule(f"/console/invitations/{S}/mail", {"POST": staff_only(400)}),
    "console.invitations_qr": Rule(f"/console/invitations/{S}/qr.svg", {"GET": staff_only(404)}),
    "console.people": Rule("/console/people", {"GET": staff_only(200)}),
    "console.people_add": Rule("/console/people/add", {"POST": staff_only(400)}),
    "console.people_remove": Rule(  # without an account chosen: back to the list
        "/console/people/remove", {"GET": staff_only(302), "POST": staff_only(302)}
    ),
    "console.people_reset": Rule("/console/people/reset", {"POST": staff_only(400)}),
    "console.people_revoke": Rule("/console/people/revoke", {"POST": staff_only(400)}),
    "console.people_token": Rule("/console/people/token", {"POST": staff_only(400)}),
    "console.privacy": Rule("/console/privacy", {"GET": staff_only(200)}),
    "console.privacy_survey": Rule(f"/console/privacy/{S}", {"GET": staff_only(200)}),
    "console.privacy_audit": Rule(f"/console/privacy/{S}/audit", {"POST": staff_only(400)}),
    "console.privacy_purge": Rule(  # nothing has expired: back to the survey's page
        f"/console/privacy/{S}/purge", {"GET": staff_only(302), "POST": staff_only(302)}
    ),
    # --- every signed-in staff member's own password; the public reset-link page -----------
    "auth.password": Rule(
        "/auth/password",
        {
            "GET": statuses(LOGIN, LOGIN, 200, 200, 200, 200),
            "POST": statuses(LOGIN, LOGIN, 400, 400, 400, 400),
        },
    ),
    "auth.reset": Rule("/auth/reset/unknown-token", {"GET": everyone(404), "POST": everyone(404)}),
    # --- change, equity and team plans (the wave is open: no plan after it yet) -----------
    "dashboard.plan": Rule(
        f"/dashboard/{S}/{W}/SURG/plan",
        {
            "GET": statuses(LOGIN, LOGIN, 404, 403, 403, 403),
            "POST": statuses(LOGIN, LOGIN, 404, 403, 403, 403),
        },
    ),
    "dashboard.plans": Rule(
        f"/dashboard/{S}/plans", {"GET": statuses(LOGIN, LOGIN, 403, 403, 403, 200)}
    ),
    "equity.index": Rule("/equity/", {"GET": statuses(LOGIN, LOGIN, 403, 403, 403, 200)}),
    "equity.gaps": Rule(f"/equity/{S}/{W}", {"GET": statuses(LOGIN, LOGIN, 403, 403, 403, 200)}),
    "api.unit_change": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/change",
        {"GET": statuses(401, 401, 200, 403, 200, 200)},
    ),
    "api.drivers": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/drivers", {"GET": statuses(401, 401, 403, 403, 400, 400)}
    ),
    "api.unit_plan": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/plan",
        {"GET": statuses(401, 401, 404, 403, 403, 403)},
    ),
    "api.save_unit_plan": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/plan",
        {"PUT": statuses(401, 401, 404, 403, 403, 403)},
    ),
    "api.survey_plans": Rule(
        f"/api/v1/surveys/{S}/plans", {"GET": statuses(401, 401, 403, 403, 403, 200)}
    ),
    "api.equity": Rule(
        f"/api/v1/surveys/{S}/waves/{W}/equity", {"GET": statuses(401, 401, 403, 403, 403, 200)}
    ),
}


def _missing_rule_message(app: Any, endpoints: list[str]) -> str:
    lines = ["routes without a rule in tests/webapp/test_access_matrix.py RULES; add:"]
    for endpoint in endpoints:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        cells = ", ".join(
            f'"{m}": statuses(anonymous, respondent, manager_a, manager_b, researcher, admin)'
            for m in methods
        )
        lines.append(f'    "{endpoint}": Rule(f"{url}", {{{cells}}}),')
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def matrix_app(hospital_db):
    from surveys.invitations import issue_invitations
    from surveys.users import add_user, issue_api_token

    tokens = {}
    for role, (email, kind, unit) in STAFF.items():
        add_user(hospital_db, email, kind, PASSWORD, unit_code=unit)
        tokens[role] = issue_api_token(hospital_db, email)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})
    app.config["MATRIX_TOKENS"] = tokens
    app.config["MATRIX_INVITATION"] = lambda: issue_invitations(hospital_db, S, "W1", 1)[0]
    return app


def _client(app: Any, role: str) -> Any:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if role == "respondent":
        assert start(client, app.config["MATRIX_INVITATION"]()).status_code == 303
    elif role in STAFF:
        token = csrf_token(client.get("/auth/login").text)
        data = {"email": STAFF[role][0], "password": PASSWORD, "csrf_token": token}
        assert client.post("/auth/login", data=data).status_code == 302
    return client


def _ask(client: Any, method: str, url: str, headers: dict[str, str] | None = None) -> int | str:
    """The status, or :data:`LOGIN` for a redirect to the sign-in page."""
    data = None
    if method != "GET":
        with client.get("/auth/login") as page:
            data = {"csrf_token": csrf_token(page.text)}
    with client.open(url, method=method, data=data, headers=headers) as response:
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/auth/login"):
            return LOGIN
        return response.status_code


def test_every_route_has_a_rule(db):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(RULES))
    assert not missing, _missing_rule_message(app, missing)
    for rule in app.url_map.iter_rules():  # every method of every route has its row
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        assert methods == set(RULES[rule.endpoint].methods), (
            f"{rule.endpoint}: the route takes {sorted(methods)}, RULES lists "
            f"{sorted(RULES[rule.endpoint].methods)}"
        )
    stale = sorted(set(RULES) - {r.endpoint for r in app.url_map.iter_rules()})
    assert not stale, f"RULES names endpoints that no longer exist: {stale}"


def _blueprint(endpoint: str) -> str:
    """The blueprint of ``endpoint`` ("app" for the app's own routes, like ``static``)."""
    return endpoint.split(".")[0] if "." in endpoint else "app"


#: The matrix is checked one blueprint at a time, so pytest-xdist can spread it over workers;
#: every endpoint of RULES falls in exactly one of them.
BLUEPRINTS = sorted({_blueprint(endpoint) for endpoint in RULES})


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_the_matrix_holds(matrix_app, blueprint):
    wrong = []
    clients: dict[str, Any] = {}
    checked = 0
    for endpoint, rule in RULES.items():
        if _blueprint(endpoint) != blueprint:
            continue
        checked += 1
        for method, expected in rule.methods.items():
            for role in ROLES:
                if role not in clients:
                    clients[role] = _client(matrix_app, role)
                got = _ask(clients[role], method, rule.url)
                if got != expected[role]:
                    wrong.append(
                        f"{endpoint} {method} {rule.url} as {role}: {got}, "
                        f"expected {expected[role]}"
                    )
                if method != "GET" and (role == "respondent" or endpoint.startswith("auth.")):
                    del clients[role]  # it may have ended the session: start afresh
    assert checked > 0
    assert not wrong, "\n".join(wrong)


def test_the_api_matrix_holds_with_tokens(matrix_app):
    """The same API cells with ``Authorization: Bearer`` instead of a cookie (a bad token is
    no caller, never a fallback to the cookie)."""
    tokens = matrix_app.config["MATRIX_TOKENS"]
    wrong = []
    for endpoint, rule in RULES.items():
        if not endpoint.startswith("api.") or endpoint == "api.openapi":
            continue
        for method, expected in rule.methods.items():
            for role in ROLES:
                client = matrix_app.test_client()
                token = tokens.get(role, "samen_not-a-token")
                got = _ask(client, method, rule.url, {"Authorization": f"Bearer {token}"})
                if got != expected[role]:
                    wrong.append(f"{endpoint} {method} as {role} with a token: {got}")
    assert not wrong, "\n".join(wrong)


def test_a_missing_rule_says_what_to_add(db):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})

    @app.route("/console/<survey>/people", methods=["GET", "POST"])
    def console_people(survey: str) -> str:  # what another branch might add
        return survey

    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(RULES))
    assert missing == ["console_people"]
    message = _missing_rule_message(app, missing)
    assert '"console_people": Rule(f"/console/{survey}/people", {"GET": statuses(' in message
    assert '"POST": statuses(anonymous, respondent, manager_a' in message
