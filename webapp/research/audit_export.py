"""The item-level export as views of the disclosure audit (issue 14, path 1).

A role that can download the export (:data:`EXPORT_ROLES`) holds every row of it besides
the tables. :func:`export_for_audit` gives the classes of the wave's export (rows alike on
every quasi-identifier) unless :func:`webapp.research.export_plan.check_margins` proves that
every released table is a sum over whole classes (then the file adds no view); for a file
that fails the proof, :func:`webapp.research.auditing.audit_wave` refines its atoms by class
(:func:`own_by_class`) and adds each class as a view (:func:`export_views`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.disclosure.audit import Finding

if TYPE_CHECKING:
    from surveys.db import Database
    from webapp.research.export_plan import ExportClasses, ExportPlan
    from webapp.research.export_profiles import ExportProfile
    from webapp.results.data import WaveData

__all__ = [
    "EXPORT_CLASS",
    "EXPORT_ROLES",
    "export_classes_of",
    "export_for_audit",
    "export_profile",
    "export_views",
    "own_by_class",
    "within_file",
]

#: The pseudo-question that refines atoms by export class in :func:`audit_wave`.
EXPORT_CLASS = "<export class>"


def own_by_class(
    data: WaveData, mask: Any, questions: tuple[str, ...], classes: Any
) -> dict[str, dict[tuple[str | None, ...], int]]:
    """Responses in ``mask`` per unit and (answers to ``questions``, export class)."""
    import numpy as np

    profile_ids, profiles = data._profiles(questions)
    n_classes = int(classes.max()) + 1 if len(classes) else 1
    keep = mask & (data.unit_pos >= 0)
    width = len(profiles) * n_classes
    key = data.unit_pos[keep] * width + profile_ids[keep] * n_classes + classes[keep]
    found, counts = np.unique(key, return_counts=True)  # sparse: most combinations are empty
    out: dict[str, dict[tuple[str | None, ...], int]] = {code: {} for code in data.codes}
    for value, n in zip(found.tolist(), counts.tolist(), strict=True):
        unit, rest = divmod(value, width)
        profile, cls = divmod(rest, n_classes)
        out[data.codes[unit]][(*profiles[profile], str(cls))] = n
    return out


def within_file(finding: Finding, atoms: dict[Any, int]) -> bool:
    """Whether a finding's group is whole export classes (what the file shows anyway).

    Per scale or item, a class's rows with a valid value can be fewer than k (a class of
    five rows of whom one answered "not applicable"): the file shows them row by row by
    design, so a group made of whole classes is no leak. Only a group that splits a class
    pins rows the file does not pin. (Such a benign group can stand in for a leak in the
    same independent part of the search; the response-count measure, whose classes all
    hold at least k rows, has no benign groups and is searched exactly.)
    """
    if finding.kind != "leak":
        return False
    classes = {atom[1][-1] for atom in finding.atoms}
    whole = {a for a, n in atoms.items() if n > 0 and a[1][-1] in classes}
    return whole == set(finding.atoms)


def export_views(atoms: dict[Any, int], names: tuple[str, ...]) -> list[Any]:
    from engine.disclosure.audit import View

    members: dict[str, set[Any]] = {}
    for atom in atoms:
        members.setdefault(atom[1][-1], set()).add(atom)
    ordered = sorted(members.items())
    return [View(f"export:{names[int(c)]}", frozenset(group), 0) for c, group in ordered]


#: Roles that can download the item-level export (webapp/research/routes.py).
EXPORT_ROLES = ("admin", "researcher")


def export_profile(db: Database, slug: str, wave: str) -> ExportProfile:
    """The settings the wave's exports use: its pin (:mod:`surveys.export_pins`), or the
    default profile a first download would use and pin."""
    from surveys.export_pins import pinned_export
    from webapp.research.export_profiles import ExportProfile

    pinned = pinned_export(db, slug, wave)
    if pinned is None:
        return ExportProfile()
    return ExportProfile(
        str(pinned.get("profile", "full")),
        tuple(pinned.get("questions", ())),
        tuple(pinned.get("order", ())),
        str(pinned.get("suppression", "local")),
    )


def export_classes_of(data: WaveData, db: Database, slug: str) -> ExportPlan | tuple[str, Finding]:
    """The wave's export with its pinned settings (:func:`export_profile`), as
    :func:`webapp.research.exporting.export_plan` builds it (kept in ``data.derived``: the
    classes do not depend on the row order), or (context, finding) when none is safe."""
    import json

    from surveys.errors import InputError
    from webapp.research.exporting import export_plan

    label = data.wave.label
    profile = export_profile(db, slug, label)
    slot = ("export plan", json.dumps(profile.describe(), sort_keys=True))
    found = data.derived.get(slot)
    if found is not None:
        return found
    try:
        plan = export_plan(db, slug, label, profile=profile)
    except InputError as exc:
        reason = Finding("inconclusive", frozenset(), None, {str(exc): 1})
        return f"{label} export (no safe export beside the tables: {exc})", reason
    data.derived[slot] = plan
    return plan


def _margins(data: WaveData, export: Any) -> str | None:
    from webapp.research.export_plan import check_margins

    return check_margins(data, export, tuple(data.matrix.demographic_ids))


def export_for_audit(
    data: WaveData, db: Database, slug: str, extra: Any = None
) -> ExportClasses | tuple[str, Finding] | None:
    """The export's classes when they add views to the audit; None when they add none.

    The export is the one the wave's pinned settings write (the default profile before its
    first export); ``(context, finding)`` when no safe export of the wave exists. None when
    every released table is a sum over whole classes, or when the file was proved beside
    every table with the exact audit (:func:`webapp.research.export_blocks.prove`) and no
    programme group (``extra``) splits a class either: auditing it again as views of
    :func:`webapp.research.auditing.audit_wave` would repeat that proof (tests/webapp/
    test_export_tables.py runs both on the demo and they agree).
    """
    from webapp.research.export_blocks import groups_split

    plan = export_classes_of(data, db, slug)
    if isinstance(plan, tuple):
        return plan
    if plan.proved and not groups_split(data, plan.classes, extra):
        return None
    return None if _margins(data, plan.classes) is None else plan.classes
