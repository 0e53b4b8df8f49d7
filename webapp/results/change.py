"""Change since the previous closed wave, from released cells only.

A unit's change on a scale is shown only when the unit's cell of that scale is released in
both waves (the wave asked about and the previous closed wave, each on the tree it closed
with, each through :class:`webapp.results.release.CellRelease`: primary and secondary
suppression, scope, the sensitive-module rule). The change is computed from the numbers of
those two released cells alone (n, mean and SD:
:func:`engine.comparisons.summary.welch_summary`), so it adds no cell to what the caller
already sees: ``samen audit`` covers it with the two waves' unit views
(:func:`change_cells` names them). k counts responses with a valid scale score.
"""

from __future__ import annotations

from typing import Any

from engine.comparisons.summary import welch_summary
from engine.comparisons.waves import change_words
from engine.comparisons.welch import Sample
from surveys.db import Database
from surveys.users import UserInfo
from webapp.results.access import viewable_units
from webapp.results.data import SurveyContext, WaveInfo, load_wave
from webapp.results.release import CellRelease
from webapp.results.service import prepare

__all__ = ["CONFIDENCE", "change_cells", "change_entry", "previous_wave", "unit_change"]

#: Coverage of the change's interval.
CONFIDENCE = 0.95


def previous_wave(survey: SurveyContext, wave: str) -> WaveInfo | None:
    """The last closed wave opened before ``wave`` (None: there is none)."""
    ordered = sorted(survey.waves, key=lambda w: (w.opened_on, w.label))
    labels = [w.label for w in ordered]
    if wave not in labels:
        return None
    earlier = [w for w in ordered[: labels.index(wave)] if not w.is_open]
    return earlier[-1] if earlier else None


def _withheld(reason: str, in_wave: str | None) -> dict[str, Any]:
    return {"shown": False, "reason": reason, "wave": in_wave}


def change_entry(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The change between two released cells (``{"n", "mean", "sd"}``): Welch's interval,
    p and Hedges' g, an up or down direction only when the interval excludes 0."""
    first = Sample(int(after["n"]), after["mean"], after.get("sd"))
    second = Sample(int(before["n"]), before["mean"], before.get("sd"))
    result = welch_summary(first, second, CONFIDENCE)
    excludes = result.excludes_zero
    direction = None
    if excludes and result.difference is not None:
        direction = "up" if result.difference > 0 else "down"
    return {
        "shown": True,
        "reason": None,
        "wave": None,
        "from": {"n": second.n, "mean": second.mean},
        "to": {"n": first.n, "mean": first.mean},
        "difference": result.difference,
        "ci": list(result.ci),
        "p": result.p,
        "g": result.g,
        "excludes_zero": excludes,
        "direction": direction,
        "words": change_words(result),
    }


def _pair(now: dict[str, Any], then: dict[str, Any], wave: str, previous: str) -> dict:
    if now.get("suppressed") or now.get("mean") is None:
        return _withheld(now.get("reason") or "fewer-than-k", wave)
    if then.get("suppressed") or then.get("mean") is None:
        return _withheld(then.get("reason") or "fewer-than-k", previous)
    return change_entry(then, now)


def unit_change(
    db: Database, survey: str, wave: str, unit_code: str, user: UserInfo
) -> dict[str, Any]:
    """Each scale's change in a unit (and its parent and the organisation) since the
    previous closed wave, as the caller may see it.

    Returns
    -------
    dict
        ``{"survey", "wave", "previous", "unit", "k", "confidence", "released", "reason",
        "scales": {id: {"unit": entry, "parent": entry or None, "organisation": entry}}}``;
        an entry is :func:`change_entry`'s dict, or ``{"shown": False, "reason", "wave"}``
        naming the wave whose cell is withheld (reason as the results service's:
        "fewer-than-k", "complementary", "scope", ...). ``released`` is False, with
        ``reason`` "wave-open" or "no-previous-wave", when nothing can be compared.

    Raises
    ------
    surveys.errors.NotFound, webapp.results.access.AccessDenied
        As :func:`webapp.results.unit_results`.
    """
    context, _none = prepare(db, survey, unit_code, user, None, wave)
    info = context.wave(wave)
    before = previous_wave(context, wave)
    up = context.parent[unit_code]
    root = context.root(unit_code)
    out: dict[str, Any] = {
        "survey": context.definition.slug,
        "wave": wave,
        "previous": before.label if before else None,
        "unit": unit_code,
        "k": context.definition.k,
        "confidence": CONFIDENCE,
        "released": False,
        "reason": None,
        "scales": {},
    }
    if info.is_open or before is None:
        out["reason"] = "wave-open" if info.is_open else "no-previous-wave"
        return out
    now = CellRelease(load_wave(db, context, wave), user, None)
    tree = context.at_wave(before.label)
    then = CellRelease(load_wave(db, tree, before.label), user, None)
    in_scope = unit_code in viewable_units(user, tree.parent)
    out["released"] = True
    for measure in now.data.measures.values():
        if measure.kind != "scale":
            continue
        old = then.data.measures.get(measure.id)
        row: dict[str, Any] = {}
        for role, code in (("unit", unit_code), ("parent", up), ("organisation", root)):
            if code is None:
                row[role] = None
            elif old is None or code not in tree.units:
                row[role] = _withheld("not-in-previous-wave", before.label)
            elif role == "unit" and not in_scope:
                row[role] = _withheld("scope", before.label)
            else:
                row[role] = _pair(
                    now.cell(measure, code), then.cell(old, code), wave, before.label
                )
            if row[role] is not None:
                row[role]["unit"] = code
        out["scales"][measure.id] = row
    return out


def change_cells(change: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The cells a change view rests on: ``(wave, unit, scale)`` for each shown change.

    Each must be a released cell of that wave for the same caller (the test of this
    module proves it against :func:`webapp.results.release.released_cells`): a change adds
    no cell of its own.
    """
    out: set[tuple[str, str, str]] = set()
    for sid, row in change["scales"].items():
        for entry in row.values():
            if entry and entry["shown"]:
                for label in (change["wave"], change["previous"]):
                    out.add((label, entry["unit"], sid))
    return out
