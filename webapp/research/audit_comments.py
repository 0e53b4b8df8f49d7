"""The comments part of ``samen audit``: the comment sets a role is shown, counted in writers.

A role requesting the comments of every unit in its scope is shown, per unit, the set of
texts of that unit's subtree (:func:`webapp.results.comments.released_comment_units`, the
service's one statement of which units those are). Texts can be told apart, so the audit
treats the views as sets: every intersection and difference of them is derivable, and
each must hold 0 or at least the comment threshold *writers* (people who wrote a comment;
:func:`engine.disclosure.audit_comments.audit_comments`). Atoms are a unit's own writers: comments
carry no demographics and are never shown under a filter, so nothing splits them finer.

Each open question of the survey's instruments (instruments/FORMAT.md, ``open_questions``) is
a comment set of its own, audited in its own writers: answers to different questions are
different texts, so no set operation joins one question's views with another's, but every
operation within one question is derivable (views named ``answers:QUESTION:UNIT``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from engine.disclosure.audit import View
from engine.disclosure.audit_comments import CommentFinding, audit_comments

if TYPE_CHECKING:
    from surveys.db import Database
    from webapp.results.data import SurveyContext

__all__ = ["audit_wave_comments", "comment_threshold", "comment_views"]


def comment_threshold(context: SurveyContext) -> int:
    """The writers a released comment set needs: the survey's, or the open-link one."""
    from webapp.results import openlink

    definition = context.definition
    if openlink.applies(definition):
        return openlink.comment_threshold(definition)
    return int(definition.comment_threshold)


def comment_views(
    context: SurveyContext,
    writers: dict[str, int],
    scope: Collection[str],
    question: str | None = None,
) -> list[View]:
    """One view per unit whose comments (of ``question``; None: the general comment) the
    role is shown: the units of its subtree."""
    from webapp.results.access import subtree
    from webapp.results.comments import released_comment_units

    shown = released_comment_units(context, writers, scope)
    prefix = "comments" if question is None else f"answers:{question}"
    return [View(f"{prefix}:{unit}", subtree(context.parent, unit)) for unit in sorted(shown)]


def audit_wave_comments(
    db: Database, context: SurveyContext, wave: str, scope: Collection[str]
) -> tuple[tuple[CommentFinding, ...], int]:
    """Audit the comment sets of closed ``wave`` for a role with ``scope``.

    Parameters
    ----------
    db : Database
    context : SurveyContext
        The survey on the tree the wave closed with (:meth:`SurveyContext.at_wave`).
    wave : str
        The wave's label.
    scope : collection of str
        Units the role can request.

    Returns
    -------
    (findings, views)
        Sets of 1 to threshold-1 writers derivable from the comment sets, per question (the
        general comment and each open question), and the number of comment views audited
        (none when the survey asks no comments and no open questions).
    """
    from surveys.responses import load_comments
    from webapp.results.comments import writers_by_unit

    definition = context.definition
    questions: list[str | None] = [None] if definition.comments_enabled else []
    questions += [q.id for q in definition.open_questions]
    if not questions:
        return (), 0
    rows = load_comments(db, definition.slug, wave)
    findings: list[CommentFinding] = []
    n_views = 0
    for question in questions:
        own = writers_by_unit(rows, question)
        writers = {unit: int(own.get(unit, 0)) for unit in context.parent}
        views = comment_views(context, writers, scope, question)
        findings += audit_comments(writers, views, comment_threshold(context))
        n_views += len(views)
    return tuple(findings), n_views
