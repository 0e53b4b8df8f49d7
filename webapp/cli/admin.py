"""Survey administration commands: init, org, survey, wave, invite, responses, purge.

Every command calls a ``surveys`` service on the configured database (``SAMEN_DATABASE_URL``
or the instance folder's SQLite file). Errors exit with status 2: one line, or one line per
problem for files checked line by line; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os

import click

from webapp.cli.database import database as _database
from webapp.cli.database import run as _run
from webapp.cli.instruments import CommandError

__all__ = ["init", "invite", "org", "purge", "responses", "survey", "wave"]

#: Address of the web app in printed links, unless SAMEN_BASE_URL (or --base-url) says otherwise.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@click.command()
def init() -> None:
    """Create the instance folder and the database, and bring its schema up to date."""
    import os

    from surveys.db import default_url, instance_path

    if not os.environ.get("SAMEN_DATABASE_URL"):
        instance_path().mkdir(parents=True, exist_ok=True)
    with _database() as db:
        db.upgrade()
        revision = db.current_revision()
    click.echo(f"Database ready: {_display(default_url())} (schema {revision})")


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group()
def org() -> None:
    """The organisation tree (units)."""


@org.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def org_import(file: str) -> None:
    """Import units from CSV: unit_id,parent_id,name[,manager_email]. Re-import updates.

    Changes apply to the open wave and later waves; a closed wave keeps the tree it closed with.
    """
    from surveys.org import import_units

    report = _run(import_units, file)
    click.echo(
        f"{report.created} units created, {report.updated} updated, {report.unchanged} unchanged."
    )
    if report.not_in_file:
        shown = ", ".join(report.not_in_file[:10])
        more = f" and {len(report.not_in_file) - 10} more" if len(report.not_in_file) > 10 else ""
        click.echo(f"Kept units not in the file: {shown}{more}.")
    if report.created or report.updated:
        click.echo("Closed waves keep the tree they closed with; this applies to later waves.")


@org.command("list")
def org_list() -> None:
    """List the units: code, parent code, name."""
    from surveys.org import list_units

    for unit in _run(list_units):
        click.echo(f"{unit.code}\t{unit.parent_code or '-'}\t{unit.name}")


@click.group()
def survey() -> None:
    """Surveys defined in YAML (see surveys/examples/hospital.yaml)."""


@survey.command("create")
@click.argument("file", type=click.Path(dir_okay=False))
def survey_create(file: str) -> None:
    """Create a survey from FILE.yaml; its instruments are stored with it."""
    from surveys.invitations import open_link_token
    from surveys.survey_store import create_survey, get_survey

    with _database() as db:
        slug = create_survey(db, file)
        definition = get_survey(db, slug)
        token = open_link_token(db, slug)
    click.echo(
        f"Survey {slug!r} created: {len(definition.instruments)} instruments, "
        f"{len(definition.items)} questions, k = {definition.min_group_size}."
    )
    if token:
        base = os.environ.get("SAMEN_BASE_URL") or DEFAULT_BASE_URL
        click.echo(f"Open link (works while a wave is open): {base.rstrip('/')}/o/{token}")
        click.echo(
            "Anyone with the open link can add answers: results are shown only for the "
            "organisation and the units directly below it, for groups of at least "
            f"{definition.open_link_k} responses (open_link_k), without filters."
        )
    click.echo(f"Next: samen wave open {slug} LABEL")


def _add_consent() -> None:
    from webapp.cli.privacy import consent

    survey.add_command(consent)  # `samen survey consent` (webapp/cli/privacy.py)


_add_consent()


@survey.command("update")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--consent",
    "new_consent",
    default=None,
    metavar='"BODY, YYYY-MM-DD"',
    help="The works council consented to the changed privacy profile (needed once consented).",
)
def survey_update(file: str, new_consent: str | None) -> None:
    """Change the survey FILE.yaml names (its id) to FILE's settings.

    The privacy settings (instruments, modules, languages, k, thresholds, retention, open
    link, filter question) are fixed once a wave has responses or is open; texts may change.
    """
    from surveys.editing import update_survey

    slug, changed = _run(update_survey, file, new_consent)
    if changed:
        click.echo(f"Survey {slug!r} changed: {', '.join(changed)}.")
    else:
        click.echo(f"Survey {slug!r}: nothing changed.")


@survey.command("yaml")
@click.argument("survey_slug", metavar="SURVEY")
def survey_yaml(survey_slug: str) -> None:
    """Print SURVEY's settings as a survey file (YAML) that `samen survey create` takes."""
    from surveys.editing import survey_yaml as dump

    click.echo(_run(dump, survey_slug), nl=False)


@survey.command("list")
def survey_list() -> None:
    """List the surveys with their open wave."""
    from surveys.survey_store import list_surveys
    from surveys.waves import current_wave

    with _database() as db:
        for definition in list_surveys(db):
            wave = current_wave(db, definition.slug)
            state = f"open wave {wave.label}" if wave else "no open wave"
            title = definition.text(definition.title, definition.languages[0])
            click.echo(f"{definition.slug}\t{state}\t{title}")


@click.group()
def wave() -> None:
    """Survey rounds: open, close, list."""


@wave.command("open")
@click.argument("survey_slug", metavar="SURVEY")
@click.argument("label")
def wave_open(survey_slug: str, label: str) -> None:
    """Open wave LABEL (e.g. 2026-1) of SURVEY; one wave is open at a time."""
    from surveys.waves import open_wave

    info = _run(open_wave, survey_slug, label)
    click.echo(f"Wave {info.label} of {info.survey} is open.")


@wave.command("close")
@click.argument("survey_slug", metavar="SURVEY")
@click.argument("label")
def wave_close(survey_slug: str, label: str) -> None:
    """Close wave LABEL: no more answers; responses are rewritten in random order."""
    from surveys.waves import close_wave

    info = _run(close_wave, survey_slug, label)
    click.echo(f"Wave {info.label} of {info.survey} is closed.")


@wave.command("list")
@click.argument("survey_slug", metavar="SURVEY")
def wave_list(survey_slug: str) -> None:
    """List the waves of SURVEY."""
    from surveys.waves import list_waves

    for info in _run(list_waves, survey_slug):
        closed = f" closed {info.closed_on}" if info.closed_on else ""
        purged = f" purged {info.purged_on}" if info.purged_on else ""
        click.echo(f"{info.label}\t{info.state}\topened {info.opened_on}{closed}{purged}")


@click.command()
@click.argument("survey_slug", metavar="SURVEY")
@click.option("--unit", "unit_code", required=True, help="Unit code (unit_id of the org CSV).")
@click.option("--count", type=click.IntRange(1), help="Number of links to make.")
@click.option("--out", type=click.Path(dir_okay=False), help="CSV of links (default: stdout).")
@click.option("--emails", type=click.Path(dir_okay=False), help="Mail one link per address.")
@click.option("--language", default=None, help="Preselect the respondents' language.")
@click.option(
    "--base-url",
    envvar="SAMEN_BASE_URL",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="Address of the web app in the links (env SAMEN_BASE_URL).",
)
def invite(
    survey_slug: str,
    unit_code: str,
    count: int | None,
    out: str | None,
    emails: str | None,
    language: str | None,
    base_url: str,
) -> None:
    """Make invitation links for a unit (--count N), or mail them (--emails FILE).

    Links are shown once: only their hashes are stored. E-mail addresses are never stored;
    SMTP settings come from SAMEN_SMTP_HOST/PORT/USER/PASSWORD/FROM (and SAMEN_SMTP_TLS).
    """
    from surveys.invitations import (
        LINK_FILE_WARNING,
        invitation_link,
        issue_invitations,
        write_links_csv,
    )
    from surveys.mail import SmtpSettings, send_invitations

    if count is None and emails is None:
        raise CommandError("give either --count N (links) or --emails FILE (mail)")
    if count is not None and emails is not None:
        raise CommandError("give either --count N (links) or --emails FILE (mail), not both")
    if emails is not None:
        if out is not None:
            raise CommandError("--out goes with --count, not with --emails")
        with _database() as db:
            settings = SmtpSettings.from_env()
            sent = send_invitations(
                db, survey_slug, unit_code, emails, settings, base_url, language
            )
        click.echo(f"Sent {sent} invitations to unit {unit_code}; the addresses were not stored.")
        return
    tokens = _run(issue_invitations, survey_slug, unit_code, count or 0, language)
    click.echo(LINK_FILE_WARNING, err=True)
    if out is None:
        click.echo("link,unit")
        for token in tokens:
            click.echo(f"{invitation_link(base_url, token)},{unit_code}")
        return
    write_links_csv(tokens, base_url, out, unit_code)
    click.echo(f"Wrote {len(tokens)} links for unit {unit_code} to {out} (keep it private).")


@click.group()
def responses() -> None:
    """Responses collected elsewhere."""


@responses.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--survey", "survey_slug", required=True, help="Survey slug.")
@click.option("--wave", "wave_label", required=True, help="Wave label.")
def responses_import(file: str, survey_slug: str, wave_label: str) -> None:
    """Import responses from CSV: a unit column and one column per question id."""
    from surveys.response_import import import_responses

    n = _run(import_responses, survey_slug, wave_label, file)
    noun = "response" if n == 1 else "responses"
    click.echo(f"Imported {n} {noun} into {survey_slug} wave {wave_label}.")


@click.command()
@click.argument("survey_slug", metavar="SURVEY")
@click.option(
    "--before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only waves closed before this date (YYYY-MM-DD).",
)
@click.option("--expired", is_flag=True, help="Only waves past the survey's retention period.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(survey_slug: str, before: dt.datetime | None, expired: bool, yes: bool) -> None:
    """Delete the responses, comments and counters of SURVEY's closed waves for good."""
    from surveys.purge import expired_before
    from surveys.purge import purge as purge_survey

    if before is not None and expired:
        raise CommandError("give --before DATE or --expired, not both")
    with _database() as db:
        cutoff = before.date() if before is not None else None
        if expired:
            cutoff = expired_before(db, survey_slug)
        scope = f"closed before {cutoff}" if cutoff else "all closed waves"
        if not yes:
            click.confirm(f"Delete the responses of {survey_slug} ({scope}) for good?", abort=True)
        report = purge_survey(db, survey_slug, cutoff)
    waves = ", ".join(report.waves) or "none"
    click.echo(
        f"Purged waves: {waves}. Deleted {report.responses} responses, {report.comments} "
        f"comments, {report.counters} daily counters, {report.invitations} unused invitations."
    )
    if report.open_wave_kept:
        click.echo(f"Wave {report.open_wave_kept} is open and was kept; close it to purge it.")
