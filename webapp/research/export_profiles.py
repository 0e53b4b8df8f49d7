"""Export profiles: which quasi-identifiers a researcher's file keeps, and their importance.

Every profile keeps the unit column exactly as the dashboards release it (see
:mod:`webapp.research.export_plan`): the file beside the tables stays a union of released
units. What differs is which of language and the demographic questions stay in the file:

- ``full``: all of them (the default);
- ``units-only``: unit and language, no demographic question (every row keeps its unit);
- ``pick``: the demographic questions the researcher names (one or two) and the question the
  dashboards break results down by (without it no demographic could stay), the others left
  out.

Within a profile, ``order`` sets the importance of the kept columns (most important first):
local suppression blanks the least important first. A profile that rolls units up to their
division (``divisions``) is not offered: the released unit tables split a division's groups
back into units. Tried with the exact proof (:func:`webapp.research.export_blocks.prove`) on
the demo: the division alone passes but adds nothing to ``units-only``; with language, unit
LAB's table of an item minus the file's groups wholly inside LAB leaves 4 answers; with
gender by blocks or every demographic question, a sensitive item's unit table leaves 9,
below its k of 10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from surveys.errors import InputError

__all__ = ["PROFILES", "PROFILE_LABELS", "SUPPRESSION", "ExportProfile", "resolve_profile"]

PROFILES = ("full", "units-only", "pick")
#: How rows whose combination is rarer than k lose quasi-identifiers.
SUPPRESSION = ("local", "columns")
#: Profile names for pages (nl/en through Flask-Babel).
PROFILE_LABELS = {
    "full": _l("Full: unit, language and every demographic question"),
    "units-only": _l("Units only: unit and language, no demographic questions"),
    "pick": _l("Pick: unit, language and the demographic questions you choose"),
}
#: Demographic questions a ``pick`` profile keeps, at most.
MAX_PICKED = 2


@dataclass(frozen=True)
class ExportProfile:
    """What the researcher asked for.

    Attributes
    ----------
    name : {"full", "units-only", "pick"}
    questions : tuple of str
        ``pick``: the demographic questions kept (one or two).
    order : tuple of str
        Importance order of ``language`` and the kept demographic questions, most important
        first; columns not named follow in survey order.
    suppression : {"local", "columns"}
        ``local`` blanks the fewest cells (per rare combination); ``columns`` blanks a whole
        column in every rare row at once (the rule before local suppression).
    """

    name: str = "full"
    questions: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    suppression: str = "local"

    def describe(self) -> dict[str, Any]:
        return {
            "profile": self.name,
            "questions": list(self.questions),
            "order": list(self.order),
            "suppression": self.suppression,
        }


def resolve_profile(
    profile: ExportProfile, demographics: Sequence[str], filter_question: str | None = None
) -> tuple[list[str], tuple[str, ...]]:
    """The quasi-identifiers (most important first) and the columns left out whole.

    Parameters
    ----------
    profile : ExportProfile
    demographics : sequence of str
        The survey's demographic question ids, in survey order.
    filter_question : str, optional
        The question the dashboards break results down by. ``pick`` keeps it besides the
        picked ones: a file without it may hold no other quasi-identifier while filtered
        tables are shown (:func:`webapp.research.export_plan.plan_export`).

    Returns
    -------
    quasi : list of str
        ``unit`` first, then the kept columns in the profile's importance order.
    withheld : tuple of str
        Demographic questions the profile leaves out (exported as -4 in every row).

    Raises
    ------
    surveys.errors.InputError
        For an unknown profile or suppression, a ``pick`` without one or two known
        questions, questions given to another profile, or an order naming a column that is
        not kept.
    """
    if profile.name not in PROFILES:
        raise InputError(f"profile {profile.name!r} is not one of {', '.join(PROFILES)}")
    if profile.suppression not in SUPPRESSION:
        raise InputError(
            f"suppression {profile.suppression!r} is not one of {', '.join(SUPPRESSION)}"
        )
    demographics = list(demographics)
    unknown = [q for q in profile.questions if q not in demographics]
    if unknown:
        raise InputError(
            f"no demographic question {unknown[0]!r}; the survey has: "
            + (", ".join(demographics) or "none")
        )
    if profile.name == "pick":
        if not 1 <= len(set(profile.questions)) <= MAX_PICKED:
            raise InputError(f"profile pick: name one or {MAX_PICKED} demographic questions")
        picked = {*profile.questions, *([filter_question] if filter_question else [])}
        kept = [q for q in demographics if q in picked]
    elif profile.questions:
        raise InputError(f"profile {profile.name}: questions are picked only with profile pick")
    else:
        kept = demographics if profile.name == "full" else []
    columns = ["language", *kept]
    stray = [c for c in profile.order if c not in columns]
    if stray:
        raise InputError(
            f"order: {stray[0]!r} is not a column this profile keeps ({', '.join(columns)})"
        )
    if len(set(profile.order)) != len(profile.order):
        raise InputError("order: a column is named twice")
    ordered = [*profile.order, *(c for c in columns if c not in profile.order)]
    withheld = tuple(q for q in demographics if q not in kept)
    return ["unit", *ordered], withheld
