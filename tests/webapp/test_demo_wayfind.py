"""`make demo` and `samen demo` as a new user types them: the printed hint to serve again
works as typed from another directory, the printed links follow --host and --port, and the
demo installs only the runtime (the test tools come with `make test` and `make lint`)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_env(monkeypatch, tmp_path):
    instance = tmp_path / "instance"
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("SAMEN_DATABASE_URL", raising=False)
    return instance


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _hint(output: str) -> str:
    found = re.search(r"^To serve it again: (.+)$", output, re.M)
    assert found is not None, output
    return found.group(1)


def _free_port_without_5000() -> int:
    """A free port whose number does not contain "5000" (the default port the output must
    not mention)."""
    while "5000" in str(port := _free_port()):
        pass
    return port


# Each `samen demo` builds the demo hospital and runs its disclosure audit for the consent
# (about 35 s of CPU), so each test below runs one `samen demo` and checks everything that
# run can show: the links follow --host and --port (test_cli checks the default host and
# port), and the server or the printed hint answers.


def test_demo_on_any_address_and_port_0_links_loopback_and_the_port_it_serves_on(
    demo_env, monkeypatch
):
    from webapp.cli import serve as serve_module

    servers = []

    def in_thread(server, host):
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()

    monkeypatch.setattr(serve_module, "_serve_forever", in_thread)
    result = CliRunner().invoke(cli, ["demo", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 0, result.output
    try:
        port = servers[0].server_port
        assert port != 0
        # an "any address" host is linked on the loopback address, with the port it serves on
        links = re.findall(r"https?://[^\s)]+", result.output)
        assert len(links) >= 5  # privacy page, three invitations, sign-in
        assert all(link.startswith(f"http://127.0.0.1:{port}/") for link in links)
        assert "0.0.0.0:" not in result.output
        assert _hint(result.output).endswith(f"serve --host 0.0.0.0 --port {port}")
        login = re.search(r"sign in at (http://\S+)\)", result.output)
        assert login is not None and login.group(1) == f"http://127.0.0.1:{port}/auth/login"
        with urllib.request.urlopen(login.group(1), timeout=10) as response:
            assert response.status == 200
    finally:
        servers[0].shutdown()
        servers[0].server_close()


def test_printed_links_follow_host_and_port_and_the_hint_works_as_typed(demo_env, tmp_path):
    port = _free_port_without_5000()
    result = CliRunner().invoke(
        cli, ["demo", "--no-serve", "--host", "127.0.0.2", "--port", str(port)]
    )
    assert result.exit_code == 0, result.output
    assert "5000" not in result.output
    links = re.findall(r"https?://[^\s)]+", result.output)
    assert len(links) >= 5  # privacy page, three invitations, sign-in
    assert all(link.startswith(f"http://127.0.0.2:{port}/") for link in links)
    hint = _hint(result.output)
    assert hint.endswith(f"serve --host 127.0.0.2 --port {port}")
    assert not hint.split()[2].startswith("samen")  # the script's path, not a bare name
    # typed in a fresh shell elsewhere: no virtualenv on PATH, another working directory
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    server = subprocess.Popen(
        ["/bin/sh", "-c", hint],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the shell and the server it starts: one group to stop
    )
    try:
        login = f"http://127.0.0.2:{port}/auth/login"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(login, timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the served demo never answered"
                time.sleep(0.3)
        invitation = re.search(rf"http://127\.0\.0\.2:{port}/s/\S+", result.output)
        assert invitation is not None
        with urllib.request.urlopen(invitation.group(0), timeout=10) as response:
            assert response.status == 200  # the demo database, not an empty one
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


def _make_dry_run(target: str, tmp_path: Path) -> str:
    """The commands `make TARGET` would run on a machine without a virtualenv."""
    venv = tmp_path / "fresh-venv"
    result = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    return result.stdout


def test_make_demo_installs_only_the_runtime(tmp_path):
    commands = _make_dry_run("demo", tmp_path)
    installs = [line for line in commands.splitlines() if "pip install" in line]
    assert any(shlex.split(line)[-1] == "." for line in installs), commands
    assert "[dev]" not in commands
    assert "samen demo" in commands


@pytest.mark.parametrize("target", ["test", "lint"])
def test_make_test_and_lint_install_the_test_tools(tmp_path, target):
    commands = _make_dry_run(target, tmp_path)
    assert "-e '.[dev]'" in commands
    assert "ruff check" in commands


def test_make_serve_serves_the_demo_database(tmp_path):
    commands = _make_dry_run("serve", tmp_path)
    assert "samen serve" in commands and "/demo.db" in commands
    assert "[dev]" not in commands
    assert sys.executable  # the suite runs from the virtualenv the Makefile makes
