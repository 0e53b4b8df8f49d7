"""The unwanted-behaviour module's results: shares built on released item cells only.

The module (instrument ``unwanted_behaviour``, sensitive, no scored scales) asks how often
someone experienced and witnessed five kinds of behaviour (codes 1-5: never, once or twice,
sometimes, often, very often; "prefer not to say" is missing), from whom it came (yes/no), and
whether it was reported. A dashboard wants, per behaviour, the share who experienced it at
least once and the share who witnessed it; per source, the share of those it happened to
who got it from there.

Nothing is computed from responses here: every share is derived from an item cell of
:func:`webapp.results.unit_results`, which :mod:`webapp.results.release` already released
with the comment threshold as k for sensitive instruments (primary and secondary
suppression across the tree, for the whole organisation, restricted to the caller's scope)
and with :func:`engine.disclosure.rules.sensitive_module_allowed` on top. This module checks that
rule once more on every cell it turns into a share (belt and braces, the same engine
function) and withholds the whole module under a demographic filter: the module is
reported only for the organisation and for units whose item n reaches the comment
threshold, never filtered (issue 5, "Disclosure control").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.disclosure.rules import sensitive_module_allowed
from surveys.db import Database
from surveys.survey_definition import SurveyDefinition
from surveys.survey_store import get_survey
from surveys.users import UserInfo

__all__ = ["INSTRUMENT", "unit_unwanted_behaviour", "unwanted_behaviour"]

#: The built-in instrument this module summarises.
INSTRUMENT = "unwanted_behaviour"
#: Scales whose items are frequencies (share = answered anything but the lowest code).
FREQUENCY_SCALES = ("experienced", "witnessed")


def _instrument(definition: SurveyDefinition) -> Any | None:
    for instrument in definition.answer_instruments:
        if instrument.id == INSTRUMENT:
            return instrument
    return None


def _behaviour(item_id: str) -> str:
    """``ub_exp_bullying`` -> ``bullying``: pairs experienced and witnessed items."""
    return item_id.split("_", 2)[-1]


def _share(
    cell: Mapping[str, Any] | None,
    how: str,
    points: tuple[int, ...],
    *,
    is_org: bool,
    threshold: int,
    filtered: bool,
) -> dict[str, Any]:
    """One share from a released item cell, or withheld (no share, no n)."""
    cell = cell or {}
    reason = cell.get("reason") or "fewer-than-k"
    n = cell.get("n")
    shown = (
        not filtered
        and not cell.get("suppressed", True)
        and isinstance(n, int)
        and sensitive_module_allowed(is_org, n, threshold)
    )
    if filtered:
        reason = "filter"
    if not shown:
        if reason == "fewer-than-k":
            reason = "fewer-than-threshold"
        return {"share": None, "n": None, "suppressed": True, "reason": reason}
    distribution = cell.get("distribution") or {}
    if how == "at-least-once":
        lowest = distribution.get(str(min(points)))
        share = None if lowest is None else round(1.0 - float(lowest), 4)
    elif how == "favourable":
        share = cell.get("favourable")
        if share is None:  # coarsened for homogeneity (webapp.results.homogeneity)
            return {"share": None, "n": None, "suppressed": True, "reason": "homogeneous"}
    else:  # "yes": the first code of a yes/no question
        share = distribution.get(str(min(points)))
    return {"share": share, "n": n, "suppressed": False, "reason": None}


def _block(
    instrument: Any,
    block: Mapping[str, Any],
    *,
    is_org: bool,
    threshold: int,
    filtered: bool,
) -> dict[str, Any]:
    items = block.get("items") or {}

    def share(item: Any, how: str) -> dict[str, Any]:
        return _share(
            items.get(item.id),
            how,
            tuple(item.response_scale.points),
            is_org=is_org,
            threshold=threshold,
            filtered=filtered,
        )

    behaviours: dict[str, dict[str, Any]] = {}
    sources: list[dict[str, Any]] = []
    reporting: list[dict[str, Any]] = []
    for scale in instrument.scales:
        for item in scale.items:
            if scale.id in FREQUENCY_SCALES:
                key = _behaviour(item.id)
                row = behaviours.setdefault(
                    key,
                    {"id": key, "texts": dict(item.text), "experienced": None, "witnessed": None},
                )
                row[scale.id] = share(item, "at-least-once")
            elif scale.id == "source":
                sources.append(
                    {"id": _behaviour(item.id), "texts": dict(item.text), **share(item, "yes")}
                )
            else:
                how = "favourable" if item.response_scale.ordinal else "yes"
                reporting.append(
                    {"id": item.id, "texts": dict(item.text), "kind": how, **share(item, how)}
                )
    cells = [
        c
        for row in behaviours.values()
        for c in (row["experienced"], row["witnessed"])
        if c is not None
    ]
    cells += sources + reporting
    shown = any(not c["suppressed"] for c in cells)
    reasons = {c["reason"] for c in cells if c["suppressed"]}
    return {
        "unit": block["unit"],
        "name": block.get("name") or block["unit"],
        "organisation": is_org,
        "shown": shown,
        "reason": None if shown else _main_reason(reasons),
        "behaviours": list(behaviours.values()),
        "sources": sources,
        "reporting": reporting,
    }


def _main_reason(reasons: set[str]) -> str:
    for reason in (
        "homogeneous",
        "filter",
        "wave-open",
        "open-link",
        "scope",
        "complementary",
        "fewer-than-threshold",
    ):
        if reason in reasons:
            return reason
    return "fewer-than-threshold"


def unwanted_behaviour(
    definition: SurveyDefinition, results: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The unwanted-behaviour summary of a :func:`webapp.results.unit_results` answer.

    Parameters
    ----------
    definition : SurveyDefinition
        The survey (for the instrument's items and the comment threshold).
    results : mapping
        What :func:`webapp.results.unit_results` returned for the unit, as the caller may
        see it (its item cells are the only source of numbers).

    Returns
    -------
    dict or None
        None when the survey has no unwanted-behaviour module. Otherwise
        ``{"comment_threshold", "filtered", "released", "unit", "organisation"}``:
        ``"unit"`` and ``"organisation"`` (None when the unit is the organisation) each
        ``{"unit", "name", "organisation", "shown", "reason", "behaviours", "sources",
        "reporting"}``. ``behaviours`` lists ``{"id", "texts", "experienced",
        "witnessed"}``, each a share ``{"share", "n", "suppressed", "reason"}``:
        ``experienced``/``witnessed`` the share who answered anything but "never"
        (among those who answered), ``sources`` the share "yes" among those to whom
        something happened, ``reporting`` the share who reported (``kind`` "yes") and
        the share satisfied with the handling (``kind`` "favourable": the top two).
        Withheld shares carry no n.
    """
    instrument = _instrument(definition)
    if instrument is None:
        return None
    threshold = definition.comment_threshold
    filtered = results.get("filter") is not None
    organisation = results["organisation"]
    unit_is_org = organisation["unit"] == results["unit"]
    options: dict[str, Any] = {"threshold": threshold, "filtered": filtered}
    return {
        "comment_threshold": threshold,
        "filtered": filtered,
        "released": bool(results.get("released", True)),
        "unit": _block(instrument, results, is_org=unit_is_org, **options),
        "organisation": None
        if unit_is_org
        else _block(instrument, organisation, is_org=True, **options),
    }


def unit_unwanted_behaviour(
    db: Database,
    survey: str,
    wave: str,
    unit_code: str,
    user: UserInfo,
    filter: str | None = None,
) -> dict[str, Any] | None:
    """:func:`unwanted_behaviour` of the unit's results (same scope and errors)."""
    from webapp.results.service import unit_results

    found = unit_results(db, survey, wave, unit_code, user, filter=filter)
    return unwanted_behaviour(get_survey(db, survey), found)
