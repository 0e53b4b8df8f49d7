"""Free-text comments of a unit, after disclosure control (DESIGN.md, anonymity point 4).

Comments identify people by style and content far more easily than averages, so they have
rules of their own, on top of the results' scope. The answers to an instrument's open
questions (instruments/FORMAT.md, ``open_questions``) are comments too, one set per question:
every rule below holds per question, with that question's writers (``question`` None is the
survey's general comment):

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
   Each response carries at most one comment per question, so a unit's writers of a
   question are its comment rows for that question.
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
from surveys.errors import NotFound
from surveys.responses import CommentRow, load_comments
from surveys.users import UserInfo
from webapp.results import openlink
from webapp.results.access import disclosure_scope, subtree
from webapp.results.data import SurveyContext
from webapp.results.release import Filter
from webapp.results.service import header, prepare

__all__ = [
    "comment_units",
    "released_comment_units",
    "scoped_comment_units",
    "unit_comments",
    "unit_open_answers",
    "writers_by_unit",
]


def writers_by_unit(rows: Collection[CommentRow], question: str | None = None) -> dict[str, int]:
    """Writers of ``question`` (people who answered it) among each unit's own direct members.

    ``question`` None counts the survey's general comment. Each response stores at most one
    comment per question (:func:`surveys.responses.store_response`), so a unit's writers
    are its comment rows for that question.
    """
    return dict(Counter(row.unit_code for row in rows if row.question == question))


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
    question: str | None = None,
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
    question : str, optional
        An open question's id: its answers instead of the general comment, under the same
        rules counted in that question's writers.

    Returns
    -------
    dict
        The results header (survey, wave, wave_state, released, k, filter) and ``"unit"``,
        ``"name"``, ``"question"`` (None for the general comment), ``"comment_threshold"``
        (writers: people who wrote a comment), ``"comment_threshold_counts"``
        (``"writers"``), ``"shown"``, ``"suppressed"``, ``"reason"`` and ``"comments"``: a list
        of ``{"text", "language"}`` in random order, or None when withheld. Reasons:
        ``"off"`` (the survey asks for no comments), ``"wave-open"``, ``"filter"``,
        ``"fewer-than-threshold"``, ``"complementary"``, ``"open-link"`` (a survey with an
        open link shows comments only for the organisation and the units directly below it:
        :func:`webapp.results.openlink.comment_units`).

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey, wave, unit or open question.
    webapp.results.access.AccessDenied
        The unit is outside the caller's scope.
    surveys.errors.InputError
        A malformed filter.
    """
    context, parsed = prepare(db, survey, unit_code, user, filter, wave)
    if question is not None and question not in {q.id for q in context.definition.open_questions}:
        raise NotFound(f"survey {survey!r} asks no open question {str(question)[:64]!r}")
    rows = _rows(db, context, survey, wave, parsed)
    return _comments(context, wave, unit_code, user, parsed, rows, question)


def unit_open_answers(
    db: Database,
    survey: str,
    wave: str,
    unit_code: str,
    user: UserInfo,
    filter: str | None = None,
) -> list[dict[str, Any]]:
    """:func:`unit_comments` for each open question of the survey, in survey order.

    Each entry also has ``"text"``: the question per language. Empty when the survey asks
    no open questions.
    """
    context, parsed = prepare(db, survey, unit_code, user, filter, wave)
    questions = context.definition.open_questions
    if not questions:
        return []
    rows = _rows(db, context, survey, wave, parsed)
    out = []
    for open_question in questions:
        found = _comments(context, wave, unit_code, user, parsed, rows, open_question.id)
        found["text"] = dict(open_question.text)
        out.append(found)
    return out


def _rows(
    db: Database, context: SurveyContext, survey: str, wave: str, parsed: Filter | None
) -> list[CommentRow]:
    """The wave's comment rows, read only when some could be shown (closed, unfiltered)."""
    if context.wave(wave).is_open or parsed is not None:
        return []
    return load_comments(db, survey, wave)


def _comments(
    context: SurveyContext,
    wave: str,
    unit_code: str,
    user: UserInfo,
    parsed: Filter | None,
    rows: list[CommentRow],
    question: str | None,
) -> dict[str, Any]:
    info = context.wave(wave)
    definition = context.definition
    out = header(context, info, parsed)
    out.update(
        unit=unit_code,
        name=context.units[unit_code].name,
        question=question,
        comment_threshold=definition.comment_threshold,
        comment_threshold_counts="writers",
    )
    if question is None and not definition.comments_enabled:
        return _withheld(out, "off")
    if info.is_open:
        return _withheld(out, "wave-open")
    if parsed is not None:
        return _withheld(out, "filter")
    writers = writers_by_unit(rows, question)
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
        {"text": row.text, "language": row.language}
        for row in rows
        if row.unit_code in members and row.question == question
    ]
    secrets.SystemRandom().shuffle(comments)
    out.update(shown=True, suppressed=False, reason=None, comments=comments)
    return out
