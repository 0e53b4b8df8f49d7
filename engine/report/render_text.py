"""The psychometric report as plain text for a terminal (``samen analyze --format text``)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from engine.report.tables import Table, report_tables, summary_lines

__all__ = ["render_text"]


def render_text(
    report: Mapping[str, Any], title: str = "Psychometric report", group: str | None = None
) -> str:
    """Render the dict of :func:`engine.report.pipeline.analyze` as aligned plain-text tables.

    Parameters
    ----------
    report : dict
        The result of :func:`engine.report.pipeline.analyze`.
    title : str
        First line of the output.
    group : str, optional
        Name of the grouping column, mentioned in the summary.

    Returns
    -------
    str
        The report, ending with a newline.
    """
    out = [title, "=" * len(title), ""]
    out += [
        textwrap.fill(line, width=99, subsequent_indent="  ")
        for line in summary_lines(report, group)
    ]
    for table in report_tables(report):
        out += ["", *_table(table)]
    notes = report.get("notes") or []
    if notes:
        out += ["", "Notes", "-----"]
        out += [f"- {note}" for note in notes]
    return "\n".join(out) + "\n"


def _table(table: Table) -> list[str]:
    widths = [len(h) for h in table.headers]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        parts = [
            cell.rjust(w) if num else cell.ljust(w)
            for cell, w, num in zip(cells, widths, table.numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    lines = [table.title, "-" * len(table.title), line(table.headers)]
    lines.append("  ".join("-" * w for w in widths))
    lines += [line(row) for row in table.rows]
    if table.caption:
        lines += textwrap.wrap(f"({table.caption})", width=99, subsequent_indent=" ")
    return lines
