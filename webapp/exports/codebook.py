"""The codebook of a researcher export: what every exported column means.

A :class:`Codebook` is built once from the survey's instruments (:func:`build_codebook`) and
drives every writer: the column order of the data file, the JSON and Markdown codebooks, the
Frictionless ``datapackage.json``, SPSS variable and value labels and the spreadsheet's
codebook sheet. It describes the data *after* disclosure control: the caller tells it which
units were rolled up into a parent and which categories were merged, so the codebook says so.

Column order: ``unit``, ``language``, the demographic questions, every item of every other
instrument in survey order, then any extra columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from instruments import Instrument, Item
from webapp.exports.model import (
    Code,
    Codebook,
    Column,
    InstrumentInfo,
    ScaleInfo,
    check_variable_name,
)
from webapp.exports.texts import LANGUAGE_NAMES, text

__all__ = ["build_codebook"]

#: Survey slugs and wave labels as surveys/ accepts them; they become file names.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_EXTRA_KEYS = frozenset({"type", "label", "description", "codes"})


def build_codebook(
    instruments: Sequence[Instrument],
    *,
    survey: str,
    wave: str,
    languages: Sequence[str],
    demographics_id: str | None = None,
    k: int | None = None,
    merged_categories: Mapping[str, Mapping[int, Sequence[int]]] | None = None,
    rolled_up_units: Mapping[str, Sequence[str]] | None = None,
    unit_names: Mapping[str, str] | None = None,
    extra_columns: Mapping[str, Mapping[str, Any]] | None = None,
) -> Codebook:
    """Describe every column of a wave's item-level export.

    Parameters
    ----------
    instruments
        The survey's instruments in survey order, the demographics instrument included.
    survey, wave
        The survey slug and wave label (letters, digits, '.', '-', '_'); they name the files.
    languages
        The survey's languages; every text in the codebook is given in each.
    demographics_id
        Id of the instrument whose items are demographic questions (quasi-identifiers placed
        after ``unit`` and ``language``), e.g. ``SurveyDefinition.demographics_id``.
    k
        The minimum group size the export was made k-anonymous for (recorded only).
    merged_categories
        Per demographic column, exported code -> the original codes merged into it by
        disclosure control, e.g. ``{"dem_role": {7: [2, 4, 7]}}``. The merged originals
        disappear from the code list; the exported code is labelled "Other (merged: ...)".
    rolled_up_units
        Exported unit code -> codes of the smaller units rolled up into it.
    unit_names
        Exported unit code -> unit name, listed as the unit column's codes.
    extra_columns
        Further columns appended at the end, name -> ``{"type": "integer"|"number"|"string",
        "label": str | {lang: str}, "description": str | {lang: str},
        "codes": {value: str | {lang: str}}}`` (all keys optional; type defaults to number).

    Raises
    ------
    ValueError
        Naming the argument: invalid survey or wave name, no languages, an unknown
        ``demographics_id``, a column name that is not a valid SPSS name or occurs twice, a
        merge that names an unknown column or code, or an unknown key in ``extra_columns``.
    """
    for argument, value in (("survey", survey), ("wave", wave)):
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise ValueError(f"{argument}: {value!r} is not a valid name (letters, digits, .-_)")
    languages = tuple(languages)
    if not languages or not all(isinstance(lang, str) and lang for lang in languages):
        raise ValueError("languages: give at least one language code")
    if k is not None and (not isinstance(k, int) or k < 1):
        raise ValueError(f"k: {k!r} is not a positive integer")
    instruments = tuple(instruments)
    if not all(isinstance(inst, Instrument) for inst in instruments):
        raise ValueError("instruments: give instruments.Instrument objects")
    if demographics_id is not None and demographics_id not in {i.id for i in instruments}:
        raise ValueError(f"demographics_id: {demographics_id!r} is not one of the instruments")
    merged = {name: dict(merges) for name, merges in (merged_categories or {}).items()}
    rolled = {code: tuple(units) for code, units in (rolled_up_units or {}).items()}
    names = dict(unit_names or {})

    if names and set(rolled) - set(names):
        missing_names = sorted(set(rolled) - set(names))
        raise ValueError(f"unit_names: no name for rolled-up unit(s) {missing_names}")
    unit_codes = tuple(
        Code(code, {lang: names.get(code, "") for lang in languages}, rolled.get(code, ()))
        for code in sorted(set(names) | set(rolled))
    )
    columns: list[Column] = [
        Column(
            "unit",
            "unit",
            "string",
            _boiler("unit", languages),
            _boiler("missing_qi", languages),
            unit_codes,
            description=_boiler("unit_note", languages),
            closed=bool(names),
        ),
        Column(
            "language",
            "language",
            "string",
            _boiler("language", languages),
            _boiler("missing_qi", languages),
            tuple(
                Code(
                    lang,
                    {other: LANGUAGE_NAMES.get(lang, {}).get(other, lang) for other in languages},
                )
                for lang in languages
            ),
        ),
    ]
    ordered = [i for i in instruments if i.id == demographics_id]
    ordered += [i for i in instruments if i.id != demographics_id]
    for instrument in ordered:
        demographic = instrument.id == demographics_id
        for scale in instrument.scales:
            for item in scale.items:
                columns.append(_item_column(instrument, scale.id, item, demographic, languages))
    seen = {column.name for column in columns}
    for name in merged:
        if name not in seen:
            raise ValueError(f"merged_categories: unknown column {name!r}")
    columns = [
        _merge_codes(column, merged[column.name], languages) if column.name in merged else column
        for column in columns
    ]
    for name, spec in (extra_columns or {}).items():
        columns.append(_extra_column(name, spec, languages))
    seen_names: set[str] = set()
    for column in columns:
        argument = "extra_columns" if column.role == "extra" else "instruments"
        check_variable_name(column.name, argument)
        if column.name.lower() in seen_names:
            raise ValueError(f"{argument}: column {column.name!r} occurs twice")
        seen_names.add(column.name.lower())
    infos = tuple(
        _instrument_info(inst, inst.id == demographics_id, languages) for inst in ordered
    )
    return Codebook(survey, wave, languages, tuple(columns), infos, k)


def _per_language(texts: Mapping[str, str] | None, languages: tuple[str, ...]) -> dict[str, str]:
    texts = texts or {}
    return {lang: texts.get(lang, "") for lang in languages}


def _boiler(key: str, languages: tuple[str, ...]) -> dict[str, str]:
    return {lang: text(key, lang) for lang in languages}


def _item_column(
    instrument: Instrument,
    scale_id: str,
    item: Item,
    demographic: bool,
    languages: tuple[str, ...],
) -> Column:
    response = item.response_scale
    codes = tuple(
        Code(
            point,
            _per_language(
                {lang: labels.get(point, "") for lang, labels in response.labels.items()},
                languages,
            ),
        )
        for point in response.points
    )
    na = _per_language(response.not_applicable, languages) if response.not_applicable else None
    if na:
        key = "missing_demographic" if demographic else "missing_item"
        missing = {lang: text(key, lang).format(na=na[lang]) for lang in na}
    else:
        missing = _boiler("missing_qi" if demographic else "missing_item_plain", languages)
    return Column(
        item.id,
        "demographic" if demographic else "item",
        "integer",
        _per_language(item.text, languages),
        missing,
        codes,
        instrument=instrument.id,
        instrument_version=instrument.version,
        scale=scale_id,
        reverse=bool(item.reverse),
        scored=bool(item.scored) and not demographic,
        ordinal=bool(response.ordinal),
        not_applicable=na,
    )


def _merge_codes(
    column: Column, merges: Mapping[int, Sequence[int]], languages: tuple[str, ...]
) -> Column:
    if column.role != "demographic":
        raise ValueError(f"merged_categories: column {column.name!r} is not demographic")
    by_value = {code.value: code for code in column.codes}
    absorbed: set[int] = set()
    new_codes: dict[int, Code] = {}
    for target, sources in merges.items():
        sources = tuple(sources)
        unknown = [s for s in sources if s not in by_value]
        if unknown or not sources:
            raise ValueError(
                f"merged_categories: column {column.name!r} has no code(s) {unknown or sources}"
            )
        if not isinstance(target, int):
            raise ValueError(
                f"merged_categories: column {column.name!r}: code {target!r} is not an integer"
            )
        if absorbed & set(sources):
            raise ValueError(f"merged_categories: column {column.name!r}: overlapping merge")
        absorbed |= set(sources)
        labels = {
            lang: text("merged", lang).format(
                labels="; ".join(by_value[s].labels.get(lang, str(s)) for s in sources)
            )
            for lang in languages
        }
        new_codes[target] = Code(target, labels, sources)
    kept = [code for code in column.codes if code.value not in absorbed]
    if {code.value for code in kept} & set(new_codes):
        raise ValueError(
            f"merged_categories: column {column.name!r}: a merged code clashes with a kept code"
        )
    codes = sorted([*kept, *new_codes.values()], key=lambda code: code.value)
    return Column(**{**column.__dict__, "codes": tuple(codes)})


def _localised(value: object, languages: tuple[str, ...], argument: str) -> dict[str, str]:
    if value is None:
        return dict.fromkeys(languages, "")
    if isinstance(value, str):
        return dict.fromkeys(languages, value)
    if isinstance(value, Mapping):
        return {lang: str(value.get(lang, "")) for lang in languages}
    raise ValueError(f"{argument}: expected a string or a mapping of language to string")


def _extra_column(name: str, spec: Mapping[str, Any], languages: tuple[str, ...]) -> Column:
    if not isinstance(spec, Mapping):
        raise ValueError(f"extra_columns: column {name!r} needs a mapping")
    spec = dict(spec)
    unknown = set(spec) - _EXTRA_KEYS
    if unknown:
        raise ValueError(f"extra_columns: column {name!r} has unknown key(s) {sorted(unknown)}")
    kind = spec.get("type", "number")
    if kind not in ("integer", "number", "string"):
        raise ValueError(f"extra_columns: column {name!r} has unknown type {kind!r}")
    argument = f"extra_columns[{name!r}]"
    codes = tuple(
        Code(value, _localised(label, languages, argument))
        for value, label in (spec.get("codes") or {}).items()
    )
    return Column(
        name,
        "extra",
        kind,
        _localised(spec.get("label"), languages, argument),
        {lang: text("missing_extra", lang) for lang in languages},
        codes,
        description=_localised(spec.get("description"), languages, argument),
    )


def _instrument_info(
    instrument: Instrument, demographic: bool, languages: tuple[str, ...]
) -> InstrumentInfo:
    scales = tuple(
        ScaleInfo(
            f"{instrument.id}.{scale.id}",
            instrument.id,
            scale.id,
            _per_language(scale.name, languages),
            bool(scale.scored) and not demographic,
            tuple(item.id for item in scale.items),
            tuple(item.id for item in scale.items if item.reverse),
        )
        for scale in instrument.scales
    )
    return InstrumentInfo(
        instrument.id,
        instrument.version,
        _per_language(instrument.title, languages),
        bool(instrument.sensitive),
        demographic,
        scales,
        tuple(instrument.references),
    )
