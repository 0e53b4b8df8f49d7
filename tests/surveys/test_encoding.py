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


def _kinds_strategy():
    """Answers including "na" and "pn" where the item's response scale offers them."""

    def options(item):
        choices = [st.none(), st.sampled_from(item.response_scale.points)]
        if item.response_scale.not_applicable:
            choices.append(st.just("na"))
        if item.response_scale.prefer_not_to_say:
            choices.append(st.just("pn"))
        return st.one_of(*choices)

    return st.fixed_dictionaries({}, optional={item.id: options(item) for item in ITEMS})


@settings(max_examples=40, deadline=None)
@given(st.lists(_kinds_strategy(), min_size=1, max_size=5))
def test_missing_kinds_round_trip_and_read_as_missing(responses):
    from surveys.encoding import (
        ANSWERED,
        NOT_ANSWERED,
        NOT_APPLICABLE,
        PREFER_NOT_TO_SAY,
        decode_kinds,
    )

    texts = [encode_response(DEFINITION, answers, "nl")[0] for answers in responses]
    values = decode_matrix(texts, len(DEFINITION.items))
    kinds = decode_kinds(texts, len(DEFINITION.items))
    expected_kind = {"na": NOT_APPLICABLE, "pn": PREFER_NOT_TO_SAY, None: NOT_ANSWERED}
    for row, kind_row, answers in zip(values, kinds, responses, strict=True):
        for column, item in enumerate(DEFINITION.items):
            given_value = answers.get(item.id)
            if isinstance(given_value, int):
                assert row[column] == given_value and kind_row[column] == ANSWERED
            else:  # every analysis still reads the three kinds as missing
                assert np.isnan(row[column])
                assert kind_row[column] == expected_kind[given_value]


def test_na_and_pn_only_where_the_scale_offers_them():
    plain = next(i for i in DEFINITION.items if not i.response_scale.not_applicable)
    with pytest.raises(InputError):
        encode_response(DEFINITION, {plain.id: "na"}, "nl")
    plain = next(i for i in DEFINITION.items if not i.response_scale.prefer_not_to_say)
    with pytest.raises(InputError):
        encode_response(DEFINITION, {plain.id: "pn"}, "nl")
    offered = next(i for i in DEFINITION.items if i.response_scale.prefer_not_to_say)
    text, _ = encode_response(DEFINITION, {offered.id: "pn"}, "nl")
    assert text[DEFINITION.items.index(offered)] == "p"
