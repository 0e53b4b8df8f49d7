"""`samen export` and `samen audit`: the researcher's side of the command line.

Both call :mod:`webapp.research.service` on the configured database (``SAMEN_DATABASE_URL`` or
the instance folder's SQLite file). Errors exit with status 2 and one line; ``samen audit``
exits 1 when it finds a group smaller than k that can be derived.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from webapp.cli.database import run as _run
from webapp.cli.instruments import CommandError

if TYPE_CHECKING:
    from webapp.exports.model import Loss

__all__ = ["audit", "export"]

FORMATS = ("csv", "sav", "xlsx")
#: Kept here, not imported, so that ``samen --help`` does not load the research package.
PROFILES = ("full", "units-only", "pick")
SUPPRESSION = ("local", "columns")


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
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="full",
    show_default=True,
    help="full: unit, language, every demographic question; units-only: no demographic "
    "question; pick: the questions named with --question (and the dashboards' filter "
    "question).",
)
@click.option(
    "--question",
    "questions",
    multiple=True,
    metavar="ID",
    help="With --profile pick: a demographic question to keep (once or twice).",
)
@click.option(
    "--order",
    default="",
    metavar="ID,ID,...",
    help="Importance of language and the kept demographic questions, most important first: "
    "the least important lose their value first (default: survey order).",
)
@click.option(
    "--suppression",
    type=click.Choice(SUPPRESSION),
    default="local",
    show_default=True,
    help="local: blank the fewest cells per rare combination; columns: blank a whole "
    "column in every rare row.",
)
def export(
    survey: str,
    wave: str,
    fmt: str,
    out: Path,
    lang: str | None,
    profile: str,
    questions: tuple[str, ...],
    order: str,
    suppression: str,
) -> None:
    """Write a closed wave's item-level data, k-anonymous, with codebook and datapackage.json.

    Every combination of unit, language and demographic answers occurs at least k responses
    (a withheld cell counting as a value of its own): small units roll up to their parent,
    rare categories merge into "other", and rows still rare lose the least important
    value (-4). Missing answers carry codes: -1 not applicable, -2 prefer not to say,
    -3 not answered, -4 withheld for k-anonymity. Rows are in random order. The
    information loss is printed and written into the codebook.
    """
    from webapp.research.export_profiles import ExportProfile
    from webapp.research.service import export_wave

    if out.exists() and not out.is_dir():
        raise CommandError(f"--out: {out} is not a folder")
    chosen = ExportProfile(
        profile,
        tuple(questions),
        tuple(c.strip() for c in order.split(",") if c.strip()),
        suppression,
    )
    try:
        files = _run(export_wave, survey, wave, fmt, out, lang, profile=chosen)
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
    for note in files.notes:
        click.echo(f"withheld: {note}")
    if files.loss is not None:
        _echo_loss(files.loss)


def _echo_loss(loss: Loss) -> None:
    """The information-loss summary, as in the codebook."""
    order = ", ".join(loss.order) or "-"
    click.echo(
        f"information loss (profile {loss.profile}, {loss.suppression} suppression, "
        f"order {order}):"
    )
    click.echo(
        f"  rows with a quasi-identifier withheld (-4): {loss.rows_affected} of {loss.rows}"
    )
    for column, n in loss.cells.items():
        share = f" ({n / loss.rows:.1%})" if loss.rows else ""
        click.echo(f"  cells withheld in {column}: {n}{share}")
    if loss.withheld:
        click.echo(f"  left out whole (-4 in every row): {', '.join(loss.withheld)}")


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
    if as_email is None:  # every role: stored for the council page (no respondent data)
        from surveys.audit_runs import record_run

        _run(record_run, survey, by="command line", ok=result.ok, summary=result.summary())
    if result.ok:
        click.echo(result.summary())
        return
    for line in result.lines():
        click.echo(line)
    click.echo(result.summary(), err=True)
    raise SystemExit(1)
