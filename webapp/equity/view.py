"""The equity page's model: :func:`webapp.results.equity.equity` labelled and in words.

Nothing here decides what is shown; it adds the survey's words (question, answer and scale
names in the interface language) and formats the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from webapp.dashboard.view_summary import signed
from webapp.i18n import localized, number

__all__ = ["build_equity", "gap_sentence"]


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "< " + number(0.001, 3) if value < 0.001 else number(value, 3)


def gap_sentence(group: str, scale: str, gap: Mapping[str, Any]) -> str:
    """ "People who answered 'Another identity' score 0.45 lower on Belonging than everyone
    else; 95% CI ..." (the direction in words only when the interval excludes 0)."""
    lo, hi = gap["ci"]
    interval = (
        _("95%% CI %(lo)s to %(hi)s", lo=signed(lo), hi=signed(hi))
        if lo is not None and hi is not None
        else ""
    )
    size = number(abs(gap["difference"]), 2)
    if not gap["excludes_zero"]:
        return _(
            "People who answered ‘%(group)s’ score %(diff)s different on %(scale)s from"
            " everyone else (%(interval)s): not distinguishable from no difference.",
            group=group,
            diff=signed(gap["difference"]),
            scale=scale,
            interval=interval,
        )
    if gap["difference"] > 0:
        text = _(
            "People who answered ‘%(group)s’ score %(size)s higher on %(scale)s than everyone"
            " else; %(interval)s.",
            group=group,
            size=size,
            scale=scale,
            interval=interval,
        )
    else:
        text = _(
            "People who answered ‘%(group)s’ score %(size)s lower on %(scale)s than everyone"
            " else; %(interval)s.",
            group=group,
            size=size,
            scale=scale,
            interval=interval,
        )
    if gap["p_holm"] is not None and gap["p_holm"] >= 0.05:
        text += " " + _("Not after Holm's adjustment over the groups of the question.")
    return text


def _withheld_words(reason: str, groups: list[str], k: int) -> str:
    """Which groups are not shown in a unit (on one scale or more), and why."""
    names = ", ".join(f"‘{g}’" for g in groups)
    if reason == "joint-audit":
        return _(
            "Not shown for %(groups)s: beside the groups of the other questions these gaps"
            " would let a group of fewer than %(k)s people be worked out.",
            groups=names,
            k=k,
        )
    if reason == "homogeneous":
        return _(
            "Not shown for %(groups)s: beside the other numbers shown these gaps would"
            " reveal how a group answered (nearly everyone in it gave the same answers).",
            groups=names,
        )
    if reason == "complementary":
        return _(
            "Not shown for %(groups)s: the groups left over would be fewer than %(k)s.",
            groups=names,
            k=k,
        )
    return _(
        "Not shown for %(groups)s: the group or everyone else has fewer than %(k)s responses"
        " with a score.",
        groups=names,
        k=k,
    )


def build_equity(definition: Any, found: Mapping[str, Any]) -> dict[str, Any]:
    """Questions, units and rows for the template."""
    scale_names: dict[str, str] = {}
    for instrument in definition.answer_instruments:
        for scale in instrument.scales:
            name = localized(scale.name)
            title = localized(instrument.title)
            scale_names[f"{instrument.id}.{scale.id}"] = f"{name} ({title})"
            scale_names.setdefault(scale.id, name)
    questions = []
    for block in found["questions"]:
        item = definition.item(block["question"])
        labels: Any = localized(item.response_scale.labels) or {}
        units: list[dict[str, Any]] = []
        for unit in block["units"]:
            rows = []
            withheld: dict[str, list[str]] = {}
            for sid, gaps in unit["scales"].items():
                name = scale_names.get(sid, sid)
                for code in block["categories"]:
                    gap = gaps.get(code) or {}
                    label = str(labels.get(int(code), labels.get(code, code)))
                    if not gap.get("shown"):
                        reason = gap.get("reason") or "fewer-than-k"
                        if label not in withheld.setdefault(reason, []):
                            withheld[reason].append(label)
                        continue
                    lo, hi = gap["ci"]
                    rows.append(
                        {
                            "scale": name,
                            "group": label,
                            "n": gap["n"],
                            "rest_n": gap["rest"]["n"],
                            "mean": number(gap["mean"], 2),
                            "rest_mean": number(gap["rest"]["mean"], 2),
                            "difference": signed(gap["difference"]),
                            "ci": f"{signed(lo)} – {signed(hi)}" if lo is not None else "–",
                            "g": signed(gap["g"]) if gap["g"] is not None else "–",
                            "p_holm": _p(gap["p_holm"]),
                            "marked": bool(gap["excludes_zero"]),
                            "direction": "up" if gap["difference"] > 0 else "down",
                            "sentence": gap_sentence(label, name, gap),
                        }
                    )
            units.append(
                {
                    "code": unit["unit"],
                    "name": unit["name"],
                    "rows": rows,
                    "root": not units,
                    "withheld": [
                        {"reason": r, "text": _withheld_words(r, withheld[r], found["k"])}
                        for r in ("joint-audit", "homogeneous", "fewer-than-k", "complementary")
                        if withheld.get(r)
                    ],
                }
            )
        questions.append(
            {
                "id": block["question"],
                "text": localized(item.text),
                "offered": block["offered"],
                "filter": block.get("filter", False),
                "units": units,
            }
        )
    questions.sort(key=lambda q: not q["filter"])  # the filter question first
    return {
        "survey": {"slug": definition.slug, "title": localized(definition.title)},
        "wave": found["wave"],
        "released": found["released"],
        "k": found["k"],
        "questions": questions,
    }
