"""The CSV of answers, read typed and column-wise: the reader behind `samen analyze` and
`samen compare` (:func:`webapp.cli.analyze_input.load_csv`).

Two readers give the same frame. The fast one is pyarrow's streaming CSV reader: the item
columns are parsed straight to float64 into one preallocated column-major array, the text
columns (groups, waves, units) to strings, block by block, so a 1,000,000 x 40 file takes a
few seconds and about its own size in memory (pandas' reader took 19 s and 3 GB for 200 MB).
The careful one is the pandas reader this module had before; it runs whenever the fast one
meets anything it would not read exactly as pandas does (a row with more or fewer fields
than the header, a ``nan`` written in a cell, a cell of spaces, a text that begins with a
space, anything pyarrow refuses), and it names the problem: the column and the row of the
first non-numeric answer (the header is row 1), a row with too many fields, text that is not
UTF-8. A non-numeric answer in a large file is found without it: the items are read again as
text by pyarrow and the first bad cell is named as the careful reader would name it.

Both read comma or semicolon separated files (a semicolon file may use decimal commas), UTF-8
with or without BOM; an empty cell or ``NA`` is a missing answer.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webapp.cli.analyze_input import fail

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["read_answers", "sniff"]

#: Missing answers: an empty cell, or R's ``write.csv`` default.
NA_VALUES = ["", "NA"]
#: Bytes read at a time by the UTF-8 check.
_CHUNK = 1 << 24
#: Bytes parsed at a time by pyarrow (one block is one record batch; small ones stay in cache).
_BLOCK = 1 << 20


class _Careful(Exception):
    """The fast reader stops: the careful one reads the file (and names its problem)."""


def sniff(path: Path) -> tuple[list[str], str]:
    """Header names and delimiter (``;`` or ``,``) of a UTF-8 (optionally BOM) CSV."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    if not first.strip():
        fail(f"{path}: empty file (no header row)")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    if any(not name.strip() for name in header):
        fail(f"{path}: the header row has an empty column name")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            fail(f"{path}: column {name!r} appears twice in the header")
        seen.add(name)
    return header, delimiter


def read_answers(path: Path, items: Sequence[str], texts: Sequence[str]) -> pd.DataFrame:
    """The item columns of `path` as float64 (missing = NaN) and the `texts` columns as text
    (missing = NaN), one row per data row of the file.

    Raises :class:`webapp.cli.analyze_input.AnalyzeError` naming an unknown column, a
    non-numeric answer by column and row, a row with more fields than the header, or text
    that is not UTF-8.
    """
    if not path.is_file():
        fail(f"{path}: no such file")
    header, delimiter = sniff(path)
    wanted = list(items) + list(texts)
    for name in wanted:
        if name not in header:
            fail(f"{path}: no column {name!r} (columns: {_short(header)})")
    lines = _count_lines(path)
    try:
        return _fast(path, header, delimiter, items, texts, lines)
    except _Careful:
        return _careful(path, header, delimiter, items, texts)


def _count_lines(path: Path) -> int:
    """An upper bound of the data rows (line ends + 1); fails when the file is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    try:
        with path.open("rb") as handle:
            while block := handle.read(_CHUNK):
                decoder.decode(block)
                newlines += block.count(b"\n")
            decoder.decode(b"", final=True)
            if newlines == 0:  # old Mac line ends (a lone CR) or a single line
                handle.seek(0)
                while block := handle.read(_CHUNK):
                    newlines += block.count(b"\r")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    return newlines + 1


def _options(header: list[str], delimiter: str, columns: dict[str, Any]) -> dict[str, Any]:
    import pyarrow.csv as pacsv

    return dict(
        read_options=pacsv.ReadOptions(
            column_names=header, skip_rows=1, block_size=_BLOCK, use_threads=False
        ),
        parse_options=pacsv.ParseOptions(
            # A row with more or fewer fields than the header is an error (ArrowInvalid).
            delimiter=delimiter,
            newlines_in_values=True,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=columns,
            include_columns=list(columns),
            null_values=NA_VALUES,
            strings_can_be_null=True,
            decimal_point="," if delimiter == ";" else ".",
        ),
    )


def _fast(
    path: Path,
    header: list[str],
    delimiter: str,
    items: Sequence[str],
    texts: Sequence[str],
    lines: int,
) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    values = _column_major(lines, len(items))
    try:
        # Whole answers first: pyarrow parses int8 a third faster than float64. The first
        # cell that is not a whole number from -128 to 127 (a decimal, 1e2, nan, inf, text)
        # stops it, and the file is read again as float64, where every rule is checked.
        rows, chunks = _fill(path, header, delimiter, items, texts, values, pa.int8())
    except _NotWhole:
        rows, chunks = _fill(path, header, delimiter, items, texts, values, pa.float64())
    frame = pd.DataFrame(values[:rows], columns=list(items), copy=False)
    for name in texts:
        column = pa.chunked_array(chunks.pop(name), type=pa.string())
        if pc.any(pc.starts_with(column, " ")).as_py():
            raise _Careful  # pandas skips initial spaces outside quotes only
        frame[name] = column.to_pandas()
    return frame


class _NotWhole(Exception):
    """An answer is not a whole number in int8's range: read the answers as float64."""


def _fill(
    path: Path,
    header: list[str],
    delimiter: str,
    items: Sequence[str],
    texts: Sequence[str],
    values: np.ndarray,
    item_type: Any,
) -> tuple[int, dict[str, list[Any]]]:
    """Parse `path` block by block with the items as `item_type` (int8 or float64) into
    `values` (missing = NaN); the rows read and the `texts` columns' chunks."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    whole = item_type == pa.int8()
    types = {**dict.fromkeys(items, item_type), **dict.fromkeys(texts, pa.string())}
    fill = pa.scalar(0 if whole else float("nan"), type=item_type)
    lines = values.shape[0]
    chunks: dict[str, list[Any]] = {name: [] for name in texts}
    rows = 0
    try:
        with pacsv.open_csv(path, **_options(header, delimiter, types)) as reader:
            for batch in reader:
                size = batch.num_rows
                if rows + size > lines:
                    raise _Careful  # more rows than line ends: lone CRs mixed with LFs
                for j, name in enumerate(items):
                    column = batch.column(name)
                    target = values[rows : rows + size, j]
                    # fill_null, then a view of the filled buffer: several times faster
                    # than to_numpy(zero_copy_only=False) on a column with nulls
                    target[:] = pc.fill_null(column, fill).to_numpy()
                    if whole:
                        if column.null_count:
                            target[column.is_null().to_numpy(zero_copy_only=False)] = np.nan
                    elif np.isnan(target).sum() != column.null_count:
                        raise _Careful  # a 'nan' written in a cell: pandas refuses it
                for name in texts:
                    chunks[name].append(batch.column(name))
                rows += size
    except pa.ArrowException as exc:
        conversion = isinstance(exc, pa.ArrowInvalid) and "conversion error" in str(exc)
        if conversion and whole:
            raise _NotWhole from exc
        if conversion and items:
            _name_non_numeric(path, header, delimiter, items)
        raise _Careful from exc
    return rows, chunks


def _column_major(rows: int, columns: int) -> np.ndarray:
    """An uninitialised float64 array (rows, columns) in column-major order, in an anonymous
    memory map: NumPy asks the kernel to back large arrays with huge pages, and where the
    kernel compacts memory to find them, the first write to 320 MB (1,000,000 x 40 answers)
    cost 0.7-1 s of system time (measured); a plain map is filled page by page in ~0.3 s.
    The array keeps the map alive; it is freed with the array."""
    import mmap

    import numpy as np

    if rows * columns == 0:
        return np.empty((rows, columns), dtype="float64", order="F")
    buffer = mmap.mmap(-1, rows * columns * 8)
    return np.frombuffer(buffer, dtype="float64").reshape((columns, rows)).T


def _name_non_numeric(path: Path, header: list[str], delimiter: str, items: Sequence[str]) -> None:
    """Read the items again as text and name the first non-numeric answer: per item in
    order, the first row (as the careful reader would). Returns when none is found, or the
    file does not read as text either (the careful reader then decides)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = dict.fromkeys(items, pa.string())
    try:
        table = pacsv.read_csv(path, **_options(header, delimiter, types))
    except pa.ArrowException:
        return
    for item in items:
        raw = pd.Series(table.column(item).to_numpy(zero_copy_only=False), dtype=object)
        text = raw.str.lstrip(" ")
        missing = raw.isna() | text.isin(NA_VALUES)
        bad = (_not_numbers(text, "," if delimiter == ";" else ".") & ~missing).to_numpy()
        if bad.any():
            pos = int(bad.argmax())
            fail(
                f"{path}: column {item!r} has a non-numeric answer {text.iloc[pos]!r} "
                f"in row {pos + 2}"
            )


# -- the careful reader (pandas) -----------------------------------------------------------


def _careful(
    path: Path, header: list[str], delimiter: str, items: Sequence[str], texts: Sequence[str]
) -> pd.DataFrame:
    import pandas as pd

    _check_row_lengths(path, len(header), delimiter)
    wanted = list(items) + list(texts)
    dtypes: dict[str, Any] = {
        **dict.fromkeys(items, "float64"),
        **dict.fromkeys(texts, str),
    }
    read = dict(
        sep=delimiter,
        encoding="utf-8-sig",
        usecols=wanted,
        keep_default_na=False,
        na_values=NA_VALUES,
        skipinitialspace=True,
        decimal="," if delimiter == ";" else ".",
        # Never take the first column as an index: pandas does that when the data rows have
        # one field more than the header (a delimiter at the end of every row), and every
        # item would then be read from its neighbour's column.
        index_col=False,
    )
    try:
        frame = pd.read_csv(path, dtype=dtypes, **read)
    except ValueError:
        # Some answer is not a number: read as text to find the first one and its row.
        frame = pd.read_csv(path, dtype=str, **read)
        _first_non_numeric(path, frame, items, "," if delimiter == ";" else ".")
        raise
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        fail(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})")
    return frame[wanted]


def _check_row_lengths(path: Path, width: int, delimiter: str) -> None:
    """Fail on the first data row with an answer beyond the header's last column: its
    fields cannot be matched to the columns (pandas would drop them, or shift the row).
    Empty fields there (a delimiter at the end of the row) are harmless."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, skipinitialspace=True)
            next(reader, None)
            for row in reader:
                if len(row) > width and any(field.strip() for field in row[width:]):
                    fail(
                        f"{path}: row {reader.line_num} has {len(row)} fields, the header {width}"
                    )
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except csv.Error as exc:
        fail(f"{path}: not a readable CSV file ({exc})")


def _first_non_numeric(path: Path, frame: pd.DataFrame, items: Sequence[str], dec: str) -> None:

    for item in items:
        text = frame[item]
        bad = _not_numbers(text, dec) & text.notna() & (text.str.strip() != "")
        if bad.any():
            pos = int(bad.to_numpy().argmax())
            fail(
                f"{path}: column {item!r} has a non-numeric answer {frame[item].iloc[pos]!r} "
                f"in row {pos + 2}"
            )
    fail(f"{path}: some answers are not numbers")


def _not_numbers(text: pd.Series, dec: str) -> pd.Series:
    """Which cells of `text` pandas cannot read as a number (with decimal mark `dec`; a
    file with decimal commas has no decimal points)."""
    import pandas as pd

    number = text.str.strip()
    if dec == ",":
        point = number.str.contains(".", regex=False).fillna(False).astype(bool)
        number = number.str.replace(",", ".", regex=False).where(~point, "x")
    return pd.to_numeric(number, errors="coerce").isna()


def _short(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")
