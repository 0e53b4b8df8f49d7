"""`samen serve` and `samen demo`: run the web application with werkzeug's server.

The werkzeug server is for trying Samen out on one machine; production runs gunicorn
(``gunicorn 'webapp:create_app()'``). Its access log never shows an invitation token or a
client address (see :class:`PrivateRequestHandler`).
"""

from __future__ import annotations

import secrets
import shlex
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import click
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from webapp.cli.instruments import CommandError

__all__ = ["PrivateRequestHandler", "demo", "serve", "serve_in_thread"]

DEMO_DATABASE = "demo.db"
#: How many invitation links `samen demo` prints.
DEMO_LINKS = 3


class PrivateRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, logging neither tokens (``/s/<token>``) nor addresses.

    The log shows "-" for the client; the application still gets the client's real address
    as ``REMOTE_ADDR`` (werkzeug takes it from :meth:`address_string`, which would make every
    client "-" and let 20 wrong passwords from anyone pause sign-in for everyone).
    """

    def address_string(self) -> str:
        return "-"

    def version_string(self) -> str:
        """The ``Server`` header: no Werkzeug or Python version for an attacker to look up."""
        return "Samen"

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ["REMOTE_ADDR"] = self.client_address[0] if self.client_address else "<local>"
        return environ

    def log(self, type: str, message: str, *args: Any) -> None:
        from webapp.logs import redact

        text = message % args if args else message
        super().log(type, "%s", redact(text))


def _server(app: Any, host: str, port: int) -> BaseWSGIServer:
    return make_server(host, port, app, threaded=True, request_handler=PrivateRequestHandler)


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    """Serve ``app`` from a daemon thread (port 0: a free port); stop with ``.shutdown()``."""
    server = _server(app, host, port)
    threading.Thread(target=server.serve_forever, name="samen-server", daemon=True).start()
    return server


def _make_app(config: dict[str, Any] | None = None) -> Any:
    from surveys.errors import SamenError
    from webapp import create_app
    from webapp.config import ConfigError

    try:
        return create_app(config)
    except (ConfigError, SamenError) as exc:
        raise CommandError(str(exc)) from exc


def _check_port(host: str, port: int) -> None:
    """Fail with one line when ``host:port`` cannot be bound (werkzeug would exit with a page
    of advice instead)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _check_schema(app: Any) -> None:
    """Fail with one line when the database is unreachable, empty or not migrated to head
    (the app would otherwise serve error pages to every respondent)."""
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from surveys.db import MIGRATIONS

    database = app.extensions["samen_db"]
    try:
        current = database.current_revision()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CommandError(f"cannot open the database: {reason}") from None
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if current is None:
        raise CommandError("the database has no tables yet; run `samen init` first")
    if current != head:
        raise CommandError(
            f"the database schema is at {current}, this Samen needs {head}; "
            "run `samen init` to migrate it"
        )


def _listen(app: Any, host: str, port: int) -> BaseWSGIServer:
    _check_port(host, port)
    try:
        return _server(app, host, port)
    except (OSError, SystemExit) as exc:
        raise CommandError(f"cannot listen on {host}:{port}") from exc


def _serve_forever(server: BaseWSGIServer, host: str) -> None:
    click.echo(f"Serving on {_base_url(host, server.server_port)}/ (press Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _run(app: Any, host: str, port: int) -> None:
    _serve_forever(_listen(app, host, port), host)


def _base_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server on ``host:port``: an
    "any address" host (0.0.0.0, ::) is reached on the loopback address, IPv6 in brackets."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _samen_command() -> str:
    """How to start this same ``samen`` from any directory: the console script next to the
    running Python (e.g. ``/path/.venv/bin/samen``, which works without an activated
    virtualenv), else ``python -m webapp.cli``."""
    script = Path(sys.executable).with_name("samen")
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m webapp.cli"


_host = click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
_port = click.option(
    "--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port."
)


@click.command()
@_host
@_port
def serve(host: str, port: int) -> None:
    """Serve the web application (werkzeug; use gunicorn in production)."""
    app = _make_app()
    _check_port(host, port)
    _check_schema(app)
    _run(app, host, port)


def _secret_key(instance: Path) -> str:
    """The demo's secret key, created once in the instance folder (readable by the owner)."""
    path = instance / "secret_key"
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        path.write_text(secrets.token_urlsafe(48) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _fresh_demo_database(instance: Path) -> str:
    """URL of an empty SQLite file for the demo; an older demo database is removed."""
    path = instance / DEMO_DATABASE
    for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        old.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _demo_consent(database: Any, slug: str) -> str:
    """The works council's consent to the demo survey's profile, with the audit's summary
    (the audit must pass, as ``samen survey consent`` requires)."""
    import datetime as dt

    from surveys.consent import give_consent
    from webapp.research.service import audit_survey

    result = audit_survey(database, slug)
    if not result.ok:
        raise CommandError("the demo fails its disclosure audit:\n" + "\n".join(result.lines()))
    given = give_consent(database, slug, f"OR, {dt.date.today().isoformat()}", result.summary())
    return f"{given.by}, {given.on.isoformat()}"


@click.command()
@click.option("--no-serve", is_flag=True, help="Build the demo and print its links; do not serve.")
@_host
@_port
def demo(no_serve: bool, host: str, port: int) -> None:
    """Build a demo hospital with two survey waves, print links, and serve it."""
    from surveys.db import Database, instance_path
    from surveys.demo import build_demo
    from surveys.errors import SamenError
    from surveys.invitations import invitation_link

    if not no_serve:
        _check_port(host, port)  # before replacing the demo database, not after
    instance = instance_path()
    instance.mkdir(parents=True, exist_ok=True)
    key = _secret_key(instance)
    url = _fresh_demo_database(instance)
    database = Database(url)
    try:
        database.upgrade()
        built = build_demo(database, links=DEMO_LINKS)
        consented = _demo_consent(database, built.survey)
    except SamenError as exc:
        raise CommandError(str(exc)) from exc
    server = None
    if not no_serve:
        app = _make_app(
            {"SECRET_KEY": key, "SAMEN_DATABASE": database, "SESSION_COOKIE_SECURE": False}
        )
        server = _listen(app, host, port)
        port = server.server_port  # --port 0: the free port it found
    base = _base_url(host, port)
    click.echo(f"Demo database: {url}")
    click.echo(f"Demo survey:   {built.survey} (privacy page: {base}/privacy/{built.survey})")
    click.echo(
        f"Demo programme: {base}/programmes/1 (its evaluation; sign in as admin or researcher)"
    )
    click.echo(
        f"Works-council consent: {consented} (profile: {base}/council/{built.survey}/profile)"
    )
    click.echo(f"Invitation links for unit {built.link_unit} (each works once):")
    for token in built.tokens[:DEMO_LINKS]:
        click.echo(f"  {invitation_link(base, token)}")
    if built.accounts:
        click.echo(f"Demo accounts (sign in at {base}/auth/login):")
        for account in built.accounts:
            unit = f", unit {account.unit}" if account.unit else ""
            click.echo(f"  {account.role:<10} {account.email}  password: {account.password}{unit}")
    where = "" if (host, port) == ("127.0.0.1", 5000) else f" --host {host} --port {port}"
    click.echo(
        "To serve it again: "
        f"SAMEN_INSTANCE_PATH={shlex.quote(str(instance))} "
        f"SAMEN_DATABASE_URL={shlex.quote(url)} {_samen_command()} serve{where}"
    )
    if server is None:
        return
    _serve_forever(server, host)
