"""``samen survey consent`` and ``samen privacy dpia``: the works council's consent to a
survey's privacy profile, and a DPIA draft filled from the survey's settings (issue 13)."""

from __future__ import annotations

import click

from webapp.cli.database import database as _database
from webapp.cli.database import error as _error
from webapp.cli.instruments import CommandError

__all__ = ["consent", "privacy"]


@click.command("consent")
@click.argument("survey_slug", metavar="SURVEY")
@click.option(
    "--by",
    "by",
    required=True,
    metavar='"BODY, YYYY-MM-DD"',
    help='Who consented and when, e.g. "OR, 2026-12-01" (the works council).',
)
def consent(survey_slug: str, by: str) -> None:
    """Mark the survey's privacy profile as consented: its settings are locked from now on.

    Runs the disclosure audit (``samen audit``) first and stores its summary with the
    consent; a survey whose audit finds anything cannot be consented.
    """
    from surveys.consent import give_consent, parse_by
    from webapp.research_service import audit_survey

    try:
        parse_by(by)
    except Exception as exc:  # InputError: say how to write it, before the slow audit
        raise _error(exc) from None
    with _database() as db:
        result = audit_survey(db, survey_slug)
        if not result.ok:
            raise CommandError(
                "the disclosure audit has findings; fix them before consent:\n"
                + "\n".join(result.lines())
            )
        given = give_consent(db, survey_slug, by, audit=result.summary())
    click.echo(
        f"Consent recorded for {survey_slug!r}: {given.by}, {given.on.isoformat()}. "
        "Its privacy settings are locked: a change needs a new consent."
    )
    click.echo(f"Audit: {given.audit}")


@click.group()
def privacy() -> None:
    """Privacy documents of a survey: the DPIA draft."""
