"""The codebook as JSON (for programs) and as Markdown (for people)."""

from __future__ import annotations

import json
from typing import Any

from webapp.exports.loss import loss_dict, loss_markdown
from webapp.exports.missing import missing_code
from webapp.exports.model import Code, Codebook, Column, InstrumentInfo, ScaleInfo

__all__ = ["codebook_dict", "codebook_json", "codebook_markdown"]

#: Markdown headings and table headers per language (English fallback).
_MD: dict[str, dict[str, str]] = {
    "en": {
        "title": "Codebook: {survey}, wave {wave}",
        "data": "Data file `{stem}.<csv|sav|xlsx>`: one row per response, columns in the "
        "order below. Empty cells are missing; their meaning is given per column.",
        "order": "Rows are in random order: the order says nothing about when anyone responded.",
        "k": "The export is k-anonymous for k = {k} on its quasi-identifiers (unit, language "
        "and the demographic questions): every combination of their values occurs in at least "
        "{k} rows. Small units are rolled up into their parent; rare categories are merged "
        "into 'Other' or left empty.",
        "background": "Unit, language and demographics",
        "column": "Column",
        "question": "Question",
        "codes": "Codes",
        "missing": "Empty means",
        "item": "Item",
        "text": "Text",
        "reverse": "Reverse-keyed",
        "scored": "Scored",
        "yes": "yes",
        "no": "no",
        "answers": "Answers",
        "version": "version",
        "sensitive": "Sensitive instrument (special-category or distressing questions).",
        "scale": "Scale",
        "scale_unscored": "not scored: the questions are shown together but never averaged",
        "extra": "Other columns",
        "description": "Description",
        "scales": "Scales",
        "items": "Items",
        "references": "References",
        "missing_codes": "Missing codes",
        "data_codes": "Data file `{stem}.<csv|sav|xlsx>`: one row per response, columns in the "
        "order below. Missing answers carry the codes listed under 'Missing codes'.",
        "missing_codes_text": "No cell is empty: a missing answer carries a code that says "
        "why. SPSS declares them user-missing (-4 THRU -1); in CSV and Excel, and in "
        "`datapackage.json` (`missingValues`), they are the values below. Recode them to "
        "missing before computing with a column. Codes -1 and -2 are the question's own "
        "extra options; their label per question (as the respondent saw it) is listed with "
        "the question.",
        "code": "Code",
        "meaning": "Meaning",
        "loss": "Information loss",
        "loss_text": "Profile `{profile}`, {suppression} suppression, importance order "
        "(most important first): {order}. {affected} of {rows} rows have at least one "
        "quasi-identifier withheld (-4); {cells} cells withheld in all.",
        "cells": "Cells withheld (-4)",
        "share": "Share of rows",
        "withheld": "Left out whole (every row -4)",
        "rolled_up": "Units reported as a unit higher up",
        "none": "none",
    },
    "nl": {
        "title": "Codeboek: {survey}, meting {wave}",
        "data": "Databestand `{stem}.<csv|sav|xlsx>`: één rij per respons, kolommen in de "
        "volgorde hieronder. Lege cellen ontbreken; per kolom staat wat leeg betekent.",
        "order": "De rijen staan in willekeurige volgorde: de volgorde zegt niets over "
        "wanneer iemand heeft gereageerd.",
        "k": "De export is k-anoniem voor k = {k} op de quasi-identificerende kolommen "
        "(eenheid, taal en de achtergrondvragen): elke combinatie van hun waarden komt in "
        "minstens {k} rijen voor. Kleine eenheden zijn samengevoegd met hun bovenliggende "
        "eenheid; zeldzame categorieën zijn samengevoegd tot 'Overig' of leeggemaakt.",
        "background": "Eenheid, taal en achtergrondvragen",
        "column": "Kolom",
        "question": "Vraag",
        "codes": "Codes",
        "missing": "Leeg betekent",
        "item": "Vraag-id",
        "text": "Tekst",
        "reverse": "Omgekeerd gescoord",
        "scored": "Gescoord",
        "yes": "ja",
        "no": "nee",
        "answers": "Antwoorden",
        "version": "versie",
        "sensitive": "Gevoelig instrument (bijzondere persoonsgegevens of belastende vragen).",
        "scale": "Schaal",
        "scale_unscored": "niet gescoord: de vragen staan bij elkaar maar worden nooit gemiddeld",
        "extra": "Overige kolommen",
        "description": "Beschrijving",
        "scales": "Schalen",
        "items": "Vragen",
        "references": "Literatuur",
        "missing_codes": "Ontbrekend-codes",
        "data_codes": "Databestand `{stem}.<csv|sav|xlsx>`: één rij per respons, kolommen in de "
        "volgorde hieronder. Ontbrekende antwoorden hebben de codes onder 'Ontbrekend-codes'.",
        "missing_codes_text": "Geen cel is leeg: een ontbrekend antwoord heeft een code die "
        "zegt waarom. SPSS kent ze als user-missing (-4 THRU -1); in CSV en Excel, en in "
        "`datapackage.json` (`missingValues`), zijn het de waarden hieronder. Hercodeer ze "
        "naar ontbrekend voordat u met een kolom rekent. Codes -1 en -2 zijn de eigen "
        "extra antwoordopties van de vraag; hun tekst per vraag (zoals de respondent die zag) "
        "staat bij de vraag.",
        "code": "Code",
        "meaning": "Betekenis",
        "loss": "Informatieverlies",
        "loss_text": "Profiel `{profile}`, onderdrukking {suppression}, volgorde van belang "
        "(belangrijkste eerst): {order}. {affected} van {rows} rijen hebben minstens één "
        "quasi-identificerende kolom weggelaten (-4); {cells} cellen weggelaten in totaal.",
        "cells": "Cellen weggelaten (-4)",
        "share": "Aandeel van de rijen",
        "withheld": "Helemaal weggelaten (elke rij -4)",
        "rolled_up": "Eenheden gemeld als een hogere eenheid",
        "none": "geen",
    },
}


def _code_dict(code: Code) -> dict[str, Any]:
    out: dict[str, Any] = {"value": code.value, "labels": dict(code.labels)}
    if code.merged_from:
        out["merged_from"] = list(code.merged_from)
    return out


def _column_dict(column: Column) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": column.name,
        "role": column.role,
        "type": column.type,
        "label": dict(column.label),
    }
    if any(column.description.values()):
        out["description"] = dict(column.description)
    out["codes"] = [_code_dict(code) for code in column.codes]
    out["codes_complete"] = bool(column.codes) and column.closed
    out["missing"] = dict(column.missing)
    if column.missing_codes:
        out["missing_codes"] = [code.value for code in column.missing_codes]
    if column.role in ("item", "demographic"):
        out.update(
            instrument=column.instrument,
            instrument_version=column.instrument_version,
            scale=column.scale,
            reverse=column.reverse,
            scored=column.scored,
            ordinal=column.ordinal,
            not_applicable={
                "labels": dict(column.not_applicable),
                "exported_as": -1 if column.missing_codes else "missing",
            }
            if column.not_applicable
            else None,
        )
    return out


def _scale_dict(scale: ScaleInfo) -> dict[str, Any]:
    return {
        "id": scale.id,
        "instrument": scale.instrument,
        "scale": scale.scale,
        "name": dict(scale.name),
        "scored": scale.scored,
        "items": list(scale.items),
        "reverse_items": list(scale.reverse_items),
    }


def _instrument_dict(instrument: InstrumentInfo) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": dict(instrument.title),
        "sensitive": instrument.sensitive,
        "demographic": instrument.demographic,
        "references": list(instrument.references),
        "construct": dict(instrument.construct),
        "scales": [scale.id for scale in instrument.scales],
    }


def codebook_dict(codebook: Codebook) -> dict[str, Any]:
    """The codebook as plain JSON-ready data (what :func:`codebook_json` serialises)."""
    return {
        "survey": codebook.survey,
        "wave": codebook.wave,
        "languages": list(codebook.languages),
        "data_file": codebook.stem,
        "k": codebook.k,
        "row_order": "random",
        "missing_values": [""] + [str(code.value) for code in codebook.missing_codes],
        "missing_codes": [
            _code_dict(missing_code(code.value, codebook.languages))
            for code in codebook.missing_codes
        ],
        "information_loss": loss_dict(codebook.loss),
        "columns": [_column_dict(column) for column in codebook.columns],
        "scales": [_scale_dict(scale) for scale in codebook.scales],
        "instruments": [_instrument_dict(inst) for inst in codebook.instruments],
    }


def codebook_json(codebook: Codebook) -> str:
    """The codebook as indented UTF-8 JSON text (ends with a newline)."""
    return json.dumps(codebook_dict(codebook), ensure_ascii=False, indent=2) + "\n"


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks flattened."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


#: Characters that Markdown (or HTML inside it) would act on, written as character references:
#: a unit name from the organisation import is shown as text, never as a link, an image (a
#: tracking pixel when the codebook is opened), emphasis or a tag.
_MARKDOWN_ACTIVE = {c: f"&#{ord(c)};" for c in "&<>*_[]()!#`~\\"}


def _text(value: object) -> str:
    """``value`` as literal text in Markdown (pipes and line breaks are :func:`_cell`'s)."""
    return "".join(_MARKDOWN_ACTIVE.get(c, c) for c in str(value))


def _codes_text(column: Column, lang: str) -> str:
    return "; ".join(f"{code.value} = {code.labels.get(lang, '')}" for code in column.codes)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def codebook_markdown(codebook: Codebook, lang: str = "en") -> str:
    """The codebook as Markdown in ``lang``: one section per instrument, a table per scale.

    Item texts in the other survey languages are listed next to the ``lang`` text.

    Raises
    ------
    ValueError
        When ``lang`` is not one of the codebook's languages.
    """
    if lang not in codebook.languages:
        raise ValueError(f"lang: {lang!r} is not one of {list(codebook.languages)}")
    t = _MD.get(lang, _MD["en"])
    others = [other for other in codebook.languages if other != lang]
    yes_no = {True: t["yes"], False: t["no"]}
    out = [f"# {t['title'].format(survey=codebook.survey, wave=codebook.wave)}", ""]
    intro = t["data_codes"] if codebook.missing_codes else t["data"]
    out += [intro.format(stem=codebook.stem), "", t["order"], ""]
    if codebook.k is not None:
        out += [t["k"].format(k=codebook.k), ""]
    if codebook.missing_codes:
        out += [f"## {t['missing_codes']}", "", t["missing_codes_text"], ""]
        rows = [
            [str(code.value), missing_code(code.value, codebook.languages).labels.get(lang, "")]
            for code in codebook.missing_codes
        ]
        out += _table([t["code"], t["meaning"]], rows)
    if codebook.loss is not None:
        out += loss_markdown(codebook.loss, t, _table, _text)

    background = [c for c in codebook.columns if c.role in ("unit", "language", "demographic")]
    out += [f"## {t['background']}", ""]
    rows = []
    for column in background:
        question = column.label.get(lang, "")
        if any(column.description.values()):
            question += f" ({column.description.get(lang, '')})"
        codes = _codes_text(column, lang)
        if column.role == "unit":
            codes = "; ".join(
                f"{_text(code.value)} = {_text(code.labels.get(lang, ''))}".rstrip(" =")
                + (
                    f" (+ {', '.join(_text(c) for c in code.merged_from)})"
                    if code.merged_from
                    else ""
                )
                for code in column.codes
            )
        row = [f"`{column.name}`", question]
        row += [column.label.get(other, "") for other in others]
        rows.append([*row, codes, column.missing.get(lang, "")])
    header = [t["column"], f"{t['question']} ({lang})"]
    header += [f"{t['question']} ({other})" for other in others]
    out += _table([*header, t["codes"], t["missing"]], rows)
    for instrument in codebook.instruments:
        if instrument.demographic:
            title = instrument.title.get(lang, instrument.id)
            out += [f"{title}: `{instrument.id}`, {t['version']} {instrument.version}.", ""]

    columns = {column.name: column for column in codebook.columns}
    for instrument in codebook.instruments:
        if instrument.demographic:
            continue
        title = instrument.title.get(lang, instrument.id)
        out += [f"## {title} (`{instrument.id}`, {t['version']} {instrument.version})", ""]
        if instrument.construct.get(lang):
            out += [" ".join(instrument.construct[lang].split()), ""]
        if instrument.sensitive:
            out += [t["sensitive"], ""]
        for scale in instrument.scales:
            heading = f"### {t['scale']}: {scale.name.get(lang, scale.scale)} (`{scale.id}`)"
            out += [heading, ""]
            if not scale.scored:
                out += [f"_{t['scale_unscored']}_", ""]
            header = [t["item"], f"{t['text']} ({lang})"]
            header += [f"{t['text']} ({other})" for other in others]
            header += [t["reverse"], t["scored"]]
            rows = []
            for item_id in scale.items:
                column = columns[item_id]
                row = [f"`{item_id}`", column.label.get(lang, "")]
                row += [column.label.get(other, "") for other in others]
                row += [yes_no[column.reverse], yes_no[column.scored]]
                rows.append(row)
            out += _table(header, rows)
            answers: dict[tuple[str, str], list[str]] = {}
            for item_id in scale.items:
                column = columns[item_id]
                key = (_codes_text(column, lang), column.missing.get(lang, ""))
                answers.setdefault(key, []).append(item_id)
            for (codes, missing), items in answers.items():
                scope = "" if len(answers) == 1 else f" ({', '.join(items)})"
                out += [f"**{t['answers']}{scope}:** {codes}. {t['missing']}: {missing}.", ""]
        if instrument.references:
            out += [f"**{t['references']}:**", ""]
            out += [f"- {reference}" for reference in instrument.references] + [""]

    extra = [c for c in codebook.columns if c.role == "extra"]
    if extra:
        out += [f"## {t['extra']}", ""]
        rows = [
            [
                f"`{c.name}`",
                c.label.get(lang, ""),
                c.description.get(lang, ""),
                _codes_text(c, lang),
                c.missing.get(lang, ""),
            ]
            for c in extra
        ]
        out += _table(
            [t["column"], t["question"], t["description"], t["codes"], t["missing"]], rows
        )

    out += [f"## {t['scales']}", ""]
    rows = [
        [
            f"`{scale.id}`",
            scale.name.get(lang, ""),
            yes_no[scale.scored],
            ", ".join(scale.items),
            ", ".join(scale.reverse_items),
        ]
        for scale in codebook.scales
    ]
    out += _table([t["scale"], t["text"], t["scored"], t["items"], t["reverse"]], rows)
    return "\n".join(out).rstrip("\n") + "\n"
