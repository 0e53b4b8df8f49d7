"""The report as JSON text (``samen analyze --format json`` and the research download)."""

from __future__ import annotations

from typing import Any

__all__ = ["render_json"]


def render_json(report: dict[str, Any]) -> str:
    """``report`` as ``samen analyze --format json`` writes a report (indented, no NaN).

    Parameters
    ----------
    report : dict
        A report of :func:`engine.report.pipeline.analyze` (or a wave's report).

    Returns
    -------
    str
        The JSON text, ending in a newline.

    Raises
    ------
    ValueError
        A value JSON cannot hold (NaN or infinity).
    """
    import json

    return json.dumps(report, indent=2, allow_nan=False) + "\n"
