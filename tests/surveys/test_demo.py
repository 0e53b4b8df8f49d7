"""The demo hospital that `make demo` serves."""

from __future__ import annotations

import time

import numpy as np
import pytest

from surveys.db import Database
from surveys.demo import DEMO_WAVES, build_demo
from surveys.invitations import count_unused_invitations, lookup_invitation
from surveys.org import list_units
from surveys.responses import count_by_unit, load_answers, submit_response
from surveys.users import authenticate
from surveys.waves import list_waves


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    started = time.perf_counter()
    info = build_demo(db, seed=1)
    elapsed = time.perf_counter() - started
    yield db, info, elapsed
    db.dispose()


def test_three_levels_about_forty_units_some_below_k(demo):
    db, info, _ = demo
    units = {u.code: u for u in list_units(db)}
    assert 35 <= len(units) <= 45
    assert set(info.units) == set(units)

    def depth(code):
        parent = units[code].parent_code
        return 1 if parent is None else 1 + depth(parent)

    assert {depth(code) for code in units} == {1, 2, 3}
    counts = count_by_unit(db, info.survey, DEMO_WAVES[0])
    assert any(n < 5 for n in counts.values())
    assert max(counts.values()) <= 60


def test_two_waves_closed_the_last_open_with_invitations_left(demo):
    """Two closed waves give the dashboard a trend; the open one takes the demo's links."""
    db, info, _ = demo
    waves = list_waves(db, info.survey)
    assert [(w.label, w.state) for w in waves] == [
        (DEMO_WAVES[0], "closed"),
        (DEMO_WAVES[1], "closed"),
        (DEMO_WAVES[2], "open"),
    ]
    assert waves[0].closed_on < waves[1].opened_on
    assert waves[1].closed_on < waves[2].opened_on
    assert count_unused_invitations(db, info.survey, DEMO_WAVES[2]) > len(info.tokens)
    assert all(info.responses[w] > 300 for w in DEMO_WAVES)
    assert len(info.tokens) == 3


def test_links_work_once(demo):
    db, info, _ = demo
    token = info.tokens[-1]
    found = lookup_invitation(db, token)
    assert found is not None and found.wave == DEMO_WAVES[-1] and found.unit_code == info.link_unit
    before = count_by_unit(db, info.survey, DEMO_WAVES[-1])[info.link_unit]
    submit_response(db, token, {"bel_mem_1": 4}, "nl")
    assert count_by_unit(db, info.survey, DEMO_WAVES[-1])[info.link_unit] == before + 1
    assert lookup_invitation(db, token) is None


def test_programme_units_improve_on_belonging_and_authenticity(demo):
    db, info, _ = demo
    gains = {}
    for prefix in ("bel_", "aut_", "ps_"):
        means = []
        for wave in DEMO_WAVES:
            matrix = load_answers(db, info.survey, wave)
            columns = [i for i, x in enumerate(matrix.item_ids) if x.startswith(prefix)]
            block = matrix.values[:, columns]
            answered = ~np.isnan(block).all(axis=1)
            score = np.nanmean(block[answered], axis=1)
            programme = np.isin(matrix.unit_codes[answered], info.programme_units)
            means.append((np.nanmean(score[programme]), np.nanmean(score[~programme])))
        # difference in differences: programme change minus change elsewhere
        gains[prefix] = (means[1][0] - means[0][0]) - (means[1][1] - means[0][1])
    assert gains["bel_"] > 0.1
    assert gains["aut_"] > 0.1
    assert abs(gains["ps_"]) < gains["bel_"]


def test_languages_and_demographics(demo):
    db, info, _ = demo
    matrix = load_answers(db, info.survey, DEMO_WAVES[0])
    assert set(matrix.languages) == {"nl", "en"}
    assert matrix.demographics.shape[1] == 8
    assert 0.2 < np.isnan(matrix.demographics).mean() < 0.6


def test_demo_accounts_log_in(demo):
    db, info, _ = demo
    roles = {a.role for a in info.accounts}
    assert roles == {"admin", "manager", "researcher", "council"}
    for account in info.accounts:
        assert authenticate(db, account.email, account.password) is not None


def test_the_programme_leaders_gave_their_view_before_and_after(demo):
    """Each programme unit's leader has a view in the waves before and after the programme,
    and the demo manager's (CHIR-B's) view is theirs: their dashboard shows the gap."""
    from surveys.demo import LEADER_OPTIMISM, PROGRAMME_UNITS
    from surveys.leaders import leader_views_of, leader_views_of_wave

    db, info, _ = demo
    for wave in LEADER_OPTIMISM:
        views = leader_views_of_wave(db, info.survey, wave)
        assert sorted(v.unit for v in views) == sorted(PROGRAMME_UNITS)
        assert all(len(v.answers) == 32 for v in views)
    manager = next(a for a in info.accounts if a.role == "manager")
    mine = leader_views_of(db, info.survey, manager.unit, manager.email)
    assert [v.wave for v in mine] == list(LEADER_OPTIMISM)


def test_demographics_look_like_a_hospital(demo):
    """Shares as in a Dutch general hospital (surveys.demo.DEMOGRAPHIC_SHARES), not uniform
    noise: mostly women, a small minority of 'another identity' (28% before)."""
    db, info, _ = demo
    matrix = load_answers(db, info.survey, DEMO_WAVES[0])
    gender = matrix.demographics[:, matrix.demographic_ids.index("dem_gender")]
    answered = gender[~np.isnan(gender)]
    share = {code: float(np.mean(answered == code)) for code in (1, 2, 3)}
    assert 0.65 < share[1] < 0.9  # women
    assert 0.1 < share[2] < 0.3  # men
    assert share[3] < 0.04  # another identity


def test_comments_are_varied(demo):
    """A dozen canned sentences, one repeated 8 times, made the demo look fake: each wave's
    comments are drawn without repeats until a language's list runs out."""
    from sqlalchemy import func, select

    from surveys.models import Comment, Wave

    db, _, _ = demo
    with db.session() as session:
        rows = session.execute(
            select(Wave.label, Comment.text, func.count())
            .join(Wave, Wave.id == Comment.wave_id)
            .group_by(Wave.label, Comment.text)
        ).all()
    by_wave: dict[str, list[int]] = {}
    for label, _text, n in rows:
        by_wave.setdefault(label, []).append(n)
    assert by_wave
    for label, counts in by_wave.items():
        assert len(counts) >= 30, label  # distinct texts in the wave
        assert max(counts) <= 2, label  # a text repeats only after its language's list ran out
