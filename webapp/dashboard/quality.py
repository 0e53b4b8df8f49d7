"""Can a scale be trusted here? Reliability and agreement beside each released scale.

For each scale whose cell the results service released for the unit (and only those:
:func:`scale_quality` takes the released cells from :func:`webapp.results.unit_results` and
never decides on its own what may be shown), this computes with :mod:`engine`:

- **reliability** of the scale in the unit: Cronbach's alpha (``psych::alpha`` raw_alpha)
  and McDonald's omega total of one factor (``psych::omega(nfactors = 1)``);
- **agreement** within the unit: rwg(j) with the uniform null (``multilevel::rwg.j``),
  the unit's whole subtree taken as one group;
- **team differences** in the organisation: ICC(1) of the scale scores on the units the
  respondents belong to, over the units with at least k scores each (a group below k is
  not used at all), so one number for the organisation.

The thresholds and words for managers are in :func:`trust_words`:

- alpha or omega >= .80 good, .70 to .80 acceptable, below .70 weak (Nunnally, 1978;
  Lance, Butts & Michels, 2006);
- rwg(j) >= .70 strong agreement, .50 to .70 moderate, below .50 weak (LeBreton & Senter,
  2008, Table 3: .51-.70 moderate, .71-.90 strong, .91-1.00 very strong);
- ICC(1) >= .10 clear differences between teams, .05 to .10 some, below .05 hardly any
  (LeBreton & Senter, 2008: .01 small, .10 medium, .25 large).

These numbers describe the released cell only (at least k responses); they add nothing
about a smaller group. This module belongs in the results service (webapp/results/) next to
:func:`webapp.results.unit_results`; it lives here until the service returns these fields.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "ALPHA_GOOD",
    "ALPHA_OK",
    "ICC_CLEAR",
    "ICC_SOME",
    "RWG_MODERATE",
    "RWG_STRONG",
    "scale_quality",
    "trust_words",
]

ALPHA_GOOD = 0.80
ALPHA_OK = 0.70
RWG_STRONG = 0.70
RWG_MODERATE = 0.50
ICC_CLEAR = 0.10
ICC_SOME = 0.05


def _finite(value: float) -> float | None:
    return round(float(value), 3) if value is not None and math.isfinite(value) else None


def _quiet(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` with numerical warnings silenced; None on degenerate input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn()
        except (ValueError, ArithmeticError, IndexError):
            return None


def scale_quality(
    db: Any, survey: str, wave: str, unit_code: str, released: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, float | None]]:
    """``{scale: {"alpha", "omega", "rwg_j", "icc1"}}`` for the released scale cells.

    Parameters
    ----------
    db : surveys.db.Database
    survey, wave, unit_code : str
    released : mapping
        ``unit_results(...)["scales"]``: only scales with ``suppressed`` false get values.
        Everything else (and a wave that is not released) gives an empty dict.

    Notes
    -----
    The figures are kept with the wave's cached data (``WaveData.derived``, see
    :func:`webapp.results.data.load_wave`): per unit and scale (omega costs tens of
    milliseconds per scale), and ICC(1), which describes the whole organisation, once per
    scale and wave. A purge or new responses load the wave afresh, and the figures with it.
    """
    from webapp.results.data import load_survey, load_wave

    wanted = [sid for sid, c in released.items() if not c.get("suppressed") and c.get("n")]
    if not wanted:
        return {}
    context = load_survey(db, survey)
    data = load_wave(db, context, wave)
    out: dict[str, dict[str, float | None]] = {}
    for sid in wanted:
        slot = ("quality", sid, unit_code, context.definition.k)
        found = data.derived.get(slot)
        if found is None:
            found = _compute(data, unit_code, sid)
            if found is not None:
                data.derived[slot] = found
        if found is not None:
            out[sid] = dict(found)
    return out


def _compute(data: Any, unit_code: str, sid: str) -> dict[str, float | None] | None:
    import numpy as np
    import pandas as pd

    from engine.aggregation import rwg_j
    from engine.omega import omega
    from engine.reliability import cronbach_alpha

    measure = data.measures.get(sid)
    if measure is None or measure.answers is None or measure.scores is None:
        return None
    rows = measure.valid & data.in_subtree(unit_code)
    frame = pd.DataFrame(measure.answers[rows])
    alpha = _quiet(lambda f=frame: cronbach_alpha(f).alpha) if frame.shape[1] > 1 else None
    om = _quiet(lambda f=frame: omega(f, 1).total) if frame.shape[1] > 2 else None
    rwg = _quiet(
        lambda f=frame, m=measure: rwg_j(f, np.zeros(len(f)), len(m.points)).per_group.iloc[0]
    )
    return {
        "alpha": _finite(alpha) if alpha is not None else None,
        "omega": _finite(om) if om is not None else None,
        "rwg_j": _finite(rwg) if rwg is not None else None,
        "icc1": _icc1(data, measure),
    }


def _icc1(data: Any, measure: Any) -> float | None:
    """ICC(1) of a scale over the units with at least k scores (one number per wave)."""
    import numpy as np

    from engine.aggregation import icc

    k = data.survey.definition.k
    slot = ("icc1", measure.id, k)
    if slot in data.derived:
        return data.derived[slot]
    own = data.unit_pos[measure.valid]
    scores = measure.scores[measure.valid]
    counts = np.bincount(own[own >= 0], minlength=len(data.codes))
    keep = (own >= 0) & (counts[np.maximum(own, 0)] >= k)
    icc1 = None
    if np.count_nonzero(counts >= k) >= 2:
        icc1 = _quiet(lambda s=scores[keep], g=own[keep]: icc(s, g).icc1)
    value = _finite(icc1) if icc1 is not None else None
    data.derived[slot] = value
    return value


def trust_words(
    quality: Mapping[str, float | None] | None, gettext: Callable[..., str], fmt: Callable
) -> list[dict[str, str]]:
    """Sentences for a manager: how well the items hang together, whether the team agrees,
    and whether teams differ. Each is ``{"level": good|fair|weak|none, "text": ...}``.

    ``gettext`` translates (``%(value)s`` placeholders); ``fmt`` formats a coefficient
    (e.g. ``.86`` or ``,86``).
    """
    _ = gettext
    if not quality:
        return [{"level": "none", "text": _("No reliability or agreement figures here.")}]
    out: list[dict[str, str]] = []
    alpha, om = quality.get("alpha"), quality.get("omega")
    if alpha is not None:
        value = fmt(alpha)
        extra = _(", omega %(value)s", value=fmt(om)) if om is not None else ""
        if alpha >= ALPHA_GOOD:
            text = _("The items of this scale hang together well (alpha %(value)s", value=value)
            level = "good"
        elif alpha >= ALPHA_OK:
            text = _("The items hang together well enough (alpha %(value)s", value=value)
            level = "fair"
        else:
            text = _("The items do not hang together well (alpha %(value)s", value=value)
            level = "weak"
        tail = ")." if level != "weak" else _("): read them one by one.")
        out.append({"level": level, "text": text + extra + tail})
    rwg = quality.get("rwg_j")
    if rwg is not None:
        value = fmt(rwg)
        if rwg >= RWG_STRONG:
            text = _(
                "Answers in your team agree strongly (rwg %(value)s): this is a shared view.",
                value=value,
            )
            level = "good"
        elif rwg >= RWG_MODERATE:
            text = _(
                "Answers in your team agree moderately (rwg %(value)s): a partly shared view.",
                value=value,
            )
            level = "fair"
        else:
            text = _(
                "Answers in your team differ a lot (rwg %(value)s): people experience this "
                "differently, so the average says little. Talk about the differences.",
                value=value,
            )
            level = "weak"
        out.append({"level": level, "text": text})
    icc1 = quality.get("icc1")
    if icc1 is not None:
        value = fmt(icc1)
        if icc1 >= ICC_CLEAR:
            text = _(
                "Teams in the organisation differ clearly on this (ICC %(value)s): "
                "it is something a team shapes together.",
                value=value,
            )
            level = "good"
        elif icc1 >= ICC_SOME:
            text = _("Teams differ somewhat on this (ICC %(value)s).", value=value)
            level = "fair"
        else:
            text = _(
                "Teams hardly differ on this (ICC %(value)s): it is more personal than a "
                "team matter.",
                value=value,
            )
            level = "fair"
        out.append({"level": level, "text": text})
    if not out:
        out.append({"level": "none", "text": _("No reliability or agreement figures here.")})
    return out
