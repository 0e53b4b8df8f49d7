"""The psychometric report of a wave: :func:`engine.report.pipeline.analyze` on its scored scales.

Per scale: reliability (alpha with CI, omega, ordinal alpha), item statistics and, over the
units with at least k responses, aggregation statistics (ICC, rwg(j)). Per instrument (its
scored scales only): KMO, Bartlett, parallel analysis, EFA, CFA and omega, since
researchers validate each instrument on its own; a factor analysis of a whole survey
extracts one factor per scale of every instrument and, with listwise deletion over every
item, leaves the CFA few complete cases. A closed wave's responses do not change, so
reports are kept in a small in-process cache keyed by the database, survey, wave and a
digest of the responses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from surveys.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from engine.report.pipeline import ScaleSpec
    from instruments import Instrument
    from surveys.db import Database
    from surveys.survey_definition import SurveyDefinition

__all__ = [
    "CACHE_SIZE",
    "DEFINITIONS",
    "instrument_specs",
    "report_json",
    "scale_specs",
    "unit_groups",
    "wave_report",
]

#: Reports kept in memory (one per survey and wave).
CACHE_SIZE = 8
#: What the two model-based reliabilities of a scale are, for the JSON download (the page
#: says it in a footnote under its reliability table).
DEFINITIONS = {
    "omega_total": "psych::omega(nfactors = 1) omega.tot: a one-factor EFA of the scale's "
    "own items",
    "composite_reliability": "semTools::compRelSEM: from the CFA of all scales of the "
    "instrument together (lavaan, ML), on the responses that answer every item of the "
    "instrument",
}
_cache: OrderedDict[tuple[str, str, str, str], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def scale_specs(definition: SurveyDefinition) -> list[ScaleSpec]:
    """The survey's scored scales with ordinal answers, as
    :class:`engine.report.pipeline.ScaleSpec`.

    Ids are the results service's (``<instrument>.<scale>`` when the survey combines
    instruments), so a scale has one name on the dashboard, in the API and in the report.
    """
    return [spec for _, specs in instrument_specs(definition) for spec in specs]


def instrument_specs(definition: SurveyDefinition) -> list[tuple[Instrument, list[ScaleSpec]]]:
    """Each answer instrument with its scored ordinal scales (as :func:`scale_specs`), in
    the survey's order; instruments without such scales (e.g. a sensitive module whose
    scales are not scored) are left out."""
    from engine.report.pipeline import ScaleSpec
    from webapp.results.data import scale_id

    out = []
    for instrument in definition.answer_instruments:
        specs = []
        for scale in instrument.scales:
            if not scale.scored or not scale.items:
                continue
            response_scale = scale.items[0].response_scale
            if not response_scale.ordinal:
                continue
            specs.append(
                ScaleSpec(
                    scale_id(definition, instrument.id, scale.id),
                    tuple(item.id for item in scale.items),
                    frozenset(item.id for item in scale.items if item.reverse),
                    response_scale.minimum,
                    response_scale.maximum,
                )
            )
        if specs:
            out.append((instrument, specs))
    return out


def unit_groups(unit_codes: Any, k: int) -> pd.Series | None:
    """Each response's unit where the unit has at least k responses, else missing.

    None when fewer than two units reach k (no aggregation statistics then). A respondent's
    group is the unit they answered for (its own members, not its subtree).
    """
    import pandas as pd

    units = pd.Series(unit_codes, dtype=object)
    sizes = units.map(units.value_counts())
    groups = units.where(sizes >= k)
    if groups.nunique(dropna=True) < 2:
        return None
    return groups


def wave_report(db: Database, slug: str, wave: str) -> dict[str, Any]:
    """The psychometric report of a closed wave, with a header for the page.

    :func:`engine.report.pipeline.analyze` runs once per instrument on that instrument's scored
    scales. A scale's statistics depend only on its own items (correlations are
    pairwise-complete), so they are those of one analysis of every scale; the factor
    analyses are the instrument's.

    Returns
    -------
    dict
        ``n``, ``min_share``, ``scales`` (every scored scale, as
        :func:`engine.report.pipeline.analyze` gives them: psych's EFA-based
        ``omega_total`` beside semTools' CFA-based ``composite_reliability``, which comes
        from the CFA of the scale's instrument), ``definitions`` (what those two are, in
        words: :data:`DEFINITIONS`), ``group`` (with aggregation
        statistics), ``notes`` (the scales' notes) and ``instruments``: one dict per instrument
        with scored scales, ``{"id", "title": {language: text}, "scales": [scale id], "efa",
        "cfa", "omega" (None with a single scale), "notes": [str]}`` (``efa``, ``cfa``, ``omega``
        and ``notes`` from
        :func:`engine.report.pipeline.analyze` on the instrument's scales); plus ``survey``,
        ``wave``, ``k``, ``groups_below_k`` (units left out of the aggregation statistics),
        ``scale_names`` and ``item_texts`` (id -> text per language).

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey or wave.
    surveys.errors.InputError
        An open wave (nothing is released before it closes), fewer than k responses, or a
        survey without scored scales.
    """
    from surveys.responses import load_answers
    from webapp.results.data import load_survey

    context = load_survey(db, slug)
    info = context.wave(wave)
    if info.is_open:
        raise InputError(
            f"wave {wave!r} of {slug!r} is still open: its report appears after it closes"
        )
    definition = context.definition
    matrix = load_answers(db, slug, wave)
    k = definition.k
    if matrix.n < max(k, 3):
        raise InputError(f"wave {wave!r} of {slug!r} has fewer than {max(k, 3)} responses")
    by_instrument = instrument_specs(definition)
    if not by_instrument:
        raise InputError(f"survey {slug!r} has no scored scales to report on")
    key = (db.url, slug, wave, _fingerprint(matrix))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    import pandas as pd

    from engine.report.pipeline import analyze

    frame = pd.DataFrame(matrix.values, columns=list(matrix.item_ids))
    groups = unit_groups(matrix.unit_codes, k)
    report: dict[str, Any] = {"scales": {}, "notes": [], "instruments": []}
    for instrument, specs in by_instrument:
        part = analyze(frame, specs, groups)
        report.update(n=part["n"], min_share=part["min_share"])
        if "group" in part:
            report["group"] = part["group"]
        report["scales"].update(part["scales"])
        # "scales.<id>..." notes belong to the scale tables, the rest to the instrument
        scale_notes = [note for note in part["notes"] if note.startswith("scales.")]
        report["notes"].extend(scale_notes)
        report["instruments"].append(
            {
                "id": instrument.id,
                "title": dict(instrument.title),
                "scales": [spec.id for spec in specs],
                "efa": part["efa"],
                "cfa": part["cfa"],
                "omega": part.get("omega"),
                "notes": [note for note in part["notes"] if note not in scale_notes],
            }
        )
    units = pd.Series(matrix.unit_codes, dtype=object).value_counts()
    report.update(
        survey=slug,
        wave=wave,
        k=k,
        groups_below_k=int((units < k).sum()) if groups is not None else len(units),
        definitions=dict(DEFINITIONS),
        scale_names=_scale_names(definition),
        item_texts={item.id: dict(item.text) for item in definition.items},
    )
    with _lock:
        _cache[key] = report
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return report


def report_json(report: dict[str, Any]) -> str:
    """``report`` as ``samen analyze --format json`` writes a report (indented, no NaN):
    :func:`engine.report.render_json.render_json`, shared with the CLI.

    Raises
    ------
    ValueError
        A value JSON cannot hold (NaN or infinity).
    """
    from engine.report.render_json import render_json

    return render_json(report)


def _fingerprint(matrix: Any) -> str:
    """A digest of the responses (answers and units), so a changed wave is never served
    from the cache (e.g. after a purge, or a test database reused under the same URL)."""
    import hashlib

    digest = hashlib.sha256(matrix.values.tobytes())
    digest.update("\x1f".join(map(str, matrix.unit_codes)).encode())
    return digest.hexdigest()


def _scale_names(definition: SurveyDefinition) -> dict[str, dict[str, str]]:
    """Scale id -> name per language, for the page."""
    from webapp.results.data import scale_id

    return {
        scale_id(definition, instrument.id, scale.id): dict(scale.name)
        for instrument in definition.answer_instruments
        for scale in instrument.scales
    }
