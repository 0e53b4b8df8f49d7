"""The information-loss summary of an export (:class:`~webapp.exports.model.Loss`), as text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from webapp.exports.model import Loss

__all__ = ["loss_dict", "loss_markdown"]


def loss_dict(loss: Loss | None) -> dict[str, Any] | None:
    """The information-loss summary as plain JSON-ready data (None without one)."""
    if loss is None:
        return None
    return {
        "profile": loss.profile,
        "suppression": loss.suppression,
        "importance_order": list(loss.order),
        "rows": loss.rows,
        "rows_affected": loss.rows_affected,
        "cells_withheld": dict(loss.cells),
        "cells_withheld_total": loss.cells_blanked,
        "columns_withheld": list(loss.withheld),
        "units_rolled_up": dict(loss.rolled_up),
    }


def loss_markdown(
    loss: Loss,
    t: dict[str, str],
    table: Callable[[list[str], list[list[str]]], list[str]],
    literal: Callable[[object], str],
) -> list[str]:
    """Markdown lines of the summary: ``t`` the codebook's headings in its language,
    ``table`` and ``literal`` the codebook's table writer and Markdown escaping."""
    out = [f"## {t['loss']}", ""]
    out += [
        t["loss_text"].format(
            profile=loss.profile,
            suppression=loss.suppression,
            order=", ".join(f"`{name}`" for name in loss.order) or t["none"],
            affected=loss.rows_affected,
            rows=loss.rows,
            cells=loss.cells_blanked,
        ),
        "",
    ]
    rows = [
        [f"`{name}`", str(n), f"{n / loss.rows:.1%}" if loss.rows else "-"]
        for name, n in loss.cells.items()
    ]
    if rows:
        out += table([t["column"], t["cells"], t["share"]], rows)
    withheld = ", ".join(f"`{name}`" for name in loss.withheld) or t["none"]
    out += [f"**{t['withheld']}:** {withheld}", ""]
    moved = ", ".join(
        f"{literal(unit)} → {literal(up)}" for unit, up in sorted(loss.rolled_up.items())
    )
    out += [f"**{t['rolled_up']}:** {moved or t['none']}", ""]
    return out
