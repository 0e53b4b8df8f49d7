"""Item-level exports of a wave: load, k-anonymise, shuffle, write (CSV, SPSS, Excel).

:func:`export_wave` is what ``samen export`` and the research page's download call. The
disclosure rules are :func:`engine.disclosure.export.k_anonymize`'s (DESIGN.md, anonymity
point 4); this module only builds its input and hands the result to :mod:`webapp.exports`.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from surveys.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from surveys.db import Database
    from webapp.exports.model import Loss
    from webapp.research.export_plan import ExportPlan
    from webapp.research.export_profiles import ExportProfile
    from webapp.results.data import SurveyContext, WaveData

__all__ = [
    "FORMATS",
    "QUASI_IDENTIFIERS",
    "ExportFiles",
    "export_frame",
    "export_plan",
    "export_wave",
    "export_zip",
    "quasi_identifiers",
]

#: Formats a researcher can ask for.
FORMATS = ("csv", "sav", "xlsx")
#: Quasi-identifiers besides the demographic questions, most useful first: what a colleague
#: could know about a respondent. Demographic questions follow ``language`` in survey order,
#: so the last demographic question is the first to be blanked.
QUASI_IDENTIFIERS = ("unit", "language")


@dataclass(frozen=True)
class ExportFiles:
    """The files of one export and what disclosure control changed to write them."""

    paths: tuple[Path, ...]
    rows: int
    k: int
    rolled_up: dict[str, str]
    merged: dict[str, tuple[Any, ...]]
    blanked_rows: int
    withheld: tuple[str, ...] = ()
    loss: Loss | None = None
    notes: tuple[str, ...] = ()


def quasi_identifiers(context: SurveyContext) -> list[str]:
    """``unit``, ``language`` and every demographic question, most useful first."""
    return [*QUASI_IDENTIFIERS, *(item.id for item in context.definition.demographic_items)]


def _released_wave(db: Database, slug: str, wave: str) -> tuple[SurveyContext, WaveData]:
    """The survey and the wave's data; InputError for an open wave or fewer than k."""
    from webapp.results.data import load_survey, load_wave

    context = load_survey(db, slug).at_wave(wave)  # a closed wave's own tree for roll-ups
    info = context.wave(wave)
    if info.is_open:
        raise InputError(
            f"wave {wave!r} of {slug!r} is still open: its data can be exported after it closes"
        )
    data = load_wave(db, context, wave)
    k = context.definition.k
    if 0 < data.n < k:
        raise InputError(
            f"wave {wave!r} of {slug!r} has fewer than {k} responses: nothing can be exported"
        )
    return data.survey, data


def export_plan(
    db: Database,
    slug: str,
    wave: str,
    *,
    seed: int | None = None,
    profile: ExportProfile | None = None,
) -> ExportPlan:
    """The export of a closed wave as :func:`webapp.research.export_plan.plan_export` builds
    it: globally recoded, checked by the audit together with every released table.

    Without ``profile`` the rows are built as before missing codes and profiles existed
    (every quasi-identifier, missing cells NaN, whole-column suppression); with one, the
    profile's quasi-identifiers in its importance order, distinct missing codes and its
    suppression method.
    """
    from surveys.responses import load_missing_kinds
    from webapp.research.export_plan import UnsafeExport, plan_export
    from webapp.research.export_profiles import resolve_profile
    from webapp.results import openlink
    from webapp.results.release import filter_question

    context, data = _released_wave(db, slug, wave)
    definition = context.definition
    k = definition.k
    withheld: tuple[str, ...] = ()
    quasi = quasi_identifiers(context)
    kinds = None
    suppression = "columns"
    if profile is not None:
        questions = [item.id for item in definition.demographic_items]
        quasi, withheld = resolve_profile(profile, questions, filter_question(definition))
        kinds = load_missing_kinds(db, slug, wave)
        if kinds[0].shape != data.matrix.values.shape:
            raise InputError(f"wave {wave!r} of {slug!r} changed while it was read; try again")
        suppression = profile.suppression
    if openlink.applies(definition):  # anyone can add rows: coarse units, no context
        k = openlink.open_link_k(definition, definition.k)
        withheld = ("language", *(item.id for item in definition.demographic_items))
        if 0 < data.n < k:
            raise InputError(
                f"wave {wave!r} of {slug!r} has fewer than {k} responses (open_link_k, for a "
                "survey with an open link): nothing can be exported"
            )
    try:
        return plan_export(
            data,
            quasi,
            filter_question(definition),
            seed=seed,
            k=k,
            withheld=withheld,
            kinds=kinds,
            suppression=suppression,  # type: ignore[arg-type]
        )
    except UnsafeExport as exc:
        raise InputError(
            f"wave {wave!r} of {slug!r} cannot be exported safely beside its dashboards ({exc})"
        ) from None


def export_frame(
    db: Database, slug: str, wave: str, *, seed: int | None = None
) -> tuple[pd.DataFrame, Any, SurveyContext]:
    """The k-anonymised rows of a wave (random order), the ``KAnonResult`` and the survey.

    Columns: ``unit``, ``language``, the demographic questions and every answer item, one
    row per response. ``seed`` fixes the row order (tests only).
    """
    from webapp.research.export_plan import ROW
    from webapp.results.data import load_survey

    plan = export_plan(db, slug, wave, seed=seed)
    result = plan.result
    data = result.data.drop(columns=[ROW])
    return data, replace(result, data=data), load_survey(db, slug).at_wave(wave)


def export_wave(
    db: Database,
    slug: str,
    wave: str,
    fmt: str,
    out_dir: Path | str,
    lang: str | None = None,
    *,
    seed: int | None = None,
    profile: ExportProfile | None = None,
) -> ExportFiles:
    """Write the k-anonymous item-level export of a closed wave into ``out_dir``.

    Parameters
    ----------
    db : Database
    slug, wave : str
        The survey and the wave's label.
    fmt : {"csv", "sav", "xlsx"}
    out_dir : path
        Created when missing.
    lang : str, optional
        Language of labels and of ``codebook.md`` (default: the survey's first language).
    seed : int, optional
        Fixes the random row order; tests only.
    profile : ExportProfile, optional
        Which quasi-identifiers stay, their importance and the suppression method
        (default: ``full``, survey order, local suppression).

    Returns
    -------
    ExportFiles
        ``paths``: the data file, ``codebook.json``, ``codebook.md``, ``datapackage.json``;
        ``loss``: the information-loss summary (also in the codebook).

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey or wave.
    surveys.errors.InputError
        Unknown format, language or profile, an open wave, or a wave of 1 to k-1 responses.

    Notes
    -----
    Every combination of the quasi-identifiers (unit, language, demographic questions)
    occurs at least k times in the file, a cell withheld for that (-4) counting as a value
    of its own, and the file together with every table a researcher can see passes the
    disclosure audit (:mod:`webapp.research.export_plan`): units and the dashboards'
    filter question are recoded globally (a unit is reported as its nearest unit with
    released numbers; the filter question is withheld whole when a unit has fewer than k
    in one of its categories), the other quasi-identifiers merge rare categories into
    "other" and lose the fewest cells still rare (local suppression, least important
    first); no row is dropped and no answer changed. Missing cells say why
    (:mod:`webapp.exports.missing`). Rows are shuffled twice (by ``k_anonymize`` and by
    :func:`webapp.exports.shuffle_rows` from the system's random source), so no order
    follows submission. An open wave is refused: two exports of a wave that is still
    filling differ by the responses that came in between.
    """
    from webapp.exports import build_codebook, from_k_anonymized, shuffle_rows, write_export
    from webapp.exports.missing import WITHHELD, WITHHELD_TEXT
    from webapp.exports.model import Loss
    from webapp.research.export_profiles import ExportProfile, resolve_profile
    from webapp.results import openlink
    from webapp.results.release import filter_question

    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    from webapp.research.export_plan import ROW
    from webapp.results.data import load_survey

    profile = profile or ExportProfile()
    plan = export_plan(db, slug, wave, seed=seed, profile=profile)
    _check_pin(db, slug, wave, profile)
    result = replace(plan.result, data=plan.result.data.drop(columns=[ROW]))
    context = load_survey(db, slug).at_wave(wave)
    definition = context.definition
    if lang is not None and lang not in definition.languages:
        raise InputError(
            f"language {lang!r} is not one of the survey's: {', '.join(definition.languages)}"
        )
    data, changes = from_k_anonymized(result)
    questions = [item.id for item in definition.demographic_items]
    data["language"] = data["language"].where(data["language"].notna(), WITHHELD_TEXT)
    for question in questions:  # blanked or left out: -4
        data[question] = data[question].astype(object).where(data[question].notna(), WITHHELD)
    # the k the rows were made anonymous at: open_link_k for a survey with an open link
    k = (
        openlink.open_link_k(definition, definition.k)
        if openlink.applies(definition)
        else definition.k
    )
    withheld = tuple(dict.fromkeys(plan.withheld))
    quasi = [c for c in ("language", *questions) if c not in withheld]
    loss = Loss(
        profile=profile.name,
        suppression=profile.suppression,
        rows=len(data),
        rows_affected=int(result.blanked),
        cells={c: int(result.cells.get(c, 0)) for c in quasi},
        withheld=withheld,
        rolled_up=dict(result.rolled_up),
        order=tuple(
            c
            for c in resolve_profile(profile, questions, filter_question(definition))[0]
            if c in quasi
        ),
    )
    codebook = build_codebook(
        definition.instruments,
        survey=definition.slug,
        wave=wave,
        languages=definition.languages,
        demographics_id=definition.demographics_id,
        k=k,
        unit_names={code: info.name for code, info in context.units.items()},
        missing_codes=True,
        loss=loss,
        **changes,
    )
    paths = write_export(shuffle_rows(data, seed=seed), codebook, fmt, out_dir, lang=lang)  # type: ignore[arg-type]
    from surveys.export_pins import count_file

    count_file(db, slug, wave)  # a file exists now: the pin can no longer be reset
    return ExportFiles(
        paths=tuple(paths),
        rows=len(data),
        k=k,
        rolled_up=dict(result.rolled_up),
        merged={column: tuple(sorted(map(str, v))) for column, v in result.merged.items()},
        blanked_rows=int(result.blanked),
        withheld=withheld,
        loss=loss,
        notes=tuple(plan.notes),
    )


def _check_pin(db: Database, slug: str, wave: str, profile: ExportProfile) -> None:
    """Pin the wave to ``profile`` on its first export; refuse any other profile after.

    Two files of one wave anonymised differently join on their item answers into a file
    that is k-anonymous for neither's quasi-identifiers, so a wave has one set of export
    settings (format and label language may differ: they present the same rows).
    """
    from surveys.export_pins import pin_export

    wanted = profile.describe()
    pinned = pin_export(db, slug, wave, wanted)
    if pinned != wanted:
        described = ", ".join(
            f"{key} {' '.join(value) if isinstance(value, list) else value}".strip()
            for key, value in sorted(pinned.items(), key=lambda kv: [*wanted, kv[0]].index(kv[0]))
            if value not in ([], "")
        )
        raise InputError(
            f"wave {wave!r} of {slug!r} was exported with {described}; every export of a "
            "wave uses the same settings (two files anonymised differently can be joined "
            "on their answers)"
        )


def export_zip(
    db: Database,
    slug: str,
    wave: str,
    fmt: str,
    lang: str | None = None,
    profile: ExportProfile | None = None,
) -> tuple[str, bytes]:
    """The export as one zip archive (for a download): file name and bytes."""
    with tempfile.TemporaryDirectory(prefix="samen-export-") as folder:
        files = export_wave(db, slug, wave, fmt, folder, lang, profile=profile)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files.paths:
                archive.write(path, arcname=path.name)
    return f"{slug}_{wave}_{fmt}.zip", buffer.getvalue()
