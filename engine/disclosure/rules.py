"""Disclosure control: which released numbers may be shown (primary and secondary suppression).

Pure functions on counts; no database, no Flask. Every dashboard view, API answer and export
passes through these rules (DESIGN.md, "Anonymity and disclosure control"), and
:mod:`engine.disclosure.audit` proves with linear algebra that what they release leaks no group of
1 to k-1 respondents.

Where things are: this module gathers the rules for one table, from the unit tree
(:mod:`engine.disclosure.tree`: primary and secondary suppression) and the cells of one unit
(:mod:`engine.disclosure.cells`: filters within a unit, time, comments);
:mod:`engine.disclosure.audit_views` applies them to everything a role can request
(:func:`engine.disclosure.audit_views.release`, the one call ``webapp/results.py`` needs per wave
and scale or item); :mod:`engine.disclosure.audit` proves the result;
:mod:`engine.disclosure.export` makes exports k-anonymous.

Vocabulary: a *unit* is a node of the organisation tree (``parent`` maps unit -> parent or
None for the root); ``own_n`` counts the responses of a unit's own direct members; a unit's
``n`` is its subtree total. ``k`` is the survey's minimum group size (never below
:data:`MIN_K`).
"""

from __future__ import annotations

from engine.disclosure.cells import (
    FilterSuppression,
    comments_allowed,
    release_n,
    sensitive_module_allowed,
    suppress_filter,
)
from engine.disclosure.tree import (
    MIN_K,
    TreeSuppression,
    check_k,
    primary,
    subtree_n,
    suppress_scope,
    suppress_tree,
)

__all__ = [
    "MIN_K",
    "FilterSuppression",
    "TreeSuppression",
    "check_k",
    "comments_allowed",
    "primary",
    "release_n",
    "sensitive_module_allowed",
    "subtree_n",
    "suppress_filter",
    "suppress_scope",
    "suppress_tree",
]
