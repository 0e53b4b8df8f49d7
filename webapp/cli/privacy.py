"""``samen survey consent`` and ``samen privacy dpia``: the works council's consent to a
survey's privacy profile, and a DPIA draft filled from the survey's settings (issue 13)."""

from __future__ import annotations

import click

from webapp.cli.database import database as _database
from webapp.cli.database import error as _error
from webapp.cli.instruments import CommandError

__all__ = ["consent", "dpia", "privacy"]


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
    from webapp.research.service import audit_survey

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


@privacy.command("dpia")
@click.argument("survey_slug", metavar="SURVEY")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True
)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
def dpia(survey_slug: str, fmt: str, lang: str, out: str | None) -> None:
    """Write a DPIA draft (Model DPIA Rijksdienst, parts A-D) from the survey's settings.

    Runs the disclosure audit and includes its result.
    """
    from webapp.cli.privacy_dpia import dpia_sections, to_html, to_markdown
    from webapp.research.service import audit_survey

    with _database() as db:
        result = audit_survey(db, survey_slug)
        summary = result.summary() if result.ok else "\n".join([*result.lines(), result.summary()])
        sections = dpia_sections(db, survey_slug, lang, summary)
    text = to_html(sections, lang) if fmt == "html" else to_markdown(sections)
    if out is None:
        click.echo(text)
    else:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"DPIA draft written to {out}")
