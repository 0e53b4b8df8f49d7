"""Leader self-views: the personal link, answers stored apart, the leader's own gap on their
dashboard, and the coordinator's aggregate over at least k leaders.

The organisation (tests/conftest.py ``hospital_db``): HOSP > SURG > W1, W2; HOSP > ICU.
Wave 2026-1 (k = 5 responses): W1 6, W2 3, ICU 7 responses. Released by the results
service: HOSP (16), SURG (9) and ICU (7); W2 is fewer than k and W1 is hidden with it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from surveys.users import UserInfo
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.helpers import csrf_token
from webapp import create_app, results
from webapp.config import TestConfig

PLAN = {"W1": 6, "W2": 3, "ICU": 7}
PASSWORD = "a long enough password"
ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
#: Manager accounts: e-mail -> unit. Several leaders per unit, so that k = 5 leaders can be
#: reached with the three units whose team result is released.
MANAGERS = {
    "icu@example.org": "ICU",
    "icu2@example.org": "ICU",
    "surg@example.org": "SURG",
    "surg2@example.org": "SURG",
    "hosp@example.org": "HOSP",
    "w2@example.org": "W2",
}


@pytest.fixture
def db_backend() -> str:
    """SQLite; the service's SQL is exercised on PostgreSQL in test_leaders_storage."""
    return "sqlite"


def _user(email: str) -> UserInfo:
    if email == ADMIN.email:
        return ADMIN
    return UserInfo(email, "manager", MANAGERS[email], f"s-{email}")


def _fill(db, wave: str = HOSPITAL_WAVE, seed: int = 7) -> None:
    from surveys.definitions import get_survey
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(seed)
    for unit, count in PLAN.items():
        for token in issue_invitations(db, HOSPITAL_SLUG, unit, count):
            answers = {
                item.id: int(rng.choice(item.response_scale.points)) for item in definition.items
            }
            submit_response(db, token, answers, "nl")


@pytest.fixture
def lead_db(hospital_db, monkeypatch):
    from surveys.users import add_user

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    _fill(hospital_db)
    add_user(hospital_db, ADMIN.email, "admin", PASSWORD)
    for email, unit in MANAGERS.items():
        add_user(hospital_db, email, "manager", PASSWORD, unit)
    return hospital_db


def _client(db):
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}).test_client()


def _login(client, email):
    page = client.get("/auth/login")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def _scales(db):
    from surveys.definitions import get_survey
    from surveys.leaders import leader_scales

    return leader_scales(get_survey(db, HOSPITAL_SLUG))


def _all(db, code: int) -> dict[str, int]:
    return {item.id: code for scale in _scales(db) for item in scale.items}


def _close(db):
    from surveys.waves import close_wave

    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)


# --- the link and the answer pages -----------------------------------------------------------


def test_the_leader_scales_are_the_team_scales_fully_reworded(lead_db):
    from surveys.leader_items import LEADER_WORDING

    scales = _scales(lead_db)
    assert [s.id for s in scales][:2] == ["belonging.membership", "belonging.affection"]
    assert {s.id.split(".")[0] for s in scales} == {
        "belonging",
        "authenticity",
        "inclusive_leadership",
    }
    for scale in scales:
        # every item of the scale, with its own id and keying, reworded in both languages
        assert [i.id for i in scale.items] == [i.id for i in scale.scale.items]
        for item in scale.items:
            assert set(LEADER_WORDING[item.id]) == {"nl", "en"}
            assert LEADER_WORDING[item.id]["en"] != item.text["en"]


def test_invite_answer_and_change_through_the_personal_link(lead_db):
    from sqlalchemy import select

    from surveys.leaders import invite_leader, leader_views_of
    from surveys.models import LeaderView

    link = invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    client = _client(lead_db)
    page = client.get(f"/l/{link.token}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "In my team, everyone is seen as one of us." in html
    assert "I step in when someone is being left out." in html
    assert "not anonymous" in html and "icu@example.org" in html
    assert "<script" not in html  # no JavaScript needed
    form = {item_id: "4" for item_id in _all(lead_db, 4)}
    form["bel_mem_1"] = "5"
    form["il_int_1"] = "na"  # not applicable: stored as not answered
    form.update(csrf_token=csrf_token(html), nav="next")
    saved = client.post(f"/l/{link.token}", data=form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/saved")
    assert "Your answers are saved" in client.get(saved.headers["Location"]).get_data(as_text=True)
    (view,) = leader_views_of(lead_db, HOSPITAL_SLUG, "ICU", "icu@example.org")
    assert view.answers["bel_mem_1"] == 5 and view.answers["aut_val_2"] == 4
    assert "il_int_1" not in view.answers
    # the form shows what was saved; a second save replaces it
    again = client.get(f"/l/{link.token}").get_data(as_text=True)
    assert re.search(r'value="5"[^>]*checked|checked[^>]*value="5"', again)
    form.update(bel_mem_1="2", csrf_token=csrf_token(again))
    client.post(f"/l/{link.token}", data=form)
    (view,) = leader_views_of(lead_db, HOSPITAL_SLUG, "ICU", "icu@example.org")
    assert view.answers["bel_mem_1"] == 2
    # only the token's hash is stored
    with lead_db.session() as session:
        stored = session.scalars(select(LeaderView.token_hash)).all()
    assert link.token not in stored and len(stored) == 1


def test_the_dutch_page_uses_the_dutch_wording(lead_db):
    from surveys.leaders import invite_leader

    link = invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    html = _client(lead_db).get(f"/l/{link.token}?lang=nl").get_data(as_text=True)
    assert "In mijn team wordt iedereen gezien als een van ons." in html
    assert "Jouw kijk op je team" in html


def test_a_new_link_replaces_the_old_and_unknown_links_get_the_friendly_page(lead_db):
    from surveys.leaders import invite_leader

    first = invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    second = invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    client = _client(lead_db)
    assert client.get(f"/l/{first.token}").status_code == 404
    assert client.get(f"/l/{second.token}").status_code == 200
    assert client.get("/l/not-a-token").status_code == 404


def test_posting_without_csrf_or_with_a_foreign_answer_saves_nothing(lead_db):
    from surveys.leaders import invite_leader, leader_views_of

    link = invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    client = _client(lead_db)
    assert client.post(f"/l/{link.token}", data={"bel_mem_1": "5"}).status_code == 400
    html = client.get(f"/l/{link.token}").get_data(as_text=True)
    bad = {"bel_mem_1": "9", "csrf_token": csrf_token(html), "nav": "next"}
    assert client.post(f"/l/{link.token}", data=bad).status_code == 400
    assert leader_views_of(lead_db, HOSPITAL_SLUG, "ICU", "icu@example.org") == []


def test_after_the_wave_closes_the_link_shows_but_saves_nothing(lead_db):
    from surveys.errors import WaveClosed
    from surveys.leaders import invite_leader, leader_views_of, save_leader_answers

    link = invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    save_leader_answers(lead_db, link.token, _all(lead_db, 4))
    _close(lead_db)
    with pytest.raises(WaveClosed):
        save_leader_answers(lead_db, link.token, _all(lead_db, 1))
    client = _client(lead_db)
    html = client.get(f"/l/{link.token}?lang=en").get_data(as_text=True)
    assert "can no longer be changed" in html and "Save my answers" not in html
    (view,) = leader_views_of(lead_db, HOSPITAL_SLUG, "ICU", "icu@example.org")
    assert set(view.answers.values()) == {4}
    with pytest.raises(WaveClosed):
        invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")


def test_invite_needs_a_manager_account_of_the_unit(lead_db):
    from surveys.errors import InputError
    from surveys.leaders import invite_leader

    with pytest.raises(InputError, match="not a manager account of unit 'W1'"):
        invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1", "icu@example.org")
    with pytest.raises(InputError, match="has no manager account"):
        invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1")
    with pytest.raises(InputError, match="several manager accounts"):
        invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU")
    # the only manager of a unit needs no --user
    assert invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2").email == "w2@example.org"


def test_cli_prints_the_personal_link(lead_db):
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": lead_db})
    runner = app.test_cli_runner()
    from webapp.cli import cli

    env = {"SAMEN_DATABASE_URL": str(lead_db.engine.url.render_as_string(hide_password=False))}
    args = ["leader", "invite", HOSPITAL_SLUG, "--wave", HOSPITAL_WAVE, "--unit", "ICU"]
    done = runner.invoke(
        cli, [*args, "--user", "icu@example.org", "--base-url", "https://samen.example"], env=env
    )
    assert done.exit_code == 0, done.output
    link = done.stdout.strip()
    assert re.fullmatch(r"https://samen\.example/l/[A-Za-z0-9_-]{32}", link)
    assert _client(lead_db).get(link.removeprefix("https://samen.example")).status_code == 200
    failed = runner.invoke(cli, args, env=env)
    assert failed.exit_code == 2 and "several manager accounts" in failed.output


def test_the_leader_link_is_redacted_in_logs():
    from webapp.logs import redact

    assert redact("GET /l/abcDEF123 HTTP/1.1") == "GET /l/<token> HTTP/1.1"


# --- stored apart ----------------------------------------------------------------------------


def test_a_leaders_answers_never_change_the_team_results(lead_db):
    from surveys.leaders import store_leader_view
    from surveys.responses import count_responses
    from webapp.results import data

    _close(lead_db)
    before = results.unit_results(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", ADMIN)
    n_before = count_responses(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    for email in ("icu@example.org", "icu2@example.org"):
        store_leader_view(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", email, _all(lead_db, 1))
    with data._LOCK:
        data._CACHE.clear()
    after = results.unit_results(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", ADMIN)
    assert count_responses(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE) == n_before
    assert after["n"] == before["n"] == PLAN["ICU"]
    for sid, cell in before["scales"].items():
        assert after["scales"][sid]["mean"] == cell["mean"], sid
        assert after["scales"][sid]["n"] == cell["n"], sid


# --- the leader's gap on their dashboard -----------------------------------------------------


def _answered(db, email: str, code: int, wave: str = HOSPITAL_WAVE) -> None:
    from surveys.leaders import store_leader_view

    store_leader_view(db, HOSPITAL_SLUG, wave, MANAGERS[email], email, _all(db, code))


def _reverse_aware(db, code: int) -> dict[str, float]:
    """The leader's expected score per scale when every item was answered ``code``."""
    return {
        s.id: float(np.mean([6 - code if i.reverse else code for i in s.items]))
        for s in _scales(db)
    }


def test_the_leader_sees_their_view_beside_the_released_team_result(lead_db):
    from webapp.results.leaders import leader_gaps

    _answered(lead_db, "icu@example.org", 5)
    _close(lead_db)
    user = _user("icu@example.org")
    gaps = leader_gaps(lead_db, HOSPITAL_SLUG, "ICU", user)
    team = results.unit_results(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", user)
    own = _reverse_aware(lead_db, 5)
    (wave,) = gaps["waves"]
    assert wave["wave"] == HOSPITAL_WAVE and wave["released"]
    for sid, cell in wave["scales"].items():
        assert cell["leader"] == pytest.approx(own[sid])
        assert cell["team"] == pytest.approx(team["scales"][sid]["mean"])
        assert cell["gap"] == pytest.approx(own[sid] - team["scales"][sid]["mean"])
        assert cell["team_n"] == team["scales"][sid]["n"] >= 5
    # the page
    client = _login(_client(lead_db), "icu@example.org")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}/ICU?lang=en").get_data(
        as_text=True
    )
    section = html[html.index('id="leader-gap-h"') :]
    section = section[: section.index("</section>")]
    sid = "belonging.membership"
    gap = wave["scales"][sid]["gap"]
    assert f"{'+' if gap > 0 else chr(0x2212)}{abs(gap):.2f}" in section
    assert f"{own[sid]:.2f}" in section


def test_the_gap_is_withheld_where_the_team_result_is(lead_db):
    from webapp.results.leaders import leader_gaps

    _answered(lead_db, "w2@example.org", 4)
    gaps_open = leader_gaps(lead_db, HOSPITAL_SLUG, "W2", _user("w2@example.org"))
    assert all(
        c["team"] is None and c["gap"] is None for c in gaps_open["waves"][0]["scales"].values()
    )
    assert {c["reason"] for c in gaps_open["waves"][0]["scales"].values()} == {"wave-open"}
    _close(lead_db)
    gaps = leader_gaps(lead_db, HOSPITAL_SLUG, "W2", _user("w2@example.org"))
    for cell in gaps["waves"][0]["scales"].values():
        # W2 has 3 responses (< k): the leader's own score shows, the team's and the gap not
        assert cell["leader"] is not None
        assert (cell["team"], cell["team_n"], cell["gap"]) == (None, None, None)
        assert cell["reason"] is not None
    client = _login(_client(lead_db), "w2@example.org")
    html = client.get(f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}/W2?lang=en").get_data(
        as_text=True
    )
    section = html[html.index('id="leader-gap-h"') :]
    assert "fewer than 5" in section[: section.index("</section>")]


@pytest.mark.parametrize("email", ["icu2@example.org", "surg@example.org", ADMIN.email])
def test_nobody_else_sees_a_leaders_own_view(lead_db, email):
    from webapp.results.leaders import leader_gaps

    _answered(lead_db, "icu@example.org", 5)
    _close(lead_db)
    other = _user(email)
    assert leader_gaps(lead_db, HOSPITAL_SLUG, "ICU", other) is None
    client = _login(_client(lead_db), email)
    unit = "ICU" if email != "surg@example.org" else "SURG"
    page = client.get(f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}/{unit}?lang=en")
    assert page.status_code == 200
    assert 'id="leader-gap-h"' not in page.get_data(as_text=True)


# --- the coordinator's aggregate -------------------------------------------------------------

LEADERS = ["icu@example.org", "icu2@example.org", "surg@example.org", "surg2@example.org"]


def test_the_aggregate_is_withheld_below_k_leaders_and_shown_at_k(lead_db):
    from webapp.results.leaders import leader_summary

    for i, email in enumerate(LEADERS):
        _answered(lead_db, email, 2 + i % 3)
    _answered(lead_db, "w2@example.org", 5)  # W2's team result is withheld: not counted
    _close(lead_db)
    summary = leader_summary(lead_db, HOSPITAL_SLUG, ADMIN)
    assert summary["unit"] == "leaders" and summary["k"] == 5
    (group,) = summary["groups"]  # no programme: all leaders of the wave
    for cell in group["scales"].values():
        assert cell == {
            "n": None,
            "leader": None,
            "team": None,
            "gap": None,
            "suppressed": True,
            "reason": "fewer-leaders",
        }
    client = _login(_client(lead_db), ADMIN.email)
    html = client.get(f"/leaders/{HOSPITAL_SLUG}/?lang=en").get_data(as_text=True)
    assert "fewer than 5 leaders" in html

    _answered(lead_db, "hosp@example.org", 4)  # the fifth leader with a released team
    summary = leader_summary(lead_db, HOSPITAL_SLUG, ADMIN)
    team = {
        unit: results.unit_results(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, unit, ADMIN)["scales"]
        for unit in ("ICU", "SURG", "HOSP")
    }
    codes = {email: 2 + i % 3 for i, email in enumerate(LEADERS)} | {"hosp@example.org": 4}
    for sid, cell in summary["groups"][0]["scales"].items():
        own = [_reverse_aware(lead_db, code)[sid] for code in codes.values()]
        theirs = [team[MANAGERS[email]][sid]["mean"] for email in codes]
        assert cell["n"] == 5 and not cell["suppressed"]
        assert cell["leader"] == pytest.approx(np.mean(own))
        assert cell["team"] == pytest.approx(np.mean(theirs))
        assert cell["gap"] == pytest.approx(np.mean(own) - np.mean(theirs))
    html = client.get(f"/leaders/{HOSPITAL_SLUG}/?lang=en").get_data(as_text=True)
    assert "fewer than 5 leaders" not in html and "All leaders, wave 2026-1" in html


def test_groups_differing_by_fewer_than_k_leaders_are_both_withheld():
    from webapp.results.leaders import _Group, _withheld

    def group(key, members, wave="w"):
        made = _Group(key, key, None, wave, None, frozenset())
        made.members["s"] = {(m, m): (4.0, 3.0) for m in members}
        return made

    six = [f"u{i}" for i in range(6)]
    ten = [f"u{i}" for i in range(10)]
    # six of one programme, the same six plus one in another: subtracting tells one leader
    out = _withheld([group("a", six), group("b", [*six, "x"])], ["s"], 5)
    assert out == {("a", "s"): "overlap", ("b", "s"): "overlap"}
    # disjoint groups, or groups differing by k or more, or other waves: both shown
    assert _withheld([group("a", six), group("b", ["v1", "v2", "v3", "v4", "v5"])], ["s"], 5) == {}
    assert _withheld([group("a", six), group("b", [*six, *ten[6:], "y"])], ["s"], 5) == {}
    assert _withheld([group("a", six), group("b", [*six, "x"], wave="v")], ["s"], 5) == {}
    assert _withheld([group("a", ten[:4])], ["s"], 5) == {("a", "s"): "fewer-leaders"}


def test_the_aggregate_per_programme_labels_before_and_after(lead_db):
    from surveys.programmes import add_programme, units_given
    from surveys.waves import open_wave
    from webapp.results.leaders import leader_summary

    _close(lead_db)
    open_wave(lead_db, HOSPITAL_SLUG, "2026-2")
    add_programme(
        lead_db,
        HOSPITAL_SLUG,
        "Inclusive leadership",
        cohort="2026",
        before=HOSPITAL_WAVE,
        after="2026-2",
        units=units_given(["ICU", "SURG"]),
    )
    summary = leader_summary(lead_db, HOSPITAL_SLUG, ADMIN)
    assert [(g["name"], g["wave"], g["phase"]) for g in summary["groups"]] == [
        ("Inclusive leadership", HOSPITAL_WAVE, "before"),
        ("Inclusive leadership", "2026-2", "after"),
    ]


@pytest.mark.parametrize("email", ["icu@example.org", None])
def test_only_an_admin_opens_the_aggregate_page(lead_db, email):
    client = _client(lead_db)
    if email:
        _login(client, email)
    page = client.get(f"/leaders/{HOSPITAL_SLUG}/")
    if email:
        assert page.status_code == 403
    else:
        assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    with pytest.raises(results.AccessDenied):
        from webapp.results.leaders import leader_summary

        leader_summary(lead_db, HOSPITAL_SLUG, _user("icu@example.org"))


# --- the API ---------------------------------------------------------------------------------


def test_the_api_gives_the_same_numbers_as_documented(lead_db):
    from pathlib import Path

    import yaml

    from tests.webapp.test_api import _check
    from webapp.results.leaders import leader_gaps, leader_summary

    for email in [*LEADERS, "hosp@example.org"]:
        _answered(lead_db, email, 4)
    _close(lead_db)
    spec = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
    )
    schemas = spec["components"]["schemas"]
    leader = _login(_client(lead_db), "icu@example.org")
    own = leader.get(f"/api/v1/surveys/{HOSPITAL_SLUG}/units/ICU/leader-view")
    assert own.status_code == 200
    expected = leader_gaps(lead_db, HOSPITAL_SLUG, "ICU", _user("icu@example.org"))
    assert own.get_json() == expected
    _check(own.get_json(), schemas["LeaderView"], spec)
    assert leader.get(f"/api/v1/surveys/{HOSPITAL_SLUG}/leaders/summary").status_code == 403
    other = _login(_client(lead_db), "icu2@example.org")  # answered too, but another person
    theirs = other.get(f"/api/v1/surveys/{HOSPITAL_SLUG}/units/ICU/leader-view").get_json()
    assert theirs["waves"][0]["scales"] == expected["waves"][0]["scales"]  # same answers (4)
    surg = _login(_client(lead_db), "surg@example.org")
    assert surg.get(f"/api/v1/surveys/{HOSPITAL_SLUG}/units/ICU/leader-view").status_code == 404
    admin = _login(_client(lead_db), ADMIN.email)
    assert admin.get(f"/api/v1/surveys/{HOSPITAL_SLUG}/units/ICU/leader-view").status_code == 404
    summary = admin.get(f"/api/v1/surveys/{HOSPITAL_SLUG}/leaders/summary")
    assert summary.status_code == 200
    assert summary.get_json() == leader_summary(lead_db, HOSPITAL_SLUG, ADMIN)
    _check(summary.get_json(), schemas["LeaderSummary"], spec)


def test_purging_a_wave_deletes_its_leader_views(lead_db):
    from surveys.leaders import leader_views_of
    from surveys.purge import purge

    _answered(lead_db, "icu@example.org", 4)
    _close(lead_db)
    assert len(leader_views_of(lead_db, HOSPITAL_SLUG, "ICU", "icu@example.org")) == 1
    purge(lead_db, HOSPITAL_SLUG)
    assert leader_views_of(lead_db, HOSPITAL_SLUG, "ICU", "icu@example.org") == []


def test_the_language_switch_saves_and_shows_the_other_language(lead_db):
    from surveys.leaders import invite_leader, leader_views_of

    link = invite_leader(lead_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    client = _client(lead_db)
    html = client.get(f"/l/{link.token}?lang=nl").get_data(as_text=True)
    assert f'formaction="/l/{link.token}?lang=en"' in html
    switched = client.post(
        f"/l/{link.token}?lang=en",
        data={"bel_mem_2": "3", "csrf_token": csrf_token(html), "nav": "stay"},
    )
    assert switched.status_code == 302 and switched.headers["Location"] == f"/l/{link.token}"
    assert "My team includes everyone" in client.get(f"/l/{link.token}").get_data(as_text=True)
    (view,) = leader_views_of(lead_db, HOSPITAL_SLUG, "ICU", "icu@example.org")
    assert view.answers == {"bel_mem_2": 3}
