"""The JSON API: every URL x every role x in/out of scope gives exactly 200/401/403/404.

Units (tests/conftest.py): HOSP > SURG > W1, W2; HOSP > ICU. The SURG manager may open
SURG, W1 and W2; the ICU manager (a sibling) only ICU; admins and researchers every unit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_results import SECOND_WAVE, K, cheap_hasher, fill_wave  # noqa: F401
from webapp import create_app
from webapp.config import TestConfig

PASSWORD = "correct horse battery"
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
    "anonymous": set(),
}
W = HOSPITAL_WAVE
S = HOSPITAL_SLUG
URLS = [
    "/api/v1/surveys/{s}/waves/{w}/units/{u}/results",
    "/api/v1/surveys/{s}/waves/{w}/units/{u}/results?filter=dem_gender:1",
    "/api/v1/surveys/{s}/waves/{w}/units/{u}/heatmap",
    "/api/v1/surveys/{s}/waves/{w}/units/{u}/response-rate",
    "/api/v1/surveys/{s}/units/{u}/trend",
    "/api/v1/surveys/{s}/waves/{w}/units/{u}/comments",
]


@pytest.fixture
def api(hospital_db):
    """(client, tokens by role) on the hospital with wave 2026-1 answered and closed."""
    from surveys.users import add_user, issue_api_token
    from surveys.waves import open_wave

    fill_wave(hospital_db)
    open_wave(hospital_db, S, SECOND_WAVE)
    tokens = {}
    for role, (email, kind, unit) in ACCOUNTS.items():
        add_user(hospital_db, email, kind, PASSWORD, unit_code=unit)
        tokens[role] = issue_api_token(hospital_db, email)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})
    return app.test_client(), tokens


def _get(client, tokens, role, url):
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {tokens[role]}"}
    return client.get(url, headers=headers)


@pytest.mark.parametrize("template", URLS)
def test_scope_of_every_url_and_role(api, template):
    """One database per URL; every role x every unit on it (in and out of scope)."""
    client, tokens = api
    seen = {}
    for role in SCOPE:
        for unit in ("HOSP", "SURG", "W1", "W2", "ICU"):
            response = _get(client, tokens, role, template.format(s=S, w=W, u=unit))
            expected = 401 if role == "anonymous" else (200 if unit in SCOPE[role] else 403)
            seen[(role, unit)] = (response.status_code, expected)
            assert response.is_json
            if response.status_code == 200:
                assert response.get_json()["survey"] == S
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = {key: got for key, got in seen.items() if got[0] != got[1]}
    assert wrong == {}
    assert {got for got, _ in seen.values()} == {200, 401, 403}


@pytest.mark.parametrize("template", URLS)
def test_unknown_names_are_404_for_callers_and_401_for_anonymous(api, template):
    client, tokens = api
    wrong = {}
    for role in SCOPE:
        own = "ICU" if role == "sibling" else "SURG"
        for s, w, u in [("nope", W, own), (S, "1999-1", own), (S, W, "NOPE")]:
            if "{w}" not in template and w != W:
                continue  # trend has no wave in its URL
            response = _get(client, tokens, role, template.format(s=s, w=w, u=u))
            expected = 401 if role == "anonymous" else 404
            if response.status_code != expected:
                wrong[(role, s, w, u)] = response.status_code
            assert response.get_json()["error"] in ("unauthorized", "not-found")
    assert wrong == {}


def test_bad_token_and_scheme_are_401(api):
    client, _tokens = api
    url = f"/api/v1/surveys/{S}/waves/{W}/units/SURG/results"
    for header in ("Bearer samen_wrong", "Basic YWRtaW46eA==", "Bearer "):
        assert client.get(url, headers={"Authorization": header}).status_code == 401


def test_results_json_suppression(api):
    client, tokens = api
    body = _get(client, tokens, "manager", f"/api/v1/surveys/{S}/waves/{W}/units/W2/results")
    body = body.get_json()
    assert body["n"] is None and body["suppressed"] is True
    assert all(v["mean"] is None for v in body["scales"].values())
    surg = _get(client, tokens, "manager", f"/api/v1/surveys/{S}/waves/{W}/units/SURG/results")
    surg = surg.get_json()
    assert surg["n"] == 9 and surg["parent"]["n"] == 18
    assert {c["unit"]: c["n"] for c in surg["children"]} == {"W1": None, "W2": None}
    # no differencing: parent minus the shown children is 0 or >= k
    shown = sum(c["n"] for c in surg["children"] if not c["suppressed"])
    assert surg["n"] - shown == 0 or surg["n"] - shown >= K
    assert "NaN" not in surg.__repr__()


def test_results_json_trust_only_for_released_scales(api):
    """``trust`` beside each of the unit's own scales: figures when released, else null."""
    client, tokens = api
    base = f"/api/v1/surveys/{S}/waves/{W}/units"
    surg = _get(client, tokens, "manager", f"{base}/SURG/results").get_json()
    released = {sid: c for sid, c in surg["scales"].items() if not c["suppressed"]}
    assert released
    for cell in released.values():
        assert set(cell["trust"]) == {
            "alpha",
            "omega",
            "rwg_j",
            "icc1",
            "reliability",
            "agreement",
            "differences",
        }
    trust = surg["scales"]["belonging.membership"]["trust"]
    assert trust["reliability"] in ("good", "acceptable", "weak")
    assert trust["agreement"] in ("strong", "moderate", "weak")
    assert all("trust" not in c for c in surg["parent"]["scales"].values())
    w2 = _get(client, tokens, "manager", f"{base}/W2/results").get_json()
    assert w2["scales"] and all(c["trust"] is None for c in w2["scales"].values())
    filtered = _get(client, tokens, "admin", f"{base}/HOSP/results?filter=dem_gender:1")
    assert all(c["trust"] is None for c in filtered.get_json()["scales"].values())


def test_bad_filter_is_400(api):
    client, tokens = api
    url = f"/api/v1/surveys/{S}/waves/{W}/units/SURG/results?filter=dem_gender:9"
    response = _get(client, tokens, "admin", url)
    assert response.status_code == 400 and response.get_json()["error"] == "bad-request"


def test_session_cookie_works_for_the_dashboard(api):
    client, _tokens = api
    url = f"/api/v1/surveys/{S}/waves/{W}/units/SURG/results"
    assert client.get(url).status_code == 401
    response = client.post(
        "/auth/login",
        data={"email": "surg@example.org", "password": PASSWORD, "csrf_token": _csrf(client)},
    )
    assert response.status_code == 302
    assert client.get(url).status_code == 200
    assert client.get(url.replace("SURG", "ICU")).status_code == 403
    assert client.get("/api/v1/me").get_json() == {
        "email": "surg@example.org",
        "role": "manager",
        "unit": "SURG",
    }


def _csrf(client) -> str:
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_openapi_documents_every_route(api):
    client, _tokens = api
    spec_text = client.get("/api/v1/openapi.yaml").get_data(as_text=True)
    spec = yaml.safe_load(spec_text)
    assert spec["openapi"].startswith("3.1")
    documented = {"/api/v1" + path for path in spec["paths"]}
    app = client.application
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == documented
    on_disk = Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml"
    assert yaml.safe_load(on_disk.read_text(encoding="utf-8")) == spec


# --- the responses match the documented schemas ----------------------------------------------

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _check(value, schema, spec, path="$"):
    """A small JSON Schema subset (type, required, properties, additionalProperties, items,
    enum, allOf, oneOf, $ref): enough to hold the API to its OpenAPI description."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _check(value, spec["components"]["schemas"][name], spec, path)
    for part in schema.get("allOf", []):
        _check(value, part, spec, path)
    if "oneOf" in schema:
        passed = 0
        for part in schema["oneOf"]:
            try:
                _check(value, part, spec, path)
                passed += 1
            except AssertionError:
                pass
        assert passed == 1, f"{path}: matches {passed} of oneOf"
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, _TYPES[t]) and not (t in ("integer", "number") and value is True)
            for t in types
        )
        assert ok, f"{path}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key!r}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                _check(value[key], sub, spec, f"{path}.{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if key not in schema.get("properties", {}):
                    _check(item, extra, spec, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(item, schema["items"], spec, f"{path}[{i}]")


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_responses_match_the_openapi_schemas(api):
    spec = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
    )
    client, tokens = api
    cases = [
        ("/me", "/me"),
        (f"/surveys/{S}/waves/{W}/units/SURG/results", None),
        (f"/surveys/{S}/waves/{W}/units/HOSP/results?filter=dem_gender:1", None),
        (f"/surveys/{S}/waves/{SECOND_WAVE}/units/HOSP/results", None),
        (f"/surveys/{S}/waves/{W}/units/HOSP/heatmap", None),
        (f"/surveys/{S}/waves/{SECOND_WAVE}/units/HOSP/heatmap", None),
        (f"/surveys/{S}/waves/{W}/units/HOSP/response-rate", None),
        (f"/surveys/{S}/units/W1/trend", None),
        (f"/surveys/{S}/waves/{W}/units/ICU/results?filter=dem_gender:9", "400"),
        (f"/surveys/{S}/waves/{W}/units/NOPE/heatmap", "404"),
    ]
    for url, _ in cases:
        response = _get(client, tokens, "admin", "/api/v1" + url)
        template = url.split("?")[0]
        for unit in ("SURG", "HOSP", "W1", "ICU", "NOPE"):
            template = template.replace(f"/units/{unit}", "/units/{unit}")
        template = (
            template.replace(f"/surveys/{S}", "/surveys/{survey}")
            .replace(f"/waves/{W}", "/waves/{wave}")
            .replace(f"/waves/{SECOND_WAVE}", "/waves/{wave}")
        )
        documented = spec["paths"][template]["get"]["responses"][str(response.status_code)]
        if "$ref" in documented:
            documented = spec["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
        schema = documented["content"]["application/json"]["schema"]
        _check(response.get_json(), schema, spec)


def test_schema_checker_catches_drift():
    spec = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
    )
    cell = {"$ref": "#/components/schemas/Cell"}
    good = {
        "n": None,
        "suppressed": True,
        "reason": "fewer-than-k",
        "mean": None,
        "sd": None,
        "ci": None,
        "favourable": None,
        "distribution": None,
    }
    _check(good, cell, spec)
    for bad in ({**good, "reason": "because"}, {**good, "n": "5"}, {"n": 5}):
        with pytest.raises(AssertionError):
            _check(bad, cell, spec)
