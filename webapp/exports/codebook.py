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
from dataclasses import dataclass, field
from typing import Any, Literal

from instruments import Instrument, Item

__all__ = [
    "Code",
    "Codebook",
    "Column",
    "InstrumentInfo",
    "ScaleInfo",
    "build_codebook",
    "check_variable_name",
    "text",
]

Role = Literal["unit", "language", "demographic", "item", "extra"]
ColumnType = Literal["integer", "number", "string"]

#: SPSS variable names: a letter first, then letters, digits, '_' or '.', at most 64 bytes,
#: not ending in '.', and none of SPSS's reserved words.
_SPSS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")
_SPSS_RESERVED = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
)
#: Survey slugs and wave labels as surveys/ accepts them; they become file names.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_EXTRA_KEYS = frozenset({"type", "label", "description", "codes"})

#: Boilerplate per language; a language without an entry falls back to English.
_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "unit": "Organisational unit (code from the org import)",
        "unit_note": "Units with fewer than k respondents are rolled up into their parent "
        "unit; the code is then the parent's.",
        "language": "Language in which the questionnaire was answered",
        "missing_item": "no answer or '{na}' (both stored as missing)",
        "missing_item_plain": "no answer",
        "missing_demographic": "no answer, '{na}', or blanked to keep the export k-anonymous",
        "missing_qi": "blanked to keep the export k-anonymous",
        "missing_extra": "missing",
        "merged": "Other (merged: {labels})",
        "rolled_up": "includes rolled-up units: {units}",
    },
    "nl": {
        "unit": "Organisatie-eenheid (code uit de import van de organisatie)",
        "unit_note": "Eenheden met minder dan k respondenten zijn samengevoegd met hun "
        "bovenliggende eenheid; de code is dan die van de bovenliggende eenheid.",
        "language": "Taal waarin de vragenlijst is ingevuld",
        "missing_item": "geen antwoord of '{na}' (beide opgeslagen als ontbrekend)",
        "missing_item_plain": "geen antwoord",
        "missing_demographic": "geen antwoord, '{na}', of leeggemaakt zodat de export "
        "k-anoniem blijft",
        "missing_qi": "leeggemaakt zodat de export k-anoniem blijft",
        "missing_extra": "ontbrekend",
        "merged": "Overig (samengevoegd: {labels})",
        "rolled_up": "inclusief samengevoegde eenheden: {units}",
    },
}


#: Names of common survey languages, per language of the codebook.
_LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "nl": {"nl": "Nederlands", "en": "Dutch"},
    "en": {"nl": "Engels", "en": "English"},
    "de": {"nl": "Duits", "en": "German"},
    "fr": {"nl": "Frans", "en": "French"},
    "pl": {"nl": "Pools", "en": "Polish"},
    "tr": {"nl": "Turks", "en": "Turkish"},
    "ar": {"nl": "Arabisch", "en": "Arabic"},
}


def text(key: str, language: str) -> str:
    """Boilerplate ``key`` in ``language`` (English when there is no translation)."""
    return _TEXTS.get(language, _TEXTS["en"]).get(key, _TEXTS["en"][key])


@dataclass(frozen=True)
class Code:
    """One answer code: its value, its label per language and the codes merged into it."""

    value: int | str
    labels: dict[str, str]
    merged_from: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class Column:
    """One exported column.

    ``label`` is the question (item text) per language, ``missing`` what an empty cell means
    per language, ``codes`` the known values with their labels. ``closed`` says the codes are
    all the values the column may hold (False for a unit column listing only some units, and
    meaningless when there are no codes: then any value of ``type`` is allowed). Item fields
    (``instrument``, ``scale``, ``reverse``, ...) are None/False for other roles.
    """

    name: str
    role: Role
    type: ColumnType
    label: dict[str, str]
    missing: dict[str, str]
    codes: tuple[Code, ...] = ()
    description: dict[str, str] = field(default_factory=dict)
    instrument: str | None = None
    instrument_version: str | None = None
    scale: str | None = None
    reverse: bool = False
    scored: bool = False
    ordinal: bool = False
    not_applicable: dict[str, str] | None = None
    closed: bool = True

    @property
    def code_values(self) -> tuple[int | str, ...]:
        return tuple(code.value for code in self.codes)


@dataclass(frozen=True)
class ScaleInfo:
    """A scale of an exported instrument. ``id`` is ``<instrument>.<scale>``."""

    id: str
    instrument: str
    scale: str
    name: dict[str, str]
    scored: bool
    items: tuple[str, ...]
    reverse_items: tuple[str, ...]


@dataclass(frozen=True)
class InstrumentInfo:
    """An exported instrument and its version."""

    id: str
    version: str
    title: dict[str, str]
    sensitive: bool
    demographic: bool
    scales: tuple[ScaleInfo, ...]
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    """Everything an export needs to describe its columns; see :func:`build_codebook`."""

    survey: str
    wave: str
    languages: tuple[str, ...]
    columns: tuple[Column, ...]
    instruments: tuple[InstrumentInfo, ...]
    k: int | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in export order."""
        return tuple(column.name for column in self.columns)

    @property
    def scales(self) -> tuple[ScaleInfo, ...]:
        return tuple(scale for inst in self.instruments for scale in inst.scales)

    @property
    def stem(self) -> str:
        """File name stem of the data file: ``<survey>_<wave>``."""
        return f"{self.survey}_{self.wave}"

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def check_variable_name(name: object, argument: str = "name") -> str:
    """Return ``name`` when it is a valid SPSS (and Stata/R-friendly) variable name.

    Raises
    ------
    ValueError
        Naming ``argument`` and the column, when ``name`` is not a letter followed by at most
        63 letters, digits, '_' or '.', ends in '.', or is an SPSS reserved word.
    """
    if (
        not isinstance(name, str)
        or not _SPSS_NAME.fullmatch(name)
        or name.endswith(".")
        or name.lower() in _SPSS_RESERVED
        or len(name.encode("utf-8")) > 64
    ):
        raise ValueError(
            f"{argument}: column {name!r} is not a valid SPSS variable name (a letter, then "
            "up to 63 letters, digits, '_' or '.'; not a reserved word)"
        )
    return name


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

    def per_language(texts: Mapping[str, str] | None) -> dict[str, str]:
        texts = texts or {}
        return {lang: texts.get(lang, "") for lang in languages}

    def boiler(key: str, **values: str) -> dict[str, str]:
        return {lang: text(key, lang).format(**values) for lang in languages}

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
            boiler("unit"),
            boiler("missing_qi"),
            unit_codes,
            description=boiler("unit_note"),
            closed=bool(names),
        ),
        Column(
            "language",
            "language",
            "string",
            boiler("language"),
            boiler("missing_qi"),
            tuple(
                Code(
                    lang,
                    {other: _LANGUAGE_NAMES.get(lang, {}).get(other, lang) for other in languages},
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
                columns.append(
                    _item_column(instrument, scale.id, item, demographic, per_language, boiler)
                )
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
        _instrument_info(inst, inst.id == demographics_id, per_language) for inst in ordered
    )
    return Codebook(survey, wave, languages, tuple(columns), infos, k)


def _item_column(instrument, scale_id, item: Item, demographic, per_language, boiler) -> Column:
    response = item.response_scale
    codes = tuple(
        Code(
            point,
            per_language(
                {lang: labels.get(point, "") for lang, labels in response.labels.items()}
            ),
        )
        for point in response.points
    )
    na = per_language(response.not_applicable) if response.not_applicable else None
    if na:
        key = "missing_demographic" if demographic else "missing_item"
        missing = {lang: text(key, lang).format(na=na[lang]) for lang in na}
    else:
        missing = boiler("missing_qi" if demographic else "missing_item_plain")
    return Column(
        item.id,
        "demographic" if demographic else "item",
        "integer",
        per_language(item.text),
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
        if absorbed & set(sources) or not isinstance(target, int):
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


def _instrument_info(instrument: Instrument, demographic: bool, per_language) -> InstrumentInfo:
    scales = tuple(
        ScaleInfo(
            f"{instrument.id}.{scale.id}",
            instrument.id,
            scale.id,
            per_language(scale.name),
            bool(scale.scored) and not demographic,
            tuple(item.id for item in scale.items),
            tuple(item.id for item in scale.items if item.reverse),
        )
        for scale in instrument.scales
    )
    return InstrumentInfo(
        instrument.id,
        instrument.version,
        per_language(instrument.title),
        bool(instrument.sensitive),
        demographic,
        scales,
        tuple(instrument.references),
    )
