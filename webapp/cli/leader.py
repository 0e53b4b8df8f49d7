"""`samen leader invite`: a leader's personal link to give their own view of their team.

The service is :mod:`surveys.leaders`; the answer pages are ``/l/<token>``
(:mod:`webapp.leaders`), and the leader sees their view beside the team's on their dashboard.
"""

from __future__ import annotations

import click

from webapp.cli.admin import DEFAULT_BASE_URL
from webapp.cli.database import run as _run

__all__ = ["leader"]


@click.group()
def leader() -> None:
    """Leader self-views: a leader answers the climate items about their own team."""


@leader.command("invite")
@click.argument("survey")
@click.option("--wave", required=True, metavar="WAVE", help="The open wave the view is for.")
@click.option("--unit", required=True, metavar="CODE", help="The leader's unit.")
@click.option(
    "--user",
    "email",
    default=None,
    metavar="EMAIL",
    help="The leader's manager account (default: the unit's only manager account).",
)
@click.option(
    "--base-url",
    envvar="SAMEN_BASE_URL",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="Address of the web app in the link (env SAMEN_BASE_URL).",
)
def invite_command(survey: str, wave: str, unit: str, email: str | None, base_url: str) -> None:
    """Print a personal link for the leader of UNIT to answer about their team in WAVE.

    The link is shown once: only its hash is stored. A new link for the same leader and wave
    replaces the old one; answers already given stay. The answers are the leader's own, not
    anonymous, and are never mixed into the team's results.

    \b
    Example:
      samen leader invite hospital-2026 --wave 2026-2 --unit CHIR-B --user lead@example.org
    """
    from surveys.leaders import invite_leader, leader_link

    made = _run(invite_leader, survey, wave, unit, email)
    click.echo(leader_link(base_url, made.token))
    click.echo(
        f"Personal link for {made.email} (unit {made.unit}, wave {made.wave}); "
        "send it to them only.",
        err=True,
    )
