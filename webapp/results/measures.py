"""The measures of a wave: the response count, every scored scale and every item.

A scored scale and the items shown with it describe the same respondents: an item of a
scored scale counts only the respondents with a valid score on that scale (issue 14,
path 3, "a scale against its own items"). See :func:`build_measures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.disclosure.homogeneity import NAMED_INSTRUMENTS
from engine.psychometrics.scoring import score_scale
from surveys.responses import AnswerMatrix
from surveys.survey_definition import SurveyDefinition
from webapp.results.data import MIN_SHARE, Measure, scale_id

__all__ = ["build_measures"]


def build_measures(
    definition: SurveyDefinition, matrix: AnswerMatrix, *, aligned: bool = True
) -> dict[str, Measure]:
    """The measures of a wave: the response count (``""``), every scored scale, every item.

    Parameters
    ----------
    definition : SurveyDefinition
        The survey.
    matrix : AnswerMatrix
        The wave's answers.
    aligned : bool
        True (what the results service uses): an item of a scored scale counts only the
        respondents with a valid score on that scale, so the scale's pooled distribution is
        exactly the sum of its items' distributions and the numbers of a scale and its
        items describe the same respondents (issue 14, path 3). False gives the measures
        before that fix (every answer other than "not applicable" counts for the item),
        kept for the test that shows the widened audit finds what they leaked.

    Returns
    -------
    dict of str to Measure
        By id, the response count first, then per instrument its scales and its items.

    Notes
    -----
    Without alignment a scale's pooled answers minus its items' answers are the answers of
    the respondents whose scale score is invalid (fewer than :data:`MIN_SHARE` of its items
    answered): in the demo, one person's answers in 40 cells.
    """
    n = matrix.n
    values = matrix.values
    column = {item_id: j for j, item_id in enumerate(matrix.item_ids)}
    out: dict[str, Measure] = {"": Measure("", "responses", np.ones(n, dtype=bool))}
    for instrument in definition.answer_instruments:
        uniform = instrument.sensitive or instrument.id in NAMED_INSTRUMENTS
        valid_for: dict[str, np.ndarray] = {}
        scale_of: dict[str, str] = {}
        for scale in instrument.scales:
            if not scale.scored or not scale.items:
                continue
            rs = scale.items[0].response_scale
            ids = [item.id for item in scale.items]
            frame = pd.DataFrame(values[:, [column[i] for i in ids]], columns=ids)
            reverse = [item.id for item in scale.items if item.reverse]
            scores = score_scale(
                frame, reverse, rs.minimum, rs.maximum, min_share=MIN_SHARE
            ).to_numpy()
            answers = frame.to_numpy(copy=True)
            for j, item in enumerate(scale.items):
                if item.reverse:
                    answers[:, j] = rs.minimum + rs.maximum - answers[:, j]
            sid = scale_id(definition, instrument.id, scale.id)
            valid = ~np.isnan(scores)
            for item_id in ids:
                valid_for[item_id] = valid
                scale_of[item_id] = sid
            out[sid] = Measure(
                sid,
                "scale",
                valid,
                scores,
                answers,
                rs.points,
                rs.ordinal,
                instrument.sensitive,
                items=tuple(ids),
                homogeneity=uniform,
            )
        for item in instrument.items:
            answers = values[:, column[item.id]]
            counted = ~np.isnan(answers)
            if aligned and item.id in valid_for:
                counted = counted & valid_for[item.id]
                answers = np.where(counted, answers, np.nan)
            out[item.id] = Measure(
                item.id,
                "item",
                counted,
                answers,
                answers[:, None],
                item.response_scale.points,
                item.response_scale.ordinal,
                instrument.sensitive,
                item.reverse,
                homogeneity=uniform,
                scale=scale_of.get(item.id) if aligned else None,
            )
    return out
