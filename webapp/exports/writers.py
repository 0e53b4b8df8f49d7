"""Write an export: the data file, ``codebook.json``, ``codebook.md`` and ``datapackage.json``.

:func:`write_export` writes what it is given. It neither anonymises nor reorders: the caller
passes data that has been through disclosure control (``engine.disclosure.export.k_anonymize``,
then :func:`webapp.exports.from_k_anonymized`) and whose rows are in random order —
:func:`shuffle_rows` — because no row order may follow submission order (DESIGN.md,
"Anonymity and disclosure control"). The frame's index is never written.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from webapp.exports.codebook_text import codebook_json, codebook_markdown
from webapp.exports.datapackage import CSV_DIALECT, DATA_FORMATS, datapackage_json
from webapp.exports.missing import MISSING_CODES
from webapp.exports.model import Codebook, Column, check_variable_name
from webapp.exports.xlsx import MAX_ROWS as XLSX_MAX_ROWS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "prepare_data", "shuffle_rows", "write_export"]

FORMATS = ("csv", "sav", "xlsx")
#: SPSS limits, in bytes: variable labels and value labels.
_SPSS_LABEL_BYTES = 256
_SPSS_VALUE_LABEL_BYTES = 120


def shuffle_rows(data: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
    """``data`` with its rows in random order and a fresh 0..n-1 index.

    With ``seed=None`` the permutation comes from the operating system's cryptographic
    random source (:class:`random.SystemRandom`), so nobody can reproduce or predict it;
    give a ``seed`` only in tests.
    """
    import numpy as np

    n = len(data)
    if seed is None:
        order: Any = list(range(n))
        random.SystemRandom().shuffle(order)
    else:
        order = np.random.default_rng(seed).permutation(n)
    return data.iloc[order].reset_index(drop=True)


def _check_columns(data: pd.DataFrame, codebook: Codebook) -> None:
    names = [str(name) for name in data.columns]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"data: column {duplicated[0]!r} occurs more than once")
    expected = set(codebook.names)
    for name in names:
        if name not in expected:
            raise ValueError(f"data: unknown column {name!r} (not in the codebook)")
    for name in codebook.names:
        if name not in names:
            raise ValueError(f"data: column {name!r} of the codebook is missing")


def _bad_values(values: pd.Series, allowed: set[Any]) -> list[Any]:
    present = values.dropna().unique().tolist()
    return sorted((value for value in present if value not in allowed), key=str)[:5]


def _convert(series: pd.Series, column: Column) -> pd.Series:
    import pandas as pd

    name = column.name
    if column.type == "string":
        mask = series.isna()
        out = series.astype(object).where(~mask, None)
        out = out.map(lambda value: None if value is None else str(value))
        if column.codes and column.closed:
            allowed = {str(code) for code in column.code_values}
            allowed |= {str(code.value) for code in column.missing_codes}
            bad = _bad_values(out, allowed)
            if bad:
                raise ValueError(f"data: column {name!r} has values not in the codebook: {bad}")
        return out.astype(object)
    import numpy as np

    try:
        numbers = pd.to_numeric(series, errors="raise")
        values = np.asarray(numbers.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    except (TypeError, ValueError) as error:
        raise ValueError(f"data: column {name!r} is not numeric ({error})") from None
    values = np.where(np.isfinite(values), values, np.nan)
    if column.type == "number":
        return pd.Series(values, dtype="Float64").mask(np.isnan(values))
    valid = values[~np.isnan(values)]
    if (valid != np.round(valid)).any():
        raise ValueError(f"data: column {name!r} has non-integer values")
    if column.codes and column.closed:
        codes = [*column.code_values, *(code.value for code in column.missing_codes)]
        unknown = np.unique(valid[~np.isin(valid, np.asarray(codes, dtype=float))])
        if unknown.size:
            shown = [int(value) for value in unknown[:5]]
            raise ValueError(f"data: column {name!r} has values not in the codebook: {shown}")
    return pd.Series(values).astype("Int64")


def prepare_data(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """``data`` checked against ``codebook`` and converted for writing.

    Columns come in codebook order; coded and integer columns become nullable ``Int64``
    (missing: ``pd.NA``), number columns ``Float64``, string columns objects with ``None``
    for missing. Row order is kept; the index is replaced by 0..n-1.

    Raises
    ------
    ValueError
        Naming the column: an unknown or duplicated column, a codebook column that is
        missing, a non-numeric or non-integer value in a numeric column, or a value that is
        not one of the column's codes.
    """
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise ValueError("data: expected a pandas DataFrame")
    _check_columns(data, codebook)
    frame = data.rename(columns=str).reset_index(drop=True)
    return pd.DataFrame(
        {column.name: _convert(frame[column.name], column) for column in codebook.columns}
    )


def write_export(
    data: pd.DataFrame,
    codebook: Codebook,
    fmt: Literal["csv", "sav", "xlsx"],
    out_dir: Path | str,
    *,
    lang: str | None = None,
) -> list[Path]:
    """Write a wave's item-level export into ``out_dir``.

    Parameters
    ----------
    data
        One row per response, exactly the codebook's columns (any order), already
        k-anonymised and **in random order** (see :func:`shuffle_rows`): rows are written as
        given. Missing values are NaN/None/NA; numeric codes may be floats with integral
        values.
    codebook
        From :func:`webapp.exports.build_codebook`.
    fmt
        ``"csv"`` (UTF-8, comma, header), ``"sav"`` (SPSS, via pyreadstat) or ``"xlsx"``.
    out_dir
        Directory to write into (created when missing); existing files of the same names
        are replaced.
    lang
        Language of SPSS variable/value labels, of the spreadsheet's codebook sheet, of field
        titles in ``datapackage.json`` and of ``codebook.md``. Default: the codebook's first
        language, i.e. the survey's main language. ``codebook.json`` always has every
        language, and ``codebook.md`` lists item texts in every language.

    Returns
    -------
    list of Path
        ``<survey>_<wave>.<fmt>``, ``codebook.json``, ``codebook.md``, ``datapackage.json``.

    Notes
    -----
    Empty cells (CSV, XLSX) and SPSS system-missing values mean missing. A codebook built
    with ``missing_codes=True`` says why instead: the columns hold the negative codes of
    :mod:`webapp.exports.missing` (-1 not applicable, -2 prefer not to say, -3 not
    answered, -4 withheld for k-anonymity; ``"-4"`` in ``language``), which SPSS declares
    user-missing (``-4 THRU -1``; the text ``"-4"``) and labels, and CSV and Excel carry
    as they are. Nothing is written before ``data`` has passed every check.

    Speed: see ``benchmarks/export.py``. XLSX is written by :mod:`webapp.exports.xlsx`
    (strings as text, never formulas); a sheet holds at most 1,048,575 rows besides its
    header.

    Raises
    ------
    ValueError
        For an unknown ``fmt`` or ``lang``, for more rows than an Excel sheet holds
        (``"xlsx"``), and as :func:`prepare_data` does, naming the column.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt: {fmt!r} is not one of {list(FORMATS)}")
    lang = lang or codebook.languages[0]
    if lang not in codebook.languages:
        raise ValueError(f"lang: {lang!r} is not one of {list(codebook.languages)}")
    frame = prepare_data(data, codebook)
    if fmt == "xlsx" and len(frame) >= XLSX_MAX_ROWS:
        raise ValueError(
            f"data: {len(frame):,} rows; an Excel sheet holds at most {XLSX_MAX_ROWS - 1:,} "
            "besides its header (export CSV or SPSS)"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data_path = out / f"{codebook.stem}.{fmt}"
    if fmt == "csv":
        _write_csv(frame, data_path)
    elif fmt == "sav":
        _write_sav(frame, codebook, data_path, lang)
    else:
        _write_xlsx(frame, codebook, data_path, lang)
    json_path = out / "codebook.json"
    json_path.write_text(codebook_json(codebook), encoding="utf-8")
    md_path = out / "codebook.md"
    md_path.write_text(codebook_markdown(codebook, lang), encoding="utf-8")
    package_path = out / "datapackage.json"
    package_path.write_text(
        datapackage_json(codebook, fmt, data_path=data_path.name, lang=lang), encoding="utf-8"
    )
    return [data_path, json_path, md_path, package_path]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(
        path,
        index=False,
        encoding=DATA_FORMATS["csv"]["encoding"],
        sep=CSV_DIALECT["delimiter"],
        lineterminator=CSV_DIALECT["lineTerminator"],
        na_rep="",
    )


def _truncate(label: str, limit: int) -> str:
    encoded = label.encode("utf-8")
    if len(encoded) <= limit:
        return label
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "..."


def _write_sav(frame: pd.DataFrame, codebook: Codebook, path: Path, lang: str) -> None:
    import numpy as np
    import pandas as pd
    import pyreadstat

    columns: dict[str, Any] = {}
    labels: dict[str, str | None] = {}
    value_labels: dict[str, dict[float, str]] = {}
    measure: dict[str, str] = {}
    formats: dict[str, str] = {}
    missing_ranges: dict[str, list[Any]] = {}
    for column in codebook.columns:
        check_variable_name(column.name, "codebook")
        series = frame[column.name]
        if column.missing_codes:
            values = [code.value for code in column.missing_codes]
            missing_ranges[column.name] = (
                [str(value) for value in values]
                if column.type == "string"
                else [{"lo": float(min(MISSING_CODES)), "hi": float(max(MISSING_CODES))}]
            )
        if column.type == "string":
            columns[column.name] = series.astype(object)
            measure[column.name] = "nominal"
        else:
            columns[column.name] = series.astype("float64").to_numpy(na_value=np.nan)
            measure[column.name] = "ordinal" if column.ordinal else "nominal"
            if column.type == "integer":
                width = max([len(str(value)) for value in column.code_values] or [10])
                formats[column.name] = f"F{width}.0"
            else:
                measure[column.name] = "scale"
            if column.codes:
                value_labels[column.name] = {
                    float(code.value): _truncate(
                        code.labels.get(lang, ""), _SPSS_VALUE_LABEL_BYTES
                    )
                    for code in (*column.codes, *column.missing_codes)
                    if code.labels.get(lang)
                }
        labels[column.name] = _truncate(column.label.get(lang, ""), _SPSS_LABEL_BYTES)
    sav = pd.DataFrame(columns, index=frame.index)
    pyreadstat.write_sav(
        sav,
        str(path),
        file_label=_truncate(f"{codebook.survey} {codebook.wave}", 64),
        column_labels=labels,
        variable_value_labels={name: vl for name, vl in value_labels.items() if vl},
        variable_measure=measure,
        variable_format=formats,
        missing_ranges=missing_ranges or None,
    )


def _codebook_rows(codebook: Codebook, lang: str) -> list[list[Any]]:
    others = [other for other in codebook.languages if other != lang]
    header = ["column", "role", "type", f"label ({lang})"]
    header += [f"label ({other})" for other in others]
    header += ["codes", "missing", "instrument", "version", "scale", "reverse", "scored"]
    rows: list[list[Any]] = [header]
    for c in codebook.columns:
        codes = "; ".join(f"{code.value} = {code.labels.get(lang, '')}" for code in c.codes)
        row: list[Any] = [c.name, c.role, c.type, c.label.get(lang, "")]
        row += [c.label.get(other, "") for other in others]
        row += [codes, c.missing.get(lang, ""), c.instrument, c.instrument_version, c.scale]
        item = c.role in ("item", "demographic")
        row += [c.reverse if item else None, c.scored if item else None]
        rows.append(row)
    return rows


def _write_xlsx(frame: pd.DataFrame, codebook: Codebook, path: Path, lang: str) -> None:
    from webapp.exports.xlsx import Sheet, frame_rows, value_rows, write_xlsx

    kinds = [codebook.column(name).type for name in frame.columns]
    rows = _codebook_rows(codebook, lang)
    versions = {inst.id: inst.version for inst in codebook.instruments}
    scales = [
        [
            scale.id,
            scale.instrument,
            versions[scale.instrument],
            scale.name.get(lang, ""),
            scale.scored,
            ", ".join(scale.items),
            ", ".join(scale.reverse_items),
        ]
        for scale in codebook.scales
    ]
    write_xlsx(
        path,
        [
            Sheet(
                "data",
                list(frame.columns),
                frame_rows(frame, kinds),
                len(frame),
                freeze_header=True,
            ),
            Sheet("codebook", rows[0], value_rows(rows[1:]), len(rows) - 1),
            Sheet(
                "scales",
                ["scale", "instrument", "version", "name", "scored", "items", "reverse"],
                value_rows(scales),
                len(scales),
            ),
        ],
    )
