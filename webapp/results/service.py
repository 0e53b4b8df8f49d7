"""The results service: unit results, heatmap, trend and response rates, after disclosure.

Every number passes through :func:`engine.audit_views.release` (primary suppression, the
organisation-wide secondary suppression across the tree restricted to the caller's scope,
filters with the complement rule, and the audit for filtered views) before it is computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.audit_views import Release, release
from engine.disclosure import sensitive_module_allowed, suppress_scope
from surveys.db import Database
from surveys.errors import InputError
from surveys.invitations import count_unused_invitations
from surveys.responses import count_by_unit
from surveys.users import UserInfo
from webapp.results.access import check_unit, disclosure_scope
from webapp.results.cells import cell, withheld
from webapp.results.data import (
    Measure,
    SurveyContext,
    WaveData,
    load_survey,
    load_wave,
    scale_id,
)

__all__ = ["heatmap", "parse_filter", "response_rate", "trend", "unit_results"]

Filter = tuple[str, str]


def parse_filter(survey: SurveyContext, text: str | None) -> Filter | None:
    """``QUESTION:VALUE`` (a demographic question and one of its codes), or None.

    Raises :class:`surveys.errors.InputError` for anything else.
    """
    if text is None or text == "":
        return None
    question, sep, value = text.partition(":")
    if not sep:
        raise InputError("filter must be QUESTION:VALUE, e.g. dem_gender:2")
    demographic = {item.id: item for item in survey.definition.demographic_items}
    if question not in demographic:
        raise InputError(f"filter: {question!r} is not a demographic question of this survey")
    points = {str(p) for p in demographic[question].response_scale.points}
    if value not in points:
        raise InputError(f"filter: {value!r} is not an answer code of {question!r}")
    return question, value


class _Disclosure:
    """Which cells one caller may see in one wave, measure by measure (cached)."""

    def __init__(self, data: WaveData, user: UserInfo, filter: Filter | None) -> None:
        self.data = data
        self.parent = data.survey.parent
        self.scope = disclosure_scope(user, self.parent)
        self.filter = filter
        definition = data.survey.definition
        self.k = definition.k
        self.threshold = max(definition.k, definition.comment_threshold)
        # The filter cells of one question are released (and audited) together. Auditing
        # every demographic question at once makes nearly every respondent an atom of their
        # own and takes minutes on a few hundred responses; combinations across questions are
        # left to `samen audit`.
        self.questions = (filter[0],) if filter else ()
        self.filter_mask = (
            data.demographic(filter[0]) == float(filter[1])
            if filter
            else np.ones(data.n, dtype=bool)
        )
        self._releases: dict[str, Release] = {}
        self._by_counts: dict[Any, Release] = {}

    def release(self, measure: Measure) -> Release:
        if measure.id not in self._releases:
            k = self.threshold if measure.sensitive else self.k
            own: Any
            if self.questions:
                own = self.data.own_profiles(measure.valid, self.questions)
                key: Any = (k, tuple((u, tuple(p.items())) for u, p in own.items()))
            else:
                own = self.data.own_counts(measure.valid)
                key = (k, tuple(own.items()))
            # Measures with the same counts everywhere (items nobody skipped) share a pattern.
            if key not in self._by_counts:
                self._by_counts[key] = release(
                    self.parent,
                    own,
                    k,
                    self.questions,
                    scope=self.scope,
                    audited=bool(self.questions),
                )
            self._releases[measure.id] = self._by_counts[key]
        return self._releases[measure.id]

    def mask(self, unit: str) -> np.ndarray:
        return self.data.in_subtree(unit) & self.filter_mask

    def shown(self, measure: Measure, unit: str) -> tuple[bool, str | None]:
        """Whether the cell (unit, measure) may be shown, and why not."""
        if unit not in self.scope:
            return False, "scope"
        rel = self.release(measure)
        if self.filter:
            ok = (unit, self.filter[0], self.filter[1]) in rel.filters
        else:
            ok = unit in rel.units
        n = int(np.count_nonzero(measure.valid & self.mask(unit)))
        k = self.threshold if measure.sensitive else self.k
        if ok and measure.sensitive:
            root = self.data.survey.root(unit) == unit
            ok = sensitive_module_allowed(root, n, self.data.survey.definition.comment_threshold)
        if ok:
            return True, None
        return False, "fewer-than-k" if n < k else "complementary"

    def cell(self, measure: Measure, unit: str) -> dict[str, Any]:
        ok, reason = self.shown(measure, unit)
        return cell(measure, self.mask(unit)) if ok else withheld(reason or "fewer-than-k")

    def count(self, unit: str) -> dict[str, Any]:
        """The unit's response count: ``{"n", "suppressed", "reason"}``."""
        measure = self.data.measures[""]
        ok, reason = self.shown(measure, unit)
        n = int(np.count_nonzero(self.mask(unit))) if ok else None
        return {"n": n, "suppressed": not ok, "reason": reason}


def _unit_block(
    disclosure: _Disclosure, unit: str, *, items: bool = True, with_cells: bool = True
) -> dict[str, Any]:
    survey = disclosure.data.survey
    block: dict[str, Any] = {"unit": unit, "name": survey.units[unit].name}
    block.update(disclosure.count(unit))
    if with_cells:
        measures = disclosure.data.measures.values()
        block["scales"] = {m.id: disclosure.cell(m, unit) for m in measures if m.kind == "scale"}
        if items and disclosure.filter:
            # Item distributions within a demographic group are not released: a filtered
            # view shows scales only (and each scale cell passes the audit).
            block["items"] = {m.id: withheld("filter") for m in measures if m.kind == "item"}
        elif items:
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


def _prepare(
    db: Database, slug: str, unit: str, user: UserInfo, filter: str | None
) -> tuple[SurveyContext, Filter | None]:
    survey = load_survey(db, slug)
    survey.unit(unit)
    check_unit(user, survey.parent, unit)
    return survey, parse_filter(survey, filter)


def _header(survey: SurveyContext, wave: Any, filter: Filter | None) -> dict[str, Any]:
    return {
        "survey": survey.definition.slug,
        "wave": wave.label,
        "wave_state": wave.state,
        "released": not wave.is_open,
        "k": survey.definition.k,
        "filter": {"question": filter[0], "value": filter[1]} if filter else None,
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
        (DESIGN.md, anonymity point 3: results appear after the wave closes).

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey, wave or unit.
    webapp.results.access.AccessDenied
        The unit is outside the caller's scope.
    surveys.errors.InputError
        A malformed filter.
    """
    context, parsed = _prepare(db, survey, unit_code, user, filter)
    info = context.wave(wave)
    out = _header(context, info, parsed)
    up = context.parent[unit_code]
    root = context.root(unit_code)
    if info.is_open:
        out.update(_held_block(context, unit_code, "wave-open"))
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
    disclosure = _Disclosure(data, user, parsed)
    out.update(_unit_block(disclosure, unit_code))
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
    context, parsed = _prepare(db, survey, unit_code, user, filter)
    info = context.wave(wave)
    out = _header(context, info, parsed)
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
        disclosure = _Disclosure(load_wave(db, context, wave), user, parsed)
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
    "suppressed", "reason"}}}]}``; an open wave is listed with nothing released.
    """
    context, parsed = _prepare(db, survey, unit_code, user, filter)
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
        if info.is_open:
            block = _held_block(context, unit_code, "wave-open")
        else:
            disclosure = _Disclosure(load_wave(db, context, info.label), user, parsed)
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


def response_rate(
    db: Database, survey: str, wave: str, unit_code: str, user: UserInfo
) -> dict[str, Any]:
    """Responses / invitations issued for a unit and its children.

    Both counts are unit tables of their own and pass through the organisation-wide tree
    suppression (:func:`engine.disclosure.suppress_scope`); a row is shown only when both
    are released. While the wave is open, response counts are shown rounded down to a
    multiple of k (``"rounded": true``), so they change only in steps of k. With an open
    link the number invited is unknown (None).

    Returns the header and ``"total"`` (the unit) and ``"rows"`` (children), each
    ``{"unit", "name", "responses", "invited", "rate", "suppressed", "reason"}``.
    """
    context, _ = _prepare(db, survey, unit_code, user, None)
    info = context.wave(wave)
    definition = context.definition
    k = definition.k
    parent = context.parent
    scope = disclosure_scope(user, parent)
    own_responses = {code: 0 for code in parent}
    own_responses.update(count_by_unit(db, survey, wave))
    own_invited = {
        code: own_responses[code] + count_unused_invitations(db, survey, wave, code)
        for code in parent
    }
    shown = suppress_scope(parent, own_responses, k, scope).shown
    if not definition.open_link:
        shown = shown & suppress_scope(parent, own_invited, k, scope).shown
    out = _header(context, info, None)
    out["rounded"] = info.is_open

    def total(own: dict[str, int], unit: str) -> int:
        from webapp.results.access import subtree

        return sum(own[c] for c in subtree(parent, unit))

    rows = []
    for unit in [unit_code, *context.children[unit_code]]:
        row: dict[str, Any] = {"unit": unit, "name": context.units[unit].name}
        if unit in shown:
            responses = total(own_responses, unit)
            invited = None if definition.open_link else total(own_invited, unit)
            if info.is_open:
                responses -= responses % k
            rate = round(responses / invited, 4) if invited else None
            row.update(
                responses=responses, invited=invited, rate=rate, suppressed=False, reason=None
            )
        else:
            small = total(own_responses, unit) < k
            row.update(
                responses=None,
                invited=None,
                rate=None,
                suppressed=True,
                reason="fewer-than-k" if small else "complementary",
            )
        rows.append(row)
    out["total"] = rows[0]
    out["rows"] = rows[1:]
    return out
