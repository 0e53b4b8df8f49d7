"""An export that the tables beside it cannot undo: global recoding, proved by its margins.

A researcher holds the item-level export *and* every table the dashboards and the API show
(each unit's n and distributions, per category of the filter question). Blanking a rare
person's unit or gender in the file (local suppression) does not hide them then: the table
minus the file's rows labelled with that unit is exactly the blanked rows' answers, and
their answer pattern finds their row. So the export is built from the released tables:

1. the unit column is recoded globally (:func:`engine.disclosure.export.export_units`):
   each unit's rows carry the unit itself when its response count is released, else its
   nearest unit that is; the scales and items are released only where the response count
   is (:mod:`webapp.results.release`), so every released table is a union of the file's
   units;
2. the survey's filter question (the one question tables are broken down by) is kept only
   when every unit label x category of it holds 0 or at least k rows after rare categories
   are merged organisation-wide; otherwise it is left out whole, never blanked row by row,
   and so are language and the other demographic questions while filtered tables are shown
   (see :func:`plan_export`);
3. language and the other demographic questions, which no table breaks down by, are made
   k-anonymous as before (merged, then blanked where still rare) when they stay.

:func:`check_margins` then proves that every released table is a sum over whole classes of
the file (rows alike on every quasi-identifier), so tables and file together tell nothing
the file does not; ``samen audit`` runs the same check and, for a file that fails it, the
exact disclosure audit with the file's classes as views
(:func:`webapp.research.auditing.audit_wave`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from webapp.results.data import WaveData

__all__ = [
    "ExportClasses",
    "ExportPlan",
    "UnsafeExport",
    "check_margins",
    "export_classes",
    "plan_export",
    "released_units",
]

#: Column that carries each row's position in the wave's matrix through ``k_anonymize``.
ROW = "_row"


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
    notes : tuple of str
    proved : bool
    """

    result: Any
    labels: dict[str, str]
    withheld: tuple[str, ...]
    classes: ExportClasses
    rounds: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: True when the exact proof beside every table passed
    #: (:func:`webapp.research.export_blocks.prove`).
    proved: bool = False


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


def _frame(
    data: WaveData,
    labels: dict[str, str],
    withheld: Collection[str],
    kinds: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The wave as a frame; with ``kinds`` (items, demographics), a missing cell holds its
    missing code (-1 not applicable, -2 prefer not to say, -3 not answered), so that the
    k-anonymity check sees exactly the values the file will show."""
    import pandas as pd

    from webapp.exports.missing import code_of_kind

    matrix = data.matrix
    languages = [None] * matrix.n if "language" in withheld else matrix.languages
    columns: dict[str, Any] = {
        "unit": pd.Series([labels.get(str(u), u) for u in matrix.unit_codes], dtype=object),
        "language": pd.Series(languages, dtype=object),
    }

    def coded(values: np.ndarray, kind: np.ndarray | None) -> np.ndarray:
        if kind is None:
            return values
        return np.where(np.isnan(values), code_of_kind(kind), values)

    for j, question in enumerate(matrix.demographic_ids):
        kind = kinds[1][:, j] if kinds is not None else None
        values = coded(matrix.demographics[:, j], kind)
        columns[question] = np.full(matrix.n, np.nan) if question in withheld else values
    for j, item in enumerate(matrix.item_ids):
        columns[item] = coded(matrix.values[:, j], kinds[0][:, j] if kinds is not None else None)
    columns[ROW] = np.arange(matrix.n, dtype=np.int64)
    return pd.DataFrame(columns, index=range(matrix.n))


def plan_export(
    data: WaveData,
    quasi: list[str],
    filter_column: str | None,
    *,
    seed: int | None = None,
    k: int | None = None,
    withheld: Collection[str] = (),
    kinds: tuple[np.ndarray, np.ndarray] | None = None,
    suppression: Literal["columns", "local"] = "columns",
) -> ExportPlan:
    """Build the export of a closed wave so that the tables beside it add nothing.

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
    k : int, optional
        Responses every class and unit label must hold (default: the survey's k; a survey
        with an open link passes its ``open_link_k``).
    withheld : collection of str
        Quasi-identifier columns exported empty from the start (an open link: language and
        every demographic question, since anyone could pad a combination of them).
    kinds : (ndarray, ndarray), optional
        Missing kinds of the items and the demographic questions
        (:func:`surveys.responses.load_missing_kinds`): missing cells then carry distinct
        missing codes, which are values of their own in the k-anonymity check and never
        pooled into "other". When the filter question cannot be kept with its missing
        codes apart, they are withheld (-4) in that column before the question is given up.
    suppression : {"columns", "local"}
        How rows still rarer than k lose quasi-identifiers (see
        :func:`engine.disclosure.export.k_anonymize`).

    Returns
    -------
    ExportPlan

    Raises
    ------
    UnsafeExport
        When a released table is not a margin of the file (the construction guarantees it
        is; this is the check that it did).

    Notes
    -----
    Two files are possible. When every unit label holds 0 or at least k responses in each
    category of the filter question, the question stays whole and every table, filtered or
    not, is a sum over whole classes of the file. Otherwise the filter question cannot be
    in the file, and neither can language or the other demographic questions while any
    filtered table is shown: a class of the file that happens to hold only women, subtracted
    from a unit's "women" figure, would leave the other women of that unit. The file then
    has the unit labels only, each a difference of released unit figures, so the tables and
    the file together tell nothing the tables do not. Either way :func:`check_margins`
    proves it before the file is written. (An exact linear audit of the file against the
    tables, which could keep more columns, takes hours at 100,000 responses.)
    """
    from engine.disclosure.export import export_units, k_anonymize

    survey = data.survey
    k = survey.definition.k if k is None else k
    questions = tuple(data.matrix.demographic_ids)
    own_n = data.own_counts(np.ones(data.n, dtype=bool))
    released = released_units(data, questions)
    labels = export_units(survey.parent, released, own_n, k)
    withheld = list(withheld)
    notes: list[str] = []
    keep = filter_column is not None and filter_column not in withheld and filter_column in quasi
    filter_name = filter_column or ""
    moved = {u: label for u, label in labels.items() if label != u and own_n.get(u, 0) > 0}
    if keep and suppression == "local" and kinds is not None:
        from webapp.research.export_blocks import plan_blocks

        planned = plan_blocks(
            data, quasi, filter_name, labels, k=k, withheld=withheld, kinds=kinds, seed=seed
        )
        if planned is not None:
            return replace(planned, result=replace(planned.result, rolled_up=moved))
        notes.append(
            f"{filter_column}: withholding it by blocks did not pass the exact audit beside "
            "the tables; the margin rule applies"
        )
    if filter_column is not None and not keep:
        others = [c for c in quasi if c != "unit" and c not in withheld]
        if others and _filter_cells_shown(data, questions):
            withheld += others
            notes.append(
                f"{', '.join(others)}: left out with {filter_column}, which the dashboards "
                "break results down by; a file without it can hold no other "
                "quasi-identifier"
            )
    frame = _frame(data, labels, withheld, kinds)
    options: dict[str, Any] = {
        "seed": seed,
        "suppression": suppression,
        "keep_apart": (-1.0, -2.0, -3.0),
    }
    try:
        result = k_anonymize(
            frame, quasi, k, fixed=["unit", filter_name] if keep else ["unit"], **options
        )
    except ValueError:
        if not keep:
            raise
        result = None
    if result is None and kinds is not None:  # the missing codes apart made a class small
        column = frame[filter_name].to_numpy(dtype=float)
        frame[filter_name] = np.where(column < 0, np.nan, column)
        try:
            result = k_anonymize(frame, quasi, k, fixed=["unit", filter_name], **options)
        except ValueError:
            result = None
    if result is None:
        filtered = _filter_cells_shown(data, questions)
        gone = [filter_name, *([c for c in quasi if c != "unit"] if filtered else [])]
        withheld += [c for c in dict.fromkeys(gone) if c not in withheld]
        notes.append(
            f"{filter_column}: left out, a unit in the file has fewer than {k} responses in "
            "one of its categories and the dashboards show results per category"
            + ("; language and the other demographic questions left out with it" * filtered)
        )
        frame = _frame(data, labels, withheld, kinds)
        result = k_anonymize(frame, quasi, k, fixed=["unit"], **options)
    result = replace(result, rolled_up=moved)
    classes = export_classes(result.data, quasi, data.n)
    problem = check_margins(data, classes, questions, released)
    if problem is not None:
        raise UnsafeExport(problem)
    return ExportPlan(result, labels, tuple(withheld), classes, 1, tuple(notes))


def _filter_cells_shown(data: WaveData, questions: tuple[str, ...]) -> bool:
    from webapp.results import released_cells

    every = frozenset(data.survey.parent)
    return any(
        cell[1] is not None
        for measure in data.measures.values()
        for cell in released_cells(data, measure, every, questions)
    )


def check_margins(
    data: WaveData,
    classes: ExportClasses,
    questions: tuple[str, ...],
    released: Collection[str] | None = None,
) -> str | None:
    """None when every released table is a margin of the export; else the first that is not.

    A table (a unit's figure, or a unit's figure for one filter category, of any measure) is
    a margin when each class of the file lies wholly inside or wholly outside its rows: then
    every number of it is a sum over whole classes, which the file shows row by row anyway,
    and no combination of tables and file isolates rows the file does not. A filtered table
    also passes when every class is a whole unit label that is itself a released unit's
    figure minus its released descendants' (the file then splits nothing the unfiltered
    tables do not). Checked with the same rows for every measure (stricter than per measure:
    a class is "inside" only with all its rows).
    """
    from webapp.results import released_cells

    every = frozenset(data.survey.parent)
    ids = classes.ids
    size = np.bincount(ids, minlength=len(classes.names))
    seen: set[tuple] = set()
    blind: bool | None = None
    for measure in data.measures.values():
        for cell in released_cells(data, measure, every, questions):
            if cell in seen:
                continue
            seen.add(cell)
            unit, question, category = cell
            rows = data.in_subtree(unit)
            if question is not None:
                rows = rows & (data.demographic(question) == float(category))  # type: ignore[arg-type]
            inside = np.bincount(ids[rows], minlength=len(size))
            if np.all((inside == 0) | (inside == size)):
                continue
            if question is not None:
                if blind is None:
                    blind = _classes_are_labels(data, classes, released)
                if blind:
                    continue
            name = unit if question is None else f"{unit}|{question}={category}"
            return f"the table of {name} splits a class of the file"
    return None


def _classes_are_labels(
    data: WaveData, classes: ExportClasses, released: Collection[str] | None
) -> bool:
    """Whether each class is exactly the rows of one released unit minus its released ones."""
    if released is None:
        released = released_units(data, tuple(data.matrix.demographic_ids))
    tops = set(released) | {u for u, up in data.survey.parent.items() if up is None}
    label_of_row = np.full(data.n, -1, dtype=np.int64)
    index = {u: i for i, u in enumerate(sorted(tops))}
    for i, unit in enumerate(data.matrix.unit_codes):
        u: str | None = str(unit)
        while u is not None and u not in tops:
            u = data.survey.parent[u]
        label_of_row[i] = index[u] if u is not None else -1
    pairs = np.unique(np.stack([classes.ids, label_of_row]), axis=1)
    # one label per class and one class per label
    return len(np.unique(pairs[0])) == pairs.shape[1] == len(np.unique(pairs[1]))
