"""A scale against its own items (issue 14, path 3): the attack, and the audit that sees it.

The attacker holds what a role is shown (:func:`webapp.results.unit_results`): per unit a
scale's n, mean and pooled answer distribution (shares), and per item its n, mean and
distribution. Before the fix the items counted every answer and the scale only those of
respondents with a valid score, so the items' answer counts minus the scale's pooled counts
were the answers of the few without a valid score (the demo: CHIR-B, 2025-2, intention to
stay leaves {2: 1, 3: 1}, one person's answers). Now an item of a scored scale counts only
the respondents with a valid score on it, the scale's mean pools its items' answers, and a
scale is shown only where all its items are: subtracting reveals nothing. The widened audit
(a scale and its items together, :func:`webapp.research.auditing.audit_family`) finds the
old leak and passes the product.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from surveys.users import UserInfo
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_export_cli import DEMO, demo_copy

ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
SCALE = "belonging.membership"
ITEMS = ("bel_mem_1", "bel_mem_2", "bel_mem_3", "bel_mem_4")
#: Respondents per unit (k = 5 responses in hospital.yaml).
PLAN = {"W1": 7, "W2": 5, "ICU": 6}


def subtract(block: dict, survey) -> dict[str, tuple[dict[int, int], float, float]]:
    """Per scale shown with all its items in ``block``: what the items hold beyond the scale.

    Returns ``{scale: (counts, sum, error)}``: the items' answer counts per code
    (reverse-keyed items recoded as the scale pools them) minus the scale's pooled counts,
    and the items' answer sums minus the scale's mean times its pooled answers (known up to
    ``error``, from the rounding of the means). The scale shows shares,
    not counts; its number of pooled answers is the largest at most the items' total for
    which every share times it is a whole count and no code goes negative, as an attacker
    would find it. Both are empty/zero when the scale describes exactly its items' answers.
    """
    from webapp.results.data import scale_id

    definition = survey.definition
    out = {}
    for instrument in definition.answer_instruments:
        for scale in instrument.scales:
            if not scale.scored or not scale.items:
                continue
            found = block["scales"][scale_id(definition, instrument.id, scale.id)]
            cells = [block["items"][item.id] for item in scale.items]
            if found["suppressed"] or any(c["suppressed"] for c in cells):
                continue
            points = [int(p) for p in found["distribution"]]
            lo, hi = min(points), max(points)
            counts = dict.fromkeys(points, 0)
            total, item_sum = 0, 0.0
            for item, c in zip(scale.items, cells, strict=True):
                total += c["n"]
                mean = hi + lo - c["mean"] if item.reverse else c["mean"]
                item_sum += c["n"] * mean
                for code, share in c["distribution"].items():
                    code = lo + hi - int(code) if item.reverse else int(code)
                    counts[code] += round((share or 0) * c["n"])
            shares = {int(code): share or 0 for code, share in found["distribution"].items()}
            for pooled in range(total, -1, -1):
                est = {p: round(shares[p] * pooled) for p in points}
                slack = pooled * 5e-5 + 1e-9  # shares are rounded to 4 decimals
                whole = all(abs(shares[p] * pooled - est[p]) <= slack for p in points)
                if whole and all(counts[p] >= est[p] for p in points):
                    break
            left = {p: counts[p] - est[p] for p in points if counts[p] != est[p]}
            sid = scale_id(definition, instrument.id, scale.id)
            # means are rounded to 4 decimals: each sum is known to n x 0.00005
            out[sid] = (left, item_sum - found["mean"] * pooled, (total + pooled) * 5e-5)
    return out


def attack(db, slug: str, waves: tuple[str, ...]) -> dict[tuple[str, str, str], tuple]:
    """Every unit's view as the admin sees it, subtracted: ``{(wave, unit, scale): found}``."""
    from webapp.results import unit_results
    from webapp.results.data import load_survey

    survey = load_survey(db, slug)
    out = {}
    for wave in waves:
        for unit in sorted(survey.units):
            block = unit_results(db, slug, wave, unit, ADMIN)
            for sid, found in subtract(block, survey).items():
                out[(wave, unit, sid)] = found
    return out


@pytest.fixture
def old_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    """The measures before the fix: items count every answer, not only valid scale scores."""
    from webapp.results import data, measures

    monkeypatch.setattr(
        measures, "build_measures", functools.partial(measures.build_measures, aligned=False)
    )
    with data._LOCK:
        data._CACHE.clear()


def _fill(db) -> None:
    """Respondents answering everything, except in W1 one who answered only 2 of the 4
    membership items (no valid score: fewer than 2/3) and one who skipped bel_mem_4."""
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey
    from surveys.waves import close_wave

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(11)
    for unit, count in PLAN.items():
        for i, token in enumerate(issue_invitations(db, HOSPITAL_SLUG, unit, count)):
            answers: dict[str, int | None] = {
                item.id: int(rng.choice(item.response_scale.points)) for item in definition.items
            }
            if unit == "W1" and i == 0:
                answers.update(bel_mem_1=2, bel_mem_2=3, bel_mem_3=None, bel_mem_4=None)
            if unit == "W1" and i == 1:
                answers.update(bel_mem_4=None)
            submit_response(db, token, answers, "nl", {"dem_gender": 1 + i % 2})
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)


@pytest.fixture
def skipped_db(hospital_db):
    _fill(hospital_db)
    return hospital_db


def test_scale_minus_items_reveals_nothing(skipped_db):
    """On both backends: W1's membership items count the 6 valid scores (5 for bel_mem_4),
    the scale's pooled answers are exactly its items' answers, its mean their mean."""
    from webapp.results import unit_results

    block = unit_results(skipped_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1", ADMIN)
    assert block["n"] == 7
    assert block["scales"][SCALE]["n"] == 6
    assert [block["items"][i]["n"] for i in ITEMS] == [6, 6, 6, 5]
    found = attack(skipped_db, HOSPITAL_SLUG, (HOSPITAL_WAVE,))
    assert ("2026-1", "W1", SCALE) in found
    for key, (left, total, error) in found.items():
        assert left == {}, key
        assert abs(total) <= error, key


def test_before_the_fix_the_items_gave_one_persons_answers(skipped_db, old_measures):
    """The same attack on the measures before the fix: W1's membership items minus the
    scale are the answers of the one respondent without a valid score (2 and 3)."""
    found = attack(skipped_db, HOSPITAL_SLUG, (HOSPITAL_WAVE,))
    left, total, _ = found[("2026-1", "W1", SCALE)]
    assert left == {2: 1, 3: 1}
    assert total == pytest.approx(5, abs=0.05)


def test_a_mean_of_scores_beside_its_items_gave_one_persons_score(skipped_db):
    """Why the scale's mean pools answers: with the mean of scale scores, the items' sums
    minus 4 x n x mean is minus the score of the one valid respondent who skipped an item
    (4 items, 3 answered: (4 - 3) x score). The mean shown is the pooled answers' mean."""
    from webapp.results import unit_results
    from webapp.results.data import load_survey, load_wave

    data = load_wave(skipped_db, load_survey(skipped_db, HOSPITAL_SLUG), HOSPITAL_WAVE)
    scale = data.measures[SCALE]
    rows = scale.valid & data.in_subtree("W1")
    answers = scale.answers[rows]
    partial = np.isnan(answers).any(axis=1)
    assert partial.sum() == 1
    old = len(ITEMS) * scale.scores[rows].sum() - np.nansum(answers)
    assert old == pytest.approx((len(ITEMS) - 3) * scale.scores[rows][partial][0])
    shown = unit_results(skipped_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1", ADMIN)["scales"][SCALE]
    assert shown["mean"] == pytest.approx(np.nanmean(answers), abs=1e-4)
    assert shown["mean"] != pytest.approx(scale.scores[rows].mean(), abs=1e-4)


def test_widened_audit_finds_the_old_leak_and_passes_now(skipped_db, monkeypatch):
    """On both backends: the audit of the old measures names W1's membership scale minus
    its items (a group of 1); the product's views pass."""
    from webapp.research.service import audit_survey

    assert audit_survey(skipped_db, HOSPITAL_SLUG).ok
    from webapp.results import data, measures

    monkeypatch.setattr(
        measures, "build_measures", functools.partial(measures.build_measures, aligned=False)
    )
    with data._LOCK:
        data._CACHE.clear()
    result = audit_survey(skipped_db, HOSPITAL_SLUG)
    assert not result.ok
    found = [
        finding
        for context, finding in zip(result.contexts, result.findings, strict=True)
        if context == f"{HOSPITAL_WAVE} scale {SCALE} with its items"
    ]
    assert found, result.lines()
    assert found[0].n == 1
    assert {atom[0] for atom in found[0].atoms} == {"W1"}  # the respondent without a score
    assert {atom[-1] for atom in found[0].atoms} == {"bel_mem_1", "bel_mem_2"}


# The demo (SQLite; the attack as the issue reproduced it)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    from surveys.db import Database

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    yield database
    database.dispose()


def _closed(db) -> tuple[str, ...]:
    from webapp.results.data import load_survey

    return tuple(w.label for w in load_survey(db, DEMO).waves if not w.is_open)


def test_demo_before_the_fix_leaked_scales_minus_items(demo_db, old_measures):
    """Before the fix a scale minus its items left the answers of the few who skipped an
    item (on the demo of session 3: CHIR-B's intention to stay in 2025-2, answers 2 and 3);
    the demo's data changes with its generator, so the test asks for the kind, not the key."""
    found = attack(demo_db, DEMO, _closed(demo_db))
    leaks = {key: left for key, (left, _, _) in found.items() if left}
    assert len(leaks) >= 40
    # some of them the answers of fewer than k = 5 responses
    assert any(1 <= sum(left.values()) < 5 for left in leaks.values())


def test_demo_scale_minus_items_reveals_nothing(demo_db):
    found = attack(demo_db, DEMO, _closed(demo_db))
    assert len(found) > 1000  # scales shown with all their items, every unit and wave
    for key, (left, total, error) in found.items():
        assert left == {}, key
        assert abs(total) <= error, key


def test_demo_scale_shown_only_with_all_its_items(demo_db):
    """A scale beside all its items but one would give that item's hidden cell."""
    from webapp.results import released_cells
    from webapp.results.data import load_survey, load_wave

    survey = load_survey(demo_db, DEMO)
    everyone = frozenset(survey.parent)
    for wave in _closed(demo_db):
        data = load_wave(demo_db, survey, wave)
        for scale in (m for m in data.measures.values() if m.kind == "scale"):
            shown = released_cells(data, scale, everyone)
            for item in scale.items:
                assert shown <= released_cells(data, data.measures[item], everyone)


def test_demo_audit_finds_what_the_old_rules_leaked(demo_db, monkeypatch):
    """The widened audit passes the demo; it fails the measures before the fix, and the
    release without the rule that a scale needs all its items (a hidden item then is the
    scale minus the others)."""
    from webapp.research.service import audit_survey
    from webapp.results import data, measures, release

    assert audit_survey(demo_db, DEMO, filters=False).ok
    with monkeypatch.context() as patch:
        patch.setattr(
            measures, "build_measures", functools.partial(measures.build_measures, aligned=False)
        )
        data._CACHE.clear()
        old = audit_survey(demo_db, DEMO, filters=False)
    lines = old.lines()
    assert any("with its items" in line for line in lines)
    # the audit names the kind of leak the attack reproduces (a scale beside its items) in a
    # wave, unit and scale where the attack finds it
    with monkeypatch.context() as patch:
        patch.setattr(
            measures, "build_measures", functools.partial(measures.build_measures, aligned=False)
        )
        data._CACHE.clear()
        found = attack(demo_db, DEMO, _closed(demo_db))
    attacked = {key for key, (left, _, _) in found.items() if left}
    assert any(
        line.startswith(wave)
        and f"scale {scale} with its items" in line
        and f"unit:{unit}" in line
        for wave, unit, scale in attacked
        for line in lines
    )
    with monkeypatch.context() as patch:
        patch.setattr(release, "_with_items", lambda data, measure, cells: cells)
        data._CACHE.clear()
        loose = audit_survey(demo_db, DEMO, filters=False)
    assert any("with its items" in line for line in loose.lines())
    assert all("with its items" in line for line in loose.lines())
    data._CACHE.clear()


def test_agreement_is_a_function_of_the_items_shown(skipped_db):
    """rwg(j) of W1's membership scale from its items' distributions alone (each item's
    variance over its answers): the figure says nothing beyond them. Listwise, as
    ``multilevel::rwg.j``, it would describe the 5 who answered every item."""
    from webapp.results import unit_results
    from webapp.results.data import load_survey

    survey = load_survey(skipped_db, HOSPITAL_SLUG)
    block = unit_results(skipped_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1", ADMIN)
    variances = []
    for item in ITEMS:
        cell = block["items"][item]
        codes = np.array([int(c) for c in cell["distribution"]], dtype=float)
        counts = np.round(np.array(list(cell["distribution"].values())) * cell["n"])
        mean = (codes * counts).sum() / counts.sum()
        variances.append((counts * (codes - mean) ** 2).sum() / (counts.sum() - 1))
    points = len(survey.definition.item(ITEMS[0]).response_scale.points)
    ratio = min(float(np.mean(variances)), (points**2 - 1) / 12) / ((points**2 - 1) / 12)
    expected = len(ITEMS) * (1 - ratio) / (len(ITEMS) * (1 - ratio) + ratio)
    assert block["scales"][SCALE]["trust"]["rwg_j"] == pytest.approx(expected, abs=1e-3)


def test_cell_rwg_j_is_multilevel_rwg_j_without_skipped_answers():
    import pandas as pd

    from engine.psychometrics.aggregation import rwg_j
    from webapp.results.trust import cell_rwg_j

    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.integers(3, 6, size=(9, 4)).astype(float))
    listwise = rwg_j(frame, np.zeros(9), 5).per_group.iloc[0]
    assert cell_rwg_j(frame, 5) == pytest.approx(listwise, abs=1e-12)
    frame.iloc[0, 1] = np.nan
    assert cell_rwg_j(frame, 5) != pytest.approx(rwg_j(frame, np.zeros(9), 5).per_group.iloc[0])
    assert np.isnan(cell_rwg_j(frame.iloc[:1], 5))
