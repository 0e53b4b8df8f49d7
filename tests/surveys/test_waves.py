"""Waves: open, close, one at a time."""

from __future__ import annotations

import pytest

from surveys.errors import InputError, NotFound, SamenError
from surveys.waves import close_wave, current_wave, list_waves, open_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE


def test_open_close_and_list(hospital_db):
    db = hospital_db
    wave = current_wave(db, HOSPITAL_SLUG)
    assert wave is not None and wave.label == HOSPITAL_WAVE and wave.is_open
    with pytest.raises(SamenError, match="still open"):
        open_wave(db, HOSPITAL_SLUG, "2026-2")
    closed = close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    assert closed.state == "closed" and closed.closed_on is not None
    assert current_wave(db, HOSPITAL_SLUG) is None
    with pytest.raises(SamenError, match="closed already"):
        close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(SamenError, match="already has a wave"):
        open_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    open_wave(db, HOSPITAL_SLUG, "2026-2")
    assert [(w.label, w.state) for w in list_waves(db, HOSPITAL_SLUG)] == [
        ("2026-1", "closed"),
        ("2026-2", "open"),
    ]


def test_bad_names(hospital_db):
    with pytest.raises(InputError, match="wave label"):
        open_wave(hospital_db, HOSPITAL_SLUG, "no spaces")
    with pytest.raises(NotFound):
        close_wave(hospital_db, HOSPITAL_SLUG, "1999")
    with pytest.raises(NotFound):
        current_wave(hospital_db, "nosuch")
