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
    from webapp.research.export_plan import ExportPlan
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


def export_plan(db: Database, slug: str, wave: str, *, seed: int | None = None) -> ExportPlan:
    """The export of a closed wave as :func:`webapp.research.export_plan.plan_export` builds
    it: globally recoded, checked by the audit together with every released table."""
    from webapp.research.export_plan import UnsafeExport, plan_export
    from webapp.results import openlink
    from webapp.results.release import filter_question

    context, data = _released_wave(db, slug, wave)
    definition = context.definition
    k, withheld = definition.k, ()
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
            quasi_identifiers(context),
            filter_question(definition),
            seed=seed,
            k=k,
            withheld=withheld,
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

    Returns
    -------
    ExportFiles
        ``paths``: the data file, ``codebook.json``, ``codebook.md``, ``datapackage.json``.

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey or wave.
    surveys.errors.InputError
        Unknown format or language, an open wave, or a wave of 1 to k-1 responses.

    Notes
    -----
    Every combination of the quasi-identifiers (unit, language, demographic questions)
    occurs at least k times in the file, and the file together with every table a
    researcher can see passes the disclosure audit (:mod:`webapp.research.export_plan`):
    units and the dashboards' filter question are recoded globally (a unit is reported as
    its nearest unit with released numbers; the filter question is withheld whole when a
    unit has fewer than k in one of its categories), the other quasi-identifiers merge
    rare categories into "other" and blank what is still rare; no row is dropped and no
    answer changed. Rows are shuffled twice (by
    ``k_anonymize`` and by :func:`webapp.exports.shuffle_rows` from the system's random
    source), so no order follows submission. An open wave is refused: two exports of a
    wave that is still filling differ by the responses that came in between.
    """
    from webapp.exports import build_codebook, from_k_anonymized, shuffle_rows, write_export
    from webapp.results import openlink

    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    from webapp.research.export_plan import ROW
    from webapp.results.data import load_survey

    plan = export_plan(db, slug, wave, seed=seed)
    result = replace(plan.result, data=plan.result.data.drop(columns=[ROW]))
    context = load_survey(db, slug).at_wave(wave)
    definition = context.definition
    if lang is not None and lang not in definition.languages:
        raise InputError(
            f"language {lang!r} is not one of the survey's: {', '.join(definition.languages)}"
        )
    data, changes = from_k_anonymized(result)
    for column in plan.withheld:  # exported empty: every category of it is "blanked"
        if column == "language":
            continue
        codes = sorted({int(v) for v in _demographic_codes(definition, column)})
        changes["blanked_categories"][column] = tuple(codes)
    # the k the rows were made anonymous at: open_link_k for a survey with an open link
    k = (
        openlink.open_link_k(definition, definition.k)
        if openlink.applies(definition)
        else definition.k
    )
    codebook = build_codebook(
        definition.instruments,
        survey=definition.slug,
        wave=wave,
        languages=definition.languages,
        demographics_id=definition.demographics_id,
        k=k,
        unit_names={code: info.name for code, info in context.units.items()},
        **changes,
    )
    paths = write_export(shuffle_rows(data, seed=seed), codebook, fmt, out_dir, lang=lang)  # type: ignore[arg-type]
    return ExportFiles(
        paths=tuple(paths),
        rows=len(data),
        k=k,
        rolled_up=dict(result.rolled_up),
        merged={column: tuple(sorted(map(str, v))) for column, v in result.merged.items()},
        blanked_rows=int(result.blanked),
        withheld=plan.withheld,
    )


def _demographic_codes(definition: Any, question: str) -> list[int]:
    """The answer codes of demographic question ``question``."""
    for item in definition.demographic_items:
        if item.id == question:
            return list(item.response_scale.points)
    raise InputError(f"no demographic question {question!r}")


def export_zip(
    db: Database, slug: str, wave: str, fmt: str, lang: str | None = None
) -> tuple[str, bytes]:
    """The export as one zip archive (for a download): file name and bytes."""
    with tempfile.TemporaryDirectory(prefix="samen-export-") as folder:
        files = export_wave(db, slug, wave, fmt, folder, lang)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files.paths:
                archive.write(path, arcname=path.name)
    return f"{slug}_{wave}_{fmt}.zip", buffer.getvalue()
