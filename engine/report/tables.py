"""The report as tables: one layout shared by the text and the HTML renderer.

:func:`report_tables` turns the dict of :func:`engine.report.pipeline.analyze` into titled tables
of formatted cells, so both formats show the same numbers with the same rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Table", "fmt", "fmt_p", "report_tables", "summary_lines"]

MISSING = "NA"


@dataclass(frozen=True)
class Table:
    """A titled table of formatted cells; `numeric` marks right-aligned columns."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    caption: str = ""


def fmt(value: Any, digits: int = 3) -> str:
    """A number with `digits` decimals (ints as they are); None as ``NA``."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _bound(value: Any) -> str:
    """A response-range bound as given (``1``, ``0.25``), not rounded; None as ``NA``."""
    return MISSING if value is None else f"{value:g}"


def fmt_p(value: Any) -> str:
    """A p-value: three decimals, or ``<0.001``."""
    if value is None:
        return MISSING
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def p_clause(value: Any) -> str:
    """``p = 0.012`` or ``p < 0.001``."""
    text = fmt_p(value)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def fmt_ci(pair: Sequence[Any] | None) -> str:
    if not pair:
        return MISSING
    return f"[{fmt(pair[0])}, {fmt(pair[1])}]"


def summary_lines(report: Mapping[str, Any], group: str | None = None) -> list[str]:
    """Headline sentences: sample size, groups, factor-analytic summaries."""
    lines = [
        f"Respondents: {report['n']}; scales: {len(report['scales'])}; "
        f"minimum share of items answered for a score: {report['min_share']:.3f}"
    ]
    if "group" in report:
        g = report["group"]
        name = f" ({group})" if group else ""
        lines.append(
            f"Groups{name}: {g['n_groups']}; respondents without a group: {g['n_missing']}"
        )
    inferred = [
        f"{scale_id} {_bound(s['range'][0])}-{_bound(s['range'][1])}"
        for scale_id, s in report["scales"].items()
        if s.get("range_inferred")
    ]
    if inferred:
        lines.append(
            "Response ranges inferred from the lowest and highest answer (none was given; "
            "they set reverse keying and rwg(j)): " + "; ".join(inferred)
        )
    efa = report["efa"]
    b = efa["bartlett"]
    lines.append(
        f"KMO: {fmt(efa['kmo'])}; Bartlett's test: chi2({fmt(b['df'])}) = {fmt(b['chisq'])}, "
        f"{p_clause(b['p'])}; parallel analysis suggests {fmt(efa['parallel_n_factors'])} "
        f"factor(s); EFA (minres, oblimin) with {fmt(efa['n_factors'])} factor(s)"
    )
    cfa = report["cfa"]
    used = f"N = {fmt(cfa['n'])} of {report['n']} respondents, those who answered every item"
    if cfa.get("n_free_parameters") is not None:
        used += f"; {cfa['n_free_parameters']} free parameters"
    if cfa.get("small_sample"):
        used += "; small sample, read with care (see notes)"
    lines.append(
        f"CFA (ML, {used}): chi2({fmt(cfa['df'])}) = {fmt(cfa['chisq'])}, "
        f"{p_clause(cfa['p'])}; CFI {fmt(cfa['cfi'])}; TLI {fmt(cfa['tli'])}; "
        f"RMSEA {fmt(cfa['rmsea'])} 90% CI {fmt_ci(cfa['rmsea_ci'])}; SRMR {fmt(cfa['srmr'])}"
    )
    for key, what in (
        ("cfa", "Heywood case in the CFA: standardised loading above 1 for "),
        ("efa", "Heywood case in the EFA: a loading or communality above 1 for "),
    ):
        if report[key].get("heywood"):
            lines.append(
                what + ", ".join(report[key]["heywood"]) + " (an improper solution; see notes)"
            )
    if cfa.get("negative_variances"):
        lines.append(
            "Heywood case in the CFA: negative variance of factor(s) "
            + ", ".join(cfa["negative_variances"])
            + " (an improper solution; their loadings are not given)"
        )
    if "invariance" in report:
        from engine.report.invariance import invariance_summary

        lines.append(invariance_summary(report["invariance"]))
    if "omega" in report:
        om = report["omega"]
        lines.append(
            f"Omega over all items ({fmt(om['n_factors'])} group factors): hierarchical "
            f"{fmt(om['hierarchical'])}; total {fmt(om['total'])}"
        )
    return lines


def report_tables(report: Mapping[str, Any]) -> list[Table]:
    """Scales, items per scale, EFA loadings, fit and CFA loadings as :class:`Table` objects."""
    tables = [_scales_table(report)]
    if "group" in report:
        tables.append(_aggregation_table(report))
    for scale_id, scale in report["scales"].items():
        tables.append(_items_table(scale_id, scale))
    if report["efa"].get("loadings"):
        tables.append(
            _loadings_table(
                "efa",
                "EFA loadings (minres, oblimin)",
                report["efa"]["loadings"],
                extra=("KMO", report["efa"].get("kmo_items") or {}),
            )
        )
    tables.append(_fit_table(report))
    if report["cfa"].get("loadings"):
        tables.append(
            _loadings_table("cfa", "CFA standardised loadings", report["cfa"]["loadings"])
        )
    if "invariance" in report:
        from engine.report.invariance import invariance_table

        tables.append(invariance_table(report["invariance"]))
    return tables


def _fit_table(report: Mapping[str, Any]) -> Table:
    """Sampling adequacy, number of factors, CFA fit and omega, one measure per row."""
    efa, cfa, b = report["efa"], report["cfa"], report["efa"]["bartlett"]
    rows = [
        ("KMO (overall)", fmt(efa["kmo"])),
        ("Bartlett chi2 (df)", f"{fmt(b['chisq'])} ({fmt(b['df'])})"),
        ("Bartlett p", fmt_p(b["p"])),
        ("factors by parallel analysis", fmt(efa["parallel_n_factors"])),
        ("CFA N (complete cases)", fmt(cfa["n"])),
        ("CFA chi2 (df)", f"{fmt(cfa['chisq'])} ({fmt(cfa['df'])})"),
        ("CFA p", fmt_p(cfa["p"])),
        ("CFI", fmt(cfa["cfi"])),
        ("TLI", fmt(cfa["tli"])),
        ("RMSEA [90% CI]", f"{fmt(cfa['rmsea'])} {fmt_ci(cfa['rmsea_ci'])}"),
        ("SRMR", fmt(cfa["srmr"])),
    ]
    if "omega" in report:
        om = report["omega"]
        rows += [
            (
                f"omega hierarchical ({fmt(om['n_factors'])} group factors)",
                fmt(om["hierarchical"]),
            ),
            ("omega total", fmt(om["total"])),
        ]
    return Table(
        "fit",
        "Factor structure and CFA fit (lavaan ML)",
        ("measure", "value"),
        tuple(rows),
        (False, True),
    )


def _scales_table(report: Mapping[str, Any]) -> Table:
    headers = ("scale", "items", "n", "mean", "sd", "alpha", "95% CI", "std alpha",
               "SEM", "omega total", "CFA rel", "ordinal alpha")  # fmt: skip
    rows = tuple(
        (
            scale_id,
            fmt(s["n_items"]),
            fmt(s["n"]),
            fmt(s["mean"]),
            fmt(s["sd"]),
            fmt(s["alpha"]),
            fmt_ci(s["alpha_ci"]),
            fmt(s["std_alpha"]),
            fmt(s.get("sem")),
            fmt(s["omega_total"]),
            fmt(s.get("composite_reliability")),
            fmt(s["ordinal_alpha"]),
        )
        for scale_id, s in report["scales"].items()
    )
    numeric = (False, *([True] * (len(headers) - 1)))
    caption = (
        "95% CI: Feldt, on the respondents who answered an item of the scale; "
        "SEM = sd x sqrt(1 - alpha), sd of the scale scores shown; "
        "omega total: psych::omega, a one-factor EFA of the scale alone; "
        "CFA rel: composite reliability (semTools::compRelSEM) from the CFA of all scales "
        "together, on its complete cases"
    )
    return Table("scales", "Scales: scores and reliability", headers, rows, numeric, caption)


def _aggregation_table(report: Mapping[str, Any]) -> Table:
    headers = ("scale", "ICC(1)", "ICC(2)", "rwg(j) mean", "rwg(j) median", "groups with rwg(j)")
    rows = tuple(
        (
            scale_id,
            fmt(s["icc1"]),
            fmt(s["icc2"]),
            fmt(s["rwg_j_mean"]),
            fmt(s["rwg_j_median"]),
            fmt(s.get("rwg_j_groups")),
        )
        for scale_id, s in report["scales"].items()
    )
    caption = "ICC from the one-way ANOVA of scale scores on groups; rwg(j) with a uniform null"
    return Table(
        "aggregation", "Scales: team aggregation", headers, rows,
        (False, True, True, True, True, True), caption,
    )  # fmt: skip


def _items_table(scale_id: str, scale: Mapping[str, Any]) -> Table:
    headers = ("item", "mean", "sd", "r.drop", "alpha if dropped")
    reverse = set(scale.get("reverse", ()))
    rows = tuple(
        (
            ("-" if item in reverse else "") + item,
            fmt(v["mean"]),
            fmt(v["sd"]),
            fmt(v["r_drop"]),
            fmt(v["alpha_if_dropped"]),
        )
        for item, v in scale["items"].items()
    )
    low, high = scale.get("range", (None, None))
    caption = f"response range {_bound(low)}-{_bound(high)}"
    if scale.get("range_inferred"):
        caption += ", inferred from the lowest and highest answer (not given)"
    if reverse:
        caption += "; '-' marks a reverse-keyed item (statistics after reversing)"
    return Table(
        f"items-{scale_id}",
        f"Items of {scale_id}",
        headers,
        rows,
        (False, True, True, True, True),
        caption,
    )


def _loadings_table(
    key: str,
    title: str,
    loadings: Mapping[str, Mapping[str, Any]],
    extra: tuple[str, Mapping[str, Any]] | None = None,
) -> Table:
    factors: list[str] = []
    for row in loadings.values():
        for factor in row:
            if factor not in factors:
                factors.append(factor)
    headers = ["item", *factors]
    if extra is not None:
        headers.append(extra[0])
    rows = []
    for item, row in loadings.items():
        cells = [item] + [fmt(row[f]) if f in row else "" for f in factors]
        if extra is not None:
            cells.append(fmt(extra[1].get(item)))
        rows.append(tuple(cells))
    numeric = (False, *([True] * (len(headers) - 1)))
    return Table(key, title, tuple(headers), tuple(rows), numeric)
