"""What an attacker found in the API and the headers (issue 15), each reproduced, then held:
405s under /api/v1 came as HTML (TRACE without ``Allow``), an empty ``filter=`` was accepted
against the spec's pattern, no HSTS, a ``Server`` header naming Werkzeug and Python versions,
and unit names written unescaped into ``codebook.md``."""

from __future__ import annotations

import http.client
import re
from importlib import resources

import pytest
import yaml

from webapp import create_app
from webapp.config import TestConfig

RESULTS = "/api/v1/surveys/s/waves/w/units/u/results"


@pytest.fixture
def api_app(db):
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE"])
@pytest.mark.parametrize("path", ["/api/v1/me", RESULTS, "/api/v1/openapi.yaml"])
def test_wrong_methods_under_the_api_are_json_with_allow(api_app, method, path):
    response = api_app.test_client().open(path, method=method)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "method-not-allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_wrong_methods_elsewhere_are_a_page_with_allow(api_app):
    response = api_app.test_client().open("/auth/logout", method="TRACE")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert response.headers["Allow"] == "OPTIONS, POST"


@pytest.mark.parametrize("value", ["", ":", "dem_gender:", ":1", "dem_gender:1:2"])
def test_a_filter_off_the_specs_pattern_is_refused(hospital_db, value):
    from surveys.users import add_user, issue_api_token
    from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE

    add_user(hospital_db, "owner@example.org", "admin", "correct horse battery")
    token = issue_api_token(hospital_db, "owner@example.org")
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/surveys/{HOSPITAL_SLUG}/waves/{HOSPITAL_WAVE}/units/SURG"
    for path in (f"{base}/results", f"{base}/heatmap", f"{base}/comments"):
        response = client.get(path, query_string={"filter": value}, headers=headers)
        assert response.status_code == 400, path
        assert response.get_json()["error"] == "bad-request"
    assert client.get(f"{base}/results", headers=headers).status_code == 200


def test_the_spec_documents_every_error_the_api_gives():
    spec = yaml.safe_load(resources.files("webapp").joinpath("openapi.yaml").read_text())
    parameters = spec["components"]["parameters"]
    assert re.fullmatch(parameters["filter"]["schema"]["pattern"].strip("^$"), "dem_gender:2")
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            names = {p.get("$ref", "").rsplit("/", 1)[-1] for p in operation.get("parameters", [])}
            if "filter" in names:  # a bad filter answers 400
                assert "400" in operation["responses"], path
            if operation.get("security") != []:
                assert "401" in operation["responses"], path
            assert "405" in operation["responses"], path


# --- headers --------------------------------------------------------------------------------


def test_hsts_over_https_only(db):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})
    client = app.test_client()
    secure = client.get("/auth/login", base_url="https://samen.example.org")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    off = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db, "SAMEN_HSTS_SECONDS": 0})
    response = off.test_client().get("/auth/login", base_url="https://samen.example.org")
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_behind_a_trusted_proxy_that_terminates_https(db):
    config = {**TestConfig.as_dict(), "SAMEN_DATABASE": db, "SAMEN_TRUSTED_PROXIES": 1}
    client = create_app(config).test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    assert "Strict-Transport-Security" in client.get("/auth/login", headers=forwarded).headers
    # without a trusted proxy the header is a client's claim, not believed
    plain = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}).test_client()
    assert "Strict-Transport-Security" not in plain.get("/auth/login", headers=forwarded).headers


def test_hsts_seconds_from_the_environment():
    from webapp.config import ConfigError, environment_config

    assert environment_config({"SAMEN_HSTS_SECONDS": "0"})["SAMEN_HSTS_SECONDS"] == 0
    with pytest.raises(ConfigError, match="SAMEN_HSTS_SECONDS"):
        environment_config({"SAMEN_HSTS_SECONDS": "a year"})


def test_the_server_header_names_no_versions(db):
    from webapp.cli.serve import serve_in_thread

    server = serve_in_thread(create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}))
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.request("GET", "/auth/login")
        response = connection.getresponse()
        response.read()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    assert response.status == 200
    header = response.getheader("Server") or ""
    assert header == "Samen"
    assert "Werkzeug" not in header and "Python" not in header


# --- codebook.md ----------------------------------------------------------------------------

HOSTILE_UNIT = "[click](https://evil.example/x) ![p](https://evil.example/p.png) **b** <img src=x>"


def test_codebook_markdown_shows_unit_names_as_text():
    from instruments import load_builtin
    from webapp.exports import build_codebook, codebook_markdown

    codebook = build_codebook(
        [load_builtin("belonging")],
        survey="s",
        wave="1",
        languages=["en"],
        unit_names={"ward_<a>": HOSTILE_UNIT, "icu": "Intensive | care"},
        rolled_up={"x](y": "icu"},
    )
    text = codebook_markdown(codebook, "en")
    lines = text.splitlines()
    unit_line = next(line for line in lines if line.startswith("| `unit`"))
    header = lines[lines.index(unit_line) - 2]
    for active in ("[click]", "](", "![", "**", "<img", "<a>"):
        assert active not in unit_line
    assert "&#91;click&#93;&#40;https://evil.example/x&#41;" in unit_line
    assert "Intensive \\| care" in unit_line  # a pipe still does not split the cell
    assert unit_line.count(" | ") == header.count(" | ") == 3  # the table keeps its columns


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/surveys/a%2Fb/units/x/trend"])
def test_unknown_api_paths_are_json_404s(api_app, path):
    response = api_app.test_client().get(path)
    assert response.status_code == 404 and response.get_json()["error"] == "not-found"
    page = api_app.test_client().get("/nothing")  # elsewhere: the friendly page
    assert page.status_code == 404 and page.mimetype == "text/html"


# --- what held, kept held: huge bodies and headers ------------------------------------------


@pytest.mark.parametrize("path", ["/auth/login", "/survey/q/belonging", "/s/some-token"])
def test_a_huge_body_is_413_with_a_page(api_app, path):
    response = api_app.test_client().post(
        path, data={"x": "a" * (70 * 1024)}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 413
    assert "Too much text" in response.text and "Traceback" not in response.text


def test_huge_headers_are_431_under_samen_serve(db):
    from webapp.cli.serve import serve_in_thread

    server = serve_in_thread(create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}))
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.putrequest("GET", "/auth/login")
        connection.putheader("X-Huge", "a" * 70_000)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    assert response.status == 431
