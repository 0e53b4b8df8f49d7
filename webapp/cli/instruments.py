"""`samen instruments list|show|validate`."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from instruments import Instrument, InstrumentError

__all__ = ["instruments"]


class CommandError(click.ClickException):
    """A failure reported as one line per problem on stderr, with exit status 2."""

    exit_code = 2

    @classmethod
    def from_instrument_error(cls, error: InstrumentError) -> CommandError:
        return cls("\n".join(str(problem) for problem in error.problems))


@click.group()
def instruments() -> None:
    """List, show and validate instruments."""


@instruments.command("list")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--lang", default=None, metavar="LANG", help="Language of titles (default: first).")
def list_command(fmt: str, lang: str | None) -> None:
    """List the built-in instruments."""
    from instruments import InstrumentError, list_builtin, load_builtin

    try:
        loaded = [load_builtin(instrument_id) for instrument_id in list_builtin()]
    except InstrumentError as error:
        raise CommandError.from_instrument_error(error) from None
    if fmt == "json":
        click.echo(json.dumps([_summary(instrument) for instrument in loaded], indent=2))
        return
    header = ("ID", "VERSION", "LANGUAGES", "SCALES", "ITEMS", "TITLE")
    rows = [header]
    for instrument in loaded:
        title_lang = lang if lang in instrument.languages else instrument.languages[0]
        title = instrument.title[title_lang]
        if instrument.sensitive:
            title += " [sensitive]"
        rows.append(
            (
                instrument.id,
                instrument.version,
                ",".join(instrument.languages),
                str(len(instrument.scales)),
                str(len(instrument.items)),
                title,
            )
        )
    widths = [max(len(row[col]) for row in rows) for col in range(len(header) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def _summary(instrument: Instrument) -> dict[str, object]:
    return {
        "id": instrument.id,
        "version": instrument.version,
        "languages": list(instrument.languages),
        "n_items": len(instrument.items),
        "scales": [{"id": scale.id, "n_items": len(scale.items)} for scale in instrument.scales],
        "open_questions": [q.id for q in instrument.open_questions],
        "title": dict(instrument.title),
        "sensitive": instrument.sensitive,
    }


@instruments.command("show")
@click.argument("ref", metavar="ID_OR_FILE")
@click.option(
    "--lang",
    default=None,
    metavar="LANG",
    help="Language to show, e.g. nl or en (default: the instrument's first language).",
)
def show_command(ref: str, lang: str | None) -> None:
    """Show a built-in instrument (by id) or an instrument file, with all its items."""
    from instruments import InstrumentError, load_any

    try:
        instrument = load_any(ref)
    except InstrumentError as error:
        raise CommandError.from_instrument_error(error) from None
    if lang is None:
        lang = instrument.languages[0]
    elif lang not in instrument.languages:
        available = ", ".join(instrument.languages)
        raise CommandError(f"{ref}: no texts in {lang!r} (languages: {available})")
    click.echo(render(instrument, lang))


def render(instrument: Instrument, lang: str) -> str:
    """A readable text rendering of ``instrument`` in language ``lang``."""
    width = 92
    lines = [f"{instrument.title[lang]}  ({instrument.id}, version {instrument.version})"]
    lines.append("=" * len(lines[0]))
    lines.extend(_wrap(instrument.description[lang], width))
    lines.append("")
    lines.append(f"Languages: {', '.join(instrument.languages)}")
    sensitive = "yes (special-category or distressing questions)" if instrument.sensitive else "no"
    lines.append(f"Sensitive: {sensitive}")
    if lang in instrument.construct:
        lines.extend(
            _wrap(
                instrument.construct[lang],
                width,
                initial_indent="Construct: ",
                subsequent_indent="  ",
            )
        )
    if instrument.references:
        lines.append("References:")
        for reference in instrument.references:
            lines.extend(_wrap(reference, width, initial_indent="  - ", subsequent_indent="    "))
    lines.append("")
    lines.append("Response scales")
    for scale in instrument.response_scales.values():
        kind = "ordinal" if scale.ordinal else "categorical, never scored"
        lines.append(f"  {scale.id} ({kind}):")
        for point in scale.points:
            lines.append(f"    {point}  {scale.labels[lang][point]}")
        for extra in (scale.not_applicable, scale.prefer_not_to_say):
            if extra is not None:
                lines.append(f"    -  {extra[lang]}  (counts as missing)")
    lines.append("")
    lines.append("Scales  (R = reverse-keyed)")
    for scale in instrument.scales:
        used = list(dict.fromkeys(item.response_scale.id for item in scale.items))
        answers = used[0] if len(used) == 1 else "response scale per item"
        note = "" if scale.scored else ", not scored"
        lines.append("")
        lines.append(
            f"  {scale.id}: {scale.name[lang]}  ({len(scale.items)} items, {answers}{note})"
        )
        item_width = max(len(item.id) for item in scale.items)
        for item in scale.items:
            mark = "R" if item.reverse else " "
            prefix = f"    {mark} {item.id.ljust(item_width)}  "
            text = item.text[lang]
            if len(used) > 1:
                text += f"  [{item.response_scale.id}]"
            lines.extend(
                _wrap(text, width, initial_indent=prefix, subsequent_indent=" " * len(prefix))
            )
    if instrument.open_questions:
        lines.append("")
        lines.append("Open questions  (answered in the respondent's words; shown per question")
        lines.append("  only from the survey's comment threshold, in writers)")
        id_width = max(len(q.id) for q in instrument.open_questions)
        for question in instrument.open_questions:
            prefix = f"      {question.id.ljust(id_width)}  "
            lines.extend(
                _wrap(
                    question.text[lang],
                    width,
                    initial_indent=prefix,
                    subsequent_indent=" " * len(prefix),
                )
            )
    return "\n".join(lines)


def _wrap(text: str, width: int, **kwargs: str) -> list[str]:
    # Never break URLs, DOIs or item ids.
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False, **kwargs)


@instruments.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate_command(files: tuple[str, ...]) -> None:
    """Validate instrument files; print every problem and exit 2 if there is any.

    With several files, also checks that they can be combined in one survey (no item id used
    twice).
    """
    from instruments import InstrumentError, check_survey_instruments, load_instrument

    loaded = []
    n_problems = 0
    for file in files:
        try:
            loaded.append(load_instrument(file))
        except InstrumentError as error:
            n_problems += len(error.problems)
            for problem in error.problems:
                click.echo(str(problem))
        else:
            click.echo(f"{file}: ok")
    if len(loaded) > 1:
        try:
            check_survey_instruments(loaded)
        except InstrumentError as error:
            n_problems += len(error.problems)
            for problem in error.problems:
                click.echo(str(problem))
    if n_problems:
        noun = "problem" if n_problems == 1 else "problems"
        where = "1 file" if len(files) == 1 else f"{len(files)} files"
        click.echo(f"{n_problems} {noun} in {where}", err=True)
        click.get_current_context().exit(2)
