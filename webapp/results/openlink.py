"""The release rule of a survey with an open link: coarse units, a higher k, fewer details.

Why a rule of its own. Anyone holding the open link can add answers, as many as they have
browsers (the per-browser limit is a cookie) and addresses (the per-address rate of
:mod:`webapp.respond.openrate` only slows them down). With the ordinary rule a unit with one
real respondent is released at k = 5 after four padding answers, and the padder, who knows
their own answers, subtracts them and reads the real person's answers and comment (issue 14,
path 5). No count of responses can tell padding from people. So every wave of a survey with
``open_link: true`` is released under this rule instead (whether or not any answer came
through the link: no response records how it arrived, and none should):

1. **Only coarse units** (:data:`OPEN_LINK_DEPTH`): the organisation and the units directly
   below it (divisions). Padding isolates a person only in a group where almost nobody else
   answered; a division holds many staff, so the padder would need nearly all of a
   division's staff to stay silent, not just one small team. Respondents still pick their
   own (small) unit, which is stored and used by later waves' tree, never shown here.
   Deeper units answer ``"open-link"``.
2. **A higher k**, ``open_link_k`` of the survey (unit: responses; default
   ``max(2 * k, 10)``, never below k), for every cell, with the organisation-wide secondary
   suppression over the coarse tree (a division's responses are the sum of its subtree's).
3. **No sensitive measures**: items and scales of sensitive instruments (unwanted
   behaviour) are withheld (``"open-link"``), since their per-item distributions would tell
   a padder the one real answer at once.
4. **No demographic filters** (:func:`webapp.results.release.filter_question` offers none):
   a padder adds answers with the category of their target as easily as with the unit.
5. **Comments** only for coarse units whose subtree holds at least
   ``max(comment_threshold, open_link_k)`` writers (people who wrote a comment), with the
   tree rule on writers at that threshold
   (:func:`comment_units`).
6. **Exports** (:func:`export_input`): the unit column holds the coarse unit, k is
   ``open_link_k``, and language and demographics are blank for every row: a padder would
   otherwise add rows with the target's language and demographics until their combination
   reaches k and then remove their own rows.

``samen audit`` follows: it audits :func:`webapp.results.released_cells` with
:func:`webapp.results.release.measure_k`, and both apply this rule. What this cannot promise
(a division that in reality has one respondent can still be padded by someone with many
devices and addresses) is said on the privacy page and in the README's threat model.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from engine.disclosure.audit_views import release
from engine.disclosure.rules import suppress_scope
from surveys.errors import InputError
from surveys.survey_definition import SurveyDefinition
from surveys.users import UserInfo
from webapp.results.access import disclosure_scope
from webapp.results.data import Measure, SurveyContext, WaveData

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OPEN_LINK_DEPTH",
    "REASON",
    "applies",
    "coarse_units",
    "comment_threshold",
    "comment_units",
    "export_input",
    "open_link_cells",
    "open_link_k",
    "response_units",
    "roll_up",
    "scoped_comment_units",
]

#: Depth of the deepest unit released for an open-link survey: 0 is the organisation, 1 the
#: units directly below it.
OPEN_LINK_DEPTH = 1
#: The reason a withheld cell gives when the open-link rule withholds it.
REASON = "open-link"

Cell = tuple[str, str | None, str | None]


def applies(definition: SurveyDefinition) -> bool:
    """Whether the survey's waves are released under the open-link rule (it has an open link)."""
    return bool(definition.open_link)


def open_link_k(definition: SurveyDefinition, base: int) -> int:
    """k (responses) of a measure whose ordinary k is ``base``: ``max(open_link_k, base)``."""
    return max(int(definition.open_link_k), int(base), int(definition.k))


def comment_threshold(definition: SurveyDefinition) -> int:
    """Writers (people who wrote a comment) a coarse unit's subtree needs for its comments."""
    return max(int(definition.comment_threshold), int(definition.open_link_k))


def coarse_units(context: SurveyContext) -> frozenset[str]:
    """Units at depth :data:`OPEN_LINK_DEPTH` or above (roots are at depth 0)."""
    out = set()
    for unit in context.parent:
        depth, up = 0, context.parent[unit]
        while up is not None and depth <= OPEN_LINK_DEPTH:
            depth += 1
            up = context.parent[up]
        if depth <= OPEN_LINK_DEPTH:
            out.add(unit)
    return frozenset(out)


def roll_up(
    parent: Mapping[str, str | None], own: Mapping[str, int], keep: frozenset[str]
) -> tuple[dict[str, str | None], dict[str, int]]:
    """The tree of the units in ``keep`` and their own counts with everything below added.

    Parameters
    ----------
    parent : mapping
        The unit tree (unit -> parent, None for a root).
    own : mapping
        Responses of each unit's own direct members.
    keep : frozenset of str
        Units kept; closed upwards (a kept unit's parent is kept).

    Returns
    -------
    (parent, own)
        The kept units' tree, and per kept unit its own count plus the counts of every unit
        below it that is not kept (a division's own count is its whole subtree's).

    Raises
    ------
    ValueError
        When ``keep`` holds a unit whose parent it does not hold.
    """
    for unit in keep:
        up = parent.get(unit)
        if up is not None and up not in keep:
            raise ValueError(f"keep: {unit!r} is kept but its parent {up!r} is not")
    rolled = {unit: 0 for unit in keep}
    for unit, n in own.items():
        target: str | None = unit
        while target is not None and target not in keep:
            target = parent[target]
        if target is not None:
            rolled[target] += int(n)
    return {unit: parent[unit] for unit in keep}, rolled


def open_link_cells(data: WaveData, measure: Measure, k: int) -> frozenset[Cell]:
    """The cells of ``measure`` the open-link rule releases (whole organisation; no filters).

    ``k`` is :func:`open_link_k` of the measure. Unit totals of coarse units only, after
    :func:`engine.disclosure.audit_views.release` (primary and secondary suppression) on the
    rolled-up tree; nothing for sensitive measures.
    """
    if measure.sensitive:
        return frozenset()
    context = data.survey
    parent, own = roll_up(context.parent, data.own_counts(measure.valid), coarse_units(context))
    found = release(parent, own, k, (), scope=None, audited=False)
    return frozenset((unit, None, None) for unit in found.units)


def response_units(
    context: SurveyContext, own_responses: Mapping[str, int], scope: frozenset[str]
) -> frozenset[str]:
    """Units whose response count may be shown (response rates): the same rule, scoped."""
    own = {code: int(own_responses.get(code, 0)) for code in context.parent}
    parent, rolled = roll_up(context.parent, own, coarse_units(context))
    k = open_link_k(context.definition, context.definition.k)
    return suppress_scope(parent, rolled, k, scope & frozenset(parent)).shown


def comment_units(
    context: SurveyContext, own_writers: Mapping[str, int], user: UserInfo
) -> frozenset[str]:
    """Units whose comments ``user`` may be shown under the open-link rule.

    Coarse units only, with the tree rule of :mod:`webapp.results.comments` on the rolled-up
    tree at :func:`comment_threshold` (writers), restricted to the caller's scope.
    ``own_writers`` counts the writers among each unit's own direct members.
    """
    return scoped_comment_units(context, own_writers, disclosure_scope(user, context.parent))


def scoped_comment_units(
    context: SurveyContext, own_writers: Mapping[str, int], scope: Collection[str]
) -> frozenset[str]:
    """:func:`comment_units` for a role with ``scope`` (the audit's entry)."""
    own = {code: int(own_writers.get(code, 0)) for code in context.parent}
    parent, rolled = roll_up(context.parent, own, coarse_units(context))
    scoped = frozenset(scope) & frozenset(parent)
    return suppress_scope(parent, rolled, comment_threshold(context.definition), scoped).shown


def export_input(
    frame: pd.DataFrame, context: SurveyContext
) -> tuple[pd.DataFrame, list[str], int, dict[str, str | None]]:
    """The export's rows, quasi-identifiers, k and tree under the open-link rule.

    Parameters
    ----------
    frame : DataFrame
        One row per response with ``unit``, ``language``, the demographic questions and
        the answers (:func:`webapp.research.exporting.export_frame`).
    context : SurveyContext
        The survey and its tree.

    Returns
    -------
    (frame, quasi_identifiers, k, parent)
        A copy of ``frame`` whose ``unit`` is each row's coarse unit and whose language
        and demographic columns are blank; ``["unit"]``; :func:`open_link_k` (responses);
        the tree of the coarse units, for :func:`engine.disclosure.export.k_anonymize`.

    Raises
    ------
    surveys.errors.InputError
        When the wave holds 1 to ``open_link_k - 1`` responses.
    """
    keep = coarse_units(context)
    parent = {unit: context.parent[unit] for unit in keep}

    def coarse(unit: object) -> object:
        code = unit
        while code is not None and code not in keep:
            code = context.parent.get(str(code))
        return code

    out = frame.copy()
    out["unit"] = out["unit"].map(coarse).astype(object)
    out["language"] = None
    for item in context.definition.demographic_items:
        if item.id in out.columns:
            out[item.id] = float("nan")
    k = open_link_k(context.definition, context.definition.k)
    if 0 < len(frame) < k:
        raise InputError(
            f"the wave has fewer than {k} responses (open_link_k: anyone with the open link "
            f"can add answers): nothing can be exported"
        )
    return out, ["unit"], k, parent
