"""Free-text comments of a unit, after disclosure control (DESIGN.md, anonymity point 4).

Comments identify people by style and content far more easily than averages, so they have
rules of their own, on top of the results' scope:

1. **Scope**: the same as for results (:func:`webapp.results.access.check_unit`): admins
   and researchers may request every unit, a manager their unit and the units below it.
   Researchers get comments under exactly the rules an admin gets: the access module gives
   them every unit, and the thresholds below hold for every role alike.
2. **Only after the wave closes** (the results' release policy): a comment that appears the
   day after someone says "I filled it in" is linked to them.
3. **Comment threshold, in writers**: a unit's comments are shown only when at least the
   survey's ``comment_threshold`` people in its subtree wrote one (writers, not responses:
   the respondent's page promises exactly this), and never under a demographic filter
   (:func:`engine.disclosure.rules.comments_allowed`). Withheld comments come without any count.
   Each response carries at most one comment, so a unit's writers are its comment rows.
4. **No differencing, in writers**: comments are sets of texts, so a parent's comments minus
   those of its visible children *are* the comments of the rest. The units whose comments
   may be shown follow the organisation-wide tree suppression of the *writer* counts with
   the comment threshold as k (:func:`engine.disclosure.rules.suppress_scope`, restricted to the
   caller's scope, like every other number): the rest of a shown parent holds 0 or at
   least the threshold writers. ``samen audit`` checks the shown sets with
   :func:`engine.disclosure.audit_comments.audit_comments` (:func:`comment_views`).
5. **No context**: a comment is shown with its text and language only (the language is
   visible in the text anyway, and marks it up for screen readers): never the sub-unit it
   came from, never demographics, and in a fresh random order on every request, never in
   storage order.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Collection, Mapping
from typing import Any

from engine.disclosure.rules import comments_allowed, suppress_scope
from surveys.db import Database
from surveys.responses import CommentRow, load_comments
from surveys.users import UserInfo
from webapp.results import openlink
from webapp.results.access import disclosure_scope, subtree
from webapp.results.data import SurveyContext
from webapp.results.service import header, prepare

__all__ = [
    "comment_units",
    "released_comment_units",
    "scoped_comment_units",
    "unit_comments",
    "writers_by_unit",
]


def writers_by_unit(rows: Collection[CommentRow]) -> dict[str, int]:
    """Writers (people who wrote a comment) among each unit's own direct members.

    Each response stores at most one comment (:func:`surveys.responses.submit_response`),
    so a unit's writers are its comment rows.
    """
    return dict(Counter(row.unit_code for row in rows))


def scoped_comment_units(
    context: SurveyContext, own_writers: Mapping[str, int], scope: Collection[str]
) -> frozenset[str]:
    """Units whose comments a role with ``scope`` may be shown (filters aside).

    The tree rule on writers: primary suppression below ``comment_threshold`` writers in a
    unit's subtree, and complementary suppression so that a shown unit's writers minus
    those of its shown descendants are 0 or at least the threshold. The open-link rule
    (:func:`webapp.results.openlink.comment_units`) applies on top for open-link surveys.
    """
    parent = context.parent
    own = {code: int(own_writers.get(code, 0)) for code in parent}
    threshold = context.definition.comment_threshold
    return suppress_scope(parent, own, threshold, frozenset(scope) & frozenset(parent)).shown


def released_comment_units(
    context: SurveyContext, own_writers: Mapping[str, int], scope: Collection[str]
) -> frozenset[str]:
    """Every unit whose comments a role with ``scope`` is shown in a closed wave, unfiltered.

    :func:`scoped_comment_units`, and for an open-link survey only the coarse units the
    open-link rule releases (:func:`webapp.results.openlink.scoped_comment_units`). The
    one statement of what :func:`unit_comments` shows; ``samen audit`` audits it
    (:mod:`webapp.research.audit_comments`).
    """
    shown = scoped_comment_units(context, own_writers, scope)
    if openlink.applies(context.definition):
        shown &= openlink.scoped_comment_units(context, own_writers, scope)
    return shown


def comment_units(
    context: SurveyContext, own_writers: Mapping[str, int], user: UserInfo
) -> frozenset[str]:
    """Units whose comments ``user`` may be shown (filters aside): the tree rule, scoped.

    ``own_writers`` counts the writers among each unit's own direct members in the wave
    (:func:`writers_by_unit`).
    """
    return scoped_comment_units(context, own_writers, disclosure_scope(user, context.parent))


def _withheld(out: dict[str, Any], reason: str) -> dict[str, Any]:
    out.update(shown=False, suppressed=True, reason=reason, comments=None)
    return out


def unit_comments(
    db: Database,
    survey: str,
    wave: str,
    unit_code: str,
    user: UserInfo,
    filter: str | None = None,
) -> dict[str, Any]:
    """The open comments of one unit (its subtree) in one wave, as the caller may see them.

    Parameters
    ----------
    db : Database
    survey, wave, unit_code : str
        The survey's slug, the wave's label and the unit's code.
    user : UserInfo
        The caller; decides the scope.
    filter : str, optional
        ``QUESTION:VALUE``, validated as for results; any filter withholds the comments.

    Returns
    -------
    dict
        The results header (survey, wave, wave_state, released, k, filter) and ``"unit"``,
        ``"name"``, ``"comment_threshold"`` (writers: people who wrote a comment),
        ``"comment_threshold_counts"`` (``"writers"``), ``"shown"``, ``"suppressed"``, ``"reason"``
        and ``"comments"``: a list of ``{"text", "language"}`` in random order, or None
        when withheld. Reasons: ``"off"`` (the survey asks for no comments),
        ``"wave-open"``, ``"filter"``, ``"fewer-than-threshold"``, ``"complementary"``,
        ``"open-link"`` (a survey with an open link shows comments only for the organisation
        and the units directly below it: :func:`webapp.results.openlink.comment_units`).

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey, wave or unit.
    webapp.results.access.AccessDenied
        The unit is outside the caller's scope.
    surveys.errors.InputError
        A malformed filter.
    """
    context, parsed = prepare(db, survey, unit_code, user, filter, wave)
    info = context.wave(wave)
    definition = context.definition
    out = header(context, info, parsed)
    out.update(
        unit=unit_code,
        name=context.units[unit_code].name,
        comment_threshold=definition.comment_threshold,
        comment_threshold_counts="writers",
    )
    if not definition.comments_enabled:
        return _withheld(out, "off")
    if info.is_open:
        return _withheld(out, "wave-open")
    if parsed is not None:
        return _withheld(out, "filter")
    rows = load_comments(db, survey, wave)
    writers = writers_by_unit(rows)
    members = subtree(context.parent, unit_code)
    n = sum(writers.get(code, 0) for code in members)  # writers, not responses
    open_link = openlink.applies(definition)  # anyone can add answers: coarse units only
    if open_link and unit_code not in openlink.comment_units(context, writers, user):
        return _withheld(out, openlink.REASON)
    if not comments_allowed(n, definition.comment_threshold, filtered=False):
        return _withheld(out, "fewer-than-threshold")
    if unit_code not in released_comment_units(
        context, writers, disclosure_scope(user, context.parent)
    ):
        return _withheld(out, "complementary")
    # each stored comment once: the rows of the subtree's own units, each unit counted once
    comments = [
        {"text": row.text, "language": row.language} for row in rows if row.unit_code in members
    ]
    secrets.SystemRandom().shuffle(comments)
    out.update(shown=True, suppressed=False, reason=None, comments=comments)
    return out
