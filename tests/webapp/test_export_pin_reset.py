"""Export pins: files counted, a reset only before any file, recorded; stored audit runs.

Both backends (the ``closed_hospital`` fixture of test_export_profiles runs on SQLite and
PostgreSQL).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_export_profiles import closed_hospital  # noqa: F401  (fixture)
from webapp.cli import cli


def _cli(db, monkeypatch, *args):
    monkeypatch.setenv("SAMEN_DATABASE_URL", db.url)
    return CliRunner().invoke(cli, list(args))


def test_a_pin_without_a_file_can_be_reset_and_the_reset_is_recorded(
    closed_hospital,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    from surveys.consent import changes
    from surveys.errors import InputError
    from surveys.export_pins import pin_export, pinned_export, pinned_files
    from webapp.research.export_profiles import ExportProfile
    from webapp.research.service import export_wave

    db, _ = closed_hospital
    pick = ExportProfile("pick", ("dem_age",))
    # an export refused after it pinned (unknown label language): no file written
    with pytest.raises(InputError, match="language"):
        export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path / "a", "fr", profile=pick)
    assert pinned_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == pick.describe()
    assert pinned_files(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0
    result = _cli(db, monkeypatch, "export-pin", "reset", HOSPITAL_SLUG, "--wave", HOSPITAL_WAVE)
    assert result.exit_code == 1  # asked for confirmation, none given: aborted
    assert pinned_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE) is not None
    args = ("export-pin", "reset", HOSPITAL_SLUG, "--wave", HOSPITAL_WAVE, "--yes")
    result = _cli(db, monkeypatch, *args)
    assert result.exit_code == 0, result.output
    assert "can be joined on their answers" in result.output  # the warning, on stderr
    assert pinned_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE) is None
    recorded = [what for _, what in changes(db, HOSPITAL_SLUG)]
    assert any("export settings of wave 2026-1 reset" in what for what in recorded)
    # another profile is free now; its file is counted and ends the reset
    export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path / "b")
    assert pinned_files(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 1
    assert pin_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE, {}) == ExportProfile().describe()


def test_a_pin_with_a_file_is_never_reset(closed_hospital, tmp_path, monkeypatch):  # noqa: F811
    from surveys.export_pins import PinInUse, pinned_export, reset_pin
    from webapp.research.service import export_wave

    db, _ = closed_hospital
    export_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path / "a")
    before = pinned_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(PinInUse, match="1 file"):
        reset_pin(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    args = ("export-pin", "reset", HOSPITAL_SLUG, "--wave", HOSPITAL_WAVE, "--yes")
    result = _cli(db, monkeypatch, *args)
    assert result.exit_code == 2 and "refused" in result.output
    assert pinned_export(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == before
    shown = _cli(db, monkeypatch, "export-pin", "show", HOSPITAL_SLUG, "--wave", HOSPITAL_WAVE)
    assert shown.exit_code == 0 and "files written: 1" in shown.output


def test_audit_runs_are_stored_and_the_latest_is_read(closed_hospital, monkeypatch):  # noqa: F811
    from surveys.audit_runs import latest_run, record_run

    db, _ = closed_hospital
    assert latest_run(db, HOSPITAL_SLUG) is None
    record_run(db, HOSPITAL_SLUG, by="admin@example.org", ok=False, summary="first")
    result = _cli(db, monkeypatch, "audit", HOSPITAL_SLUG)
    assert result.exit_code == 0, result.output
    latest = latest_run(db, HOSPITAL_SLUG)
    assert latest is not None and latest.ok and latest.by == "command line"
    assert latest.summary == result.output.strip().splitlines()[-1]
    record_run(db, HOSPITAL_SLUG, by="admin@example.org", ok=True, summary="last")
    assert latest_run(db, HOSPITAL_SLUG).summary == "last"  # type: ignore[union-attr]
