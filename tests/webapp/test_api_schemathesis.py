"""schemathesis against ``webapp/openapi.yaml`` (issue 15, hostile input), in process.

The Flask application is called as a WSGI app (no server). For every operation of the
spec schemathesis generates requests (path parameters, ``filter``), each sent as one of
every kind of caller: admin, researcher, the manager of SURG (A), the manager of ICU (B),
a works-council member, a bad token and no token. Half of the requests use the hospital's
real survey, wave and unit names, so the 200 answers with their numbers are checked too,
not only the 404s of random names. Checks: no 5xx (``not_a_server_error``), every status
is one the operation documents (``status_code_conformance``), the declared content type
(``content_type_conformance``), and the body matches the documented schema
(``response_schema_conformance``).

Derandomized (the same requests on every run) and kept small: ``MAX_EXAMPLES`` generated
requests per operation.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_UNITS, HOSPITAL_WAVE
from tests.webapp.test_api import ACCOUNTS, PASSWORD
from tests.webapp.test_results import CHEAPEST, SECOND_WAVE, fill_wave

SPEC = Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml"
#: Generated requests per operation (each with one caller); 12 operations.
MAX_EXAMPLES = 25
CALLERS = ("admin", "researcher", "manager", "sibling", "council", "bad", "anonymous")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Real names of the hospital (tests/conftest.py): units in and out of every scope.
REAL = {
    "survey": st.just(HOSPITAL_SLUG),
    "wave": st.sampled_from([HOSPITAL_WAVE, SECOND_WAVE]),
    "unit": st.sampled_from(["HOSP", "SURG", "W1", "W2", "ICU"]),
    "programme_id": st.sampled_from(["1", "2"]),
}
#: One of each real name: a closed wave, a unit in the managers' scope.
ONE_REAL = {"survey": HOSPITAL_SLUG, "wave": HOSPITAL_WAVE, "unit": "SURG", "programme_id": "1"}


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    """(the app, the Authorization header of each kind of caller) on the hospital with
    wave 2026-1 answered and closed and 2026-2 open; read-only, so one per module."""
    from argon2 import PasswordHasher

    from surveys import users as users_module
    from surveys.db import Database
    from surveys.org import import_units
    from surveys.survey_store import create_survey
    from surveys.users import add_user, issue_api_token
    from surveys.waves import open_wave
    from webapp import create_app
    from webapp.config import TestConfig

    folder = tmp_path_factory.mktemp("schemathesis")
    shutil.copyfile(sqlite_template, folder / "samen.db")
    db = Database(f"sqlite:///{folder / 'samen.db'}")
    (folder / "units.csv").write_text(HOSPITAL_UNITS, encoding="utf-8")
    import_units(db, folder / "units.csv")
    create_survey(db, SPEC.parents[1] / "surveys" / "examples" / "hospital.yaml")
    open_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    fill_wave(db)
    open_wave(db, HOSPITAL_SLUG, SECOND_WAVE)
    accounts = {**ACCOUNTS, "council": ("council@example.org", "council", None)}
    headers: dict[str, dict[str, str]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
        for role, (email, kind, unit) in accounts.items():
            add_user(db, email, kind, PASSWORD, unit_code=unit)
            headers[role] = {"Authorization": f"Bearer {issue_api_token(db, email)}"}
    headers["bad"] = {"Authorization": "Bearer samen_not-a-token"}
    headers["anonymous"] = {}
    yield create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}), headers
    db.dispose()


schema = schemathesis.openapi.from_path(SPEC)
#: Operations with nothing to show in this fixture (no programme; no leader gave a view of
#: their team; no team recorded a plan): they answer 401/403/404 only; their 200s are checked
#: in test_programmes.py, test_leaders*.py and test_plans_api.py.
NO_DATA_HERE = {
    "/programmes/{programme_id}/evaluation",
    "/surveys/{survey}/units/{unit}/leader-view",
    "/surveys/{survey}/waves/{wave}/units/{unit}/plan",
}


def test_every_operation_for_every_caller(served: tuple[Any, dict]) -> None:
    """Every operation with generated requests from every kind of caller; then that the
    requests got past the 404s of random names: every operation answered 200 to someone
    and 401 to the callers without a valid token.

    One test, looping over the operations: ``schema.parametrize()`` gives every operation the
    same test id under pytest 9, and pytest-xdist (``make test``) then ran one of them.
    """
    app, headers = served
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(
            case=operation.as_strategy(),
            caller=st.sampled_from(CALLERS),
            real=st.booleans(),
            data=st.data(),
        )
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any, caller: str, real: bool, data: Any) -> None:
            if real and case.path_parameters:
                for name in case.path_parameters:
                    case.path_parameters[name] = data.draw(REAL[name], label=name)
            response = case.call_and_validate(app=app, headers=headers[caller], checks=CHECKS)
            seen.setdefault(case.operation.path, set()).add(response.status_code)

        call()
        # And once per caller with the hospital's real names (a closed wave, a unit in
        # the managers' scope), so that every answer with numbers is checked, not left to
        # the draw.
        names = {parameter.name for parameter in operation.path_parameters}
        for caller in CALLERS:
            case = operation.Case(path_parameters={name: ONE_REAL[name] for name in names})
            response = case.call_and_validate(app=app, headers=headers[caller], checks=CHECKS)
            seen.setdefault(operation.path, set()).add(response.status_code)

    assert {operation.path for operation in operations} == set(seen)
    for path, statuses in seen.items():
        if path not in NO_DATA_HERE:
            assert 200 in statuses, (path, statuses)
        if path != "/openapi.yaml":
            assert 401 in statuses, (path, statuses)
