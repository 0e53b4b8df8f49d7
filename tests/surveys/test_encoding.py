"""Compact answer strings round-trip for any answers (property-based)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.encoding import decode_matrix, encode_response
from surveys.errors import InputError
from surveys.survey_store import load_survey_file

DEFINITION = load_survey_file(
    Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
)
ITEMS = DEFINITION.items + DEFINITION.demographic_items


def answers_strategy():
    return st.fixed_dictionaries(
        {},
        optional={
            item.id: st.one_of(st.none(), st.sampled_from(item.response_scale.points))
            for item in ITEMS
        },
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(answers_strategy(), min_size=1, max_size=5))
def test_encode_decode_round_trip(responses):
    texts = [encode_response(DEFINITION, answers, "nl") for answers in responses]
    values = decode_matrix([t[0] for t in texts], len(DEFINITION.items))
    demographics = decode_matrix([t[1] for t in texts], len(DEFINITION.demographic_items))
    for row, demo_row, answers in zip(values, demographics, responses, strict=True):
        for column, item in enumerate(DEFINITION.items):
            expected = answers.get(item.id)
            assert (np.isnan(row[column]) and expected is None) or row[column] == expected
        for column, item in enumerate(DEFINITION.demographic_items):
            expected = answers.get(item.id)
            assert (np.isnan(demo_row[column]) and expected is None) or demo_row[
                column
            ] == expected


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(ITEMS), st.integers(-5, 15).filter(lambda v: v not in range(1, 6)))
def test_codes_outside_the_scale_are_refused(item, value):
    if value in item.response_scale.points:
        return
    with pytest.raises(InputError) as info:
        encode_response(DEFINITION, {item.id: value}, "nl")
    assert item.id in info.value.problems[0]
