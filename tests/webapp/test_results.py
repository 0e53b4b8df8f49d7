"""The results service: statistics, suppression, scope, and no differencing.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU.
Responses in wave 2026-1 (k = 5): W1 6, W2 3, ICU 7, HOSP's own 2. The organisation-wide
pattern: W2 is fewer than k; SURG (9) minus W1 (6) would leave W2's 3, so W1 is hidden
too; HOSP (18) minus SURG (9) minus ICU (7) would leave HOSP's own 2, so ICU is hidden.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from surveys.users import UserInfo
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from webapp import results
from webapp.results.access import AccessDenied

K = 5
PLAN = {"W1": 6, "W2": 3, "ICU": 7, "HOSP": 2}
SHOWN = {"HOSP", "SURG"}
SECOND_WAVE = "2026-2"
W_1 = HOSPITAL_WAVE
ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
RESEARCHER = UserInfo("research@example.org", "researcher", None, "s-research")
SURG_MANAGER = UserInfo("surg@example.org", "manager", "SURG", "s-surg")
ICU_MANAGER = UserInfo("icu@example.org", "manager", "ICU", "s-icu")


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


def _answers(definition, rng: np.random.Generator) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for item in definition.items:
        points = item.response_scale.points
        out[item.id] = None if rng.random() < 0.08 else int(rng.choice(points))
    return out


def fill_wave(db, plan=PLAN, seed: int = 7, close: bool = True) -> None:
    """Submit ``plan`` responses through invitations; genders alternate 1, 2 per unit."""
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey
    from surveys.waves import close_wave

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(seed)
    for unit, count in plan.items():
        tokens = issue_invitations(db, HOSPITAL_SLUG, unit, count + 1)  # one left unused
        for i, token in enumerate(tokens[:count]):
            demographics = {"dem_gender": 1 + i % 2, "dem_age": None}
            submit_response(db, token, _answers(definition, rng), "nl", demographics)
    if close:
        close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)


@pytest.fixture
def results_db(hospital_db):
    """hospital_db with wave 2026-1 answered (PLAN) and closed, and wave 2026-2 open."""
    from surveys.waves import open_wave

    fill_wave(hospital_db)
    open_wave(hospital_db, HOSPITAL_SLUG, SECOND_WAVE)
    return hospital_db


def get(db, unit, user=ADMIN, filter=None, wave=HOSPITAL_WAVE):
    return results.unit_results(db, HOSPITAL_SLUG, wave, unit, user, filter=filter)


def test_shape_and_suppression_pattern(results_db):
    out = get(results_db, "SURG")
    assert (out["unit"], out["n"], out["suppressed"], out["released"]) == ("SURG", 9, False, True)
    assert out["k"] == K
    kids = {c["unit"]: c for c in out["children"]}
    assert kids["W1"] == {
        "unit": "W1",
        "name": "Ward 1",
        "n": None,
        "suppressed": True,
        "reason": "complementary",
    }
    assert kids["W2"]["n"] is None and kids["W2"]["reason"] == "fewer-than-k"
    assert out["parent"]["unit"] == "HOSP" and out["parent"]["n"] == 18
    assert out["organisation"]["unit"] == "HOSP"
    scale = out["scales"]["belonging.membership"]
    assert set(scale) >= {"n", "mean", "sd", "ci", "favourable", "distribution"}
    assert set(scale["distribution"]) == {"1", "2", "3", "4", "5"}
    assert math.isclose(sum(scale["distribution"].values()), 1, abs_tol=1e-3)
    assert scale["ci"][0] < scale["mean"] < scale["ci"][1]
    assert "bel_mem_1" in out["items"]


def test_small_unit_gives_nulls(results_db):
    out = get(results_db, "W2")
    assert out["n"] is None and out["suppressed"] and out["reason"] == "fewer-than-k"
    for block in (out["scales"], out["items"]):
        for value in block.values():
            assert value["n"] is None and value["mean"] is None
            assert value["distribution"] is None and value["ci"] is None


def test_scale_statistics_match_an_independent_computation(results_db):
    from scipy import stats

    from surveys.responses import load_answers
    from surveys.survey_store import get_survey

    definition = get_survey(results_db, HOSPITAL_SLUG)
    matrix = load_answers(results_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    scale = definition.instrument("belonging").scales[0]
    ids = [item.id for item in scale.items]
    frame = pd.DataFrame(matrix.values, columns=matrix.item_ids)[ids]
    for item in scale.items:
        if item.reverse:
            frame[item.id] = 6 - frame[item.id]
    in_surg = np.isin(matrix.unit_codes.astype(str), ["SURG", "W1", "W2"])
    rows = frame[in_surg]
    enough = rows.notna().sum(axis=1) >= len(ids) * 2 / 3
    scores = rows[enough].mean(axis=1)
    out = get(results_db, "SURG")["scales"]["belonging.membership"]
    assert out["n"] == len(scores)
    # the mean pools the answers of the valid scores, as the distribution does (issue 14)
    pooled = rows[enough].to_numpy().ravel()
    pooled = pooled[~np.isnan(pooled)]
    assert out["mean"] == pytest.approx(pooled.mean(), abs=1e-4)
    assert out["sd"] == pytest.approx(scores.std(ddof=1), abs=1e-4)
    half = stats.t.ppf(0.975, len(scores) - 1) * scores.std(ddof=1) / math.sqrt(len(scores))
    assert out["ci"] == pytest.approx([pooled.mean() - half, pooled.mean() + half], abs=1e-4)
    assert out["favourable"] == pytest.approx(np.mean(pooled >= 4), abs=1e-4)
    item = get(results_db, "SURG")["items"][ids[0]]
    answered = matrix.values[in_surg, matrix.item_ids.index(ids[0])]
    # an item of a scored scale counts the answers of respondents with a valid score
    assert item["n"] == int(np.count_nonzero(~np.isnan(answered) & enough.to_numpy()))


def _derivable_ok(n_parent, children_n):
    rest = n_parent - sum(children_n)
    return rest == 0 or rest >= K


@pytest.mark.parametrize("user", [ADMIN, RESEARCHER, SURG_MANAGER, ICU_MANAGER])
def test_no_differencing_parent_minus_visible_children(results_db, user):
    """For every unit a caller can open, parent n minus its shown children's n is 0 or >= k,
    for the response count and for every scale and item."""
    from webapp.results.data import load_survey

    parent = load_survey(results_db, HOSPITAL_SLUG).parent
    for unit in sorted(results.viewable_units(user, parent)):
        out = get(results_db, unit, user)
        shown_children = [c["n"] for c in out["children"] if not c["suppressed"]]
        if not out["suppressed"]:
            assert out["n"] >= K
            assert _derivable_ok(out["n"], shown_children), (user.role, unit)
        for measure in ("scales", "items"):
            for cell in out[measure].values():
                assert cell["suppressed"] or cell["n"] >= K
        # every number seen anywhere by this caller is from the safe organisation pattern
        for block in (out, out["parent"], out["organisation"]):
            if block is not None and not block["suppressed"]:
                assert block["unit"] in SHOWN


def test_scope(results_db):
    with pytest.raises(AccessDenied):
        get(results_db, "ICU", SURG_MANAGER)
    with pytest.raises(AccessDenied):
        get(results_db, "HOSP", SURG_MANAGER)
    assert get(results_db, "W1", SURG_MANAGER)["unit"] == "W1"
    # a manager's comparison blocks: parent and organisation, as the rules allow
    out = get(results_db, "SURG", SURG_MANAGER)
    assert out["parent"]["n"] == 18 and out["parent"]["scales"]
    assert get(results_db, "ICU", RESEARCHER)["n"] is None  # hidden for researchers too


def test_unknown_names(results_db):
    from surveys.errors import NotFound

    for survey, wave, unit in [
        ("nope", HOSPITAL_WAVE, "SURG"),
        (HOSPITAL_SLUG, "1999-1", "SURG"),
        (HOSPITAL_SLUG, HOSPITAL_WAVE, "NOPE"),
    ]:
        with pytest.raises(NotFound):
            results.unit_results(results_db, survey, wave, unit, ADMIN)


def test_open_wave_releases_nothing(results_db):
    out = get(results_db, "HOSP", wave=SECOND_WAVE)
    assert out["released"] is False and out["n"] is None
    assert all(c["reason"] == "wave-open" for c in out["scales"].values())
    assert set(out["scales"]) == set(get(results_db, "HOSP")["scales"])


def test_filter_complement_rule(results_db):
    from surveys.errors import InputError

    for unit in ("HOSP", "SURG", "ICU"):
        total = get(results_db, unit)
        for value in ("1", "2", "3"):
            out = get(results_db, unit, filter=f"dem_gender:{value}")
            assert out["filter"] == {"question": "dem_gender", "value": value}
            if not out["suppressed"]:
                assert out["n"] >= K
                assert total["n"] - out["n"] >= K  # the complement within the unit
    # HOSP: 18 respondents, genders alternate 1, 2 within each unit: 3+2+4+1 = 10 women
    women = get(results_db, "HOSP", filter="dem_gender:1")
    assert women["n"] == 10
    assert women["scales"]["belonging.membership"]["mean"] is not None
    assert all(c["reason"] == "filter" for c in women["items"].values())  # scales only
    assert get(results_db, "HOSP", filter="dem_gender:3")["n"] is None
    for bad in ("dem_gender", "nope:1", "dem_gender:9", "dem_age:1"):
        with pytest.raises(InputError):
            get(results_db, "HOSP", filter=bad)


def test_heatmap_marks_suppressed_cells(results_db):
    out = results.heatmap(results_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "HOSP", ADMIN)
    assert out["total"]["unit"] == "HOSP" and out["total"]["n"] == 18
    rows = {row["unit"]: row for row in out["rows"]}
    assert set(rows) == {"SURG", "ICU"}
    assert "belonging.membership" in out["scales"]
    surg = rows["SURG"]["cells"]["belonging.membership"]
    assert surg["suppressed"] is False and surg["mean"] is not None
    icu = rows["ICU"]["cells"]["belonging.membership"]
    assert icu == {"n": None, "mean": None, "suppressed": True, "reason": "complementary"}


def test_trend_lists_waves(results_db):
    out = results.trend(results_db, HOSPITAL_SLUG, "SURG", SURG_MANAGER)
    assert [w["wave"] for w in out["waves"]] == [HOSPITAL_WAVE, SECOND_WAVE]
    first, second = out["waves"]
    assert first["n"] == 9 and first["scales"]["belonging.membership"]["mean"] is not None
    assert second["released"] is False and second["n"] is None


def test_response_rate(results_db):
    out = results.response_rate(results_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "SURG", ADMIN)
    # SURG: 9 responses; invitations: W1 7, W2 4 (one unused each)
    assert out["total"] == {
        "unit": "SURG",
        "name": "Surgery",
        "responses": 9,
        "invited": 11,
        "rate": round(9 / 11, 4),
        "suppressed": False,
        "reason": None,
    }
    rows = {row["unit"]: row for row in out["rows"]}
    assert rows["W2"]["responses"] is None and rows["W2"]["reason"] == "fewer-than-k"
    assert rows["W1"]["responses"] is None  # W1 alone would give away W2


def test_response_rate_of_open_wave_moves_in_steps_of_k(hospital_db):
    fill_wave(hospital_db, plan={"ICU": 7}, close=False)
    out = results.response_rate(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", ADMIN)
    assert out["rounded"] is True
    assert out["total"]["responses"] == 5


MEASURES = (None, "belonging.membership", "bel_mem_1")


def _served_cells(db, user) -> dict[str | None, set[tuple[str, str | None, str | None]]]:
    """Every non-null n the service gave ``user``, per measure in MEASURES (None: response
    counts), over every unit the caller can open, unfiltered and filtered by every gender
    code, from results, heatmap and response rates."""
    from webapp.results.data import load_survey

    parent = load_survey(db, HOSPITAL_SLUG).parent
    cells: dict[str | None, set] = {m: set() for m in MEASURES}

    def note(block, question, value):
        if block is None:
            return
        if block["n"] is not None:
            cells[None].add((block["unit"], question, value))
        for measure in MEASURES[1:]:
            kind = "scales" if "." in measure else "items"
            if kind in block and block[kind][measure]["n"] is not None:
                cells[measure].add((block["unit"], question, value))
            if "cells" in block and kind == "scales" and block["cells"][measure]["n"]:
                cells[measure].add((block["unit"], question, value))

    for unit in sorted(results.viewable_units(user, parent)):
        for question, value in [(None, None)] + [("dem_gender", v) for v in "123"]:
            filter = f"{question}:{value}" if question else None
            out = get(db, unit, user, filter=filter)
            for block in (out, out["parent"], out["organisation"], *out["children"]):
                note(block, question, value)
            heat = results.heatmap(db, HOSPITAL_SLUG, HOSPITAL_WAVE, unit, user, filter=filter)
            for row in [heat["total"], *heat["rows"]]:
                note(row, question, value)
        rates = results.response_rate(db, HOSPITAL_SLUG, HOSPITAL_WAVE, unit, user)
        for row in [rates["total"], *rates["rows"]]:
            if row["responses"] is not None:
                cells[None].add((row["unit"], None, None))
    return cells


# The service's logic does not depend on the backend (covered by the other tests): SQLite only.
@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_audit_finds_nothing_in_what_was_served(results_db):
    """engine.disclosure.audit over the cells every role was actually served (all roles pooled),
    for the response counts, a scale and an item."""
    from engine.disclosure.audit import audit
    from engine.disclosure.audit_views import atoms_of, cell_views
    from surveys.responses import load_answers
    from webapp.results.data import WaveData, load_survey

    survey = load_survey(results_db, HOSPITAL_SLUG)
    data = WaveData(
        survey, survey.wave(HOSPITAL_WAVE), load_answers(results_db, HOSPITAL_SLUG, W_1)
    )
    served: dict = {m: set() for m in MEASURES}
    for user in (ADMIN, RESEARCHER, SURG_MANAGER, ICU_MANAGER):
        for measure, cells in _served_cells(results_db, user).items():
            served[measure] |= cells
    # what the pages served is exactly the service's statement of what it releases
    everything = frozenset(survey.parent)
    for measure in MEASURES:
        stated = results.released_cells(
            data, data.measures[measure or ""], everything, ("dem_gender",)
        )
        assert served[measure] == stated, measure
    for measure in MEASURES:
        cells = served[measure]
        assert ("HOSP", None, None) in cells  # the test sees something
        filtered = any(question for _, question, _ in cells)
        assert filtered is (measure != "bel_mem_1")  # items are never shown filtered
        own = data.own_profiles(data.measures[measure or ""].valid, ("dem_gender",))
        views = cell_views(survey.parent, own, cells, ("dem_gender",))
        result = audit(atoms_of(own), views, K)
        assert result.ok, (measure, [finding.describe() for finding in result.findings])


def test_one_filter_question_because_questions_combine():
    """Why one filter question: cells of two questions, each audited on its own, leak."""
    from engine.disclosure.audit import audit
    from engine.disclosure.audit_views import atoms_of, cell_views, release

    parent = {"U": None}
    # 10 people: 3 women (all young), 2 young men, 5 older men; k = 3. Each question alone
    # passes (3/7 and 5/5), but total - women - old = the 2 young men.
    own = {"U": {("w", "young"): 3, ("m", "young"): 2, ("m", "old"): 5}}
    questions = ("gender", "age")
    cells = {("U", None, None)}
    for i, question in enumerate(questions):
        single = {"U": {}}
        for profile, n in own["U"].items():
            single["U"][(profile[i],)] = single["U"].get((profile[i],), 0) + n
        cells |= set(release(parent, single, 3, (question,)).filters)
    assert ("U", "gender", "w") in cells and ("U", "age", "young") in cells
    views = cell_views(parent, own, cells, questions)
    assert not audit(atoms_of(own), views, 3).ok  # the union leaks a group below k


def test_filter_question_of_the_hospital_survey(results_db):
    from webapp.results.data import load_survey

    definition = load_survey(results_db, HOSPITAL_SLUG).definition
    assert results.filter_question(definition) == "dem_gender"


def test_closed_wave_is_cached_and_open_wave_is_not(results_db):
    from webapp.results.data import load_survey, load_wave

    survey = load_survey(results_db, HOSPITAL_SLUG)
    first = load_wave(results_db, survey, HOSPITAL_WAVE)
    again = load_wave(results_db, load_survey(results_db, HOSPITAL_SLUG), HOSPITAL_WAVE)
    assert again.matrix is first.matrix and again.n == 18
    open_first = load_wave(results_db, survey, SECOND_WAVE)
    assert load_wave(results_db, survey, SECOND_WAVE).matrix is not open_first.matrix
