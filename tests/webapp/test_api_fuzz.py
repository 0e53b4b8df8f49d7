"""The API against its own description (issue 15, hostile input): hypothesis picks an
operation of ``webapp/openapi.yaml``, path parameters (real names, near misses and junk), a
``filter`` and a caller (a valid token of every role, a bad token, none). Every answer is a
status the operation documents, with a body that matches its schema; never a 5xx."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import HOSPITAL_SLUG as S
from tests.conftest import HOSPITAL_WAVE as W
from tests.webapp.test_api import _check, api  # noqa: F401  (the fixture)
from tests.webapp.test_results import SECOND_WAVE, cheap_hasher  # noqa: F401

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
)
OPERATIONS = sorted(path for path, ops in SPEC["paths"].items() if "get" in ops)
junk = st.text(min_size=1, max_size=20).filter(lambda t: t not in (".", ".."))
surveys = st.one_of(st.sampled_from([S, S.upper(), "nope", S + "x", "a/b", "%00"]), junk)
waves = st.one_of(st.sampled_from([W, SECOND_WAVE, "2026-9", "0"]), junk)
units = st.one_of(
    st.sampled_from(["HOSP", "SURG", "W1", "W2", "ICU", "surg", "NOPE", "SURG/../ICU"]), junk
)
filters = st.one_of(
    st.none(),
    st.sampled_from(["dem_gender:1", "dem_gender:2", "dem_gender:9", "dem_age:1", "", ":"]),
    st.text(max_size=30),
)
callers = st.sampled_from(["admin", "researcher", "manager", "sibling", "anonymous", "bad"])


def _documented(operation: dict, status: int) -> dict:
    responses = operation["responses"]
    assert str(status) in responses, f"{status} is not documented"
    documented = responses[str(status)]
    if "$ref" in documented:
        documented = SPEC["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    return documented


@pytest.mark.parametrize("db_backend", ["sqlite"])
@settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(OPERATIONS),
    survey=surveys,
    wave=waves,
    unit=units,
    filter=filters,
    caller=callers,
    programme=st.sampled_from(["1", "2", "0", "x1"]),
)
def test_every_answer_is_documented_and_matches_its_schema(
    api,  # noqa: F811
    path,
    survey,
    wave,
    unit,
    filter,
    caller,
    programme,
):
    client, tokens = api
    url = "/api/v1" + path.format(
        survey=quote(survey, safe=""),
        wave=quote(wave, safe=""),
        unit=quote(unit, safe=""),
        programme_id=programme,
    )
    query = {"filter": filter} if filter is not None else {}
    headers = {}
    if caller == "bad":
        headers["Authorization"] = "Bearer samen_not-a-token"
    elif caller != "anonymous":
        headers["Authorization"] = f"Bearer {tokens[caller]}"
    response = client.get(url, query_string=query, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    operation = SPEC["paths"][path]["get"]
    documented = _documented(operation, response.status_code)
    if path == "/openapi.yaml":
        assert response.status_code == 200 and response.mimetype == "application/yaml"
        return
    assert response.mimetype == "application/json", (url, response.status_code)
    _check(response.get_json(), documented["content"]["application/json"]["schema"], SPEC)
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
