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

from collections.abc import Collection
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
    db: Database,
    survey: str,
    wave: str,
    unit_code: str,
    user: UserInfo,
    items: Collection[str] = (),
) -> dict[str, Any]:
    """Each scale's change in a unit (and its parent and the organisation) since the
    previous closed wave, as the caller may see it.

    ``items``: statements whose change in the unit itself is wanted too (a team's focus
    points), each on the same terms (the item's cell released in both waves).

    Returns
    -------
    dict
        ``{"survey", "wave", "previous", "unit", "k", "confidence", "released", "reason",
        "scales": {id: {"unit": entry, "parent": entry or None, "organisation": entry}},
        "items": {id: entry}}``;
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
        "items": {},
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
    for item in items:  # the unit's own change on the statements asked for (focus points)
        found, old = now.data.measures.get(item), then.data.measures.get(item)
        if found is None or found.kind != "item":
            continue
        if old is None or unit_code not in tree.units:
            entry = _withheld("not-in-previous-wave", before.label)
        elif not in_scope:
            entry = _withheld("scope", before.label)
        else:
            entry = _pair(
                now.cell(found, unit_code), then.cell(old, unit_code), wave, before.label
            )
        entry["unit"] = unit_code
        out["items"][item] = entry
    return out


def change_cells(change: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The cells a change view rests on: ``(wave, unit, scale)`` for each shown change.

    Each must be a released cell of that wave for the same caller (the test of this
    module proves it against :func:`webapp.results.release.released_cells`): a change adds
    no cell of its own.
    """
    out: set[tuple[str, str, str]] = set()
    rows = [(sid, list(row.values())) for sid, row in change["scales"].items()]
    rows += [(iid, [entry]) for iid, entry in change.get("items", {}).items()]
    for measure, entries in rows:
        for entry in entries:
            if entry and entry["shown"]:
                for label in (change["wave"], change["previous"]):
                    out.add((label, entry["unit"], measure))
    return out
