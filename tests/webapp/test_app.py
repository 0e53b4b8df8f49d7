"""The application factory, its configuration, security headers and token-free logs."""

from __future__ import annotations

import logging
import urllib.request
from urllib.error import HTTPError

import pytest

from tests.webapp.helpers import csrf_token
from webapp import create_app
from webapp.config import DEV_SECRET_KEY, ConfigError, TestConfig, environment_config
from webapp.logs import redact


def test_refuses_to_start_without_a_secret_outside_debug(monkeypatch, tmp_path, db):
    monkeypatch.delenv("SAMEN_SECRET_KEY", raising=False)
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="SAMEN_SECRET_KEY"):
        create_app({"SAMEN_DATABASE": db})
    debug = create_app({"SAMEN_DATABASE": db, "DEBUG": True})
    assert debug.secret_key == DEV_SECRET_KEY


def test_secret_from_environment_or_instance_file(monkeypatch, tmp_path, db):
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMEN_SECRET_KEY", "from-the-environment")
    assert create_app({"SAMEN_DATABASE": db}).secret_key == "from-the-environment"
    monkeypatch.delenv("SAMEN_SECRET_KEY")
    (tmp_path / "secret_key").write_text("from-the-file\n", encoding="utf-8")
    app = create_app({"SAMEN_DATABASE": db})
    assert app.secret_key == "from-the-file"
    assert app.instance_path == str(tmp_path.resolve())


def test_environment_config_reads_samen_variables():
    config = environment_config(
        {
            "SAMEN_SECRET_KEY": "k",
            "SAMEN_DATABASE_URL": "sqlite:///x.db",
            "SAMEN_SECURE_COOKIES": "true",
        }
    )
    assert config == {
        "SECRET_KEY": "k",
        "SAMEN_DATABASE_URL": "sqlite:///x.db",
        "SESSION_COOKIE_SECURE": True,
    }
    assert environment_config({}) == {}


def test_database_from_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'samen.db'}"
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE_URL": url})
    assert app.extensions["samen_db"].url == url


def test_security_headers(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    static = client.get("/static/samen.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /s/AbC-_123 HTTP/1.1", "GET /s/<token> HTTP/1.1"),
        ('"GET /o/xyz?lang=en HTTP/1.1" 303 -', '"GET /o/<token>?lang=en HTTP/1.1" 303 -'),
        ("/s/abc", "/s/<token>"),
        ("GET /survey HTTP/1.1", "GET /survey HTTP/1.1"),
        ("GET /static/s/x.css HTTP/1.1", "GET /static/s/x.css HTTP/1.1"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected


def test_served_access_log_has_no_token_and_no_address(survey, caplog):
    from webapp.cli.serve import serve_in_thread

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": survey.db})
    server = serve_in_thread(app)
    token = survey.tokens[0]
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in (f"/s/{token}", f"/o/{token}x", "/s/" + "z" * 300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}")
                except HTTPError as error:
                    error.close()
    finally:
        server.shutdown()
        server.server_close()
    text = caplog.text
    assert "GET /s/<token>" in text and "GET /o/<token>" in text
    assert token not in text and "zzzz" not in text
    assert "127.0.0.1 -" not in text


def test_unhandled_error_log_has_no_token(app, survey, caplog, monkeypatch):
    from webapp.respond import services

    def explode(token):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "start", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = survey.tokens[0]
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        landing = client.get(f"/s/{token}")
        response = client.post(f"/s/{token}", data={"csrf_token": csrf_token(landing.text)})
    assert response.status_code == 500
    assert "database on fire" not in response.text
    assert "Exception on /s/<token> [POST]" in caplog.text
    assert token not in caplog.text
