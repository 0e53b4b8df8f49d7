"""`samen export-pin`: the export settings a closed wave is pinned to; reset before any file.

The first export of a closed wave pins its settings (profile, questions, order,
suppression): two files of one wave anonymised differently can be joined on their answers
into a file that is k-anonymous for neither. ``reset`` removes a pin only while no file was
written with it (an export refused or failed after pinning) and records the reset with the
survey's privacy changes; once a file exists it is refused, since a file cannot be recalled
(:mod:`surveys.export_pins`). Errors exit with status 2 and one line.
"""

from __future__ import annotations

import click

from webapp.cli.database import run as _run
from webapp.cli.instruments import CommandError

__all__ = ["export_pin"]

WARNING = (
    "Two files of one wave anonymised differently (another profile, order or suppression) "
    "can be joined on their answers into a file that is k-anonymous for neither. A pin is "
    "reset only while no file was written with it; after that the wave keeps its settings."
)


@click.group("export-pin")
def export_pin() -> None:
    """The export settings each closed wave is pinned to by its first export."""


@export_pin.command("show")
@click.argument("survey")
@click.option("--wave", "wave", required=True, help="The wave's label, e.g. 2026-1.")
def show(survey: str, wave: str) -> None:
    """Print the wave's pinned settings and the files written with them."""
    from surveys.export_pins import pinned_export, pinned_files

    settings = _run(pinned_export, survey, wave)
    if settings is None:
        click.echo(f"wave {wave} of {survey}: not pinned (no export yet)")
        return
    described = ", ".join(f"{key} {value}" for key, value in sorted(settings.items()))
    files = _run(pinned_files, survey, wave)
    click.echo(f"wave {wave} of {survey}: pinned to {described}; files written: {files}")


@export_pin.command("reset")
@click.argument("survey")
@click.option("--wave", "wave", required=True, help="The wave's label, e.g. 2026-1.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(survey: str, wave: str, yes: bool) -> None:
    """Remove the wave's pin, if no file was written with it (recorded as a privacy change)."""
    from surveys.export_pins import PinInUse, reset_pin

    click.echo(f"warning: {WARNING}", err=True)
    if not yes:
        click.confirm(f"Reset the export settings of wave {wave} of {survey}?", abort=True)
    try:
        old = _run(reset_pin, survey, wave)
    except PinInUse as exc:
        raise CommandError(f"refused: {exc}") from None
    if old is None:
        click.echo(f"wave {wave} of {survey}: not pinned, nothing to reset")
        return
    click.echo(f"wave {wave} of {survey}: pin reset (recorded with the privacy changes)")
