"""The one-screen summary the dashboard opens with: per scale the unit's score, its change
since the previous closed wave, and the parent unit and the organisation beside it.

Nothing here decides what is shown: the scores come from :func:`webapp.results.unit_results`
and the changes from :func:`webapp.results.change.unit_change` (a change needs the unit's
cell released in both waves; k counts responses with a valid scale score). This module
only labels and formats them; an up or down mark only where the change's 95% interval
excludes 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _

from webapp.dashboard.view import _value_range, withheld_text
from webapp.i18n import localized, number

__all__ = ["build_summary", "signed"]


def signed(value: float) -> str:
    """A difference with its sign: ``+0.12``, ``−0.08`` (a minus sign), ``0.00``."""
    text = number(abs(value), 2)
    if text == number(0.0, 2):
        return text
    return ("+" if value > 0 else "\u2212") + text


def _score(cell: Mapping[str, Any] | None, k: int) -> dict[str, Any]:
    if cell is None:
        return {"shown": False, "text": "", "short": "–"}
    if cell.get("suppressed") or cell.get("mean") is None:
        reason = cell.get("reason")
        return {
            "shown": False,
            "text": withheld_text(reason, k),
            "short": withheld_text(reason, k, short=True),
        }
    return {"shown": True, "text": number(cell["mean"], 2), "short": number(cell["mean"], 2)}


def change_text(entry: Mapping[str, Any] | None, k: int) -> dict[str, Any]:
    """A change entry of :func:`webapp.results.change.unit_change` in words and numbers."""
    if not entry:
        return {"shown": False, "short": "–", "text": ""}
    if not entry["shown"]:
        reason = entry.get("reason")
        if reason == "not-in-previous-wave":
            text = _("not in wave %(wave)s", wave=entry.get("wave"))
            return {"shown": False, "short": text, "text": text}
        short = withheld_text(reason, k, short=True)
        return {
            "shown": False,
            "short": _("%(reason)s in %(wave)s", reason=short, wave=entry.get("wave")),
            "text": _(
                "no change shown: %(reason)s in wave %(wave)s",
                reason=withheld_text(reason, k),
                wave=entry.get("wave"),
            ),
        }
    lo, hi = entry["ci"]
    interval = (
        _("95%% CI %(lo)s to %(hi)s", lo=signed(lo), hi=signed(hi))
        if lo is not None and hi is not None
        else ""
    )
    direction = entry.get("direction")
    if direction == "up":
        words = _("higher than in the previous wave")
    elif direction == "down":
        words = _("lower than in the previous wave")
    else:
        words = _("not distinguishable from no change")
    return {
        "shown": True,
        "direction": direction,
        "difference": signed(entry["difference"]),
        "interval": interval,
        "range": _("%(lo)s to %(hi)s", lo=signed(lo), hi=signed(hi))
        if lo is not None and hi is not None
        else "",
        "words": words,
        "short": signed(entry["difference"]),
        "text": f"{signed(entry['difference'])} ({interval}): {words}",
    }


def _item_row(
    item: Any,
    results: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    at_root: bool,
    change: Mapping[str, Any] | None,
    k: int,
) -> dict[str, Any]:
    """A focus statement's row: its own score and change (the item's cells)."""
    items = (change or {}).get("items") or {}
    return {
        "id": item.id,
        "name": localized(item.text),
        "item": True,
        "focus": True,
        "score": _score((results.get("items") or {}).get(item.id), k),
        "change": change_text(items.get(item.id), k),
        "parent": _score((parent.get("items") or {}).get(item.id), k) if parent else None,
        "organisation": None
        if at_root
        else _score((results["organisation"].get("items") or {}).get(item.id), k),
    }


def _balanced(groups: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The groups in two columns of about equal height (rows plus a title row each), in
    order: the first column takes groups while it is shorter than half."""
    sizes = [len(g["rows"]) + 1 for g in groups]
    half, total, split = sum(sizes) / 2, 0, len(groups)
    for i, size in enumerate(sizes):
        if total + size / 2 > half:
            split = i
            break
        total += size
    return [c for c in (groups[:split], groups[split:]) if c]


def build_summary(
    definition: Any,
    results: Mapping[str, Any],
    change: Mapping[str, Any] | None,
    focus: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The summary's rows, grouped by instrument, and the columns it has.

    ``focus``: the focus points of the team's plan from the previous round
    (:func:`surveys.plans.focus_points`: ``{"kind": "scale"|"item", "ref"}``); their rows
    are marked, and a focus statement gets a row of its own under its scale.
    """
    k = int(results["k"])
    parent = results.get("parent")
    root = results["organisation"]["unit"]
    if parent and parent["unit"] == root:
        parent = None
    at_root = results["unit"] == root
    changes = (change or {}).get("scales") or {}
    focus_refs = {(f["kind"], f["ref"]) for f in focus}
    groups = []
    for instrument in definition.answer_instruments:
        rows = []
        for scale in instrument.scales:
            sid = f"{instrument.id}.{scale.id}"
            if sid not in results["scales"]:
                sid = scale.id
            if not scale.scored or sid not in results["scales"]:
                continue
            row = changes.get(sid) or {}
            focus_items = [item for item in scale.items if ("item", item.id) in focus_refs]
            rows.append(
                {
                    "id": sid,
                    "name": localized(scale.name),
                    "focus": ("scale", sid) in focus_refs,
                    "score": _score(results["scales"].get(sid), k),
                    "change": change_text(row.get("unit"), k),
                    "parent": _score(parent["scales"].get(sid), k) if parent else None,
                    "organisation": None
                    if at_root
                    else _score(results["organisation"]["scales"].get(sid), k),
                }
            )
            rows += [_item_row(item, results, parent, at_root, change, k) for item in focus_items]
        if rows:
            groups.append({"title": localized(instrument.title), "rows": rows})
    low, high = _value_range(definition)
    return {
        "columns": _balanced(groups),
        "k": k,
        "low": number(low, 0),
        "high": number(high, 0),
        "previous": (change or {}).get("previous"),
        "reason": None if change and change.get("released") else (change or {}).get("reason"),
        "parent": (parent.get("name") or parent["unit"]) if parent else None,
        "organisation": not at_root,
        "groups": groups,
    }
