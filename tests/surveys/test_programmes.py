"""Programmes: adding, listing, removing, and every validation message naming its source."""

from __future__ import annotations

import pytest

from surveys.errors import InputError, NotFound
from surveys.programmes import (
    add_programme,
    get_programme,
    list_programmes,
    programme_by_name,
    read_unit_file,
    remove_programme,
    units_given,
)
from surveys.waves import close_wave, open_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE


@pytest.fixture
def two_waves(hospital_db):
    """The hospital with wave 2026-1 closed and 2026-2 open."""
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    open_wave(hospital_db, HOSPITAL_SLUG, "2026-2")
    return hospital_db


def _add(db, name="Inclusive leadership", units=("W1", "ICU"), **kwargs):
    args = {"cohort": "2026 spring", "before": HOSPITAL_WAVE, "after": "2026-2"}
    args.update(kwargs)
    return add_programme(db, HOSPITAL_SLUG, name, units=units_given(units), **args)


def test_add_list_get_remove(two_waves):
    db = two_waves
    info = _add(db)
    assert (info.name, info.cohort, info.survey) == (
        "Inclusive leadership",
        "2026 spring",
        HOSPITAL_SLUG,
    )
    assert (info.wave_before, info.wave_after) == (HOSPITAL_WAVE, "2026-2")
    assert info.units == ("ICU", "W1") and len(info.unit_ids) == 2
    assert info.wave_before_id != info.wave_after_id
    assert get_programme(db, info.id) == info
    assert programme_by_name(db, HOSPITAL_SLUG, "Inclusive leadership") == info
    assert list_programmes(db, HOSPITAL_SLUG) == [info]
    assert list_programmes(db) == [info]
    removed = remove_programme(db, HOSPITAL_SLUG, "Inclusive leadership")
    assert removed == info
    assert list_programmes(db, HOSPITAL_SLUG) == []
    with pytest.raises(NotFound, match="no programme"):
        get_programme(db, info.id)
    with pytest.raises(NotFound, match="has no programme 'Inclusive leadership'"):
        remove_programme(db, HOSPITAL_SLUG, "Inclusive leadership")


def test_duplicate_name(two_waves):
    _add(two_waves)
    with pytest.raises(InputError, match="already has a programme named 'Inclusive leadership'"):
        _add(two_waves, units=("W2", "ICU"))


def test_waves_must_be_two_a_closed_one_first(two_waves):
    with pytest.raises(InputError, match=r"same wave \('2026-1'\)"):
        _add(two_waves, after=HOSPITAL_WAVE)
    with pytest.raises(InputError, match=r"wave '2026-2' \(before\) is not closed"):
        _add(two_waves, before="2026-2", after=HOSPITAL_WAVE)
    with pytest.raises(NotFound, match="has no wave '1999'"):
        _add(two_waves, after="1999")
    close_wave(two_waves, HOSPITAL_SLUG, "2026-2")
    with pytest.raises(InputError, match=r"wave '2026-1' \(after\) is older"):
        _add(two_waves, before="2026-2", after=HOSPITAL_WAVE)
    with pytest.raises(NotFound, match="no survey"):
        add_programme(
            two_waves, "nosuch", "x", cohort="c", before="a", after="b", units=units_given([])
        )


def test_unit_problems_name_where_they_were_given(two_waves):
    with pytest.raises(InputError) as caught:
        _add(two_waves, units=("W1", "W9", "W1", "SURG"))
    problems = caught.value.problems
    assert problems[0].startswith("unit 2 ('W9'): no unit 'W9'")
    assert problems[1].startswith("unit 3 ('W1'): unit 'W1' is given twice (also unit 1")
    assert problems[2].startswith("unit 1 ('W1'): unit 'W1' lies under unit 'SURG'")
    assert len(problems) == 3
    with pytest.raises(InputError, match="at least 2 units"):
        _add(two_waves, units=("W1",))
    assert list_programmes(two_waves) == []  # nothing stored


def test_empty_labels(two_waves):
    with pytest.raises(InputError, match="name is empty"):
        _add(two_waves, name="  ")
    with pytest.raises(InputError, match="cohort is longer than 100"):
        _add(two_waves, cohort="x" * 101)


def test_unit_file(tmp_path, two_waves):
    good = tmp_path / "units.csv"
    good.write_text("unit\nW1\n\nICU\n", encoding="utf-8")
    assert read_unit_file(good) == [(f"{good}: line 2", "W1"), (f"{good}: line 4", "ICU")]
    info = add_programme(
        two_waves,
        HOSPITAL_SLUG,
        "From file",
        cohort="c",
        before=HOSPITAL_WAVE,
        after="2026-2",
        units=read_unit_file(good),
    )
    assert info.units == ("ICU", "W1")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("unit\nW1\nNOPE\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown.csv: line 3: no unit 'NOPE'"):
        add_programme(
            two_waves,
            HOSPITAL_SLUG,
            "Other",
            cohort="c",
            before=HOSPITAL_WAVE,
            after="2026-2",
            units=read_unit_file(unknown),
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code\nW1\n", "line 1: expected the header 'unit'"),
        ("unit,name\nW1,x\n", "line 1: unknown column(s) name"),
        ("unit,name\n,x\n", "line 2: no unit code"),
    ],
)
def test_unit_file_problems(tmp_path, text, message):
    path = tmp_path / "u.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_unit_file(path)
    assert any(message in p for p in caught.value.problems), caught.value.problems


def test_missing_unit_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_unit_file(tmp_path / "none.csv")
