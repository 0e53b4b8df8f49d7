"""An export that the tables beside it cannot undo: global recoding, checked by the audit.

A researcher holds the item-level export *and* every table the dashboards and the API show
(each unit's n and distributions, per category of the filter question). Blanking a rare
person's unit or gender in the file (local suppression) does not hide them then: the table
minus the file's rows labelled with that unit is exactly the blanked rows' answers, and
their answer pattern finds their row. So the export is built from the released tables:

1. the unit column is recoded globally (:func:`engine.disclosure_export.export_units`):
   each unit's rows carry the unit itself when some number of it is released, else its
   nearest released ancestor; every released table is then a union of the file's units;
2. the survey's filter question (the one question tables are broken down by) is kept only
   when every unit label x category of it holds 0 or at least k rows after rare categories
   are merged organisation-wide; otherwise the whole column is withheld, never blanked
   row by row;
3. language and the other demographic questions, which no table breaks down by, are made
   k-anonymous as before (merged, then blanked where still rare).

The audit is the authority (DESIGN.md, anonymity point 5): :func:`plan_export` builds the
file's classes (rows alike on every quasi-identifier), hands them with the released cells of
every measure to :func:`webapp.research.auditing.audit_wave`, and coarsens further while it
finds a group below k (first the filter question, then the unit label named in a finding).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from engine.audit import Finding
    from webapp.results.data import WaveData

__all__ = [
    "ExportClasses",
    "ExportPlan",
    "UnsafeExport",
    "export_classes",
    "plan_export",
    "released_units",
]

#: Column that carries each row's position in the wave's matrix through ``k_anonymize``.
ROW = "_row"
#: Rounds of coarsening before the plan gives up and labels every row with its root.
MAX_ROUNDS = 50


class UnsafeExport(Exception):
    """No export of the wave passes the audit beside the tables; the message says why."""


@dataclass(frozen=True)
class ExportClasses:
    """The export as the audit sees it: the class of each response and the class names.

    ``ids[i]`` is the class of row ``i`` of the wave's matrix (rows alike on every
    quasi-identifier share a class); ``names[c]`` describes class ``c``
    (``"unit=CHIR|language=nl|dem_gender=-"``).
    """

    ids: np.ndarray
    names: tuple[str, ...]


@dataclass(frozen=True)
class ExportPlan:
    """A k-anonymised export that passed the audit together with the released tables.

    Attributes
    ----------
    result : KAnonResult
        The rows (random order, with the ``_row`` column) and what was recoded.
    labels : dict of str to str
        Unit -> the unit its rows carry.
    withheld : tuple of str
        Quasi-identifier columns withheld whole (exported empty), e.g. the filter question.
    classes : ExportClasses
    rounds : int
        Audits run to reach the plan (1 when the first construction passed).
    """

    result: Any
    labels: dict[str, str]
    withheld: tuple[str, ...]
    classes: ExportClasses
    rounds: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)


def released_units(data: WaveData, questions: tuple[str, ...]) -> set[str]:
    """Units whose response count (n, the measure every page shows) is released.

    The response count's pattern is the base of the file's unit labels: each label is a
    released unit minus its released descendants, a difference that measure's own audit
    keeps at 0 or at least k. Scales and items have patterns of their own (their n can be
    smaller); where one of them shows a unit the file does not, the audit in
    :func:`plan_export` checks the difference.
    """
    from webapp.results import released_cells

    every = frozenset(data.survey.parent)
    cells = released_cells(data, data.measures[""], every, questions)
    return {cell[0] for cell in cells if cell[1] is None}


def export_classes(data: pd.DataFrame, quasi: list[str], n: int) -> ExportClasses:
    """The class of each matrix row in a k-anonymised frame that kept the ``_row`` column."""
    import pandas as pd

    if not quasi:
        return ExportClasses(np.zeros(n, dtype=np.int64), ("all",))
    shown = data[quasi].astype(object).where(data[quasi].notna(), "-")
    codes, uniques = pd.MultiIndex.from_frame(shown.astype(str)).factorize()
    ids = np.full(n, -1, dtype=np.int64)
    ids[data[ROW].to_numpy(dtype=np.int64)] = codes
    names = tuple("|".join(f"{q}={v}" for q, v in zip(quasi, key, strict=True)) for key in uniques)
    return ExportClasses(ids, names)


def _frame(data: WaveData, labels: dict[str, str], withheld: Collection[str]) -> pd.DataFrame:
    import pandas as pd

    matrix = data.matrix
    languages = [None] * matrix.n if "language" in withheld else matrix.languages
    columns: dict[str, Any] = {
        "unit": pd.Series([labels.get(str(u), u) for u in matrix.unit_codes], dtype=object),
        "language": pd.Series(languages, dtype=object),
    }
    for j, question in enumerate(matrix.demographic_ids):
        values = matrix.demographics[:, j]
        columns[question] = np.full(matrix.n, np.nan) if question in withheld else values
    for j, item in enumerate(matrix.item_ids):
        columns[item] = matrix.values[:, j]
    columns[ROW] = np.arange(matrix.n, dtype=np.int64)
    return pd.DataFrame(columns, index=range(matrix.n))


def plan_export(
    data: WaveData,
    quasi: list[str],
    filter_column: str | None,
    *,
    seed: int | None = None,
    audit: Callable[[WaveData, ExportClasses], list[tuple[str, Finding]]] | None = None,
    k: int | None = None,
    withheld: Collection[str] = (),
) -> ExportPlan:
    """Build the export of a closed wave and check it with the tables beside it.

    Parameters
    ----------
    data : WaveData
        The closed wave (its tree is the one its tables were shown with).
    quasi : list of str
        Quasi-identifier columns, most useful first (``unit``, ``language``, demographics).
    filter_column : str or None
        The demographic question tables are broken down by
        (:func:`webapp.results.release.filter_question`).
    seed : int, optional
        Fixes the row order (tests only).
    audit : callable, optional
        ``(data, classes) -> findings`` (default: :func:`webapp.research.auditing.audit_wave`
        over every unit with the export as views).
    k : int, optional
        Responses every class and unit label must hold (default: the survey's k; a survey
        with an open link passes its ``open_link_k``).
    withheld : collection of str
        Quasi-identifier columns exported empty from the start (an open link: language and
        every demographic question, since anyone could pad a combination of them).

    Returns
    -------
    ExportPlan
    """
    from engine.disclosure_export import export_units, k_anonymize

    if audit is None:
        audit = _audit_every_unit
    survey = data.survey
    k = survey.definition.k if k is None else k
    parent = survey.parent
    questions = tuple(data.matrix.demographic_ids)
    own_n = data.own_counts(np.ones(data.n, dtype=bool))
    released = released_units(data, questions)
    withheld = list(withheld)
    notes: list[str] = []
    labels = export_units(parent, released, own_n, k)
    tried: set[str] = set()
    for rounds in range(1, MAX_ROUNDS + 1):
        frame = _frame(data, labels, withheld)
        fixed = ["unit"]
        if filter_column is not None and filter_column not in withheld:
            fixed.append(filter_column)
        try:
            result = k_anonymize(frame, quasi, k, fixed=fixed, seed=seed)
        except ValueError:
            if filter_column is None or filter_column in withheld:
                raise
            withheld.append(filter_column)
            notes.append(
                f"{filter_column}: withheld, a unit in the file has fewer than {k} responses "
                "in one of its categories and the dashboards show it per category"
            )
            continue
        moved = {u: label for u, label in labels.items() if label != u and own_n.get(u, 0) > 0}
        result = replace(result, rolled_up=moved)
        classes = export_classes(result.data, quasi, data.n)
        findings = audit(data, classes)
        if not findings:
            return ExportPlan(result, labels, tuple(withheld), classes, rounds, tuple(notes))
        if filter_column is not None and filter_column not in withheld:
            withheld.append(filter_column)
            notes.append(f"{filter_column}: withheld, the audit found it with the tables")
            continue
        hidden = _tables_inside_labels(findings, labels) - released - tried
        tried |= hidden
        if hidden:  # a scale's or item's table shows a unit the file lumps with others
            released |= hidden
            labels = export_units(parent, released, own_n, k)
            shown = ", ".join(sorted(hidden))
            notes.append(f"units labelled as shown by a scale or item: {shown}")
        else:
            labels = _coarsen(labels, parent, findings)
    raise UnsafeExport(f"no safe export after {MAX_ROUNDS} rounds of coarsening")


def _tables_inside_labels(findings: list[tuple[str, Finding]], labels: dict[str, str]) -> set[str]:
    """Units whose table a finding subtracts while their rows carry another unit's label."""
    out = set()
    for _, finding in findings:
        for name in finding.combination:
            if name.startswith("unit:") and "|" not in name:
                unit = name[len("unit:") :]
                if labels.get(unit, unit) != unit:
                    out.add(unit)
    return out


def _coarsen(
    labels: dict[str, str], parent: dict[str, str | None], findings: list[tuple[str, Finding]]
) -> dict[str, str]:
    """Merge one label into another so the group a finding derives grows.

    The deepest label a finding's group lies in moves into its parent's label; when that
    label is a root, the smallest label directly below it that the finding does not name
    moves into it instead (the root's class then holds more rows than any table removes).
    """
    from engine.disclosure_tree import _tree

    _, order = _tree(parent)
    depth = {u: i for i, u in enumerate(order)}
    involved = {labels[atom[0]] for _, finding in findings for atom in finding.atoms}
    movable = [u for u in involved if parent[u] is not None]
    if movable:
        victim = max(movable, key=lambda u: depth[u])
        up = labels[parent[victim]]  # type: ignore[index]
        return {u: (up if label == victim else label) for u, label in labels.items()}
    named = {
        name[len("unit:") :].split("|")[0]
        for _, finding in findings
        for name in finding.combination
        if name.startswith("unit:")
    }
    size: dict[str, int] = {}
    for _, finding in findings:
        for atom in finding.atoms:
            size[labels[atom[0]]] = size.get(labels[atom[0]], 0)
    roots = set(involved)
    below = {
        label
        for label in set(labels.values())
        if parent[label] is not None and labels[parent[label]] in roots  # type: ignore[index]
    }
    rows = {u: sum(1 for v in labels.values() if v == u) for u in below}
    candidates = sorted(below - named, key=lambda u: (rows[u], u))
    if not candidates:
        context, finding = findings[0]
        raise UnsafeExport(f"{context}: {finding.describe()}")
    victim = candidates[0]
    up = labels[parent[victim]]  # type: ignore[index]
    return {u: (up if label == victim else label) for u, label in labels.items()}


def _audit_every_unit(data: WaveData, classes: ExportClasses) -> list[tuple[str, Finding]]:
    from webapp.research.auditing import audit_wave

    findings, _, _ = audit_wave(data, frozenset(data.survey.parent), export=classes)
    return findings
