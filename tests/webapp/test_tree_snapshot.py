"""A closed wave keeps the tree it closed with (issue 14, path 2), on the demo hospital.

The attack: the ACUUT manager saves ACUUT's results of the closed wave 2026-1; an admin moves
AMBU (an ambulance post of fewer than k respondents) under STAF with ``samen org import``;
the manager asks again. Before snapshots, the closed wave was recomputed on the new tree and
ACUUT's n and distributions before minus after were AMBU's answers. Now every number of a
closed wave comes from the tree it closed with: nothing the manager can ask for changes, and
the move applies to the open wave and the waves after it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from click.testing import CliRunner

from surveys import users as users_module
from surveys.demo import build_demo
from surveys.org import list_units, wave_trees
from surveys.responses import count_by_unit
from webapp import create_app
from webapp.cli import cli
from webapp.config import TestConfig

CLOSED = "2026-1"  # closed in the demo, with AMBU under ACUUT
OPEN = "2026-2"  # open in the demo: takes the new tree until it closes
MANAGER = "manager.acuut@example.org"
STAF_MANAGER = "manager.staf@example.org"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def demo(db):
    """(db, survey slug, API client, tokens) on the demo, with ACUUT's and STAF's managers."""
    from surveys.users import add_user, issue_api_token

    info = build_demo(db, seed=1, accounts=False)
    tokens = {}
    for email, unit in ((MANAGER, "ACUUT"), (STAF_MANAGER, "STAF")):
        add_user(db, email, "manager", "a long enough password", unit_code=unit)
        tokens[email] = issue_api_token(db, email)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})
    return db, info.survey, app.test_client(), tokens


def _get(client, token: str, url: str):
    return client.get(f"/api/v1{url}", headers={"Authorization": f"Bearer {token}"})


def _move(db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unit: str, parent: str) -> None:
    """``samen org import`` of the current tree with ``unit`` moved under ``parent``."""
    path = tmp_path / "moved.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "parent_id", "name"])
        for info in list_units(db):
            up = parent if info.code == unit else info.parent_code
            writer.writerow([info.code, up or "", info.name])
    monkeypatch.setenv("SAMEN_DATABASE_URL", db.url)
    result = CliRunner().invoke(cli, ["org", "import", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Closed waves keep the tree they closed with" in result.output
    assert {u.code: u.parent_code for u in list_units(db)}[unit] == parent


def _manager_pages(client, token: str, slug: str) -> dict[str, object]:
    """Everything the ACUUT manager can ask about ACUUT and AMBU in the closed wave."""
    base = f"/surveys/{slug}/waves/{CLOSED}/units"
    pages: dict[str, object] = {}
    for unit in ("ACUUT", "AMBU"):
        for what in ("results", "heatmap", "response-rate", "comments"):
            response = _get(client, token, f"{base}/{unit}/{what}")
            assert response.status_code == 200, (unit, what, response.get_json())
            body = response.get_json()
            if what == "comments" and body.get("comments"):
                body["comments"] = sorted(c["text"] for c in body["comments"])  # random order
            pages[f"{unit} {what}"] = body
        for where in ("dem_gender:1", "dem_gender:2"):
            url = f"{base}/{unit}/results?filter={where}"
            pages[f"{unit} {where}"] = _get(client, token, url).get_json()
    trend = _get(client, token, f"/surveys/{slug}/units/ACUUT/trend").get_json()
    pages["ACUUT trend"] = [w for w in trend["waves"] if w["wave"] == CLOSED]
    return pages


def test_moving_a_small_unit_after_close_changes_nothing_in_the_closed_wave(
    demo, tmp_path, monkeypatch
):
    db, slug, client, tokens = demo
    k = _get(client, tokens[MANAGER], f"/surveys/{slug}/waves/{CLOSED}/units/ACUUT/results")
    k = k.get_json()["k"]
    ambu = count_by_unit(db, slug, CLOSED).get("AMBU", 0)
    assert 0 < ambu < k  # the attack's target: a unit below k, released only inside ACUUT

    before = _manager_pages(client, tokens[MANAGER], slug)
    n_before = before["ACUUT results"]["n"]
    assert n_before is not None and n_before >= k
    assert "AMBU" in [c["unit"] for c in before["ACUUT results"]["children"]]

    _move(db, tmp_path, monkeypatch, "AMBU", "STAF")
    url = f"/surveys/{slug}/waves/{CLOSED}/units/ACUUT/results"
    acuut = _get(client, tokens[MANAGER], url).get_json()
    # Before snapshots: n - ambu here, and before minus after was AMBU's answers.
    assert acuut["n"] == n_before
    assert acuut["items"] == before["ACUUT results"]["items"]

    # The manager's view of the closed wave is the same to the last number: nothing to subtract.
    after = _manager_pages(client, tokens[MANAGER], slug)
    assert after == before
    # The STAF manager's view of the closed wave does not take AMBU in either: STAF as it
    # was at close, and AMBU outside their scope in that wave's tree.
    staf = _get(client, tokens[STAF_MANAGER], f"/surveys/{slug}/waves/{CLOSED}/units/STAF/results")
    assert "AMBU" not in [c["unit"] for c in staf.get_json()["children"]]
    url = f"/surveys/{slug}/waves/{CLOSED}/units/AMBU/results"
    assert _get(client, tokens[STAF_MANAGER], url).status_code == 403
    assert wave_trees(db, slug)[CLOSED]  # the snapshot is what the service used
    assert {u.code: u.parent_code for u in wave_trees(db, slug)[CLOSED]}["AMBU"] == "ACUUT"


def test_the_move_applies_to_the_open_wave_and_later_waves(demo, tmp_path, monkeypatch):
    from surveys.waves import close_wave

    db, slug, client, tokens = demo
    _move(db, tmp_path, monkeypatch, "AMBU", "STAF")
    close_wave(db, slug, OPEN)
    assert {u.code: u.parent_code for u in wave_trees(db, slug)[OPEN]}["AMBU"] == "STAF"

    counts = count_by_unit(db, slug, OPEN)
    staf = _get(client, tokens[STAF_MANAGER], f"/surveys/{slug}/waves/{OPEN}/units/STAF/results")
    body = staf.get_json()
    assert "AMBU" in [c["unit"] for c in body["children"]]
    staf_units = {u.code for u in list_units(db) if u.parent_code == "STAF"} | {"STAF"}
    assert body["n"] == sum(counts.get(code, 0) for code in staf_units)
    assert "AMBU" in staf_units
    acuut = _get(client, tokens[MANAGER], f"/surveys/{slug}/waves/{OPEN}/units/ACUUT/results")
    assert "AMBU" not in [c["unit"] for c in acuut.get_json()["children"]]
    # AMBU is the STAF manager's in the new wave, and the ACUUT manager's in the old one.
    ambu_new = f"/surveys/{slug}/waves/{OPEN}/units/AMBU/results"
    ambu_old = f"/surveys/{slug}/waves/{CLOSED}/units/AMBU/results"
    assert _get(client, tokens[MANAGER], ambu_new).status_code == 403
    assert _get(client, tokens[STAF_MANAGER], ambu_new).status_code == 200
    assert _get(client, tokens[MANAGER], ambu_old).status_code == 200
    # The trend lists each wave on its own tree: ACUUT's old point keeps AMBU.
    trend = _get(client, tokens[MANAGER], f"/surveys/{slug}/units/AMBU/trend")
    assert trend.status_code == 403  # AMBU is outside the ACUUT manager's scope today


def test_export_and_audit_of_a_closed_wave_use_its_tree(demo, tmp_path, monkeypatch):
    from webapp.research.auditing import audit_survey
    from webapp.research.exporting import export_frame

    db, slug, _client, _tokens = demo
    frame, result, _ = export_frame(db, slug, CLOSED, seed=3)
    audit_before = audit_survey(db, slug, CLOSED, filters=False)
    _move(db, tmp_path, monkeypatch, "AMBU", "STAF")
    frame_after, result_after, context = export_frame(db, slug, CLOSED, seed=3)
    assert context.parent["AMBU"] == "ACUUT"
    assert dict(result_after.rolled_up) == dict(result.rolled_up)
    assert frame_after.equals(frame)  # same rows, same roll-ups: AMBU's rows stay in ACUUT
    audit_after = audit_survey(db, slug, CLOSED, filters=False)
    assert audit_after.ok and audit_before.ok
    assert audit_after.views == audit_before.views


def test_audit_of_the_old_and_the_new_tree_together_finds_the_moved_unit(
    demo, tmp_path, monkeypatch
):
    """What the audit would have said of the product before snapshots: the wave shown with
    both trees leaks AMBU. With snapshots the service shows the wave with one tree only."""
    from webapp.research.auditing import audit_trees, served_cells
    from webapp.results.data import WaveData, load_survey, load_wave

    db, slug, _client, _tokens = demo
    old = load_wave(db, load_survey(db, slug), CLOSED)
    everyone = frozenset(old.survey.parent)
    shown_before = served_cells(old, old.measures[""], everyone, ())
    _move(db, tmp_path, monkeypatch, "AMBU", "STAF")

    context = load_survey(db, slug)  # the current tree, AMBU under STAF
    assert context.parent["AMBU"] == "STAF"
    new = WaveData(context, old.wave, old.matrix)  # the wave recomputed on the new tree
    assert audit_trees([old], filters=False, measures=[""])[0] == []
    assert audit_trees([new], filters=False, measures=[""])[0] == []
    findings, views, _groups = audit_trees([old, new], filters=False, measures=[""])
    assert findings, "the two trees together must leak AMBU"
    assert views == sum(audit_trees([d], filters=False, measures=[""])[1] for d in (old, new))
    ambu = count_by_unit(db, slug, CLOSED)["AMBU"]
    groups = [f for _, f in findings if {a[0] for a in f.atoms} == {"AMBU"}]
    assert groups and all(f.n == ambu for f in groups)
    names = " ".join(" ".join(f.combination) for f in groups)
    assert "tree 1: unit:ACUUT" in names and "tree 2: unit:ACUUT" in names

    # The product: the closed wave is loaded on its own tree and serves what it served.
    again = load_wave(db, load_survey(db, slug), CLOSED)
    assert again.survey.parent["AMBU"] == "ACUUT"
    assert served_cells(again, again.measures[""], everyone, ()) == shown_before


def test_trend_and_new_units_follow_each_wave_tree(demo, tmp_path, monkeypatch):
    """A trend point is computed on its wave's tree; a unit made after a wave closed has no
    results in it (404), and its manager's dashboard opens on a wave that has the unit."""
    from surveys.users import add_user, issue_api_token

    db, slug, client, tokens = demo
    staf_url = f"/surveys/{slug}/units/STAF/trend"
    before = _get(client, tokens[STAF_MANAGER], staf_url).get_json()
    _move(db, tmp_path, monkeypatch, "AMBU", "STAF")
    assert _get(client, tokens[STAF_MANAGER], staf_url).get_json() == before

    # AMBU is in the STAF manager's scope today, but not in the closed waves' trees.
    ambu = _get(client, tokens[STAF_MANAGER], f"/surveys/{slug}/units/AMBU/trend").get_json()
    by_wave = {w["wave"]: w for w in ambu["waves"]}
    assert by_wave[CLOSED]["reason"] == "scope" and by_wave[CLOSED]["n"] is None
    assert by_wave[OPEN]["reason"] == "wave-open"

    path = tmp_path / "new.csv"
    path.write_text("unit_id,parent_id,name\nTRAUMA,ACUUT,Traumateam\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["org", "import", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    add_user(db, "manager.trauma@example.org", "manager", "a long enough password", "TRAUMA")
    token = issue_api_token(db, "manager.trauma@example.org")
    closed = _get(client, token, f"/surveys/{slug}/waves/{CLOSED}/units/TRAUMA/results")
    assert closed.status_code == 404
    assert "TRAUMA" in closed.get_json()["message"] and CLOSED in closed.get_json()["message"]
    assert (
        _get(client, token, f"/surveys/{slug}/waves/{OPEN}/units/TRAUMA/results").status_code
        == 200
    )
    # The ACUUT manager's closed wave did not gain the new unit either.
    url = f"/surveys/{slug}/waves/{CLOSED}/units/ACUUT/results"
    children = [c["unit"] for c in _get(client, tokens[MANAGER], url).get_json()["children"]]
    assert "TRAUMA" not in children and "AMBU" in children

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})
    assert _dashboard_landing(app, db, slug, "manager.trauma@example.org") == (OPEN, "TRAUMA")
    assert _dashboard_landing(app, db, slug, MANAGER) == (CLOSED, "ACUUT")


def _dashboard_landing(app, db, slug: str, email: str) -> tuple[str, str]:
    from surveys.users import get_user
    from webapp.dashboard.routes import _start

    with app.app_context():
        return _start(get_user(db, email), slug)


SMALL_MOVED = """unit_id,parent_id,name
HOSP,,City Hospital
SURG,HOSP,Surgery
W1,SURG,Ward 1
W2,ICU,Ward 2
ICU,HOSP,Intensive care
"""


def test_samen_audit_with_an_earlier_tree_finds_the_moved_unit(hospital_db, tmp_path, monkeypatch):
    """``samen audit --tree``: the small hospital's closed wave (W2: 3 respondents under SURG)
    and a tree with W2 under ICU, audited as one set of views: SURG before minus SURG after
    is W2. Without --tree (one tree per closed wave) the audit passes."""
    from surveys.waves import close_wave
    from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
    from tests.webapp.test_export_cli import fill

    fill(hospital_db)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    moved = tmp_path / "moved.csv"
    moved.write_text(SMALL_MOVED, encoding="utf-8")
    monkeypatch.setenv("SAMEN_DATABASE_URL", hospital_db.url)
    runner = CliRunner()

    alone = runner.invoke(cli, ["audit", HOSPITAL_SLUG], catch_exceptions=False)
    assert alone.exit_code == 0, alone.output
    both = runner.invoke(cli, ["audit", HOSPITAL_SLUG, "--tree", str(moved)])
    assert both.exit_code == 1, both.output
    assert "tree 1: unit:SURG" in both.output and "tree 2: unit:SURG" in both.output
    assert "finding(s) of a group smaller than 5" in both.output

    partial = tmp_path / "partial.csv"
    partial.write_text("unit_id,parent_id,name\nHOSP,,City Hospital\n", encoding="utf-8")
    refused = runner.invoke(cli, ["audit", HOSPITAL_SLUG, "--tree", str(partial)])
    assert refused.exit_code == 2
    assert "which has responses in wave" in refused.output
