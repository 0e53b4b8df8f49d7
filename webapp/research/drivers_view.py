"""The research page's drivers section: :func:`webapp.results.drivers.wave_drivers`
labelled, ranked and said in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import format_percent
from flask_babel import gettext as _

from webapp.i18n import localized, number

__all__ = ["build_drivers"]


def _pct(value: float | None) -> str:
    return "–" if value is None else str(format_percent(value, "0%"))


def build_drivers(definition: Any, found: Mapping[str, Any]) -> dict[str, Any] | None:
    """Per outcome: the predictors ranked by their share of R², with intervals and a
    sentence about the largest. None when the survey has no outcome scale."""
    if not found["outcomes"]:
        return None
    names: dict[str, str] = {}
    for inst in definition.answer_instruments:
        for scale in inst.scales:
            names[f"{inst.id}.{scale.id}"] = str(localized(scale.name))
            names.setdefault(scale.id, str(localized(scale.name)))
        names.setdefault(inst.id, str(localized(inst.title)))
    outcomes = []
    for entry in found["outcomes"]:
        title = names.get(entry["id"], entry["id"])
        if not entry["shown"]:
            why = (
                _("fewer than %(k)s complete responses", k=found["k"])
                if entry["reason"] == "fewer-than-k"
                else _("cannot be computed on these answers")
            )
            outcomes.append({"title": title, "shown": False, "text": why})
            continue
        rows = []
        for pid, d in entry["drivers"].items():
            lo, hi = d["share_ci"]
            rows.append(
                {
                    "name": names.get(pid, pid),
                    "rank": d["rank"],
                    "share": _pct(d["share"]),
                    "interval": f"{_pct(lo)} – {_pct(hi)}" if lo is not None else "–",
                    "r": number(d["r"], 2) if d["r"] is not None else "–",
                }
            )
        rows.sort(key=lambda r: r["rank"] or 99)
        top = rows[0]
        lo, hi = entry["r2_ci"]
        sentence = _(
            "The climate explains %(r2)s of the differences in %(outcome)s (R², 95%% interval"
            " %(lo)s to %(hi)s). %(top)s matters most: %(share)s of what is explained"
            " (95%% interval %(interval)s).",
            r2=_pct(entry["r2"]),
            outcome=title.lower() if title[:1].isupper() and title[1:2].islower() else title,
            lo=_pct(lo),
            hi=_pct(hi),
            top=top["name"],
            share=top["share"],
            interval=top["interval"],
        )
        outcomes.append(
            {"title": title, "shown": True, "rows": rows, "sentence": sentence, "n": entry["n"]}
        )
    composites = [names.get(i, i) for i in found.get("composites", [])]
    split = sorted(
        {names.get(p["instrument"], p["instrument"]) for p in found["predictors"]}
        - set(composites)
    )
    return {
        "outcomes": outcomes,
        "boot": entry.get("boot"),
        "k": found["k"],
        "predictors": len(found["predictors"]),
        "max_predictors": found.get("max_predictors", 12),
        "split": ", ".join(split),
        "composites": ", ".join(composites),
    }
