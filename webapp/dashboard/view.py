"""The dashboard page's model: the results service's dicts, labelled and formatted.

Nothing here decides what is shown: every number comes from :mod:`webapp.results` (a
withheld number is None there and stays a "fewer than k" text here). This module only adds
the survey's words (scale names, item texts, answer labels in the interface language),
formats numbers for the locale, picks the strongest and weakest released items, and builds
the SVG charts' geometry with :mod:`webapp.dashboard.charts` (from the same released
cells as the tables).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import format_percent
from flask_babel import gettext as _

from webapp.dashboard import charts
from webapp.i18n import current_language, localized, number
from webapp.results import trust as trust_cuts
from webapp.results.trust import trust_words

__all__ = ["STARTERS", "build_page", "filter_choices", "rate_band", "withheld_text"]

#: How many strongest and weakest items the conversation starters show.
STARTERS = 3


def withheld_text(reason: str | None, k: int, short: bool = False) -> str:
    """What a withheld number says instead of itself; never a count."""
    if reason == "wave-open":
        return _("open wave") if short else _("shown when the wave has closed")
    if reason == "complementary":
        return _("hidden") if short else _("hidden to protect a smaller group")
    if reason == "homogeneous":
        # engine.disclosure.homogeneity: fewer than 2 respondents outside the largest answer
        return (
            _("too uniform")
            if short
            else _("too uniform to show without revealing individual answers")
        )
    if reason == "scope":
        return _("not in your view")
    if reason == "open-link":
        # webapp.results.openlink: anyone with the open link can add answers
        return _("open link") if short else _("not shown: anyone can answer via the open link")
    return _("fewer than %(k)s", k=k) if short else _("fewer than %(k)s responses", k=k)


def _mean(value: float | None) -> str:
    return "" if value is None else number(value, 2)


def _share(value: float | None) -> str:
    return "" if value is None else format_percent(value, "0%")


def _signed(value: float) -> str:
    """A difference with its sign: ``+0.12``, ``−0.08`` (a minus sign), ``0.00``."""
    text = number(abs(value), 2)
    if text == number(0.0, 2):
        return text
    return ("+" if value > 0 else "\u2212") + text


def _coef(value: float) -> str:
    """A coefficient in the page's one decimal format: ``0.86`` (``0,86`` in Dutch)."""
    return number(value, 2)


def _cell(cell: Mapping[str, Any] | None, k: int) -> dict[str, Any] | None:
    """A results cell with its numbers formatted (or the withheld text)."""
    if cell is None:
        return None
    if cell.get("suppressed") or cell.get("mean") is None:
        return {"shown": False, "text": withheld_text(cell.get("reason"), k)}
    ci = cell.get("ci")
    return {
        "shown": True,
        "n": cell.get("n"),
        "mean": _mean(cell.get("mean")),
        "ci": f"{_mean(ci[0])} – {_mean(ci[1])}" if ci else "",
        "favourable": _share(cell.get("favourable")),
        "raw": cell,
    }


def _answer_labels(item: Any) -> list[tuple[str, str]]:
    scale = item.response_scale
    labels = localized(scale.labels)
    return [(str(code), str(labels.get(code, code))) for code in scale.points]


def _distribution_rows(items: list[Any], cells: Mapping[str, Any], k: int) -> list[dict]:
    rows = []
    for item in items:
        cell = cells.get(item.id) or {}
        shown = not cell.get("suppressed") and cell.get("distribution")
        rows.append(
            {
                "id": item.id,
                "label": localized(item.text),
                "reverse": item.reverse,
                "n": cell.get("n") if shown else None,
                "distribution": cell.get("distribution") if shown else None,
                "shares": {
                    code: _share(share) for code, share in (cell.get("distribution") or {}).items()
                }
                if shown
                else {},
                "mean": _mean(cell.get("mean")) if shown else "",
                "favourable": _share(cell.get("favourable")) if shown else "",
                "withheld": None if shown else withheld_text(cell.get("reason"), k),
            }
        )
    return rows


def _favourable_answers(item: Any) -> str:
    """The answers counted as favourable, in words: "Disagree" or "Strongly disagree" for a
    statement worded the other way round (:func:`webapp.results.cells.favourable_top`)."""
    from webapp.results.cells import favourable_top

    labels = _answer_labels(item)
    top = favourable_top(tuple(item.response_scale.points))
    chosen = labels[:top] if item.reverse else list(reversed(labels[-top:]))
    return f" {_('or')} ".join(f"“{label}”" for _code, label in chosen)


def _starters(definition: Any, results: Mapping[str, Any]) -> dict[str, list[dict]]:
    """The released items with the highest and lowest favourable share (scored scales)."""
    items = results.get("items") or {}
    organisation = results.get("organisation") or {}
    at_root = organisation.get("unit") == results.get("unit")
    org_items = {} if at_root else organisation.get("items") or {}
    ranked = []
    for instrument in definition.answer_instruments:
        if instrument.sensitive:
            continue
        for scale in instrument.scales:
            if not scale.scored:
                continue
            for item in scale.items:
                cell = items.get(item.id) or {}
                if cell.get("suppressed") or cell.get("favourable") is None:
                    continue
                org = org_items.get(item.id) or {}
                ranked.append(
                    {
                        "text": localized(item.text),
                        "scale": localized(scale.name),
                        "reverse": bool(item.reverse),
                        "favourable_answers": _favourable_answers(item),
                        "favourable": cell["favourable"],
                        "favourable_text": _share(cell["favourable"]),
                        "organisation_text": _share(org.get("favourable"))
                        if org and not org.get("suppressed")
                        else "",
                        "mean": cell.get("mean") or 0.0,
                    }
                )
    ranked.sort(key=lambda r: (r["favourable"], r["mean"]), reverse=True)
    strong = ranked[:STARTERS]
    weak = [r for r in reversed(ranked[-STARTERS:]) if r not in strong]
    return {"strong": strong, "weak": weak}


def filter_choices(definition: Any, current: str | None) -> list[dict[str, Any]]:
    """The demographic filter a page can ask the results service for.

    One question only (:func:`webapp.results.filter_question`): filter cells of different
    questions combine into groups smaller than k, so the results service refuses the others.
    """
    from webapp.results import filter_question

    question = filter_question(definition)
    groups = []
    for item in definition.demographic_items:
        if item.id != question:
            continue
        labels = localized(item.response_scale.labels)
        options = [
            {
                "value": f"{item.id}:{code}",
                "label": str(labels.get(code, code)),
                "selected": current == f"{item.id}:{code}",
            }
            for code in item.response_scale.points
        ]
        groups.append({"question": localized(item.text), "options": options})
    return groups


def _value_range(definition: Any) -> tuple[float, float]:
    for instrument in definition.answer_instruments:
        for scale in instrument.scales:
            if scale.scored and scale.items:
                points = scale.items[0].response_scale.points
                return float(min(points)), float(max(points))
    return 1.0, 5.0


def build_page(
    definition: Any,
    results: Mapping[str, Any],
    *,
    rate: Mapping[str, Any] | None,
    heatmap: Mapping[str, Any] | None,
    trend: Mapping[str, Any] | None,
    unit_url: Callable[[str], str],
) -> dict[str, Any]:
    """Everything the template shows, with the charts' geometry as dicts.

    Beside each scale, the words of its trust figures (``results["scales"][id]["trust"]``
    from the results service, None when withheld or filtered).
    """
    k = int(results["k"])
    separators = ",." if current_language() == "nl" else ".,"
    value_range = _value_range(definition)
    groups: list[tuple[str, dict[str, str]]] = []
    series = {"unit": results.get("name") or results["unit"]}
    parent_block = results.get("parent")
    if parent_block and parent_block["unit"] == results["organisation"]["unit"]:
        parent_block = None  # the parent is the organisation: one series, not two
    if parent_block:
        series["parent"] = parent_block.get("name") or parent_block["unit"]
    if results["unit"] != results["organisation"]["unit"]:
        series["organisation"] = _("Organisation")  # at the root: the unit is the organisation
    instruments = []
    for instrument in definition.answer_instruments:
        scales = []
        for scale in instrument.scales:
            sid = f"{instrument.id}.{scale.id}"
            if sid not in results["scales"]:
                sid = scale.id
            item_rows = _distribution_rows(list(scale.items), results.get("items") or {}, k)
            answer_labels = _answer_labels(scale.items[0]) if scale.items else []
            block: dict[str, Any] = {
                "id": sid,
                "name": localized(scale.name),
                "scored": scale.scored and sid in results["scales"],
                "items": item_rows,
                "answer_labels": answer_labels,
                "legend": [
                    (label, f"ans-{len(answer_labels)}-{i}")
                    for i, (_code, label) in enumerate(answer_labels)
                ],
                "distribution_chart": charts.distribution_chart(
                    item_rows,
                    answer_labels,
                    withheld_text=withheld_text("fewer-than-k", k),
                    separators=separators,
                )
                if item_rows
                else None,
            }
            if block["scored"]:
                block["unit"] = _cell(results["scales"].get(sid), k)
                block["parent"] = (
                    _cell(parent_block["scales"].get(sid), k) if parent_block else None
                )
                block["organisation"] = _cell(results["organisation"]["scales"].get(sid), k)
                trust = (results["scales"].get(sid) or {}).get("trust")
                block["trust"] = trust_words(trust, _, _coef)
            scales.append(block)
        scored = [s for s in scales if s["scored"]]
        chart = None
        if scored:
            rows = [
                {
                    "label": s["name"],
                    "unit": results["scales"].get(s["id"]),
                    "parent": (parent_block or {}).get("scales", {}).get(s["id"]),
                    "organisation": results["organisation"]["scales"].get(s["id"]),
                }
                for s in scored
            ]
            chart = charts.scale_comparison_chart(
                rows,
                series,
                value_range,
                withheld_text=withheld_text("fewer-than-k", k),
                separators=separators,
            )
        if scored:
            groups.append((localized(instrument.title), {s["id"]: s["name"] for s in scored}))
        instruments.append(
            {
                "id": instrument.id,
                "title": localized(instrument.title),
                "sensitive": instrument.sensitive,
                "scales": scales,
                "scored": scored,
                "chart": chart,
            }
        )
    page: dict[str, Any] = {
        "k": k,
        "unit": {"code": results["unit"], "name": results.get("name") or results["unit"]},
        "survey": {"slug": definition.slug, "title": localized(definition.title)},
        "wave": results["wave"],
        "released": results.get("released", True),
        "n": results.get("n"),
        "n_text": withheld_text(results.get("reason"), k) if results.get("n") is None else "",
        "series": series,
        "instruments": instruments,
        "starters": _starters(definition, results),
        "value_range": value_range,
        "cut": {
            "alpha_good": _coef(trust_cuts.ALPHA_GOOD),
            "alpha_ok": _coef(trust_cuts.ALPHA_OK),
            "rwg_strong": _coef(trust_cuts.RWG_STRONG),
            "rwg_moderate": _coef(trust_cuts.RWG_MODERATE),
            "icc_clear": _coef(trust_cuts.ICC_CLEAR),
            "icc_some": _coef(trust_cuts.ICC_SOME),
        },
        "children": [
            {
                "code": child["unit"],
                "name": child.get("name") or child["unit"],
                "url": unit_url(child["unit"]),
                "n": child.get("n"),
                "text": withheld_text(child.get("reason"), k) if child.get("n") is None else "",
            }
            for child in results.get("children") or []
        ],
        "rate": _rate(rate, k),
        "heatmap": [
            block
            for title, names in groups
            if (block := _heatmap(heatmap, title, names, k, value_range))
        ],
        "trend": [
            block
            for title, names in groups
            if (block := _trend(trend, title, names, k, value_range, separators))
        ],
    }
    return page


def rate_band(responses: int, invited: int, k: int) -> tuple[float, float]:
    """The response rate of an open wave as a band of whole tens of percent.

    ``responses`` is the count the results service releases while a wave is open: rounded
    down to a multiple of ``k`` responses, so the true count lies in ``[responses,
    responses + k - 1]``. The band covers that whole range, widened to tens of percent, so
    it tells no more than the rounded count does, and never an exact small count.
    """
    if invited <= 0 or responses < 0 or k < 1:
        raise ValueError("invited must be positive, responses >= 0 and k >= 1")
    low = responses / invited
    high = min(1.0, (responses + k - 1) / invited)
    return math.floor(low * 10) / 10, min(1.0, math.ceil(high * 10) / 10)


def _rate(rate: Mapping[str, Any] | None, k: int) -> dict[str, Any] | None:
    if not rate:
        return None
    total = rate["total"]
    if total.get("suppressed"):
        return {"shown": False, "text": withheld_text(total.get("reason"), k)}
    out = {
        "shown": True,
        "responses": total.get("responses"),
        "invited": total.get("invited"),
        "rate": _share(total.get("rate")) if total.get("rate") is not None else "",
        "rounded": bool(rate.get("rounded")),
        "band": "",
    }
    if out["rounded"]:  # an open wave: a band of the rate, never the (rounded) count
        responses, invited = total.get("responses") or 0, total.get("invited")
        if invited:
            low, high = rate_band(responses, invited, k)
            out["band"] = _(
                "between %(low)s and %(high)s of those invited", low=_share(low), high=_share(high)
            )
        else:
            out["band"] = _("at least %(n)s responses", n=responses)
    return out


def _heatmap(
    heat: Mapping[str, Any] | None,
    title: str,
    names: Mapping[str, str],
    k: int,
    value_range: tuple[float, float],
) -> dict[str, Any] | None:
    if not heat or not heat.get("rows"):
        return None
    columns = [sid for sid in heat["scales"] if sid in names]
    rows = []
    for row in [heat["total"], *heat["rows"]]:
        cells = []
        for sid in columns:
            cell = row["cells"].get(sid) or {}
            shown = not cell.get("suppressed") and cell.get("mean") is not None
            parent = heat["total"]["cells"].get(sid) or {}
            diff = (
                cell["mean"] - parent["mean"]
                if shown and row is not heat["total"] and parent.get("mean") is not None
                else None
            )
            cells.append(
                {
                    "diff": None if diff is None else _signed(diff),
                    "mean": cell["mean"] if shown else None,
                    "text": _mean(cell["mean"]) if shown else withheld_text(cell.get("reason"), k),
                    "short": "" if shown else withheld_text(cell.get("reason"), k, short=True),
                    "shown": shown,
                    "css": charts.heat_class(cell["mean"] if shown else None, value_range),
                }
            )
        rows.append(
            {
                "label": row.get("name") or row["unit"],
                "n": row.get("n"),
                "cells": cells,
                "total": row is heat["total"],
            }
        )
    return {
        "title": title,
        "columns": [names[sid] for sid in columns],
        "rows": rows,
    }


def _trend(
    trend: Mapping[str, Any] | None,
    title: str,
    names: Mapping[str, str],
    k: int,
    value_range: tuple[float, float],
    separators: str,
) -> dict[str, Any] | None:
    if not trend or not trend.get("waves"):
        return None
    waves = trend["waves"]
    labels = [w["wave"] for w in waves]
    lines = []
    table = []
    for sid, name in names.items():
        means: list[float | None] = []
        cis: list[list[float] | None] = []
        cells = []
        for wave in waves:
            cell = (wave.get("scales") or {}).get(sid) or {}
            shown = not cell.get("suppressed") and cell.get("mean") is not None
            means.append(cell["mean"] if shown else None)
            cis.append(cell.get("ci") if shown else None)
            ci = cell.get("ci") if shown else None
            cells.append(
                f"{_mean(cell['mean'])} ({_mean(ci[0])} – {_mean(ci[1])})"
                if shown and ci
                else _mean(cell["mean"])
                if shown
                else withheld_text(cell.get("reason"), k, short=True)
            )
        lines.append({"label": name, "means": means, "ci": cis})
        table.append({"label": name, "cells": cells})
    shown_waves = sum(1 for w in waves if w.get("released"))
    return {
        "title": title,
        "waves": labels,
        "rows": table,
        "chart": charts.trend_chart(labels, lines, value_range, separators=separators)
        if shown_waves >= 1
        else None,
        "several": shown_waves >= 2,
    }
