"""A closed wave keeps the tree it closed with: the snapshot, its migration, org import after.

The hospital of tests/conftest.py: HOSP > SURG > W1, W2; HOSP > ICU.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from surveys.db import Database
from surveys.errors import SamenError
from surveys.org import import_units, list_units, wave_trees
from surveys.waves import close_wave, open_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_UNITS, HOSPITAL_WAVE

MOVED = HOSPITAL_UNITS.replace("W2,SURG,Ward 2,", "W2,ICU,Ward 2 (now under ICU),")


@pytest.fixture(autouse=True)
def _empty_results_cache() -> None:
    """Reused PostgreSQL test databases keep their URL: no closed wave of an earlier test."""
    from webapp.results import data

    with data._LOCK:
        data._CACHE.clear()


def _tree(units) -> dict[str, tuple[str | None, str]]:
    return {u.code: (u.parent_code, u.name) for u in units}


def _import(db, tmp_path: Path, content: str) -> None:
    path = tmp_path / "units.csv"
    path.write_text(content, encoding="utf-8")
    import_units(db, path)


def test_close_writes_the_tree_and_org_import_changes_later_waves_only(hospital_db, tmp_path):
    db = hospital_db
    assert wave_trees(db, HOSPITAL_SLUG) == {}  # an open wave follows the current tree
    at_close = _tree(list_units(db))
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    assert _tree(wave_trees(db, HOSPITAL_SLUG)[HOSPITAL_WAVE]) == at_close

    _import(db, tmp_path, MOVED)
    assert _tree(list_units(db))["W2"] == ("ICU", "Ward 2 (now under ICU)")
    # the closed wave keeps its tree: parent and name as they were at close
    assert _tree(wave_trees(db, HOSPITAL_SLUG)[HOSPITAL_WAVE]) == at_close
    assert at_close["W2"] == ("SURG", "Ward 2")

    open_wave(db, HOSPITAL_SLUG, "2026-2")
    _import(db, tmp_path, MOVED.replace("ICU,HOSP,Intensive care,", "ICU,HOSP,IC,"))
    close_wave(db, HOSPITAL_SLUG, "2026-2")  # the open wave took the change until it closed
    trees = wave_trees(db, HOSPITAL_SLUG)
    assert _tree(trees["2026-2"])["W2"] == ("ICU", "Ward 2 (now under ICU)")
    assert _tree(trees["2026-2"])["ICU"] == ("HOSP", "IC")
    assert _tree(trees[HOSPITAL_WAVE]) == at_close
    with pytest.raises(SamenError, match="closed already"):
        close_wave(db, HOSPITAL_SLUG, "2026-2")
    assert _tree(wave_trees(db, HOSPITAL_SLUG)["2026-2"]) == _tree(trees["2026-2"])


def test_results_of_a_closed_wave_follow_its_tree(hospital_db, tmp_path):
    """SURG's n in the closed wave is 9 (W1 6 + W2 3); moving W2 (3 < k) under ICU after close
    would have left 6, and 9 - 6 = W2's three respondents."""
    from surveys.users import UserInfo
    from tests.webapp.test_results import fill_wave
    from webapp import results

    db = hospital_db
    fill_wave(db)  # closes 2026-1
    surg_manager = UserInfo("surg@example.org", "manager", "SURG", "s-surg")
    before = results.unit_results(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "SURG", surg_manager)
    assert before["n"] == 9
    _import(db, tmp_path, MOVED)
    after = results.unit_results(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "SURG", surg_manager)
    assert after == before
    assert [c["unit"] for c in after["children"]] == ["W1", "W2"]
    admin = UserInfo("admin@example.org", "admin", None, "s-admin")
    icu = results.heatmap(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", admin)
    assert icu["rows"] == []  # ICU had no children when the wave closed


def _downgrade(db: Database, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from surveys.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_migration_snapshots_the_current_tree_for_waves_already_closed(empty_db_url, tmp_path):
    """A database before tree01 (at wal01) with a closed and an open wave, upgraded again.

    The waves are made with today's code at head and the schema then taken down to wal01
    (tree01's snapshot table goes with it): today's code no longer runs on a schema that old
    (it reads the survey's revision, added by surv01).
    """
    from surveys.survey_store import create_survey
    from surveys.users import UserInfo
    from tests.webapp.test_results import fill_wave
    from webapp import results

    db = Database(empty_db_url)
    try:
        db.upgrade()
        _import(db, tmp_path, HOSPITAL_UNITS)
        example = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
        create_survey(db, example)
        open_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
        fill_wave(db, close=False)
        with db.engine.begin() as connection:  # closed as a build before tree01 closed it
            connection.execute(
                text("UPDATE waves SET state = 'closed', closed_on = opened_on WHERE label = :w"),
                {"w": HOSPITAL_WAVE},
            )
        open_wave(db, HOSPITAL_SLUG, "2026-2")
        current = _tree(list_units(db))

        _downgrade(db, "wal01")  # the revision before tree01: no snapshot of any wave
        assert db.current_revision() == "wal01"
        db.upgrade()  # tree01 snapshots the closed wave on the way
        trees = wave_trees(db, HOSPITAL_SLUG)
        assert set(trees) == {HOSPITAL_WAVE}  # the open wave follows the current tree
        assert _tree(trees[HOSPITAL_WAVE]) == current

        admin = UserInfo("admin@example.org", "admin", None, "s-admin")
        before = results.unit_results(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "SURG", admin)
        _import(db, tmp_path, MOVED)
        after = results.unit_results(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "SURG", admin)
        assert before["n"] == after["n"] == 9
        assert after == before
    finally:
        db.dispose()


def test_the_privacy_page_says_a_reorganisation_applies_to_later_rounds_only():
    from surveys.privacy import privacy_summary
    from surveys.survey_store import load_survey_file

    example = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
    summary = privacy_summary(load_survey_file(example))
    assert any("reorganisation applies to later rounds only" in s for s in summary.who_sees["en"])
    assert any("volgende rondes" in s for s in summary.who_sees["nl"])
