"""A small streaming XLSX writer for the export: text, numbers, booleans, a bold header.

openpyxl (write-only) builds an object per cell: about 2 minutes of CPU for a wave of
100,000 responses x 118 columns (``benchmarks/export.py``); XlsxWriter's
``constant_memory`` mode, about 160,000 cells a second, still over a minute. The export
needs nothing of theirs beyond plain cells, so this module writes SpreadsheetML itself: a
data frame's cells are built a block of rows at a time with vectorised string operations
(each distinct value of a column formatted once, then per cell one concatenation with its
reference) and streamed into the zip archive, about 10 s for that wave.

What it writes is what openpyxl wrote for the export: one worksheet per sheet, a bold
header row, optionally frozen; strings inline (``t="inlineStr"``), numbers as
``<v>`` in the shortest form that reads back as the same float (``repr``), booleans
``t="b"``; ``None``, ``NA`` and empty strings are no cell at all. Strings are always text,
never formulas or links. Characters XML 1.0 cannot carry (control characters) are written
as Excel's ``_xHHHH_`` escapes.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAX_ROWS", "Sheet", "column_letter", "frame_rows", "value_rows", "write_xlsx"]

#: Rows of a worksheet, the header included (Excel's limit).
MAX_ROWS = 1_048_576
#: Rows built and written per block by :func:`frame_rows`.
BLOCK = 4096

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BOLD = ' s="1"'
#: Generous bytes of XML per cell, to tell when a sheet may need ZIP64.
_CELL_BYTES = 64

_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a name, a header row (bold) and ``n_rows`` rows below it, as row XML
    numbered from 2 (:func:`frame_rows`, :func:`value_rows`), in blocks of any size.

    The sheet's extent is the header's width by ``n_rows + 1``; a sheet that may pass 2 GiB
    of XML is written with ZIP64 extensions, the others without (as Excel writes them).
    """

    name: str
    header: Sequence[Any]
    rows: Iterable[str]
    n_rows: int
    freeze_header: bool = False


def column_letter(index: int) -> str:
    """Excel's letters of the 0-based column ``index``: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    text = escape(value)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    if text != text.strip():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def _tail(value: Any) -> str | None:
    """What follows ``<c r="A1"`` for ``value`` (None, bool, int, float or str); None for
    no cell (None, an empty string, NaN or an infinity)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f"><v>{value}</v></c>"
    if isinstance(value, float):
        return f"><v>{value!r}</v></c>" if math.isfinite(value) else None
    return f' t="inlineStr"><is>{_text(str(value))}</is></c>'


def _row(number: int, values: Sequence[Any], style: str = "") -> str:
    cells = []
    for index, value in enumerate(values):
        tail = _tail(value)
        if tail is not None:
            cells.append(f'<c r="{column_letter(index)}{number}"{style}{tail}')
    return f'<row r="{number}">{"".join(cells)}</row>'


def value_rows(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Rows of Python values (None, bool, int, float, str) as row XML from row 2."""
    for number, values in enumerate(rows, start=2):
        yield _row(number, values)


def _column_tails(series: pd.Series, kind: str) -> Any:
    """Per row, the cell XML after the reference (object array; None where missing).

    ``kind`` is the codebook type: ``integer``, ``number`` or ``string``. Each distinct
    value is formatted once.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    convert = {"integer": int, "number": float}.get(kind, str)
    table = np.array([*(_tail(convert(value)) for value in uniques), None], dtype=object)
    return table[codes]


def frame_rows(frame: pd.DataFrame, kinds: Sequence[str]) -> Iterator[str]:
    """The rows of ``frame`` as row XML from row 2, in blocks of :data:`BLOCK` rows.

    ``kinds``: the codebook type of each column (``integer``, ``number``, ``string``);
    missing values (``NA``, ``None``, NaN) and empty strings are no cell.
    """
    import numpy as np

    columns = []
    for index, kind in enumerate(kinds):
        tails = _column_tails(frame.iloc[:, index], kind)
        columns.append((f'<c r="{column_letter(index)}', tails, tails != None))  # noqa: E711
    for start in range(0, len(frame), BLOCK):
        stop = min(start + BLOCK, len(frame))
        numbers = np.array([str(number) for number in range(start + 2, stop + 2)], dtype=object)
        references = numbers + '"'
        texts = []  # per column, the cells of this block ("" where missing)
        for prefix, tails, present in columns:
            here, block = present[start:stop], tails[start:stop]
            if here.all():
                texts.append((prefix + references + block).tolist())
            else:
                text = np.full(stop - start, "", dtype=object)
                text[here] = prefix + references[here] + block[here]
                texts.append(text.tolist())
        starts = ('<row r="' + numbers + '">').tolist()
        rows = zip(starts, zip(*texts, strict=True), strict=True)
        yield "".join([opening + "".join(cells) + "</row>" for opening, cells in rows])


def _sheet_head(sheet: Sheet, selected: bool) -> str:
    tab = ' tabSelected="1"' if selected else ""
    if sheet.freeze_header:
        view = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        )
    else:
        view = '<selection activeCell="A1" sqref="A1"/>'
    extent = f"A1:{column_letter(max(len(sheet.header), 1) - 1)}{sheet.n_rows + 1}"
    return (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
        f'<dimension ref="{extent}"/>'
        f'<sheetViews><sheetView workbookViewId="0"{tab}>{view}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><sheetData>' + _row(1, sheet.header, _BOLD)
    )


_SHEET_TAIL = (
    '</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
    'footer="0.5"/></worksheet>'
)


def _package(names: Sequence[str]) -> dict[str, str]:
    """The parts of the package besides the worksheets."""
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>'
        for i in range(1, len(names) + 1)
    )
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    relation = f"{_DOC_RELS}/worksheet"
    links = "".join(
        f'<Relationship Id="rId{i}" Type="{relation}" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    styles = len(names) + 1
    return {
        "[Content_Types].xml": (
            f'{_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'{_DECLARATION}<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_DECLARATION}<Relationships xmlns="{_PKG_RELS}">{links}'
            f'<Relationship Id="rId{styles}" Type="{_DOC_RELS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _DECLARATION + _STYLES,
    }


def write_xlsx(path: Path | str, sheets: Sequence[Sheet], *, compresslevel: int = 6) -> None:
    """Write ``sheets`` as an Excel workbook at ``path``, the first sheet selected.

    Worksheets are streamed into the archive as their rows come, so memory stays at a few
    blocks of rows. Compression (zlib at ``compresslevel``; 6 is zlib's and openpyxl's
    default) runs in a second thread while the next block is built: zlib releases the GIL,
    so on two cores it costs little time beyond building the XML. The workbook is written
    under a temporary name and renamed when complete: a failure leaves no partial file.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.part")
    try:
        _write_package(partial, sheets, compresslevel)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _write_package(path: Path, sheets: Sequence[Sheet], compresslevel: int) -> None:
    from concurrent.futures import Future, ThreadPoolExecutor

    names = [sheet.name for sheet in sheets]
    with (
        zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as archive,
        ThreadPoolExecutor(1, thread_name_prefix="xlsx") as compressor,
    ):
        for name, text in _package(names).items():
            archive.writestr(name, text)
        for number, sheet in enumerate(sheets, start=1):
            part = f"xl/worksheets/sheet{number}.xml"
            large = sheet.n_rows * len(sheet.header) * _CELL_BYTES >= 2**31
            with archive.open(part, "w", force_zip64=large) as handle:
                handle.write(_sheet_head(sheet, number == 1).encode("utf-8"))
                pending: Future[int] | None = None
                try:
                    for rows in sheet.rows:
                        data = rows.encode("utf-8")
                        if pending is not None:
                            pending.result()  # one block at a time, in order
                        pending = compressor.submit(handle.write, data)
                finally:
                    if pending is not None:
                        pending.result()  # before the part is closed, even on an error
                handle.write(_SHEET_TAIL.encode("utf-8"))
