"""The psychometric report of a wave: :func:`engine.report.analyze` on its scored scales.

Reliability (alpha with CI, omega, ordinal alpha), item statistics, EFA, CFA and, over the
units with at least k responses, aggregation statistics (ICC, rwg(j)). A closed wave's
responses do not change, so reports are kept in a small in-process cache keyed by the
database, survey, wave and number of responses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from surveys.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from engine.report import ScaleSpec
    from surveys.db import Database
    from surveys.definition import SurveyDefinition

__all__ = ["CACHE_SIZE", "scale_specs", "unit_groups", "wave_report"]

#: Reports kept in memory (one per survey and wave).
CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, str, str, str], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def scale_specs(definition: SurveyDefinition) -> list[ScaleSpec]:
    """The survey's scored scales with ordinal answers, as :class:`engine.report.ScaleSpec`.

    Ids are the results service's (``<instrument>.<scale>`` when the survey combines
    instruments), so a scale has one name on the dashboard, in the API and in the report.
    """
    from engine.report import ScaleSpec
    from webapp.results.data import scale_id

    specs = []
    for instrument in definition.answer_instruments:
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
    return specs


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

    Returns
    -------
    dict
        :func:`engine.report.analyze`'s dict (``n``, ``scales``, ``efa``, ``cfa``,
        ``omega``, ``group``, ``notes``) plus ``survey``, ``wave``, ``k`` and
        ``groups_below_k`` (units left out of the aggregation statistics).

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
    specs = scale_specs(definition)
    if not specs:
        raise InputError(f"survey {slug!r} has no scored scales to report on")
    key = (db.url, slug, wave, _fingerprint(matrix))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    import pandas as pd

    from engine.report import analyze

    frame = pd.DataFrame(matrix.values, columns=list(matrix.item_ids))
    groups = unit_groups(matrix.unit_codes, k)
    report = analyze(frame, specs, groups)
    units = pd.Series(matrix.unit_codes, dtype=object).value_counts()
    report.update(
        survey=slug,
        wave=wave,
        k=k,
        groups_below_k=int((units < k).sum()) if groups is not None else len(units),
        scale_names=_scale_names(definition),
    )
    with _lock:
        _cache[key] = report
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return report


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
