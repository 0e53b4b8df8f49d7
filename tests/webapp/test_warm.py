"""Warming the results caches (webapp/results/warm.py) and loading a wave once across threads.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU, with
two closed waves filled as in tests/webapp/test_dashboard.py (W1 6, W2 3, ICU 7, HOSP's own
2 responses each; k = 5).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from surveys.users import UserInfo
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_dashboard import PASSWORD, SECOND, _fill, login
from webapp import create_app, results
from webapp.config import TestConfig
from webapp.results import data as data_module
from webapp.results import release as release_module
from webapp.results import trust as trust_module
from webapp.results import warm as warm_module

SURG_MANAGER = UserInfo("surg@example.org", "manager", "SURG", "s-surg")
FILTER = "dem_gender:1"


@pytest.fixture
def db_backend() -> str:
    """SQLite only: warming adds no SQL of its own (the service is tested on both)."""
    return "sqlite"


@pytest.fixture
def warm_db(hospital_db, monkeypatch):
    from surveys.users import add_user
    from surveys.waves import open_wave

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    _fill(hospital_db, HOSPITAL_WAVE, 7)
    open_wave(hospital_db, HOSPITAL_SLUG, SECOND)
    _fill(hospital_db, SECOND, 8)
    add_user(hospital_db, "surg@example.org", "manager", PASSWORD, "SURG")
    return hospital_db


@pytest.fixture
def counted(monkeypatch):
    """An empty wave cache (a fresh worker), and the number of waves loaded from storage,
    of release patterns and of trust figures computed since."""
    monkeypatch.setattr(data_module, "_CACHE", OrderedDict())
    count = {"loads": 0, "patterns": 0, "trust": 0}
    load_answers, release = data_module.load_answers, release_module.release
    compute_trust = trust_module._compute

    def counting_load(*args, **kwargs):
        count["loads"] += 1
        return load_answers(*args, **kwargs)

    def counting_release(*args, **kwargs):
        count["patterns"] += 1
        return release(*args, **kwargs)

    def counting_trust(*args, **kwargs):
        count["trust"] += 1
        return compute_trust(*args, **kwargs)

    monkeypatch.setattr(data_module, "load_answers", counting_load)
    monkeypatch.setattr(trust_module, "_compute", counting_trust)
    monkeypatch.setattr(release_module, "release", counting_release)
    return count


def _pages(db) -> dict[str, object]:
    """What the dashboard page of the SURG manager asks the service, unfiltered and filtered."""
    out: dict[str, object] = {}
    for where in (None, FILTER):
        args = (db, HOSPITAL_SLUG, SECOND, "SURG", SURG_MANAGER)
        out[f"results {where}"] = results.unit_results(*args, filter=where)
        out[f"heatmap {where}"] = results.heatmap(*args, filter=where)
        out[f"trend {where}"] = results.trend(db, HOSPITAL_SLUG, "SURG", SURG_MANAGER, where)
    out["rate"] = results.response_rate(db, HOSPITAL_SLUG, SECOND, "SURG", SURG_MANAGER)
    return out


def test_warm_fills_the_cache_so_a_page_loads_and_computes_nothing(warm_db, counted):
    unwarmed = _pages(warm_db)
    assert counted["loads"] == 2 and counted["patterns"] > 0 and counted["trust"] > 0

    data_module._CACHE.clear()  # a fresh worker again
    counted.update(loads=0, patterns=0, trust=0)
    assert warm_module.warm(warm_db) == [(HOSPITAL_SLUG, HOSPITAL_WAVE), (HOSPITAL_SLUG, SECOND)]
    assert counted["loads"] == 2
    warmed = data_module.load_wave(
        warm_db, data_module.load_survey(warm_db, HOSPITAL_SLUG), SECOND
    )
    for measure in warmed.measures.values():
        assert (
            "pattern",
            measure.id,
            release_module.measure_k(warmed, measure),
            (),
        ) in warmed.derived
        if measure.kind != "item":
            slot = (
                "pattern",
                measure.id,
                release_module.measure_k(warmed, measure),
                ("dem_gender",),
            )
            assert slot in warmed.derived

    counted.update(loads=0, patterns=0, trust=0)
    assert _pages(warm_db) == unwarmed
    assert counted == {"loads": 0, "patterns": 0, "trust": 0}


def test_a_page_after_warming_loads_no_wave(warm_db, counted):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": warm_db})
    client = login(app.test_client(), "surg@example.org")
    warm_module.warm(warm_db)
    counted.update(loads=0, patterns=0, trust=0)
    for query in ("", f"?filter={FILTER}"):
        response = client.get(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG{query}")
        assert response.status_code == 200
    assert counted == {"loads": 0, "patterns": 0, "trust": 0}


def test_an_error_while_warming_is_logged_in_one_line_and_swallowed(warm_db, monkeypatch, caplog):
    def fail(*args, **kwargs):
        raise RuntimeError("unit SURG: 6 responses on 2026-03-01")

    monkeypatch.setattr(warm_module, "unit_results", fail)
    with caplog.at_level(logging.INFO, logger=warm_module.__name__):
        assert warm_module.warm(warm_db) == []
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.WARNING]
    for record, wave in zip(caplog.records, (HOSPITAL_WAVE, SECOND), strict=True):
        message = record.getMessage()
        assert message == (
            f"results cache: warming survey {HOSPITAL_SLUG} wave {wave} failed (RuntimeError)"
        )
        assert record.exc_info is None and "\n" not in message

    caplog.clear()
    monkeypatch.setattr(warm_module, "waves_to_warm", fail)
    assert warm_module.warm(warm_db) == []
    assert [r.getMessage() for r in caplog.records] == [
        "results cache: could not list the waves to warm (RuntimeError)"
    ]


def test_only_the_waves_the_cache_keeps_are_warmed(warm_db):
    from surveys.waves import close_wave, open_wave

    open_wave(warm_db, HOSPITAL_SLUG, "2026-3")
    assert warm_module.waves_to_warm(warm_db) == [
        (HOSPITAL_SLUG, HOSPITAL_WAVE),
        (HOSPITAL_SLUG, SECOND),
    ]
    close_wave(warm_db, HOSPITAL_SLUG, "2026-3")
    assert warm_module.waves_to_warm(warm_db) == [
        (HOSPITAL_SLUG, SECOND),
        (HOSPITAL_SLUG, "2026-3"),
    ]


def test_config_switch(monkeypatch):
    monkeypatch.delenv(warm_module.CONFIG_KEY, raising=False)
    assert warm_module.enabled({})
    assert not warm_module.enabled({"TESTING": True})
    assert not warm_module.enabled({"DEBUG": True})
    assert warm_module.enabled({"TESTING": True, "SAMEN_WARM_CACHE": True})
    assert not warm_module.enabled({"SAMEN_WARM_CACHE": False})
    assert not warm_module.enabled({"SAMEN_WARM_CACHE": "off"})
    monkeypatch.setenv(warm_module.CONFIG_KEY, "0")
    assert not warm_module.enabled({})
    assert warm_module.enabled({"SAMEN_WARM_CACHE": True})
    monkeypatch.setenv(warm_module.CONFIG_KEY, "1")
    assert warm_module.enabled({"TESTING": True})


def test_the_app_warms_in_a_thread_only_when_switched_on(warm_db, counted):
    off = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": warm_db})
    assert "samen_warm_cache" not in off.extensions
    assert counted["loads"] == 0

    on = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": warm_db, "SAMEN_WARM_CACHE": True})
    thread = on.extensions["samen_warm_cache"]
    assert warm_db in warm_module._WARMED
    assert thread.daemon
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert counted["loads"] == 2
    client = login(on.test_client(), "surg@example.org")
    assert client.get(f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG").status_code == 200
    assert counted["loads"] == 2


def test_a_wave_is_loaded_once_when_two_threads_ask_together(warm_db, counted, monkeypatch):
    """The second caller misses the cache while the first is loading, then waits for it."""
    survey = data_module.load_survey(warm_db, HOSPITAL_SLUG)
    loading, missed = threading.Event(), threading.Event()
    load_answers, cached = data_module.load_answers, data_module._cached

    def slow_load(*args, **kwargs):
        loading.set()
        assert missed.wait(timeout=60)  # the other thread found nothing cached
        return load_answers(*args, **kwargs)

    def watched(key, context):
        found = cached(key, context)
        if found is None and threading.current_thread().name == "second":
            missed.set()
        return found

    monkeypatch.setattr(data_module, "load_answers", slow_load)
    monkeypatch.setattr(data_module, "_cached", watched)
    got: dict[str, data_module.WaveData] = {}

    def ask(name: str) -> None:
        got[name] = data_module.load_wave(warm_db, survey, SECOND)

    first = threading.Thread(target=ask, args=("first",), name="first")
    first.start()
    assert loading.wait(timeout=60)
    second = threading.Thread(target=ask, args=("second",), name="second")
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)
    assert not first.is_alive() and not second.is_alive()
    assert counted["loads"] == 1
    assert got["first"] is not got["second"]
    assert got["first"].derived is got["second"].derived
    assert got["first"].measures is got["second"].measures
    assert len(data_module._CACHE) == 1 and not data_module._LOADING


def test_warm_before_fork_warms_and_closes_the_connections(warm_db, counted, monkeypatch):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": warm_db})
    disposed = []
    monkeypatch.setattr(warm_db, "dispose", lambda: disposed.append(True))
    assert warm_module.warm_before_fork(app) == [
        (HOSPITAL_SLUG, HOSPITAL_WAVE),
        (HOSPITAL_SLUG, SECOND),
    ]
    assert counted["loads"] == 2 and disposed == [True]
