"""Unit results, heatmap and trend, after disclosure control (see the package docstring).

Every number passes through :func:`engine.disclosure.audit_views.release` (primary suppression, the
organisation-wide secondary suppression across the tree restricted to the caller's scope,
filters with the complement rule and the audit) before it is computed.
"""

from __future__ import annotations

from typing import Any

from surveys.db import Database
from surveys.users import UserInfo
from webapp.results.access import check_unit, viewable_units
from webapp.results.cells import withheld
from webapp.results.data import SurveyContext, load_survey, load_wave, scale_id
from webapp.results.release import CellRelease, Filter, parse_filter
from webapp.results.trust import scale_trust

__all__ = ["header", "heatmap", "prepare", "trend", "unit_results"]


def prepare(
    db: Database,
    slug: str,
    unit: str,
    user: UserInfo,
    filter: str | None,
    wave: str | None = None,
) -> tuple[SurveyContext, Filter | None]:
    """The survey (NotFound), the unit checked (NotFound, AccessDenied), the filter parsed.

    With ``wave``, the survey comes with that wave's tree (:meth:`SurveyContext.at_wave`:
    the tree a closed wave closed with) and the unit and the caller's scope are checked in
    it, by unit code: a manager sees a closed wave as their unit was then, whatever moved
    since (NotFound for a unit the wave's tree does not have).
    """
    survey = load_survey(db, slug)
    if wave is not None:
        survey = survey.at_wave(wave)
    survey.unit(unit)
    check_unit(user, survey.parent, unit)
    return survey, parse_filter(survey, filter)


def header(survey: SurveyContext, wave: Any, filter: Filter | None) -> dict[str, Any]:
    """The fields every wave-level answer starts with."""
    return {
        "survey": survey.definition.slug,
        "wave": wave.label,
        "wave_state": wave.state,
        "released": not wave.is_open,
        "k": survey.definition.k,
        "filter": {"question": filter[0], "value": filter[1]} if filter else None,
        # responses a group needs under the open-link rule (webapp.results.openlink), or None
        "open_link_k": survey.definition.open_link_k if survey.definition.open_link else None,
    }


def _unit_block(
    disclosure: CellRelease, unit: str, *, items: bool = True, with_cells: bool = True
) -> dict[str, Any]:
    survey = disclosure.data.survey
    block: dict[str, Any] = {"unit": unit, "name": survey.units[unit].name}
    block.update(disclosure.count(unit))
    if with_cells:
        measures = disclosure.data.measures.values()
        block["scales"] = {m.id: disclosure.cell(m, unit) for m in measures if m.kind == "scale"}
        if items:
            # under a filter every item answers withheld("filter"): scales only
            block["items"] = {m.id: disclosure.cell(m, unit) for m in measures if m.kind == "item"}
    return block


def _held_block(survey: SurveyContext, unit: str, reason: str) -> dict[str, Any]:
    """A block of an unreleased wave: every number withheld, the shape unchanged."""
    definition = survey.definition

    scales = {
        scale_id(definition, inst.id, scale.id): withheld(reason)
        for inst in definition.answer_instruments
        for scale in inst.scales
        if scale.scored and scale.items
    }
    items = {item_id: withheld(reason) for item_id in definition.item_ids}
    return {
        "unit": unit,
        "name": survey.units[unit].name,
        "n": None,
        "suppressed": True,
        "reason": reason,
        "scales": scales,
        "items": items,
    }


def unit_results(
    db: Database,
    survey: str,
    wave: str,
    unit_code: str,
    user: UserInfo,
    filter: str | None = None,
) -> dict[str, Any]:
    """Results of one unit (its subtree) in one wave, as the caller may see them.

    Parameters
    ----------
    db : Database
    survey, wave, unit_code : str
        The survey's slug, the wave's label and the unit's code.
    user : UserInfo
        The caller; decides the scope.
    filter : str, optional
        ``QUESTION:VALUE``: only respondents who gave VALUE to demographic QUESTION.

    Returns
    -------
    dict
        ``{"unit", "name", "n", "suppressed", "reason", "scales", "items", "children",
        "parent", "organisation"}`` plus the header (survey, wave, wave_state, released,
        k, filter). Withheld numbers are None. While the wave is open nothing is released
        (DESIGN.md, anonymity point 3: results appear after the wave closes). Each of the
        unit's own scale cells also holds ``"trust"``: :func:`webapp.results.trust.scale_trust`
        (reliability, agreement, team differences) for a released cell without a filter,
        None otherwise; the parent and organisation blocks have no trust figures.

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey, wave or unit.
    webapp.results.access.AccessDenied
        The unit is outside the caller's scope.
    surveys.errors.InputError
        A malformed filter.
    """
    context, parsed = prepare(db, survey, unit_code, user, filter, wave)
    info = context.wave(wave)
    out = header(context, info, parsed)
    up = context.parent[unit_code]
    root = context.root(unit_code)
    if info.is_open:
        out.update(_held_block(context, unit_code, "wave-open"))
        for held in out["scales"].values():
            held["trust"] = None
        out["children"] = [
            {
                "unit": c,
                "name": context.units[c].name,
                "n": None,
                "suppressed": True,
                "reason": "wave-open",
            }
            for c in context.children[unit_code]
        ]
        out["parent"] = _held_block(context, up, "wave-open") if up else None
        out["organisation"] = _held_block(context, root, "wave-open")
        return out
    data = load_wave(db, context, wave)
    disclosure = CellRelease(data, user, parsed)
    out.update(_unit_block(disclosure, unit_code))
    for sid, found in out["scales"].items():
        # trust figures of released, unfiltered cells only: never about a group below k
        shown = parsed is None and not found["suppressed"] and found["n"]
        found["trust"] = scale_trust(data, data.measures[sid], unit_code) if shown else None
    out["children"] = [
        _unit_block(disclosure, c, with_cells=False) for c in context.children[unit_code]
    ]
    out["parent"] = _unit_block(disclosure, up) if up else None
    out["organisation"] = _unit_block(disclosure, root)
    return out


def heatmap(
    db: Database,
    survey: str,
    wave: str,
    unit_code: str,
    user: UserInfo,
    filter: str | None = None,
) -> dict[str, Any]:
    """Scale means of a unit's child units (rows) x scales (columns), suppressed cells marked.

    Returns the header, ``"scales"`` (column ids in survey order), ``"total"`` (the unit's
    own row) and ``"rows"`` (one per child: unit, name, n, suppressed, reason and ``"cells"``
    ``{scale: {"n", "mean", "suppressed", "reason"}}``).
    """
    context, parsed = prepare(db, survey, unit_code, user, filter, wave)
    info = context.wave(wave)
    out = header(context, info, parsed)
    units = [unit_code, *context.children[unit_code]]
    if info.is_open:
        held = _held_block(context, unit_code, "wave-open")
        out["scales"] = list(held["scales"])
        rows = [
            {
                "unit": u,
                "name": context.units[u].name,
                "n": None,
                "suppressed": True,
                "reason": "wave-open",
                "cells": {
                    s: {"n": None, "mean": None, "suppressed": True, "reason": "wave-open"}
                    for s in held["scales"]
                },
            }
            for u in units
        ]
    else:
        disclosure = CellRelease(load_wave(db, context, wave), user, parsed)
        scales = [m for m in disclosure.data.measures.values() if m.kind == "scale"]
        out["scales"] = [m.id for m in scales]
        rows = []
        for u in units:
            row = _unit_block(disclosure, u, with_cells=False)
            row["cells"] = {}
            for m in scales:
                full = disclosure.cell(m, u)
                row["cells"][m.id] = {key: full[key] for key in ("n", "mean", "suppressed")}
                row["cells"][m.id]["reason"] = full["reason"]
            rows.append(row)
    out["total"] = rows[0]
    out["rows"] = rows[1:]
    return out


def trend(
    db: Database, survey: str, unit_code: str, user: UserInfo, filter: str | None = None
) -> dict[str, Any]:
    """Scale results of a unit over the survey's waves (oldest first).

    Returns ``{"survey", "unit", "name", "k", "filter", "waves": [{"wave", "wave_state",
    "released", "n", "suppressed", "reason", "scales": {id: {"n", "mean", "ci",
    "suppressed", "reason"}}}]}``; an open wave is listed with nothing released. Each
    closed wave is computed on the tree it closed with; a wave in whose tree the unit is
    outside the caller's scope (or absent) is listed withheld with reason ``"scope"``.
    """
    context, parsed = prepare(db, survey, unit_code, user, filter)
    waves = sorted(context.waves, key=lambda w: (w.opened_on, w.label))
    out: dict[str, Any] = {
        "survey": context.definition.slug,
        "unit": unit_code,
        "name": context.units[unit_code].name,
        "k": context.definition.k,
        "filter": {"question": parsed[0], "value": parsed[1]} if parsed else None,
        "waves": [],
    }
    keys = ("n", "mean", "ci", "suppressed", "reason")
    for info in waves:
        tree = context.at_wave(info.label)
        if info.is_open:
            block = _held_block(context, unit_code, "wave-open")
        elif unit_code not in viewable_units(user, tree.parent):
            # not in the caller's scope in the tree this wave closed with (or not in it)
            block = _held_block(context, unit_code, "scope")
        else:
            disclosure = CellRelease(load_wave(db, tree, info.label), user, parsed)
            block = _unit_block(disclosure, unit_code, items=False)
        out["waves"].append(
            {
                "wave": info.label,
                "wave_state": info.state,
                "released": not info.is_open,
                "n": block["n"],
                "suppressed": block["suppressed"],
                "reason": block["reason"],
                "scales": {
                    sid: {key: c[key] for key in keys} for sid, c in block["scales"].items()
                },
            }
        )
    return out
