"""Researcher exports: item-level data with a codebook, in CSV, SPSS and Excel formats.

Typical use, once a wave's responses are loaded and k-anonymised::

    result = k_anonymize(frame, ["unit", "language", *demographic_ids], k, parent)
    data, changes = from_k_anonymized(result)
    codebook = build_codebook(
        definition.instruments, survey=definition.slug, wave="2026-1",
        languages=definition.languages, demographics_id=definition.demographics_id,
        k=definition.k, **changes,
    )
    paths = write_export(shuffle_rows(data), codebook, "sav", out_dir)

:func:`write_export` writes ``<survey>_<wave>.<csv|sav|xlsx>``, ``codebook.json``,
``codebook.md`` and ``datapackage.json``. It writes rows in the order given: the caller
shuffles them (:func:`shuffle_rows`) so that no order follows submission order.
"""

from webapp.exports.anonymity import from_k_anonymized
from webapp.exports.codebook import OTHER, OTHER_CODE, build_codebook
from webapp.exports.codebook_text import codebook_dict, codebook_json, codebook_markdown
from webapp.exports.datapackage import datapackage_dict, datapackage_json
from webapp.exports.model import (
    Code,
    Codebook,
    Column,
    InstrumentInfo,
    ScaleInfo,
    check_variable_name,
)
from webapp.exports.writers import FORMATS, prepare_data, shuffle_rows, write_export

__all__ = [
    "FORMATS",
    "OTHER",
    "OTHER_CODE",
    "Code",
    "Codebook",
    "Column",
    "InstrumentInfo",
    "ScaleInfo",
    "build_codebook",
    "check_variable_name",
    "codebook_dict",
    "codebook_json",
    "codebook_markdown",
    "datapackage_dict",
    "datapackage_json",
    "from_k_anonymized",
    "prepare_data",
    "shuffle_rows",
    "write_export",
]
