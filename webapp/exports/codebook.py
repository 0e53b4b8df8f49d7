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

import dataclasses
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from instruments import Instrument, Item
from webapp.exports.missing import NOT_APPLICABLE, PREFER_NOT_TO_SAY, with_missing_codes
from webapp.exports.model import (
    Code,
    Codebook,
    Column,
    InstrumentInfo,
    Loss,
    ScaleInfo,
    check_variable_name,
)
from webapp.exports.texts import LANGUAGE_NAMES, text

__all__ = ["OTHER", "OTHER_CODE", "build_codebook"]

#: Code of "other" (rare categories merged by disclosure control) in a numeric column: out of
#: the 0-9 range of instrument codes, so it never clashes with an answer.
OTHER_CODE = 90
#: The value of "other" in a string column (``language``), as ``k_anonymize`` writes it.
OTHER = "other"

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
    merged_categories: Mapping[str, Iterable[int | str]] | None = None,
    blanked_categories: Mapping[str, Iterable[int | str]] | None = None,
    rolled_up: Mapping[str, str] | None = None,
    unit_names: Mapping[str, str] | None = None,
    extra_columns: Mapping[str, Mapping[str, Any]] | None = None,
    missing_codes: bool = False,
    loss: Loss | None = None,
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
        Column (demographic or ``language``) -> the categories disclosure control merged
        into "other" (``KAnonResult.merged``). They leave the column's codes; a code
        :data:`OTHER_CODE` (``"other"`` in ``language``) labelled "Other (merged: ...)"
        takes their place. :func:`webapp.exports.from_k_anonymized` derives this.
    blanked_categories
        Column -> categories too rare even to pool, exported as empty. They leave the
        column's codes and are named in its description.
    rolled_up
        Original unit code -> the unit it is reported as (``KAnonResult.rolled_up``).
    unit_names
        Exported unit code -> unit name. With names, the unit column's codes are complete
        (``datapackage.json`` gets an ``enum``); without, they list only rolled-up units.
    extra_columns
        Further columns appended at the end, name -> ``{"type": "integer"|"number"|"string",
        "label": str | {lang: str}, "description": str | {lang: str},
        "codes": {value: str | {lang: str}}}`` (all keys optional; type defaults to number).
    missing_codes
        Whether the data says *why* a cell is missing with the codes of
        :mod:`webapp.exports.missing` (-1 not applicable, -2 prefer not to say, -3 not
        answered, -4 withheld for k-anonymity) instead of an empty cell.
    loss
        The information-loss summary, written into the codebook.

    Raises
    ------
    ValueError
        Naming the argument: invalid survey or wave name, no languages, an unknown
        ``demographics_id``, a column name that is not a valid SPSS name or occurs twice, a
        merge or blank that names an unknown column or code, or an unknown key in
        ``extra_columns``.
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
    merged = {name: _values(values) for name, values in (merged_categories or {}).items()}
    blanked = {name: _values(values) for name, values in (blanked_categories or {}).items()}
    rolled: dict[str, tuple[str, ...]] = {}
    for original, target in (rolled_up or {}).items():
        rolled.setdefault(str(target), ())
        rolled[str(target)] += (str(original),)
    names = dict(unit_names or {})

    if names and set(rolled) - set(names):
        missing_names = sorted(set(rolled) - set(names))
        raise ValueError(f"unit_names: no name for unit(s) {missing_names}, named in rolled_up")
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
    for argument, changes in (("merged_categories", merged), ("blanked_categories", blanked)):
        for name in changes:
            if name not in seen:
                raise ValueError(f"{argument}: unknown column {name!r}")
    columns = [
        _recode(column, merged.get(column.name, ()), blanked.get(column.name, ()), languages)
        if column.name in merged or column.name in blanked
        else column
        for column in columns
    ]
    if missing_codes:
        offers = {
            item.id: {
                code: labels
                for code, labels in (
                    (NOT_APPLICABLE, item.response_scale.not_applicable),
                    (PREFER_NOT_TO_SAY, item.response_scale.prefer_not_to_say),
                )
                if labels
            }
            for inst in instruments
            for scale in inst.scales
            for item in scale.items
        }
        columns = [with_missing_codes(c, offers.get(c.name, {}), languages) for c in columns]
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
    return Codebook(survey, wave, languages, tuple(columns), infos, k, loss)


def _values(values: Iterable[Any]) -> tuple[int | str, ...]:
    """Category values as plain ints (also from floats and NumPy) or strings, sorted."""
    out: list[int | str] = []
    for value in values:
        if isinstance(value, numbers.Real) and float(value).is_integer():
            out.append(int(float(value)))
        else:
            out.append(str(value))
    return tuple(sorted(set(out), key=lambda value: (isinstance(value, str), value)))


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
    # "Not applicable" and "prefer not to say" are both exported as missing: the codebook
    # names every label that becomes an empty cell.
    extra = [labels for labels in (response.not_applicable, response.prefer_not_to_say) if labels]
    na = (
        {
            lang: " / ".join(label for labels in extra if (label := labels.get(lang, "")))
            for lang in languages
        }
        if extra
        else None
    )
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


def _recode(
    column: Column,
    merged: tuple[int | str, ...],
    blanked: tuple[int | str, ...],
    languages: tuple[str, ...],
) -> Column:
    """``column`` with ``merged`` codes pooled into "other" and ``blanked`` codes removed."""
    if column.role not in ("demographic", "language"):
        raise ValueError(
            f"merged_categories: column {column.name!r} is not demographic or the language"
        )
    by_value = {code.value: code for code in column.codes}
    for argument, values in (("merged_categories", merged), ("blanked_categories", blanked)):
        unknown = [value for value in values if value not in by_value]
        if unknown:
            raise ValueError(f"{argument}: column {column.name!r} has no code(s) {unknown}")
    both = sorted(set(merged) & set(blanked), key=str)
    if both:
        raise ValueError(f"blanked_categories: column {column.name!r}: {both} also merged")
    codes = [code for code in column.codes if code.value not in set(merged) | set(blanked)]
    if merged:
        other: int | str = OTHER if column.type == "string" else OTHER_CODE
        if other in by_value:
            raise ValueError(f"merged_categories: column {column.name!r} already has {other!r}")
        labels = {
            lang: text("merged", lang).format(
                labels="; ".join(by_value[value].labels.get(lang, str(value)) for value in merged)
            )
            for lang in languages
        }
        codes.append(Code(other, labels, merged))
    description = dict(column.description)
    if blanked:
        for lang in languages:
            names = "; ".join(by_value[value].labels.get(lang, str(value)) for value in blanked)
            note = text("blanked", lang).format(labels=names)
            description[lang] = f"{description.get(lang, '')} {note}".strip()
    return dataclasses.replace(column, codes=tuple(codes), description=description)


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
        _per_language(instrument.construct, languages),
    )
