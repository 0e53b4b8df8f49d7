"""`samen export` and `samen audit`: the researcher's side of the command line.

Both call :mod:`webapp.research.service` on the configured database (``SAMEN_DATABASE_URL`` or
the instance folder's SQLite file). Errors exit with status 2 and one line; ``samen audit``
exits 1 when it finds a group smaller than k that can be derived.
"""

from __future__ import annotations

from pathlib import Path

import click

from webapp.cli.database import run as _run
from webapp.cli.instruments import CommandError

__all__ = ["audit", "export"]

FORMATS = ("csv", "sav", "xlsx")


@click.command()
@click.argument("survey")
@click.option("--wave", "wave", required=True, help="The wave's label, e.g. 2026-1.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv (UTF-8), sav (SPSS with labels) or xlsx.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (created when missing).",
)
@click.option("--lang", default=None, help="Language of labels (default: the survey's first).")
def export(survey: str, wave: str, fmt: str, out: Path, lang: str | None) -> None:
    """Write a closed wave's item-level data, k-anonymous, with codebook and datapackage.json.

    Every combination of unit, language and demographic answers occurs at least k times:
    small units roll up to their parent, rare categories merge into "other" or are blanked.
    Rows are in random order.
    """
    from webapp.research.service import export_wave

    if out.exists() and not out.is_dir():
        raise CommandError(f"--out: {out} is not a folder")
    try:
        files = _run(export_wave, survey, wave, fmt, out, lang)
    except OSError as exc:
        raise CommandError(f"cannot write to {out}: {exc.strerror or exc}") from None
    click.echo(f"wrote {files.rows} responses ({files.k}-anonymous) to {out}:")
    for path in files.paths:
        click.echo(f"  {path.name}")
    if files.rolled_up:
        moved = ", ".join(f"{unit}->{up}" for unit, up in sorted(files.rolled_up.items()))
        click.echo(f"units rolled up: {moved}")
    for column, categories in sorted(files.merged.items()):
        click.echo(f"merged in {column}: {', '.join(categories)}")
    for column in files.withheld:
        click.echo(
            f"withheld: {column} (the dashboards break results down by it, and a unit in the "
            f"file has fewer than {files.k} responses in one of its categories)"
        )
    if files.blanked_rows:
        click.echo(f"rows with a quasi-identifier blanked: {files.blanked_rows}")


@click.command()
@click.argument("survey")
@click.option("--wave", "wave", default=None, help="One wave (default: every wave).")
@click.option(
    "--as",
    "as_email",
    default=None,
    metavar="EMAIL",
    help="Audit what this staff account can see (default: every role).",
)
@click.option(
    "--tree",
    "tree_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help="An earlier org CSV the closed waves may have been shown with (repeatable).",
)
def audit(
    survey: str, wave: str | None, as_email: str | None, tree_files: tuple[Path, ...]
) -> None:
    """Prove that no group smaller than k can be derived from the views a role can request.

    Checks every unit in scope, every filter (demographic question x category), every scale
    and item of each released wave, with exact linear algebra over the visible counts, and
    the comment sets a role can read as sets of texts: none may isolate fewer than the
    comment threshold of writers (people who wrote a comment). Exits 0 with a summary, or
    1 printing each group found and the views that give it.
    Each closed wave is audited on the tree it closed with; ``--tree`` adds an earlier tree
    (an org CSV from before a reorganisation) whose views are audited together with it.
    """
    import sys

    from surveys.errors import InputError
    from surveys.org import read_units_csv
    from webapp.research.service import audit_survey

    trees = []
    for path in tree_files:
        try:
            trees.append({unit.code: unit for _, unit in read_units_csv(path)[1]})
        except InputError as exc:
            raise CommandError(str(exc)) from None

    def progress(step: str) -> None:  # only on a terminal: a long audit shows it is alive
        sys.stderr.write(f"\r\033[Kauditing {step}")
        sys.stderr.flush()

    terminal = sys.stderr.isatty()
    try:
        result = _run(
            audit_survey,
            survey,
            wave,
            as_email,
            progress=progress if terminal else None,
            trees=trees,
        )
    finally:
        if terminal:
            sys.stderr.write("\r\033[K")
    if result.ok:
        click.echo(result.summary())
        return
    for line in result.lines():
        click.echo(line)
    click.echo(result.summary(), err=True)
    raise SystemExit(1)
