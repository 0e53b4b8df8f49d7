"""`samen user add|token|list|remove|reset`: staff accounts, their API tokens and one-time
links to set a password."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from webapp.cli.instruments import CommandError

if TYPE_CHECKING:
    from surveys.db import Database

__all__ = ["user"]

T = TypeVar("T")


def _database() -> Database:
    """The configured database (``SAMEN_DATABASE_URL`` or the instance folder's SQLite)."""
    from surveys.db import Database
    from surveys.errors import SamenError

    try:
        return Database()
    except SamenError as exc:
        raise CommandError(str(exc)) from exc


def _call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a ``surveys.users`` service on the configured database; errors exit 2, one line."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from surveys.errors import SamenError

    db = _database()
    try:
        return function(db, *args, **kwargs)
    except SamenError as exc:
        raise CommandError(str(exc)) from exc
    except (OperationalError, ProgrammingError) as exc:
        raise CommandError(
            f"the database has no accounts table ({db!r}); run `samen init` first"
        ) from exc
    finally:
        db.dispose()


def _read_password() -> str:
    """The password: asked twice without echo on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@click.group()
def user() -> None:
    """Staff accounts (admin, manager, researcher, council) and API tokens."""


@user.command("add")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "manager", "researcher", "council"]),
    help="admin: everything; manager: one unit and below; researcher: exports and reports; "
    "council: the privacy profile, the audit result and response progress at k.",
)
@click.option("--unit", default=None, metavar="UNIT", help="The manager's unit (its code).")
def add_command(email: str, role: str, unit: str | None) -> None:
    """Add an account; the password is read from standard input (not echoed)."""
    from surveys.users import add_user

    info = _call(add_user, email, role, _read_password(), unit_code=unit)
    where = f" of unit {info.unit_code}" if info.unit_code else ""
    click.echo(f"Added {info.role} {info.email}{where}.")


@user.command("token")
@click.argument("email")
def token_command(email: str) -> None:
    """Print a new personal API token for EMAIL (replaces the previous one)."""
    from surveys.users import issue_api_token

    token = _call(issue_api_token, email)
    click.echo(token)
    click.echo(
        "Keep it secret; it is shown once. Send it as `Authorization: Bearer <token>`.",
        err=True,
    )


@user.command("list")
def list_command() -> None:
    """List the accounts."""
    from surveys.users import list_users

    accounts = _call(list_users)
    for info in accounts:
        click.echo(f"{info.email}\t{info.role}\t{info.unit_code or '-'}")


@user.command("remove")
@click.argument("email")
def remove_command(email: str) -> None:
    """Remove an account; its sessions and API token stop working."""
    from surveys.users import remove_user

    _call(remove_user, email)
    click.echo(f"Removed {email}.")


@user.command("reset")
@click.argument("email")
@click.option(
    "--hours",
    type=click.FloatRange(min=0, min_open=True),
    default=72,
    show_default=True,
    help="How long the link works.",
)
@click.option(
    "--base-url",
    envvar="SAMEN_BASE_URL",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Address of the web app in the link (env SAMEN_BASE_URL).",
)
def reset_command(email: str, hours: float, base_url: str) -> None:
    """Print a one-time link with which EMAIL sets a new password (the console's People
    section makes the same link); an earlier link for the account stops working."""
    from surveys.password_resets import issue_reset

    link = _call(issue_reset, email, hours)
    click.echo(f"{base_url.rstrip('/')}/auth/reset/{link.token}")
    click.echo(
        f"Works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC; pass it on to "
        f"{link.email} only.",
        err=True,
    )
