"""`samen programme add|list|remove`: leadership programmes evaluated on a survey.

The service is :mod:`surveys.programmes`; the evaluation is on the programme's page
(``/programmes/<id>``) and in the API (``/api/v1/programmes/<id>/evaluation``).
"""

from __future__ import annotations

import click

from webapp.cli.database import run as _run
from webapp.cli.instruments import CommandError

__all__ = ["programme"]


@click.group()
def programme() -> None:
    """Leadership programmes: the units whose leaders take part, a wave before and after."""


@programme.command("add")
@click.argument("survey")
@click.argument("name")
@click.option("--cohort", required=True, help="The cohort, e.g. '2026 spring'.")
@click.option("--before", required=True, metavar="WAVE", help="The closed wave before.")
@click.option(
    "--after", required=True, metavar="WAVE", help="The wave after (it may still be open)."
)
@click.option(
    "--units",
    "units_file",
    type=click.Path(dir_okay=False),
    metavar="FILE.csv",
    help="CSV with the header 'unit' and one unit code per line.",
)
@click.option(
    "--unit",
    "unit_codes",
    multiple=True,
    metavar="CODE",
    help="A unit whose leader takes part (repeatable; instead of --units).",
)
def add_command(
    survey: str,
    name: str,
    cohort: str,
    before: str,
    after: str,
    units_file: str | None,
    unit_codes: tuple[str, ...],
) -> None:
    """Add programme NAME to SURVEY, with its units from --units FILE.csv or --unit.

    \b
    Example:
      samen programme add hospital-2026 "Inclusive leadership" --cohort "2026 spring" \\
          --before 2025-2 --after 2026-1 --units cohort1.csv
    """
    from surveys.programmes import add_programme, read_unit_file, units_given

    if bool(units_file) == bool(unit_codes):
        raise CommandError("give the units either with --units FILE.csv or with --unit CODE")
    if units_file:
        from surveys.errors import SamenError
        from webapp.cli.database import error

        try:
            units = read_unit_file(units_file)
        except SamenError as exc:  # one line per problem
            raise error(exc) from None
    else:
        units = units_given(unit_codes)
    info = _run(
        add_programme, survey, name, cohort=cohort, before=before, after=after, units=units
    )
    click.echo(
        f"Programme {info.name!r} (cohort {info.cohort}) added to {info.survey}: "
        f"{len(info.units)} units, waves {info.wave_before} (before) and "
        f"{info.wave_after} (after)."
    )
    click.echo(f"Its evaluation: /programmes/{info.id} (admin and researcher).")


@programme.command("list")
@click.argument("survey", required=False)
def list_command(survey: str | None) -> None:
    """List the programmes (of SURVEY, or of every survey): id, survey, name, cohort,
    waves and units."""
    from surveys.programmes import list_programmes

    for info in _run(list_programmes, survey):
        click.echo(
            f"{info.id}\t{info.survey}\t{info.name}\t{info.cohort}\t"
            f"{info.wave_before} -> {info.wave_after}\t{','.join(info.units)}"
        )


@programme.command("remove")
@click.argument("survey")
@click.argument("name")
def remove_command(survey: str, name: str) -> None:
    """Remove programme NAME of SURVEY (responses are not touched)."""
    from surveys.programmes import remove_programme

    info = _run(remove_programme, survey, name)
    click.echo(f"Removed programme {info.name!r} of {info.survey}.")
