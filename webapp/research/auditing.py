"""The disclosure audit of a survey: every view a role can request, checked by the engine.

:func:`audit_survey` is ``samen audit``. For each released wave, each measure (the response
count, every scored scale, every item) and each unit in the role's scope, it asks which
numbers the results service shows — unfiltered and for every filter (demographic question x
category) — and builds from those cells the views of
:func:`engine.disclosure.audit_views.cell_views` over that measure's own atoms (a unit's direct
members x their answers to the demographic questions; for an item only the answers other than "not
applicable"). Then
:func:`engine.disclosure.audit.audit` decides with exact linear algebra whether any group of 1 to
k-1 respondents can be derived from them.

The differences between the measures of one unit are views too: each scored scale is
audited once more together with its items (:func:`audit_family`), over atoms that also split
respondents by which answers they add to which of those measures, per item, so that a
scale's numbers minus its items' numbers isolating the answers of fewer than k respondents
are found (issue 14, path 3: before items counted only valid scale scores, a scale minus its
items gave the answers of those without a valid score).

Each closed wave is audited on the tree it closed with (:meth:`SurveyContext.at_wave`),
the one tree the results service ever shows it with, so "every tree a closed wave has been
shown with" is that one; :func:`audit_trees` audits a wave's views under several trees as
one set, which shows what a second tree would leak (a unit moved after close).

Programme evaluations (admins and researchers) are views too: per scale and wave, the count
and sum of the programme's units and of the other units
(:mod:`webapp.research.audit_programmes`), audited with that measure's cells.

Comments are audited as sets of texts counted in writers (people who wrote a comment), the
unit of the comment threshold: :mod:`webapp.research.audit_comments`.

Without ``as_email`` the scope is every unit: what admins and researchers see, which is also
everything every manager sees pooled (a manager's views are a subset of the organisation-wide
pattern), so one pass covers every role and every coalition of roles.

Which cells are shown is the results service's own answer,
:func:`webapp.results.released_cells` (via :func:`served_cells`). The service releases filter
cells one demographic question at a time; the audit's atoms carry the answers to *every*
demographic question, so leaks that combine filters of different questions (women in one
unit minus under-30s in another...) are found here. An open wave releases nothing (the
service holds it back), so it is reported as not audited.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.disclosure.audit import Finding
from engine.disclosure.audit_comments import CommentFinding
from webapp.research.audit_comments import audit_wave_comments
from webapp.research.audit_comparisons import without_equity
from webapp.research.audit_export import (
    EXPORT_CLASS,
    EXPORT_ROLES,
    export_for_audit,
    export_views,
    own_by_class,
    within_file,
)
from webapp.research.audit_homogeneity import audit_wave_homogeneity
from webapp.research.audit_programmes import ExtraViews, atom_views, programme_extra
from webapp.research.audit_result import SurveyAudit
from webapp.research.audit_trees import audit_trees, under_tree

if TYPE_CHECKING:
    from surveys.db import Database
    from surveys.org import UnitInfo
    from webapp.research.export_plan import ExportClasses
    from webapp.results.data import Measure, SurveyContext, WaveData

__all__ = [
    "Cell",
    "SurveyAudit",
    "audit_family",
    "audit_survey",
    "audit_trees",
    "audit_wave",
    "served_cells",
    "under_tree",
]

#: ``(unit, question, category)``; question and category None for a unit's own total.
Cell = tuple[str, str | None, str | None]
CellsOf = Callable[["WaveData", "Measure", frozenset[str], tuple[str, ...]], set[Cell]]


def served_cells(
    data: WaveData,
    measure: Measure,
    scope: frozenset[str],
    questions: tuple[str, ...],
    cache: dict[Any, Any] | None = None,
) -> set[Cell]:
    """The cells of ``measure`` the results service shows to a role with ``scope``.

    :func:`webapp.results.released_cells`, the service's one statement of what is shown:
    unit totals after primary and organisation-wide secondary suppression, filter cells per
    demographic question (scales and the response count only), and the comment threshold
    for sensitive instruments. ``cache`` shares release patterns between measures with
    equal counts (one cache per wave and scope).
    """
    from webapp.results import released_cells

    return released_cells(data, measure, scope, questions, cache)


def _measure_label(measure: Measure) -> str:
    """``responses``, ``scale <id>`` or ``item <id>``."""
    return f"{measure.kind} {measure.id}" if measure.id else measure.kind


def audit_wave(
    data: WaveData,
    scope: Collection[str],
    *,
    filters: bool = True,
    cells_of: CellsOf | None = None,
    progress: Callable[[str], None] | None = None,
    export: ExportClasses | None = None,
    extra: ExtraViews | None = None,
) -> tuple[list[tuple[str, Finding]], int, int]:
    """Audit one wave for one scope: findings, number of views, number of nonempty atoms.

    ``extra`` gives further groups shown per measure (programme evaluations,
    :mod:`webapp.research.audit_programmes`): each is audited as one more view, its count
    and sum, together with the measure's cells.

    ``cells_of`` (default :func:`served_cells`) says which cells are shown. Each finding
    comes with its context, the wave and the measure (``"2026-1 scale belonging.membership"``).
    ``progress`` is called with each measure's context before it is audited, then with
    each scale audited with its items (``"<wave> scale <id> with its items (i/n)"``).

    ``export``, the item-level export as classes of rows (rows alike on every
    quasi-identifier, :mod:`webapp.research.export_plan`), adds the file to the views: each
    class is a released group of rows whose every answer the holder sees, so per measure it
    is one more view (its rows with a valid value), over atoms refined by class. A blanked
    row that a table minus the file's labelled rows pins down is then a group below k.
    """
    from engine.disclosure.audit import audit
    from engine.disclosure.audit_views import atoms_of, cell_views
    from webapp.results.release import measure_k

    scope = frozenset(scope)
    patterns: dict[Any, Any] = {}

    def cells(data: WaveData, measure: Measure, scope: frozenset[str], questions: Any) -> Any:
        if cells_of is not None:
            return cells_of(data, measure, scope, questions)
        return served_cells(data, measure, scope, questions, patterns)

    parent = data.survey.parent
    questions = tuple(data.matrix.demographic_ids) if filters else ()
    findings: list[tuple[str, Finding]] = []
    n_views = 0
    done: dict[Any, tuple[tuple[Finding, ...], int]] = {}
    measures = list(data.measures.values())
    scales = [m for m in measures if m.kind == "scale" and m.items]
    steps = len(measures) + len(scales)
    for number, measure in enumerate(measures, start=1):
        context = f"{data.wave.label} {_measure_label(measure)}"
        if progress is not None:
            progress(f"{context} ({number}/{steps})")
        shown = cells(data, measure, scope, questions)
        own: Any
        if export is not None:
            # The file's other columns enter through its classes; atoms need only the
            # questions the tables break down by (at most the filter question), which keeps
            # them few at 100,000 responses (every demographic question made each nearly
            # one person).
            used = tuple(q for q in questions if any(c[1] == q for c in shown))
            own = own_by_class(data, measure.valid, used, export.ids)
        elif questions:
            own = data.own_profiles(measure.valid, questions)
        else:
            own = data.own_counts(measure.valid)
        shown_groups = extra(data, measure) if extra is not None else []
        key = (measure_k(data, measure), _frozen(own), frozenset(shown), tuple(shown_groups))
        if key not in done:  # measures with the same counts and cells give the same audit
            atoms = atoms_of(own)
            if export is not None:
                views = cell_views(parent, own, shown, (*used, EXPORT_CLASS))
                views += export_views(atoms, export.names)
            else:
                views = cell_views(parent, own, shown, questions)
            views += atom_views(data, atoms, shown_groups)
            result = audit(atoms, views, key[0])
            found = result.findings
            if export is not None:
                found = tuple(f for f in found if not within_file(f, atoms))
            done[key] = (found, len(views))
        found, count = done[key]
        n_views += count
        findings.extend((context, finding) for finding in found)
    for number, measure in enumerate(scales, start=len(measures) + 1):
        context = f"{data.wave.label} {_measure_label(measure)} with its items"
        if progress is not None:
            progress(f"{context} ({number}/{steps})")
        found, count = audit_family(data, measure, scope, questions, without_equity(cells, data))
        n_views += count
        findings.extend((context, finding) for finding in found)
    everyone = data.own_profiles(data.measures[""].valid, questions)
    groups = sum(1 for n in atoms_of(everyone).values() if n > 0)
    return findings, n_views, groups


def audit_family(
    data: WaveData,
    scale: Measure,
    scope: frozenset[str],
    questions: tuple[str, ...],
    cells_of: CellsOf,
) -> tuple[tuple[Finding, ...], int]:
    """Audit a scale and its items together: findings and the number of views.

    The cells shown of the scale and of each item (``cells_of``) become views over atoms
    that split a unit's members by their filter answers and by which answers they add to
    which of these measures, per item (:func:`engine.disclosure.audit_measures.measure_views`), so
    that the scale's numbers minus its items' numbers are a combination the audit checks:
    the answers of fewer than k respondents must not be derivable from them together.
    """
    from engine.disclosure.audit import audit
    from engine.disclosure.audit_measures import measure_views
    from webapp.results.release import measure_k

    family = [scale, *(data.measures[i] for i in scale.items)]
    cells = {m.id: cells_of(data, m, scope, questions) for m in family}
    used = tuple(q for q in questions if any(c[1] == q for found in cells.values() for c in found))
    # a respondent's contribution class: which items' answers each measure counts
    answered = ~np.isnan(scale.answers)  # type: ignore[arg-type]
    bits = [scale.valid[:, None] & answered]
    bits += [m.valid[:, None] for m in family[1:]]
    block = np.concatenate(bits, axis=1)
    classes, class_of = np.unique(block, axis=0, return_inverse=True)
    class_of = class_of.reshape(-1)
    width = len(scale.items)
    parts: dict[str, dict[int, frozenset[str]]] = {m.id: {} for m in family}
    for c, row in enumerate(classes.tolist()):
        pooled = zip(scale.items, row[:width], strict=True)
        parts[scale.id][c] = frozenset(i for i, b in pooled if b)
        for j, item in enumerate(family[1:]):
            if row[width + j]:
                parts[item.id][c] = frozenset([item.id])
    own: dict[str, dict[tuple, int]] = {u: {} for u in data.survey.parent}
    for c in range(len(classes)):
        mask = class_of == c
        if used:
            for unit, profiles in data.own_profiles(mask, used).items():
                for profile, n in profiles.items():
                    own[unit][(profile, c)] = n
        else:
            for unit, n in data.own_counts(mask).items():
                if n:
                    own[unit][((), c)] = n
    atoms, views, people = measure_views(data.survey.parent, own, parts, cells, used)
    result = audit(atoms, views, measure_k(data, scale), people=people)
    return result.findings, len(views)


def _frozen(own: Any) -> frozenset[Any]:
    return frozenset(
        (unit, frozenset(value.items()) if isinstance(value, dict) else value)
        for unit, value in own.items()
    )


def _waves(context: SurveyContext, wave: str | None) -> Iterator[tuple[str, bool]]:
    infos = [context.wave(wave)] if wave is not None else context.waves
    for info in sorted(infos, key=lambda w: (w.opened_on, w.label)):
        yield info.label, info.is_open


def audit_survey(
    db: Database,
    slug: str,
    wave: str | None = None,
    as_email: str | None = None,
    *,
    filters: bool = True,
    cells_of: CellsOf | None = None,
    progress: Callable[[str], None] | None = None,
    trees: Sequence[Mapping[str, UnitInfo]] = (),
) -> SurveyAudit:
    """Audit every view a role can request in a survey's released waves.

    Parameters
    ----------
    db : Database
    slug : str
        The survey.
    wave : str, optional
        One wave (default: every wave).
    as_email : str, optional
        Audit what this staff account can see (default: every unit, i.e. every role pooled).
    filters : bool
        Include the filtered views (every demographic question x category), as the service
        offers them. False audits unit totals only (faster; the summary says so).
    cells_of : callable, optional
        Which cells are shown (default :func:`served_cells`); tests pass unsuppressed cells
        to see the audit fail.
    progress : callable, optional
        Called with ``"<wave> <measure> (i/n)"`` before each measure (for a terminal).
    trees : sequence of mappings of code to UnitInfo, optional
        Earlier trees each closed wave may have been shown with (``samen audit --tree``:
        an org CSV of before a reorganisation). Each wave is audited on the tree it closed
        with and these together, as one set of views (:func:`audit_trees`). Since snapshots
        a closed wave is shown with one tree only; a database upgraded from before them may
        have shown its waves with earlier trees, which it did not keep.

    Returns
    -------
    SurveyAudit
        ``ok`` when no group of 1 to k-1 respondents can be derived; otherwise each finding
        names the combination of views.

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey, wave or account.
    """
    from surveys.users import get_user
    from webapp.results.access import disclosure_scope
    from webapp.results.data import load_survey, load_wave
    from webapp.results.openlink import applies, open_link_k

    context = load_survey(db, slug)
    definition = context.definition
    role = "every role"
    user = None
    exports = True
    if as_email is not None:
        user = get_user(db, as_email)
        role = f"{user.email} ({user.role})"
        exports = user.role in EXPORT_ROLES
    findings: list[tuple[str, Finding]] = []
    comment_findings: list[tuple[str, CommentFinding]] = []
    comment_views = 0
    uniform: list[tuple[str, Any]] = []
    uniform_views = 0
    audited: list[str] = []
    held: list[str] = []
    n_views = n_groups = 0
    # programme evaluations: seen by admins and researchers (every role pooled includes them)
    sees_programmes = user is None or user.role in ("admin", "researcher")
    extra = programme_extra(db, context) if sees_programmes and not trees else None
    n_programme = 0
    n_views = n_groups = comparisons = 0
    unserved: list[str] = []
    for label, is_open in _waves(context, wave):
        if is_open:
            held.append(label)
            continue
        # The tree the wave closed with: the only one its numbers are ever shown with.
        data = load_wave(db, context.at_wave(label), label)
        parent = data.survey.parent
        scope = frozenset(parent) if user is None else disclosure_scope(user, parent)
        if trees:
            others = [under_tree(data, tree) for tree in trees]
            scopes = [scope] + [
                frozenset(o.survey.parent)
                if user is None
                else disclosure_scope(user, o.survey.parent)
                for o in others
            ]
            found, views, groups = audit_trees([data, *others], filters=filters, scopes=scopes)
        else:
            export = (
                export_for_audit(data, db, slug, extra)
                if exports and filters and cells_of is None
                else None
            )
            unsafe = export if isinstance(export, tuple) else None
            found, views, groups = audit_wave(
                data,
                scope,
                filters=filters,
                cells_of=cells_of,
                progress=progress,
                export=None if unsafe else export,  # type: ignore[arg-type]
                extra=extra,
            )
            if extra is not None:
                n_programme += sum(len(extra(data, m)) for m in data.measures.values())
            if unsafe is not None and not found:  # the tables pass, but no export does
                found = [unsafe]
        findings.extend(found)
        if user is None and cells_of is None:  # change and equity rest on audited cells only
            from webapp.research.audit_comparisons import comparison_cells, unserved_cells

            comparisons += len(comparison_cells(db, slug, label))
            unserved.extend(
                f"{u[0]} {u[1]} {u[2]} {u[3]}" for u in unserved_cells(db, slug, label)
            )
        said, count = audit_wave_comments(db, data.survey, label, scope)
        comment_findings.extend((f"{label} comments", finding) for finding in said)
        comment_views += count
        # items and scales under the homogeneity rule, in respondents (filter cells too
        # unless ``filters`` is False, as for the k-audit above)
        same, checked = audit_wave_homogeneity(data, scope, filters=filters)
        uniform.extend(same)
        uniform_views += checked
        n_views += views
        n_groups += groups
        audited.append(label)
    return SurveyAudit(
        findings=tuple(finding for _, finding in findings),
        k=open_link_k(definition, definition.k) if applies(definition) else definition.k,
        views=n_views,
        groups=n_groups,
        waves=tuple(audited),
        held=tuple(held),
        role=role,
        filters=filters,
        contexts=tuple(context for context, _ in findings),
        comment_findings=tuple(finding for _, finding in comment_findings),
        comment_contexts=tuple(context for context, _ in comment_findings),
        comment_views=comment_views,
        programme_views=n_programme,
        homogeneity_findings=tuple(finding for _, finding in uniform),
        homogeneity_contexts=tuple(context for context, _ in uniform),
        homogeneity_views=uniform_views,
        comparison_cells=comparisons,
        comparison_unserved=tuple(unserved),
    )
