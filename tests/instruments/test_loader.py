"""The instrument loader reports every problem at once, each naming file, place and line."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments import (
    Instrument,
    InstrumentError,
    Problem,
    UnknownInstrumentError,
    check_survey_instruments,
    library_dir,
    list_builtin,
    load_any,
    load_builtin,
    load_instrument,
    parse_instrument,
)

DATA = Path(__file__).parent / "data"
VALID = DATA / "valid.yaml"
EXPECTED_BUILTINS = {
    "belonging",
    "authenticity",
    "social_safety",
    "psychological_safety",
    "inclusive_leadership",
    "work_experience",
    "unwanted_behaviour",
    "demographics",
    "programme_feedback",
}


_VALID_DICT = yaml.safe_load(VALID.read_text(encoding="utf-8"))


def valid_dict() -> dict[str, Any]:
    return copy.deepcopy(_VALID_DICT)


def problems_of(tmp_path: Path, data: Any, name: str = "broken.yaml") -> list[Problem]:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    return info.value.problems


# -- the valid file ------------------------------------------------------------------------


def test_valid_file_loads_into_the_model():
    instrument = load_instrument(VALID)
    assert instrument.id == "testinst"
    assert instrument.version == "0.1"
    assert instrument.languages == ("nl", "en")
    assert instrument.title == {"nl": "Testinstrument", "en": "Test instrument"}
    assert instrument.path == VALID
    assert instrument.references == ("Nobody (2026). A reference.",)
    assert [scale.id for scale in instrument.scales] == ["alpha", "facts"]
    assert [item.id for item in instrument.items] == [
        "t_alpha_1",
        "t_alpha_2",
        "t_alpha_3",
        "t_fact_1",
        "t_fact_2",
    ]
    agree5 = instrument.response_scales["agree5"]
    assert agree5.points == (1, 2, 3, 4, 5)
    assert agree5.labels["en"][5] == "Strongly agree"
    assert agree5.not_applicable == {"nl": "Niet van toepassing", "en": "Not applicable"}
    assert instrument.response_scales["yesno"].ordinal is False
    assert instrument.item("t_alpha_2").reverse is True
    assert instrument.item("t_alpha_1").reverse is False
    assert instrument.item("t_alpha_1").scored is True
    assert instrument.item("t_alpha_1").response_scale is agree5
    assert instrument.item("t_fact_1").scored is False
    assert instrument.item("t_fact_1").response_scale.id == "yesno"
    assert instrument.scales[1].scored is False


def test_parse_instrument_takes_text_and_a_name():
    instrument = parse_instrument(VALID.read_text(encoding="utf-8"), "upload.yaml")
    assert instrument.id == "testinst"
    assert instrument.path is None
    with pytest.raises(InstrumentError) as info:
        parse_instrument("id: [", "upload.yaml")
    assert str(info.value).startswith("upload.yaml: bad YAML syntax")


def test_optional_keys_take_their_defaults(tmp_path):
    data = valid_dict()
    for key in ("sensitive", "construct", "references"):
        del data[key]
    del data["response_scales"]["agree5"]["not_applicable"]
    path = tmp_path / "minimal.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    instrument = load_instrument(path)
    assert instrument.sensitive is False
    assert instrument.construct == {}
    assert instrument.references == ()
    assert instrument.response_scales["agree5"].not_applicable is None
    assert instrument.response_scales["agree5"].ordinal is True


# -- every kind of broken file -------------------------------------------------------------


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _del(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _dup_item(data: dict[str, Any]) -> None:
    data["scales"][1]["items"][1]["id"] = "t_alpha_1"


def _dup_scale(data: dict[str, Any]) -> None:
    data["scales"][1]["id"] = "alpha"


def _no_rs_anywhere(data: dict[str, Any]) -> None:
    del data["scales"][1]["items"][0]["response_scale"]


ITEM0 = ("scales", 0, "items", 0)
AGREE = ("response_scales", "agree5")

# (mutation, expected path, fragment of the expected message)
BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    # unknown keys, at every level
    "unknown top key": (_set(("colour",), "red"), "colour", "unknown key 'colour'"),
    "misspelt top key": (_set(("titel",), {}), "titel", "did you mean 'title'?"),
    "unknown response scale key": (
        _set((*AGREE, "lables"), {}),
        "response_scales.agree5.lables",
        "did you mean 'labels'?",
    ),
    "unknown scale key": (_set(("scales", 1, "colour"), 1), "scales[1].colour", "unknown key"),
    "unknown item key": (
        _set((*ITEM0, "revers"), True),
        "scales[0].items[0].revers",
        "did you mean 'reverse'?",
    ),
    # missing keys
    "missing id": (_del(("id",)), "id", "missing required key 'id'"),
    "missing version": (_del(("version",)), "version", "missing required key"),
    "missing languages": (_del(("languages",)), "languages", "missing required key"),
    "missing scales": (_del(("scales",)), "scales", "missing required key"),
    "missing response_scales": (_del(("response_scales",)), "response_scales", "missing"),
    "missing points": (_del((*AGREE, "points")), "response_scales.agree5.points", "missing"),
    "missing scale name": (_del(("scales", 1, "name")), "scales[1].name", "missing required"),
    "missing item id": (_del((*ITEM0, "id")), "scales[0].items[0].id", "missing required"),
    "missing item text": (_del((*ITEM0, "text")), "scales[0].items[0].text", "missing required"),
    # wrong types
    "version as number": (_set(("version",), 1.0), "version", 'quote it: "1.0"'),
    "languages as text": (_set(("languages",), "nl"), "languages", "list of language codes"),
    "bad language code": (_set(("languages", 1), "English"), "languages[1]", "language code"),
    "sensitive as text": (_set(("sensitive",), "yes"), "sensitive", "true or false"),
    "scored as number": (_set(("scales", 1, "scored"), 0), "scales[1].scored", "true or false"),
    "reverse as text": (_set((*ITEM0, "reverse"), "no"), "scales[0].items[0].reverse", "true"),
    "ordinal as text": (_set((*AGREE, "ordinal"), "y"), "response_scales.agree5.ordinal", "true"),
    "scales as mapping": (_set(("scales",), {"a": 1}), "scales", "list of scales"),
    "scale as text": (_set(("scales", 1), "facts"), "scales[1]", "must be a mapping"),
    "item as list": (_set((*ITEM0,), ["x"]), "scales[0].items[0]", "must be a mapping"),
    "items as mapping": (_set(("scales", 0, "items"), {"a": 1}), "scales[0].items", "a list"),
    "text as plain text": (_set((*ITEM0, "text"), "Hi"), "scales[0].items[0].text", "per lang"),
    "title as list": (_set(("title",), ["x"]), "title", "title per language"),
    "references as text": (_set(("references",), "Me"), "references", "list of references"),
    "reference as number": (_set(("references", 0), 3), "references[0]", "must be text"),
    "labels as list": (_set((*AGREE, "labels"), []), "response_scales.agree5.labels", "per lang"),
    "label as number": (
        _set((*AGREE, "labels", "en", 3), 3),
        "response_scales.agree5.labels.en.3",
        "label must be text",
    ),
    "top level empty mapping": (lambda d: d.clear(), "title", "missing required key 'title'"),
    # missing or stray language text
    "missing item text nl": (
        _del(("scales", 1, "items", 0, "text", "nl")),
        "scales[1].items[0].text.nl",
        "missing text for language 'nl'",
    ),
    "missing title en": (_del(("title", "en")), "title.en", "missing title for language 'en'"),
    "missing description nl": (
        _del(("description", "nl")),
        "description.nl",
        "missing description for language 'nl'",
    ),
    "missing scale name en": (
        _del(("scales", 0, "name", "en")),
        "scales[0].name.en",
        "missing name for language 'en'",
    ),
    "missing construct en": (_del(("construct", "en")), "construct.en", "missing construct"),
    "missing not_applicable en": (
        _del((*AGREE, "not_applicable", "en")),
        "response_scales.agree5.not_applicable.en",
        "missing 'not applicable' label for language 'en'",
    ),
    "empty item text": (
        _set((*ITEM0, "text", "en"), "  "),
        "scales[0].items[0].text.en",
        "must be text",
    ),
    "bare No as a label": (
        _set((*AGREE, "labels", "en", 1), False),
        "response_scales.agree5.labels.en.1",
        'put quotes around a text like "No"',
    ),
    "null item text": (
        _set((*ITEM0, "text", "nl"), None),
        "scales[0].items[0].text.nl",
        "must be text, got nothing (null)",
    ),
    "text in an unlisted language": (
        _set((*ITEM0, "text", "de"), "Hallo"),
        "scales[0].items[0].text.de",
        "not one of the instrument's languages",
    ),
    # ids
    "instrument id with capital": (_set(("id",), "Test"), "id", "must match [a-z][a-z0-9_]*"),
    "scale id starting with digit": (_set(("scales", 0, "id"), "1a"), "scales[0].id", "match"),
    "item id with hyphen": (_set((*ITEM0, "id"), "t-1"), "scales[0].items[0].id", "must match"),
    "item id as number": (_set((*ITEM0, "id"), 7), "scales[0].items[0].id", "must be text"),
    "response scale name": (
        lambda d: d["response_scales"].update({"Yes-No": d["response_scales"]["yesno"]}),
        "response_scales.Yes-No",
        "response scale name 'Yes-No' must match",
    ),
    "duplicate scale id": (_dup_scale, "scales[1].id", "duplicate scale id 'alpha'"),
    "duplicate item id": (
        _dup_item,
        "scales[1].items[1].id",
        "duplicate item id 't_alpha_1' (also at scales[0].items[0].id)",
    ),
    # reverse on items that are never scored
    "reverse on unscored scale": (
        _set(("scales", 1, "items", 0, "reverse"), True),
        "scales[1].items[0].reverse",
        "never scored (its scale has scored: false)",
    ),
    "reverse on categorical item": (
        lambda d: (
            _set(("scales", 1, "scored"), True)(d),
            _set(("scales", 1, "items", 1, "reverse"), True)(d),
        ),
        "scales[1].items[1].reverse",
        "response scale 'yesno' is categorical",
    ),
    # empty scales
    "empty scale": (_set(("scales", 0, "items"), []), "scales[0].items", "has no items"),
    "null items": (_set(("scales", 1, "items"), None), "scales[1].items", "has no items"),
    "no scales": (_set(("scales",), []), "scales", "non-empty list of scales"),
    # labels versus points
    "label missing for a point": (
        _del((*AGREE, "labels", "en", 3)),
        "response_scales.agree5.labels.en",
        "no 'en' label for point 3",
    ),
    "labels missing for points": (
        lambda d: [d["response_scales"]["agree5"]["labels"]["nl"].pop(p) for p in (4, 5)],
        "response_scales.agree5.labels.nl",
        "no 'nl' label for points 4, 5",
    ),
    "label for a point not on the scale": (
        _set((*AGREE, "labels", "nl", 7), "Zeven"),
        "response_scales.agree5.labels.nl.7",
        "label for point 7, which is not in points [1, 2, 3, 4, 5]",
    ),
    "label key not a point": (
        _set((*AGREE, "labels", "nl", "one"), "Een"),
        "response_scales.agree5.labels.nl.one",
        "a label key must be a point code",
    ),
    "labels missing a language": (
        _del((*AGREE, "labels", "en")),
        "response_scales.agree5.labels.en",
        "missing labels for language 'en'",
    ),
    "labels per point not a mapping": (
        _set((*AGREE, "labels", "en"), ["a", "b"]),
        "response_scales.agree5.labels.en",
        "a label per point",
    ),
    # response scale references
    "unknown response scale on a scale": (
        _set(("scales", 0, "response_scale"), "agree7"),
        "scales[0].response_scale",
        "unknown response scale 'agree7' (defined: agree5, yesno); did you mean 'agree5'?",
    ),
    "unknown response scale on an item": (
        _set(("scales", 1, "items", 0, "response_scale"), "noyes"),
        "scales[1].items[0].response_scale",
        "unknown response scale 'noyes'",
    ),
    "no response scale for an item": (
        _no_rs_anywhere,
        "scales[1].items[0].response_scale",
        "give one on the item or on its scale",
    ),
    "response_scales empty": (_set(("response_scales",), {}), "response_scales", "mapping"),
    # points
    "point above 9": (_set((*AGREE, "points", 4), 10), "response_scales.agree5.points[4]", "0-9"),
    "negative point": (_set((*AGREE, "points", 0), -1), "response_scales.agree5.points[0]", "0-9"),
    "fractional point": (
        _set((*AGREE, "points", 1), 2.5),
        "response_scales.agree5.points[1]",
        "integer",
    ),
    "boolean point": (
        _set((*AGREE, "points", 1), True),
        "response_scales.agree5.points[1]",
        "integer",
    ),
    "text point": (
        _set((*AGREE, "points", 2), "3"),
        "response_scales.agree5.points[2]",
        "integer",
    ),
    "duplicate point": (
        _set((*AGREE, "points", 4), 4),
        "response_scales.agree5.points[4]",
        "point 4 is listed twice",
    ),
    "single point": (
        _set(("response_scales", "yesno", "points"), [1]),
        "response_scales.yesno.points",
        "at least 2 points",
    ),
    "points as text": (_set((*AGREE, "points"), "1-5"), "response_scales.agree5.points", "list"),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_each_kind_of_broken_file_is_reported_at_its_place(tmp_path, case):
    mutate, path, fragment = BROKEN[case]
    data = valid_dict()
    mutate(data)
    problems = problems_of(tmp_path, data)
    matching = [p for p in problems if p.path == path and fragment in p.message]
    assert matching, f"no problem at {path!r} mentioning {fragment!r}; got:\n" + "\n".join(
        map(str, problems)
    )
    assert all(p.file == str(tmp_path / "broken.yaml") for p in problems)


def test_every_problem_is_reported_at_once(tmp_path):
    data = valid_dict()
    cases = [
        "unknown top key",
        "missing item text nl",
        "duplicate scale id",
        "reverse on unscored scale",
        "label for a point not on the scale",
        "version as number",
        "label missing for a point",
        "unknown response scale on an item",
        "empty scale",
        "single point",
    ]
    for case in cases:
        BROKEN[case][0](data)
    problems = problems_of(tmp_path, data)
    for case in cases:
        _, path, fragment = BROKEN[case]
        assert any(p.path == path and fragment in p.message for p in problems), case
    # problems come in file order
    lines = [p.line for p in problems if p.line is not None]
    assert lines == sorted(lines)


def test_problem_reads_file_path_message_and_line(tmp_path):
    text = VALID.read_text(encoding="utf-8").replace(
        "text: {nl: Mijn team steunt mij., en: My team supports me.}",
        "text: {en: My team supports me.}",
    )
    path = tmp_path / "belonging.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    (problem,) = info.value.problems
    line = text.splitlines().index("        text: {en: My team supports me.}") + 1
    assert problem.path == "scales[0].items[2].text.nl"
    assert problem.line == line
    assert str(problem) == (
        f"{path}: scales[0].items[2].text.nl: missing text for language 'nl' (line {line})"
    )
    assert str(info.value) == str(problem)
    assert isinstance(info.value, ValueError)


def test_semantic_problems_carry_the_line_of_their_key(tmp_path):
    text = VALID.read_text(encoding="utf-8").replace("sensitive: false", "sensitive: maybe")
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    (problem,) = info.value.problems
    assert problem.path == "sensitive"
    assert problem.line == text.splitlines().index("sensitive: maybe") + 1


# -- files that are not YAML instruments at all --------------------------------------------

RAW: dict[str, tuple[bytes, str, int | None]] = {
    "unclosed flow mapping": (
        b'id: x\ntitle: {nl: a, en: b\nversion: "1"\n',
        "bad YAML syntax",
        3,
    ),
    "tab indentation": (b"id: x\ntitle:\n\tnl: a\n", "bad YAML syntax", 3),
    "unclosed quote": (b'id: x\nversion: "1\n', "bad YAML syntax", 3),
    "stray colon": (b"id: x\nversion: a: b\n", "bad YAML syntax", 2),
    "two documents": (b"id: x\n---\nid: y\n", "bad YAML syntax", 2),
    "python tag": (b"id: !!python/object:os.system x\n", "bad YAML syntax", 1),
    "control character": (
        b"id: x\nversion: a\x08b\n",
        "bad YAML syntax: character #x0008 is not",
        2,
    ),
    "not UTF-8": ("id: caf\u00e9\n".encode("latin-1"), "not UTF-8", 1),
    "empty file": (b"", "the file is empty", None),
    "only a comment": (b"# nothing\n", "the file is empty", None),
    "top level is a list": (b"- id: x\n", "the file must be a mapping", None),
    "top level is text": (b"hello\n", "the file must be a mapping", None),
}


@pytest.mark.parametrize("case", list(RAW), ids=list(RAW))
def test_unreadable_files_are_reported_not_raised(tmp_path, case):
    content, fragment, line = RAW[case]
    path = tmp_path / "raw.yaml"
    path.write_bytes(content)
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    (problem,) = info.value.problems
    assert fragment in problem.message
    assert problem.file == str(path)
    assert problem.path == ""
    assert problem.line == line
    assert str(problem).startswith(f"{path}: {fragment}")


def test_duplicate_yaml_keys_are_reported_not_silently_overwritten(tmp_path):
    text = VALID.read_text(encoding="utf-8").replace(
        'version: "0.1"', 'version: "0.1"\nid: testinst2'
    )
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    (problem,) = info.value.problems
    assert problem.path == "id"
    assert problem.message == "duplicate key 'id' (first given on line 2)"
    assert problem.line == 4


def test_instrument_error_survives_pickling(tmp_path):
    import pickle

    with pytest.raises(InstrumentError) as info:
        load_instrument(tmp_path / "nope.yaml")
    copy_ = pickle.loads(pickle.dumps(info.value))
    assert copy_.problems == info.value.problems
    with pytest.raises(ValueError, match="problems"):
        InstrumentError([])


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InstrumentError) as info:
        load_instrument(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: file not found"
    with pytest.raises(InstrumentError) as info:
        load_instrument(tmp_path)
    assert "is a directory" in str(info.value)


def test_merge_keys_and_anchors_are_allowed(tmp_path):
    text = VALID.read_text(encoding="utf-8").replace(
        "  yesno:\n    ordinal: false\n",
        "  yesno: &yn\n    ordinal: false\n",
    )
    text += "  - id: more\n    name: {nl: Meer, en: More}\n    scored: false\n"
    text += "    response_scale: yesno\n    items:\n"
    text += "      - {id: t_more_1, text: {nl: a, en: b}}\n"
    path = tmp_path / "anchors.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_instrument(path).scales[-1].items[0].id == "t_more_1"


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 12) | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


_VALID_PATHS = _paths(valid_dict())
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_VALID_PATHS), _json)
def test_any_replacement_gives_an_instrument_or_problems_never_a_crash(where, value):
    data = valid_dict()
    _set(where, value)(data)
    text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True)
    try:
        instrument = parse_instrument(text, "fuzz.yaml")
    except InstrumentError as error:
        assert error.problems
        assert all(str(p).startswith("fuzz.yaml: ") for p in error.problems)
    else:
        assert isinstance(instrument, Instrument)


_VALID_TEXT = VALID.read_text(encoding="utf-8")


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(_VALID_TEXT)), st.integers(0, 20), st.text(max_size=6))
def test_any_text_edit_gives_an_instrument_or_problems_never_a_crash(start, length, insert):
    text = _VALID_TEXT[:start] + insert + _VALID_TEXT[start + length :]
    try:
        parse_instrument(text, "edit.yaml")
    except InstrumentError as error:
        assert all(str(p).startswith("edit.yaml: ") for p in error.problems)


# -- instruments combined in one survey ------------------------------------------------------


def test_survey_instruments_with_distinct_ids_pass():
    check_survey_instruments([load_instrument(VALID)])
    check_survey_instruments([])


def test_duplicate_item_ids_across_instruments_name_both_files():
    first = load_instrument(VALID)
    second = load_instrument(DATA / "clash.yaml")
    with pytest.raises(InstrumentError) as info:
        check_survey_instruments([first, second])
    (problem,) = info.value.problems
    assert problem.file == str(DATA / "clash.yaml")
    assert problem.path == "scales[0].items[1].id"
    assert "item id 't_alpha_2' is also used by instrument 'testinst'" in problem.message
    assert str(VALID) in problem.message


def test_duplicate_instrument_ids_in_a_survey():
    first = load_instrument(VALID)
    with pytest.raises(InstrumentError) as info:
        check_survey_instruments([first, first])
    (problem,) = info.value.problems
    assert problem.path == "id"
    assert "instrument 'testinst' is in the survey twice" in problem.message


def test_check_survey_instruments_rejects_non_instruments():
    with pytest.raises(ValueError, match="instruments"):
        check_survey_instruments(["belonging"])  # type: ignore[list-item]


# -- the built-in library --------------------------------------------------------------------


def test_library_has_every_expected_instrument():
    missing = EXPECTED_BUILTINS - set(list_builtin())
    assert not missing, f"built-in instruments missing from {library_dir()}: {sorted(missing)}"


@pytest.mark.parametrize("path", sorted(library_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_every_library_file_loads_complete_in_nl_and_en(path):
    instrument = load_instrument(path)
    assert instrument.id == path.stem
    assert set(instrument.languages) >= {"nl", "en"}
    for item in instrument.items:
        assert set(item.text) == set(instrument.languages)


def test_library_item_ids_are_unique_across_all_builtins():
    check_survey_instruments([load_builtin(name) for name in list_builtin()])


def test_list_builtin_is_sorted_ids():
    ids = list_builtin()
    assert ids == sorted(ids)
    assert all(library_dir().joinpath(f"{name}.yaml").is_file() for name in ids)


def test_load_builtin_is_cached_and_rejects_unknown_ids():
    names = list_builtin()
    if names:
        assert load_builtin(names[0]) is load_builtin(names[0])
    with pytest.raises(UnknownInstrumentError) as info:
        load_builtin("no_such_instrument")
    assert "not a built-in instrument" in str(info.value)
    with pytest.raises(UnknownInstrumentError):
        load_builtin("../valid")


def test_load_builtin_checks_the_file_name_matches_the_id(tmp_path, monkeypatch):
    import instruments.library

    (tmp_path / "other.yaml").write_bytes(VALID.read_bytes())
    monkeypatch.setattr(instruments.library, "library_dir", lambda: tmp_path)
    assert list_builtin() == ["other"]
    with pytest.raises(InstrumentError, match="must hold the instrument of its name"):
        load_builtin("other")


def test_load_any_takes_an_id_or_a_path(tmp_path, monkeypatch):
    import instruments.library

    (tmp_path / "testinst.yaml").write_bytes(VALID.read_bytes())
    monkeypatch.setattr(instruments.library, "library_dir", lambda: tmp_path)
    assert load_any("testinst").path == tmp_path / "testinst.yaml"
    assert load_any(str(VALID)).path == VALID
    assert load_any(VALID).id == "testinst"
    with pytest.raises(UnknownInstrumentError, match="nor a file"):
        load_any("nonexistent")
    with pytest.raises(InstrumentError, match="file not found"):
        load_any("nonexistent.yaml")
