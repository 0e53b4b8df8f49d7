"""Comparisons: gaps between groups, change between waves, the programme effect and the
relative importance of scales for an outcome (drivers, LMG), matching R.

The programme effect (difference in differences with CR2 inference, and the random-intercept
second opinion) is in :mod:`engine.comparisons.programme`, and measurement invariance
(configural, metric and scalar multi-group CFA, Chen's cut-offs) in
:mod:`engine.comparisons.invariance`; both are imported on their own (they load scipy).

Pure functions on scale scores; the caller decides which groups may be shown (k,
complements; :mod:`engine.disclosure.rules`). Intervals are Welch's, effect sizes Hedges' g with
J = 1 - 3/(4(n1+n2)-9), p over the groups of one question adjusted by Holm. Heavy libraries
(scipy) are imported inside the functions.
"""

from engine.comparisons.drivers import Driver, Drivers, relative_importance
from engine.comparisons.groups import GroupGap, gap_words, group_counts, group_gaps, holm
from engine.comparisons.waves import WaveChange, change_words, unit_changes, wave_change
from engine.comparisons.welch import Sample, Welch, describe, welch

__all__ = [
    "Driver",
    "Drivers",
    "GroupGap",
    "Sample",
    "WaveChange",
    "Welch",
    "change_words",
    "describe",
    "gap_words",
    "group_counts",
    "group_gaps",
    "holm",
    "relative_importance",
    "unit_changes",
    "wave_change",
    "welch",
]
