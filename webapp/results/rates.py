"""Response rates: responses / invitations issued, both counts subject to k."""

from __future__ import annotations

from typing import Any

from engine.disclosure.rules import suppress_scope
from surveys.db import Database
from surveys.users import UserInfo
from surveys.versions import count_unused_by_unit
from webapp.results import openlink
from webapp.results.access import disclosure_scope, subtree
from webapp.results.data import responses_by_unit
from webapp.results.service import header, prepare

__all__ = ["response_rate"]


def response_rate(
    db: Database, survey: str, wave: str, unit_code: str, user: UserInfo
) -> dict[str, Any]:
    """Responses / invitations issued for a unit and its children.

    Both counts are unit tables of their own and pass through the organisation-wide tree
    suppression (:func:`engine.disclosure.rules.suppress_scope`); a row is shown only when both
    are released. While the wave is open, response counts are shown rounded down to a
    multiple of k (``"rounded": true``), so they change only in steps of k. With an open
    link the number invited is unknown (None).

    Returns the header and ``"total"`` (the unit) and ``"rows"`` (children), each
    ``{"unit", "name", "responses", "invited", "rate", "suppressed", "reason"}``.
    """
    context, _ = prepare(db, survey, unit_code, user, None, wave)
    info = context.wave(wave)
    definition = context.definition
    k = definition.k
    parent = context.parent
    scope = disclosure_scope(user, parent)
    own_responses = {code: 0 for code in parent}
    own_responses.update(responses_by_unit(db, context, wave))
    unused = count_unused_by_unit(db, survey, wave)
    own_invited = {code: own_responses[code] + unused.get(code, 0) for code in parent}
    shown = suppress_scope(parent, own_responses, k, scope).shown
    if openlink.applies(definition):  # anyone can add answers: coarse units at open_link_k
        shown = openlink.response_units(context, own_responses, scope)
    elif not definition.open_link:
        shown = shown & suppress_scope(parent, own_invited, k, scope).shown
    out = header(context, info, None)
    out["rounded"] = info.is_open

    def total(own: dict[str, int], unit: str) -> int:
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
            withheld_reason = "fewer-than-k" if small else "complementary"
            row.update(
                responses=None,
                invited=None,
                rate=None,
                suppressed=True,
                reason=openlink.REASON if openlink.applies(definition) else withheld_reason,
            )
        rows.append(row)
    out["total"] = rows[0]
    out["rows"] = rows[1:]
    return out
