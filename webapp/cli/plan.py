"""`samen plan list SURVEY`: which units have an action plan, as the survey owner sees it.

A plan is the team's own notes after a closed wave (:mod:`surveys.plans`); its manager
writes it on the dashboard or through the API. The survey owner sees which units have one,
and its text only where the manager shared it: this command prints exactly that
(:func:`surveys.plans.list_plans`), never the text of a plan that is not shared.
"""

from __future__ import annotations

import click

from webapp.cli.database import run as _run

__all__ = ["plan"]


@click.group()
def plan() -> None:
    """Action plans of the units (focus points and agreed actions after a wave)."""


@plan.command("list")
@click.argument("survey")
def list_command(survey: str) -> None:
    """List the units of SURVEY with a plan: wave, unit code, unit name, shared or not;
    the focus points below a plan only when its manager shared it.

    \b
    Example:
      samen plan list hospital-2026
    """
    from surveys.plans import list_plans

    found = _run(list_plans, survey)
    if not found:
        click.echo(f"No unit of {survey} has a plan.")
        return
    for listing in found:
        state = "shared" if listing.shared else "not shared (text for the manager only)"
        click.echo(f"{listing.wave}\t{listing.unit}\t{listing.unit_name}\t{state}")
        if listing.shared and listing.points:
            for point in listing.points:
                click.echo(
                    f"\t- {point.kind} {point.ref}: {point.action} "
                    f"({point.owner_role}, by {point.due_on.isoformat()})"
                )
