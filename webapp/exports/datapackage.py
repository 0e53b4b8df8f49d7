"""The Frictionless Data Package (v1) descriptor of an export: ``datapackage.json``.

The package is a plain ``data-package``: besides the data it lists the two codebooks, and a
``tabular-data-package`` may hold tabular resources only. In a CSV export the data resource
is a ``tabular-data-resource`` with a Table Schema (field types, titles, ``enum``
constraints for coded columns, ``missingValues: [""]``). The Tabular Data Resource profile of
v1 requires CSV (or inline JSON) data, so the ``.sav`` or ``.xlsx`` file is a
``data-resource`` with its own format and media type; it carries the same Table Schema, which
describes the columns of the data sheet and the SPSS variables alike (frictionless-py
validates the ``.xlsx`` against it).

Fields also carry Table Schema v2's ``categories`` (value and label), which v1 readers ignore.

References
----------
https://specs.frictionlessdata.io/data-package/ , /data-resource/ , /tabular-data-resource/ ,
/table-schema/ , /csv-dialect/
"""

from __future__ import annotations

import json
import re
from typing import Any

from webapp.exports.model import Codebook, Column

__all__ = ["CSV_DIALECT", "DATA_FORMATS", "datapackage_dict", "datapackage_json"]

#: Per export format: file extension, format name, media type, text encoding.
DATA_FORMATS: dict[str, dict[str, str | None]] = {
    "csv": {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8"},
    "sav": {"format": "sav", "mediatype": "application/x-spss-sav", "encoding": None},
    "xlsx": {
        "format": "xlsx",
        "mediatype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "encoding": None,
    },
}

#: The dialect write_export uses for CSV.
CSV_DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}


def _package_name(codebook: Codebook) -> str:
    """A valid package/resource name: lowercase letters, digits, '-', '_', '.'."""
    return re.sub(r"[^a-z0-9._-]", "-", codebook.stem.lower())


def _field(column: Column, lang: str) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": column.name,
        "type": column.type,
        "title": column.label.get(lang, ""),
    }
    parts = [f"{other}: {column.label[other]}" for other in column.label if other != lang]
    if column.description.get(lang):
        parts.append(column.description[lang])
    if column.role in ("item", "demographic"):
        parts.append(f"{column.instrument} {column.instrument_version}, scale {column.scale}")
        if column.reverse:
            parts.append("reverse-keyed")
    if column.missing_codes:
        codes = "; ".join(f"{c.value} = {c.labels.get(lang, '')}" for c in column.missing_codes)
        parts.append(f"Missing codes: {codes}")
    elif column.missing.get(lang):
        parts.append(f"Empty: {column.missing[lang]}")
    field["description"] = " ".join(
        part if part.endswith((".", "?", "!")) else f"{part}." for part in parts if part
    )
    if column.codes and column.closed:
        field["categories"] = [
            {"value": code.value, "label": code.labels.get(lang, "")} for code in column.codes
        ]
        field["constraints"] = {"enum": list(column.code_values)}
    return field


def datapackage_dict(
    codebook: Codebook, fmt: str, *, data_path: str, lang: str | None = None
) -> dict[str, Any]:
    """The descriptor as plain data.

    Parameters
    ----------
    codebook
        The export's codebook.
    fmt
        ``"csv"``, ``"sav"`` or ``"xlsx"``: the format of the data file at ``data_path``.
    data_path
        The data file's path relative to the descriptor (a POSIX path).
    lang
        Language of field titles (default: the codebook's first language).

    Raises
    ------
    ValueError
        When ``fmt`` or ``lang`` is unknown.
    """
    if fmt not in DATA_FORMATS:
        raise ValueError(f"fmt: {fmt!r} is not one of {sorted(DATA_FORMATS)}")
    lang = lang or codebook.languages[0]
    if lang not in codebook.languages:
        raise ValueError(f"lang: {lang!r} is not one of {list(codebook.languages)}")
    name = _package_name(codebook)
    info = DATA_FORMATS[fmt]
    tabular = fmt == "csv"
    resource: dict[str, Any] = {
        "profile": "tabular-data-resource" if tabular else "data-resource",
        "name": name,
        "path": data_path,
        "title": f"{codebook.survey}, wave {codebook.wave}: item-level responses",
        "description": "One row per response, in random order. "
        + (
            "Missing answers carry a code that says why (missingValues; see codebook.md)."
            if codebook.missing_codes
            else "Empty = missing; see codebook.md for what missing means per column."
        ),
        "format": info["format"],
        "mediatype": info["mediatype"],
    }
    if info["encoding"]:
        resource["encoding"] = info["encoding"]
    if tabular:
        resource["dialect"] = dict(CSV_DIALECT)
    if fmt == "xlsx":
        resource["sheet"] = "data"
    resource["schema"] = {
        "fields": [_field(column, lang) for column in codebook.columns],
        "missingValues": ["", *(str(code.value) for code in codebook.missing_codes)],
    }
    codebooks = [
        {
            "profile": "data-resource",
            "name": "codebook",
            "path": "codebook.json",
            "title": "Codebook (JSON)",
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
        },
        {
            "profile": "data-resource",
            "name": "codebook-md",
            "path": "codebook.md",
            "title": "Codebook (Markdown)",
            "format": "md",
            "mediatype": "text/markdown",
            "encoding": "utf-8",
        },
    ]
    package: dict[str, Any] = {
        "profile": "data-package",
        "name": name,
        "title": f"{codebook.survey}, wave {codebook.wave}",
        "description": "Item-level survey responses exported by Samen, k-anonymous on unit, "
        "language and demographics"
        + (f" (k = {codebook.k})" if codebook.k is not None else "")
        + ". Instruments: "
        + ", ".join(f"{inst.id} {inst.version}" for inst in codebook.instruments)
        + ".",
        "keywords": ["survey", "inclusion", "social safety", "item-level data"],
        "resources": [resource, *codebooks],
    }
    return package


def datapackage_json(
    codebook: Codebook, fmt: str, *, data_path: str, lang: str | None = None
) -> str:
    """:func:`datapackage_dict` as indented UTF-8 JSON text (ends with a newline)."""
    descriptor = datapackage_dict(codebook, fmt, data_path=data_path, lang=lang)
    return json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
