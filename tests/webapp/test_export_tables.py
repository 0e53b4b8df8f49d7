"""Issue 14, path 1: the item-level export beside the dashboards' tables.

The attack: a researcher holds the export and every unit's dashboard. When the export blanks a
rare person's unit (local suppression), the unit's n and distributions on the dashboard minus
the export rows labelled with that unit are the blanked rows' answers, and the answers find
their row. The export now recodes globally (every released table is a union of the file's
units) and the disclosure audit checks the file together with the tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.webapp.test_export_cli import CLOSED, DEMO, demo_copy

K = 5  # the demo survey's minimum group size, in responses
K_SENSITIVE = 10  # its k for sensitive measures: max(k, comment threshold), in responses


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    from surveys.db import Database

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def wave(demo_db):
    from webapp.results.data import load_survey, load_wave

    return load_wave(demo_db, load_survey(demo_db, DEMO), CLOSED)


def _legacy_classes(wave):
    """The export as it was built before: roll-up, then blanks row by row (any column)."""
    from engine.disclosure.export import k_anonymize
    from webapp.research.export_plan import _frame, export_classes
    from webapp.research.exporting import quasi_identifiers

    quasi = quasi_identifiers(wave.survey)
    frame = _frame(wave, {}, ())
    result = k_anonymize(frame, quasi, K, wave.survey.parent, seed=1)
    return export_classes(result.data, quasi, wave.n), result


def test_the_audit_finds_the_blanked_rows_of_the_old_export(wave):
    from webapp.research.auditing import audit_wave

    classes, result = _legacy_classes(wave)
    assert result.data["unit"].isna().any()  # the old export blanked units of some rows
    findings, _, _ = audit_wave(wave, frozenset(wave.survey.parent), export=classes)
    assert findings, "the audit must see the export against the tables"
    combos = [f.combination for _, f in findings if f.kind == "leak"]
    # a table minus the file: some finding combines a released unit with export classes
    assert any(
        any(name.startswith("unit:") for name in c) and any(n.startswith("export:") for n in c)
        for c in combos
    )
    # every finding is a real group below its measure's k: the survey's k (5 responses), or
    # for a sensitive measure max(k, comment threshold) = 10 responses (release.measure_k)
    bad = [
        (where, f.n) for where, f in findings if f.kind == "leak" and not 1 <= f.n < K_SENSITIVE
    ]
    assert not bad, bad
    assert any(f.n < K for _, f in findings if f.kind == "leak")


def test_the_attack_on_the_old_export_pins_rows(wave):
    """Reproduce the attack: table n of a unit minus the file's rows labelled with it."""
    from webapp.research.export_plan import released_units

    _, result = _legacy_classes(wave)
    data = result.data
    units = released_units(wave, tuple(wave.matrix.demographic_ids))
    pinned = 0
    for unit in units:
        inside = {u for u in wave.survey.parent if _under(wave, u, unit)}
        table_n = int(wave.in_subtree(unit).sum())
        labelled = int(data["unit"].isin(inside).sum())
        pinned += table_n - labelled  # rows of the unit hidden among the blanks
    assert pinned > 0


def _under(wave, unit: str, top: str) -> bool:
    parent = wave.survey.parent
    while unit is not None:
        if unit == top:
            return True
        unit = parent[unit]
    return False


@pytest.fixture(scope="module")
def plan(demo_db):
    from webapp.research.exporting import export_plan

    return export_plan(demo_db, DEMO, CLOSED, seed=1)


def test_every_released_table_is_a_margin_of_the_new_export(wave, plan):
    from webapp.research.export_plan import ROW, released_units

    data = plan.result.data
    assert not data["unit"].isna().any()  # the unit is never blanked row by row
    assert len(data) == wave.n and sorted(data[ROW]) == list(range(wave.n))  # no row lost
    for unit in released_units(wave, tuple(wave.matrix.demographic_ids)):
        inside = {u for u in wave.survey.parent if _under(wave, u, unit)}
        # the dashboard's n of the unit equals the file's rows labelled inside it: nothing
        # is left over to match against blanked rows
        assert int(wave.in_subtree(unit).sum()) == int(data["unit"].isin(inside).sum()), unit
    # labels hold 0 or at least k rows
    assert data["unit"].value_counts().min() >= K


def test_the_filter_question_is_never_blanked_row_by_row(wave, plan):
    from webapp.results.release import filter_question

    question = filter_question(wave.survey.definition)
    column = plan.result.data[question]
    answered = ~np.isnan(wave.demographic(question))
    if question in plan.withheld:
        assert column.isna().all()
        assert any(question in note for note in plan.notes)
    else:  # kept: every answer is in the file (merged categories aside)
        assert int(column.notna().sum()) == int(answered.sum())


def test_the_new_export_passes_the_audit_with_the_tables(wave, plan):
    from webapp.research.auditing import audit_wave

    findings, views, _ = audit_wave(wave, frozenset(wave.survey.parent), export=plan.classes)
    assert views > 0
    assert findings == []


def test_samen_audit_takes_the_export_as_a_view(demo_db, monkeypatch):
    import webapp.research.auditing as auditing
    from webapp.research.service import audit_survey

    result = audit_survey(demo_db, DEMO, CLOSED)
    assert result.ok, result.lines()
    # the same audit with the old export's classes finds the leak: the export is a view
    monkeypatch.setattr(auditing, "export_for_audit", lambda data, *_: _legacy_classes(data)[0])
    old = audit_survey(demo_db, DEMO, CLOSED)
    assert not old.ok
    assert any("export:" in line for line in old.lines())


def test_without_the_filter_question_the_file_has_unit_labels_only(wave, plan):
    """A class that happened to be all women, subtracted from a unit's "women" figure,
    would leave the unit's other women: so with the filter question out, every other
    quasi-identifier is out too and each class is one unit label."""
    from webapp.results.release import filter_question

    assert filter_question(wave.survey.definition) in plan.withheld  # the demo: some unit
    # has fewer than k men; the dashboards show results per gender
    data = plan.result.data
    for column in ["language", *wave.matrix.demographic_ids]:
        assert data[column].isna().all(), column
    assert len(plan.classes.names) == data["unit"].nunique()


def test_check_margins_names_a_table_that_splits_a_class(wave):
    from webapp.research.export_plan import check_margins

    classes, _ = _legacy_classes(wave)
    problem = check_margins(wave, classes, tuple(wave.matrix.demographic_ids))
    assert problem is not None and "splits a class of the file" in problem


def test_the_privacy_page_and_the_research_page_say_what_the_file_leaves_out():
    from pathlib import Path

    from surveys.privacy import privacy_summary
    from surveys.survey_store import load_survey_file

    example = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
    summary = privacy_summary(load_survey_file(example))
    promise = "no figure of the dashboards can be subtracted"
    assert any(promise in s for s in summary.who_sees["en"])
    assert any("geen cijfer van de dashboards" in s for s in summary.who_sees["nl"])
    template = Path(__file__).resolve().parents[2] / "webapp/templates/research/survey.html"
    assert promise in template.read_text()


@pytest.fixture(scope="module")
def block_plan(demo_db):
    """The default profile (full, local suppression): the filter question withheld by blocks."""
    from webapp.research.export_profiles import ExportProfile
    from webapp.research.exporting import export_plan

    return export_plan(demo_db, DEMO, CLOSED, seed=1, profile=ExportProfile())


def test_the_default_profile_keeps_the_filter_question_by_blocks(wave, block_plan):
    from webapp.results.release import filter_question

    question = filter_question(wave.survey.definition)
    data = block_plan.result.data
    assert question not in block_plan.withheld
    kept = data[question] > 0
    # most answers stay (on the demo the women of most units; men where a unit has >= k)
    assert int(kept.sum()) >= 200, int(kept.sum())
    assert int((data[question] == -4).sum()) > 0  # and the rare ones are withheld
    # every (unit label, shown answer) cell holds at least k responses
    assert data.groupby(["unit", question], dropna=False).size().min() >= K
    assert any(question in note and "exact audit" in note for note in block_plan.notes)


def test_the_block_export_passes_the_full_audit_with_the_tables(wave, block_plan):
    """The independent check: the whole audit with the file's classes as views."""
    from webapp.research.auditing import audit_wave

    findings, views, _ = audit_wave(wave, frozenset(wave.survey.parent), export=block_plan.classes)
    assert views > 0
    assert findings == []


def test_blanking_the_filter_question_row_by_row_is_caught(demo_db, wave):
    """Local suppression with only the unit fixed (missing codes apart, as every export
    with a profile has them): the tables undo the blanked answers."""
    from engine.disclosure.export import export_units, k_anonymize
    from surveys.responses import load_missing_kinds
    from webapp.research.export_blocks import prove
    from webapp.research.export_plan import _frame, export_classes, released_units

    questions = tuple(wave.matrix.demographic_ids)
    own = wave.own_counts(np.ones(wave.n, dtype=bool))
    labels = export_units(wave.survey.parent, released_units(wave, questions), own, K)
    quasi = ["unit", "language", *questions]
    frame = _frame(wave, labels, (), load_missing_kinds(demo_db, DEMO, CLOSED))
    result = k_anonymize(
        frame, quasi, K, fixed=["unit"], suppression="local", seed=1, keep_apart=(-1.0, -2.0, -3.0)
    )
    problem = prove(wave, export_classes(result.data, quasi, wave.n), questions)
    assert problem is not None and "group of" in problem


def test_samen_audit_audits_the_export_the_pin_writes(
    tmp_path_factory, sqlite_template, monkeypatch
):
    """A wave exported with non-default settings is audited with those settings."""
    import webapp.research.auditing as auditing
    from surveys.db import Database
    from webapp.research.audit_export import export_profile
    from webapp.research.export_profiles import ExportProfile
    from webapp.research.service import audit_survey, export_wave

    db = Database(demo_copy(tmp_path_factory, sqlite_template))
    assert export_profile(db, DEMO, CLOSED) == ExportProfile()  # no pin: the default
    picked = ExportProfile("pick", ("dem_age",), order=("dem_age",), suppression="columns")
    export_wave(db, DEMO, CLOSED, "csv", tmp_path_factory.mktemp("pick"), profile=picked)
    assert export_profile(db, DEMO, CLOSED) == picked
    seen = []
    original = auditing.export_for_audit

    def spy(data, *rest):
        from webapp.research.audit_export import export_classes_of

        db, slug = rest[:2]
        seen.append(export_classes_of(data, db, slug).classes)
        return original(data, *rest)

    monkeypatch.setattr(auditing, "export_for_audit", spy)
    result = audit_survey(db, DEMO, CLOSED)
    db.dispose()
    assert result.ok, result.lines()
    (classes,) = seen
    # the pinned file's columns: unit, dem_age (first), language, dem_gender; not the rest
    columns = {part.split("=")[0] for name in classes.names for part in name.split("|")}
    assert columns == {"unit", "dem_age", "language", "dem_gender"}
