"""The comments part of ``samen audit``: the comment sets a role is shown, counted in writers.

A role requesting the comments of every unit in its scope is shown, per unit, the set of
texts of that unit's subtree (:func:`webapp.results.comments.released_comment_units`, the
service's one statement of which units those are). Texts can be told apart, so the audit
treats the views as sets: every intersection and difference of them is derivable, and
each must hold 0 or at least the comment threshold *writers* (people who wrote a comment;
:func:`engine.disclosure.audit_comments.audit_comments`). Atoms are a unit's own writers: comments
carry no demographics and are never shown under a filter, so nothing splits them finer.
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
    context: SurveyContext, writers: dict[str, int], scope: Collection[str]
) -> list[View]:
    """One view per unit whose comments the role is shown: the units of its subtree."""
    from webapp.results.access import subtree
    from webapp.results.comments import released_comment_units

    shown = released_comment_units(context, writers, scope)
    return [View(f"comments:{unit}", subtree(context.parent, unit)) for unit in sorted(shown)]


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
        Sets of 1 to threshold-1 writers derivable from the comment sets, and the number
        of comment views audited (none when the survey asks no comments).
    """
    from surveys.responses import load_comments
    from webapp.results.comments import writers_by_unit

    if not context.definition.comments_enabled:
        return (), 0
    own = writers_by_unit(load_comments(db, context.definition.slug, wave))
    writers = {unit: int(own.get(unit, 0)) for unit in context.parent}
    views = comment_views(context, writers, scope)
    return audit_comments(writers, views, comment_threshold(context)), len(views)
