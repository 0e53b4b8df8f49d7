"""`samen serve` and `samen demo` from the command line."""

from __future__ import annotations

import re

from click.testing import CliRunner

from tests.webapp.helpers import start
from webapp import create_app
from webapp.cli import cli
from webapp.config import TestConfig


def test_demo_builds_and_prints_working_links(monkeypatch, tmp_path):
    import webapp.research.service as service

    real = service.audit_survey
    audits = []

    def recorded(*args, **kwargs):  # the consent's audit, passed through and kept
        audits.append((args, kwargs, real(*args, **kwargs)))
        return audits[-1][2]

    monkeypatch.setattr(service, "audit_survey", recorded)
    instance = tmp_path / "instance"
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("SAMEN_DATABASE_URL", raising=False)
    instance.mkdir()
    # An older demo database (here: not even a database) is replaced by a fresh one.
    (instance / "demo.db").write_bytes(b"an older demo database")
    result = CliRunner().invoke(cli, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    links = re.findall(r"http://127\.0\.0\.1:5000(/s/[A-Za-z0-9_-]{32,})", result.output)
    assert len(links) == 3
    assert "admin@" in result.output and "password:" in result.output
    key = (instance / "secret_key").read_text(encoding="utf-8").strip()
    assert len(key) >= 32
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0
    url = f"sqlite:///{instance / 'demo.db'}"
    assert f"SAMEN_DATABASE_URL={url}" in result.output

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE_URL": url})
    client = app.test_client()
    response = start(client, links[0].removeprefix("/s/"))
    assert response.status_code == 303 and response.location == "/survey"
    welcome = client.get("/survey", headers={"Accept-Language": "nl"})
    assert welcome.status_code == 200 and "Stadsziekenhuis" in welcome.text
    login = re.search(r"sign in at http://127\.0\.0\.1:5000(/[^)\s]+)", result.output)
    assert login is not None and client.get(login.group(1)).status_code == 200
    app.extensions["samen_db"].dispose()

    # The works council's consent rests on `samen audit hospital-2026` of the demo (every
    # wave, every role pooled), which covers the programme evaluations: 27 scales x 2 sides
    # x 2 waves (2025-2 before, 2026-1 after), and finds nothing. (test_programme_audit's
    # check: an audit of the whole demo costs ~32 s of CPU, so the suite makes it once.)
    ((args, kwargs, audit),) = audits
    assert args[1:] == ("hospital-2026",) and kwargs == {}
    assert audit.programme_views == 27 * 2 * 2
    assert audit.ok, audit.lines()[:3]
    assert "108 of them of programme evaluations" in audit.summary()
    assert "Works-council consent: OR, " in result.output


def test_serve_without_secret_exits_2_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SAMEN_SECRET_KEY", raising=False)
    monkeypatch.setenv("SAMEN_DATABASE_URL", f"sqlite:///{tmp_path / 'samen.db'}")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: no secret key: set SAMEN_SECRET_KEY (a long random string) or run `samen demo`"
    ]


def test_serve_with_busy_port_exits_2(monkeypatch, tmp_path):
    import socket

    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMEN_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("SAMEN_DATABASE_URL", f"sqlite:///{tmp_path / 'samen.db'}")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_demo_secret_key_is_made_once(tmp_path):
    from webapp.cli.serve import _secret_key

    first = _secret_key(tmp_path)
    assert len(first) >= 32 and _secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_serve_before_init_exits_2_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMEN_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("SAMEN_DATABASE_URL", f"sqlite:///{tmp_path / 'samen.db'}")
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: the database has no tables yet; run `samen init` first"
    ]


def test_serve_on_an_old_schema_asks_for_init(monkeypatch, tmp_path):
    from surveys.db import Database

    url = f"sqlite:///{tmp_path / 'samen.db'}"
    old = Database(url)
    old.upgrade("0001")
    old.dispose()
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMEN_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("SAMEN_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert "run `samen init` to migrate it" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_demo_with_busy_port_keeps_the_old_demo(monkeypatch, tmp_path):
    import socket

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "demo.db").write_bytes(b"the demo someone is still using")
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("SAMEN_DATABASE_URL", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["demo", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert (instance / "demo.db").read_bytes() == b"the demo someone is still using"
