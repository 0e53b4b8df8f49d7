"""The built-in instrument library: every file loads, is complete in nl and en, and is sound.

These tests read the YAML files in instruments/library/ through the real loader, so a broken
built-in instrument fails here with the loader's own message (file, path, what is wrong).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[2] / "instruments" / "library"
LANGUAGES = ("nl", "en")
EXPECTED = (
    "belonging",
    "authenticity",
    "social_safety",
    "psychological_safety",
    "inclusive_leadership",
    "work_experience",
    "unwanted_behaviour",
    "demographics",
    "programme_feedback",
)
CLIMATE = EXPECTED[:6]
OPTIONAL_MODULES = ("unwanted_behaviour", "demographics")
ITEM_PREFIX = {
    "belonging": "bel_",
    "authenticity": "aut_",
    "social_safety": "ss_",
    "psychological_safety": "ps_",
    "inclusive_leadership": "il_",
    "work_experience": "we_",
    "unwanted_behaviour": "ub_",
    "demographics": "dem_",
    "programme_feedback": "pf_",
}
# Words that turn a statement around. Reverse-keyed items must be worded as a plain statement
# of the opposite pole, never made by negating a positive item; the scored items avoid these
# words altogether, so no item can read as a double negative once a respondent disagrees.
NEGATION = re.compile(
    r"\b(niet|geen|nooit|niemand|niets|not|no|never|nobody|nothing|none)\b|n't\b", re.IGNORECASE
)
# The library addresses respondents informally (je/jij) everywhere; formal "u" must not creep in.
FORMAL_ADDRESS = re.compile(r"\b(u|uw|uzelf)\b", re.IGNORECASE)


def _load(instrument_id: str):
    from instruments.loader import load_instrument

    return load_instrument(LIBRARY / f"{instrument_id}.yaml")


@pytest.fixture(scope="module")
def library():
    return {instrument_id: _load(instrument_id) for instrument_id in EXPECTED}


def _scored_scales(instrument):
    return [scale for scale in instrument.scales if scale.scored]


def _all_texts(instrument):
    """Every (place, language -> text) mapping a respondent or reader sees."""
    yield "title", instrument.title
    yield "description", instrument.description
    yield "construct", instrument.construct
    for rs_id, rs in instrument.response_scales.items():
        for point in rs.points:
            yield (
                f"response_scales.{rs_id}.labels[{point}]",
                {lang: rs.labels.get(lang, {}).get(point) for lang in LANGUAGES},
            )
        if rs.not_applicable is not None:
            yield f"response_scales.{rs_id}.not_applicable", rs.not_applicable
    for scale in instrument.scales:
        yield f"scales.{scale.id}.name", scale.name
        for item in scale.items:
            yield f"items.{item.id}.text", item.text


def test_library_holds_exactly_the_expected_instruments():
    assert sorted(path.stem for path in LIBRARY.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("instrument_id", EXPECTED)
def test_each_file_loads_without_problems(instrument_id):
    from instruments.errors import InstrumentError

    try:
        instrument = _load(instrument_id)
    except InstrumentError as error:  # pragma: no cover - the message is the point
        pytest.fail(f"{instrument_id}.yaml does not validate:\n{error}")
    assert instrument.id == instrument_id
    assert instrument.languages == LANGUAGES
    assert instrument.items


@pytest.mark.parametrize("instrument_id", EXPECTED)
def test_each_instrument_is_complete_in_dutch_and_english(library, instrument_id):
    instrument = library[instrument_id]
    for place, texts in _all_texts(instrument):
        for lang in LANGUAGES:
            text = texts.get(lang)
            assert isinstance(text, str), f"{instrument_id}: {place}.{lang} is missing"
            assert text.strip(), f"{instrument_id}: {place}.{lang} is empty"
    assert instrument.references, f"{instrument_id}: no references to the literature"


@pytest.mark.parametrize("instrument_id", EXPECTED)
def test_dutch_texts_use_informal_address_throughout(library, instrument_id):
    for place, texts in _all_texts(library[instrument_id]):
        match = FORMAL_ADDRESS.search(texts["nl"])
        assert match is None, f"{instrument_id}: {place}.nl uses formal {match.group()!r}"


@pytest.mark.parametrize("instrument_id", CLIMATE)
def test_every_scored_scale_has_at_least_three_items(library, instrument_id):
    scales = _scored_scales(library[instrument_id])
    assert scales, f"{instrument_id} has no scored scale"
    for scale in scales:
        assert len(scale.items) >= 3, f"{instrument_id}.{scale.id} has {len(scale.items)} items"


def test_item_ids_are_unique_across_the_whole_library(library):
    counts = Counter(item.id for instrument in library.values() for item in instrument.items)
    duplicates = sorted(item_id for item_id, n in counts.items() if n > 1)
    assert duplicates == []


def test_library_combines_into_one_survey(library):
    from instruments.loader import check_survey_instruments

    check_survey_instruments(list(library.values()))


@pytest.mark.parametrize("instrument_id", EXPECTED)
def test_item_ids_carry_their_instrument_prefix(library, instrument_id):
    prefix = ITEM_PREFIX[instrument_id]
    for item in library[instrument_id].items:
        assert item.id.startswith(prefix), f"{item.id} does not start with {prefix!r}"


@pytest.mark.parametrize("instrument_id", CLIMATE)
def test_reverse_keyed_items_are_a_minority_in_every_scored_scale(library, instrument_id):
    for scale in _scored_scales(library[instrument_id]):
        n_reverse = sum(item.reverse for item in scale.items)
        assert 2 * n_reverse < len(scale.items), (
            f"{instrument_id}.{scale.id}: {n_reverse} of {len(scale.items)} items reverse-keyed"
        )


def test_reverse_keyed_items_are_few_in_the_library(library):
    items = [item for instrument_id in CLIMATE for item in library[instrument_id].items]
    n_reverse = sum(item.reverse for item in items)
    assert 0 < n_reverse <= len(items) // 8


@pytest.mark.parametrize("instrument_id", EXPECTED)
def test_reverse_keyed_items_are_not_made_by_negation(library, instrument_id):
    for item in library[instrument_id].items:
        if not item.reverse:
            continue
        for lang in LANGUAGES:
            match = NEGATION.search(item.text[lang])
            assert match is None, f"{item.id}.{lang} reverses by negation: {match.group()!r}"


@pytest.mark.parametrize("instrument_id", CLIMATE)
def test_scored_items_contain_no_negation_at_all(library, instrument_id):
    for scale in _scored_scales(library[instrument_id]):
        for item in scale.items:
            for lang in LANGUAGES:
                match = NEGATION.search(item.text[lang])
                assert match is None, f"{item.id}.{lang} contains {match.group()!r}"


@pytest.mark.parametrize("instrument_id", CLIMATE)
def test_climate_instruments_use_a_labelled_five_point_agreement_scale(library, instrument_id):
    instrument = library[instrument_id]
    assert not instrument.sensitive
    for scale in instrument.scales:
        assert scale.scored, f"{instrument_id}.{scale.id} is unscored"
        for item in scale.items:
            rs = item.response_scale
            assert rs.ordinal
            assert rs.points == (1, 2, 3, 4, 5)
            assert rs.not_applicable is not None, f"{item.id}: no 'not applicable' answer"
            for lang in LANGUAGES:
                assert set(rs.labels[lang]) == set(rs.points)


@pytest.mark.parametrize("instrument_id", OPTIONAL_MODULES)
def test_optional_modules_are_sensitive_and_never_scored(library, instrument_id):
    instrument = library[instrument_id]
    assert instrument.sensitive
    for scale in instrument.scales:
        assert not scale.scored, f"{instrument_id}.{scale.id} is scored"
        for item in scale.items:
            assert not item.scored
            assert not item.reverse


def test_unwanted_behaviour_asks_experienced_and_witnessed_for_each_behaviour(library):
    instrument = library["unwanted_behaviour"]
    scales = {scale.id: scale for scale in instrument.scales}
    assert {"experienced", "witnessed", "source", "reporting"} <= set(scales)
    behaviours = ("bullying", "intimidation", "discrimination", "sexual", "aggression")
    for prefix, scale_id in (("ub_exp_", "experienced"), ("ub_wit_", "witnessed")):
        assert [item.id for item in scales[scale_id].items] == [prefix + b for b in behaviours]
        for item in scales[scale_id].items:
            rs = item.response_scale
            # NEA's anchors with a "sometimes" step between "once or twice" and "often"
            assert rs.points == (1, 2, 3, 4, 5)
            assert [rs.labels["nl"][p] for p in rs.points] == [
                "Nooit",
                "Een enkele keer",
                "Soms",
                "Vaak",
                "Heel vaak",
            ]
            assert rs.labels["en"][3] == "Sometimes"
            assert "12" in item.text["nl"] and "12" in item.text["en"]
    sources = [item.id for item in scales["source"].items]
    assert sources == ["ub_src_colleague", "ub_src_manager", "ub_src_public", "ub_src_other"]
    for item in scales["source"].items:
        assert not item.response_scale.ordinal
        assert item.response_scale.not_applicable is not None
    reported = instrument.item("ub_rep_reported").response_scale
    satisfaction = instrument.item("ub_rep_satisfaction").response_scale
    assert not reported.ordinal and reported.not_applicable is not None
    assert satisfaction.points == (1, 2, 3, 4, 5) and satisfaction.not_applicable is not None


def test_every_question_of_a_sensitive_instrument_offers_prefer_not_to_say(library):
    """The consent page promises that every sensitive question can be left with "prefer not
    to say": each item of a sensitive instrument offers it, in every language, besides any
    "not applicable" (which says something else: nothing happened)."""
    sensitive = [instrument for instrument in library.values() if instrument.sensitive]
    assert {"unwanted_behaviour"} <= {instrument.id for instrument in sensitive}
    for instrument in sensitive:
        for scale in instrument.scales:
            for item in scale.items:
                rs = item.response_scale
                labels = rs.prefer_not_to_say or (
                    rs.not_applicable
                    if rs.not_applicable and "liever niet" in rs.not_applicable.get("nl", "")
                    else None
                )
                assert labels is not None, f"{instrument.id}: {item.id} has no 'prefer not to say'"
                assert set(labels) == set(instrument.languages), item.id


def test_every_demographic_question_is_categorical_with_prefer_not_to_say(library):
    instrument = library["demographics"]
    assert [scale.id for scale in instrument.scales] == ["profile"]
    for item in instrument.items:
        rs = item.response_scale
        assert not rs.ordinal, f"{item.id}: demographic categories are not ordinal"
        assert rs.not_applicable == {"nl": "Zeg ik liever niet", "en": "Prefer not to say"}


def test_origin_follows_the_2022_cbs_classification(library):
    instrument = library["demographics"]
    born = instrument.item("dem_born_nl").response_scale
    parents = instrument.item("dem_parents_abroad").response_scale
    assert len(born.points) == 2
    assert len(parents.points) == 3
    texts = " ".join(
        label
        for item in instrument.items
        for lang in LANGUAGES
        for label in (item.text[lang], *item.response_scale.labels[lang].values())
    ).lower()
    assert "westers" not in texts and "western" not in texts
    assert "migratieachtergrond" not in texts
