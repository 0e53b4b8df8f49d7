"""The change and equity views in the disclosure audit: they add no cell of their own.

A change (:mod:`webapp.results.change`) is computed from two released scale cells of the
same unit, one per wave; an equity gap (:mod:`webapp.results.equity`) from a released filter
cell (the group) and the unit's released total, whose difference is the rest. So every
number of these views is a function of cells ``samen audit`` already audits
(:func:`webapp.research.auditing.served_cells`, per wave, with every demographic question
in the atoms). :func:`unserved_cells` lists the cells a change or an equity gap rests on
that the audited views do not hold: it must be empty, and then the audit's verdict on the
served cells covers these views too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from surveys.users import UserInfo

if TYPE_CHECKING:
    from surveys.db import Database
    from webapp.results.data import Measure, WaveData

#: ``(data, measure, scope, questions) -> cells``, as :data:`webapp.research.auditing.CellsOf`.
CellsOf = Callable[["WaveData", "Measure", frozenset[str], tuple[str, ...]], set]

__all__ = ["AUDITOR", "comparison_cells", "unserved_cells", "without_equity"]

#: The widest scope: every unit, as admins see it (every manager's views are a subset).
AUDITOR = UserInfo("audit", "admin", None, "audit")

#: ``(view, wave, measure id, (unit, question, category))``
Used = tuple[str, str, str, tuple[str, str | None, str | None]]


def comparison_cells(db: Database, slug: str, wave: str) -> set[Used]:
    """The cells the change views (every unit, since the previous closed wave) and the
    equity view of ``wave`` rest on."""
    from webapp.results.change import change_cells, unit_change
    from webapp.results.data import load_survey
    from webapp.results.equity import equity, equity_cells

    context = load_survey(db, slug).at_wave(wave)
    out: set[Used] = set()
    for unit in sorted(context.parent):
        change = unit_change(db, slug, wave, unit, AUDITOR)
        for label, code, measure in change_cells(change):
            out.add(("change", label, measure, (code, None, None)))
    for code, measure, question, category in equity_cells(equity(db, slug, wave, AUDITOR)):
        out.add(("equity", wave, measure, (code, question, category)))
        out.add(("equity", wave, measure, (code, None, None)))
    return out


def unserved_cells(db: Database, slug: str, wave: str) -> list[Used]:
    """The cells of :func:`comparison_cells` that the audited views do not hold (none)."""
    from webapp.research.auditing import served_cells
    from webapp.results.data import load_survey, load_wave

    context = load_survey(db, slug)
    served: dict[tuple[str, str], set] = {}
    missing = []
    for used in sorted(comparison_cells(db, slug, wave), key=repr):
        _view, label, measure_id, cell = used
        if (label, measure_id) not in served:
            data = load_wave(db, context, label)
            measure = data.measures[measure_id]
            questions = tuple(data.matrix.demographic_ids)
            served[(label, measure_id)] = served_cells(
                data, measure, frozenset(data.survey.parent), questions
            )
        if cell not in served[(label, measure_id)]:
            missing.append(used)
    return missing


def without_equity(cells_of: CellsOf, data: WaveData) -> CellsOf:
    """``cells_of`` without the equity cells of questions other than the filter question.

    For :func:`webapp.research.auditing.audit_family`: items have no cells by demographic
    question, so a scale's equity cells (organisation level,
    :mod:`webapp.results.equity_release`) add nothing to the differences between the scale
    and its items beyond what the measure's own pass audits (with every demographic
    question, the export and the programme views); over
    atoms split by all eight questions and by contribution class the family audit took
    three times the whole audit's time on the demo.
    """
    from webapp.results.release import filter_question

    offered = filter_question(data.survey.definition)

    def cells(data: WaveData, measure: Measure, scope: frozenset[str], questions: Any) -> Any:
        return {c for c in cells_of(data, measure, scope, questions) if c[1] in (None, offered)}

    return cells
