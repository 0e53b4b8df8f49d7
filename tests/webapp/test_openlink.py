"""The open link cannot be padded into revealing someone (issue 14, path 5).

The attack, as an attacker does it: one real respondent answers for a small unit through the
survey's open link; the attacker, who holds the same link, sends padding answers with known
values from fresh browsers (and fresh addresses) until the unit reaches k. After the wave
closes, the unit's results minus the padding are the real person's answers, and its comments
minus the padding texts are that person's comment.

The organisation (tests/conftest.py): HOSP > SURG > W1, W2; HOSP > ICU. Background: 12 open-link
respondents each in W1 and ICU. Target: W2, one real respondent and ``PADDING`` = 9 padders
(10 responses: enough for k = 5 and even for the comment threshold, 10).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import users as users_module
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_UNITS, HOSPITAL_WAVE
from tests.webapp.conftest import HOSPITAL
from tests.webapp.helpers import csrf_token, post_page
from webapp import create_app
from webapp.config import TestConfig
from webapp.respond.openrate import OpenLinkRate, open_link_rate
from webapp.results import openlink

S, W = HOSPITAL_SLUG, HOSPITAL_WAVE
PADDING = 9
BACKGROUND = {"W1": 12, "ICU": 12}
REAL_COMMENT = "Mijn leidinggevende scheldt mij uit waar iedereen bij is."
PAD_COMMENT = "padding {i}"
PASSWORD = "a long enough password"
ACCOUNTS = {
    "admin": ("admin@example.org", "admin", None),
    "manager": ("surg@example.org", "manager", "SURG"),
}


def open_link_survey(db: Any, tmp_path: Path, extra: str = "") -> str:
    """The hospital survey with ``open_link: true`` on the test tree, wave 2026-1 open."""
    from surveys.invitations import open_link_token
    from surveys.org import import_units
    from surveys.survey_store import create_survey
    from surveys.waves import open_wave

    units = tmp_path / "units.csv"
    units.write_text(HOSPITAL_UNITS, encoding="utf-8")
    import_units(db, units)
    path = tmp_path / "open.yaml"
    text = HOSPITAL.read_text(encoding="utf-8").replace("open_link: false", "open_link: true")
    path.write_text(text + extra, encoding="utf-8")
    create_survey(db, path)
    open_wave(db, S, W)
    token = open_link_token(db, S)
    assert token
    return token


def _questionnaire(db: Any) -> Any:
    from surveys.survey_store import get_survey
    from webapp.respond.questionnaire import Questionnaire

    return Questionnaire.from_definition(get_survey(db, S))


def answer_via_link(
    app: Any,
    token: str,
    unit: str,
    pick: int,
    comment: str,
    address: str,
) -> Any:
    """Answer the whole survey through the open link in a fresh browser from ``address``.

    ``pick`` chooses each item's answer: 0 the first point of its scale, -1 the last.
    Returns the response to the final send.
    """
    questionnaire = _questionnaire(app.extensions["samen_db"])
    client = app.test_client()  # a fresh browser: no cookies, so a fresh client key
    client.environ_base["REMOTE_ADDR"] = address
    assert client.get(f"/o/{token}").status_code == 303
    page = client.get("/survey/unit")
    client.post("/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": unit})
    if questionnaire.has_sensitive:
        post_page(client, "/survey/consent", {}, nav="yes")
    for step in questionnaire.pages:
        answers = {item.id: str(item.response_scale.points[pick]) for item in step.items}
        assert post_page(client, f"/survey/q/{step.id}", answers).status_code == 303
    if questionnaire.comments:
        post_page(client, "/survey/comment", {"comment": comment})
    review = client.get("/survey/review")
    return client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})


def _background(db: Any) -> None:
    """Open-link respondents of W1 and ICU with random answers (the service the link uses)."""
    from surveys.openlink import submit_open_response
    from surveys.survey_store import get_survey

    definition = get_survey(db, S)
    rng = np.random.default_rng(5)
    for unit, count in BACKGROUND.items():
        for i in range(count):
            answers = {
                item.id: int(rng.choice(item.response_scale.points)) for item in definition.items
            }
            submit_open_response(
                db, S, unit, answers, "nl", f"{unit}-{i}", {"dem_gender": 1 + i % 2}, f"{unit} {i}"
            )


@pytest.fixture
def padded(db, tmp_path, monkeypatch):
    """(app, API tokens) after the attack: W2 = 1 real + ``PADDING`` padders; wave closed."""
    from surveys.users import add_user, issue_api_token
    from surveys.waves import close_wave

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    token = open_link_survey(db, tmp_path)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})
    _background(db)
    real = answer_via_link(app, token, "W2", -1, REAL_COMMENT, "192.0.2.1")
    assert real.location == "/survey/thanks"
    for i in range(PADDING):  # fresh browsers from fresh addresses: the attacker's worst case
        sent = answer_via_link(app, token, "W2", 0, PAD_COMMENT.format(i=i), f"198.51.100.{i}")
        assert sent.location == "/survey/thanks"
    close_wave(db, S, W)
    tokens = {}
    for role, (email, kind, unit) in ACCOUNTS.items():
        add_user(db, email, kind, PASSWORD, unit_code=unit)
        tokens[role] = issue_api_token(db, email)
    return app, tokens


def _api(app: Any, token: str, path: str) -> dict[str, Any]:
    response = app.test_client().get(
        f"/api/v1/surveys/{S}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.get_json()


def recover(app: Any, token: str) -> tuple[dict[str, int], list[str]]:
    """The attacker's subtraction: W2's released cells minus the padding they sent.

    Returns the answers recovered per item (from each released item distribution: the
    counts of W2's n responses minus ``PADDING`` at the first point) and W2's comments
    other than the padding texts.
    """
    from surveys.survey_store import get_survey

    definition = get_survey(app.extensions["samen_db"], S)
    found = _api(app, token, f"/waves/{W}/units/W2/results")
    recovered: dict[str, int] = {}
    for item_id, cell in found["items"].items():
        if cell["suppressed"] or not cell["distribution"]:
            continue
        n = cell["n"]
        counts = {int(code): round(share * n) for code, share in cell["distribution"].items()}
        counts[min(definition.item(item_id).response_scale.points)] -= PADDING
        left = [code for code, count in counts.items() if count > 0]
        if len(left) == 1 and sum(counts.values()) == 1:
            recovered[item_id] = left[0]
    comments = _api(app, token, f"/waves/{W}/units/W2/comments")["comments"] or []
    padding = {PAD_COMMENT.format(i=i) for i in range(PADDING)}
    return recovered, [c["text"] for c in comments if c["text"] not in padding]


def test_without_the_rule_the_padding_reveals_the_real_respondent(padded, monkeypatch):
    """The attack reproduced: under the ordinary rule W2 (10 responses >= k) is released and
    the subtraction gives the real person's every answer and their comment."""
    from surveys.survey_store import get_survey
    from webapp.results import data

    app, tokens = padded
    monkeypatch.setattr(openlink, "applies", lambda definition: False)
    with data._LOCK:
        data._CACHE.clear()
    recovered, comments = recover(app, tokens["manager"])
    definition = get_survey(app.extensions["samen_db"], S)
    real = {item.id: max(item.response_scale.points) for item in definition.items}
    assert len(recovered) >= len(real) // 2
    assert all(recovered[item] == real[item] for item in recovered)
    assert comments == [REAL_COMMENT]


def _released_numbers(found: Any) -> list[int]:
    """Every count shown in an API answer: ``n`` of released cells, ``responses`` of rates."""
    out: list[int] = []
    if isinstance(found, dict):
        if found.get("suppressed") is False:
            for key in ("n", "responses"):
                if isinstance(found.get(key), int):
                    out.append(found[key])
        for value in found.values():
            out += _released_numbers(value)
    elif isinstance(found, list):
        for value in found:
            out += _released_numbers(value)
    return out


def test_open_link_results_hide_the_padded_unit(padded):
    """With the open-link rule: W2 (and every unit below the divisions) is withheld, the
    attacker recovers nothing, and every number shown describes >= open_link_k responses."""
    app, tokens = padded
    open_k = 10  # max(2 * k, 10) for k = 5: the survey file sets no open_link_k
    recovered, comments = recover(app, tokens["manager"])
    assert recovered == {} and comments == []
    w2 = _api(app, tokens["manager"], f"/waves/{W}/units/W2/results")
    assert w2["open_link_k"] == open_k
    assert (w2["n"], w2["suppressed"], w2["reason"]) == (None, True, "open-link")
    cells = [*w2["scales"].values(), *w2["items"].values()]
    assert cells and all(c["suppressed"] and c["n"] is None for c in cells)
    assert {c["reason"] for c in cells} == {"open-link"}
    surg = _api(app, tokens["manager"], f"/waves/{W}/units/SURG/results")
    # SURG (a division): 12 + 10 responses, released; its sensitive items never are
    assert surg["n"] == BACKGROUND["W1"] + 1 + PADDING and not surg["suppressed"]
    assert {c["reason"] for c in surg["children"]} == {"open-link"}
    sensitive = [c for i, c in surg["items"].items() if i.startswith("ub_")]
    assert sensitive and all(c["suppressed"] and c["reason"] == "open-link" for c in sensitive)
    shown = []
    for unit in ("HOSP", "SURG", "W1", "W2", "ICU"):
        for path in (
            f"/waves/{W}/units/{unit}/results",
            f"/waves/{W}/units/{unit}/heatmap",
            f"/waves/{W}/units/{unit}/response-rate",
            f"/units/{unit}/trend",
        ):
            shown += _released_numbers(_api(app, tokens["admin"], path))
        comments_of = _api(app, tokens["admin"], f"/waves/{W}/units/{unit}/comments")
        assert comments_of["shown"] == (unit in ("HOSP", "SURG", "ICU")), unit
        if unit in ("W1", "W2"):
            assert comments_of["reason"] == "open-link"
    assert shown and min(shown) >= open_k
    # No filter is offered: a padder picks the category as easily as the unit.
    filtered = app.test_client().get(
        f"/api/v1/surveys/{S}/waves/{W}/units/SURG/results?filter=dem_gender:1",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert filtered.status_code == 400


def test_the_audit_and_the_dashboard_follow_the_rule(padded):
    from surveys.survey_store import get_survey
    from webapp.research.auditing import audit_survey, served_cells
    from webapp.results.data import load_survey, load_wave
    from webapp.results.release import measure_k

    app, _tokens = padded
    db = app.extensions["samen_db"]
    context = load_survey(db, S)
    data = load_wave(db, context, W)
    every = frozenset(context.parent)
    for measure in data.measures.values():
        cells = served_cells(data, measure, every, ("dem_gender",))
        assert {c[0] for c in cells} <= {"HOSP", "SURG", "ICU"}, measure.id
        assert all(c[1] is None for c in cells)
        assert measure_k(data, measure) >= get_survey(db, S).open_link_k
        if measure.sensitive:
            assert cells == set()
    result = audit_survey(db, S)
    assert result.ok and result.waves == (W,) and result.k == 10
    assert "no group smaller than 10 can be derived" in result.summary()
    # The SURG manager's dashboard of W2 says why nothing is shown, and shows no comment.
    client = app.test_client()
    page = client.get("/auth/login")
    client.post(
        "/auth/login",
        data={
            "email": "surg@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    html = client.get(f"/dashboard/{S}/{W}/W2", headers={"Accept-Language": "en"}).text
    assert "anyone can answer via the open link" in html
    assert REAL_COMMENT not in html and "padding 0" not in html


# --- the per-address rate ------------------------------------------------------------------


def _send_empty(app: Any, token: str, address: str) -> Any:
    """A fresh browser from ``address`` sends an empty questionnaire through the open link."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.get(f"/o/{token}")
    page = client.get("/survey/unit")
    client.post("/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": "W1"})
    review = client.get("/survey/review", headers={"Accept-Language": "en"})
    return client.post(
        "/survey/send",
        data={"csrf_token": csrf_token(review.text)},
        headers={"Accept-Language": "en"},
    )


def _everything_stored(db: Any) -> str:
    """Every row of every table as text (both backends)."""
    from sqlalchemy import MetaData, select

    metadata = MetaData()
    with db.engine.connect() as connection:
        metadata.reflect(connection)
        return json.dumps(
            {
                name: [[str(v) for v in row] for row in connection.execute(select(table))]
                for name, table in metadata.tables.items()
            }
        )


def test_open_link_rate_per_address(db, tmp_path, caplog):
    from surveys.responses import count_responses

    token = open_link_survey(db, tmp_path)
    config = {"SAMEN_OPEN_LINK_MAX_PER_ADDRESS": 3, "SAMEN_OPEN_LINK_WINDOW_MINUTES": 60}
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db, **config})
    now = [1000.0]
    with app.app_context():
        rate = open_link_rate()
    rate.clock = lambda: now[0]
    for _ in range(3):  # three fresh browsers behind one address: allowed
        assert _send_empty(app, token, "203.0.113.7").location == "/survey/thanks"
    refused = _send_empty(app, token, "203.0.113.7")
    assert refused.status_code == 429
    assert "Too many answers from this network" in refused.text
    assert "nothing new was stored" in refused.text
    assert count_responses(db, S, W) == 3
    # another address is not affected; after the window the first may answer again
    assert _send_empty(app, token, "203.0.113.8").location == "/survey/thanks"
    now[0] += 59 * 60
    assert _send_empty(app, token, "203.0.113.7").status_code == 429
    now[0] += 61
    assert _send_empty(app, token, "203.0.113.7").location == "/survey/thanks"
    assert count_responses(db, S, W) == 5
    # The address is kept only as an HMAC in memory: not in the database, not in the log.
    assert "203.0.113" not in _everything_stored(db)
    assert "203.0.113" not in caplog.text
    assert len(rate) == 2
    assert all(b"203.0.113" not in key for key in rate._records)


def test_open_link_rate_in_dutch(db, tmp_path):
    token = open_link_survey(db, tmp_path)
    app = create_app(
        {**TestConfig.as_dict(), "SAMEN_DATABASE": db, "SAMEN_OPEN_LINK_MAX_PER_ADDRESS": 1}
    )
    assert _send_empty(app, token, "203.0.113.9").location == "/survey/thanks"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    client.get(f"/o/{token}")
    page = client.get("/survey/unit")
    client.post("/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": "W1"})
    review = client.get("/survey/review", headers={"Accept-Language": "nl"})
    refused = client.post(
        "/survey/send",
        data={"csrf_token": csrf_token(review.text)},
        headers={"Accept-Language": "nl"},
    )
    assert refused.status_code == 429 and "Te veel antwoorden vanaf dit netwerk" in refused.text


def test_open_link_rate_object():
    now = [0.0]
    rate = OpenLinkRate(per_address=2, window=10, clock=lambda: now[0])
    assert rate.take("a") and rate.take("a") and not rate.take("a")
    assert rate.take("b")
    now[0] = 9.9
    assert not rate.take("a")  # refused attempts are not counted, the window slides
    now[0] = 10.0
    assert rate.take("a") and rate.take("a") and not rate.take("a")
    assert rate.take(None) and rate.take("")
    with pytest.raises(ValueError, match="per_address"):
        OpenLinkRate(per_address=0)
    with pytest.raises(ValueError, match="window"):
        OpenLinkRate(window=0)


# --- the rule's pieces ---------------------------------------------------------------------


def test_roll_up_adds_everything_below_a_kept_unit():
    parent = {"HOSP": None, "SURG": "HOSP", "W1": "SURG", "W2": "SURG", "ICU": "HOSP"}
    own = {"HOSP": 2, "SURG": 1, "W1": 6, "W2": 3, "ICU": 7}
    tree, rolled = openlink.roll_up(parent, own, frozenset({"HOSP", "SURG", "ICU"}))
    assert tree == {"HOSP": None, "SURG": "HOSP", "ICU": "HOSP"}
    assert rolled == {"HOSP": 2, "SURG": 10, "ICU": 7}
    with pytest.raises(ValueError, match="keep"):
        openlink.roll_up(parent, own, frozenset({"W1"}))


def test_a_survey_without_open_link_keeps_the_ordinary_rule(hospital_db):
    """The hospital example (no open link): W1 released at k = 5 as before, filters offered."""
    from tests.webapp.test_results import ADMIN, fill_wave
    from webapp import results

    fill_wave(hospital_db, plan={"W1": 6, "W2": 6, "ICU": 7, "HOSP": 0})
    found = results.unit_results(hospital_db, S, W, "W1", ADMIN)
    assert found["n"] == 6 and found["open_link_k"] is None
    assert results.filter_question(results.data.load_survey(hospital_db, S).definition)


def test_the_export_gives_coarse_units_and_no_context(padded):
    """The researcher's export of the padded wave: no row says W2 (or any unit below a
    division), language and demographics are blank, every unit has >= open_link_k rows."""
    from webapp.research.exporting import export_frame

    app, _tokens = padded
    frame, _result, context = export_frame(app.extensions["samen_db"], S, W, seed=1)
    assert len(frame) == BACKGROUND["W1"] + BACKGROUND["ICU"] + 1 + PADDING
    counts = frame["unit"].value_counts(dropna=False).to_dict()
    assert counts == {"SURG": BACKGROUND["W1"] + 1 + PADDING, "ICU": BACKGROUND["ICU"]}
    assert frame["language"].isna().all()
    for item in context.definition.demographic_items:
        assert frame[item.id].isna().all()


def test_the_written_export_says_its_k(padded, tmp_path):
    import csv

    from webapp.research.exporting import export_wave

    app, _tokens = padded
    files = export_wave(app.extensions["samen_db"], S, W, "csv", tmp_path / "out", "en")
    assert files.k == 10 and files.rows == 34
    (data,) = [p for p in files.paths if p.suffix == ".csv"]
    with data.open(encoding="utf-8-sig", newline="") as handle:
        units = {row["unit"] for row in csv.DictReader(handle)}
    assert units == {"SURG", "ICU"}


def test_a_small_open_link_wave_is_not_exported(db, tmp_path):
    from surveys.errors import InputError
    from surveys.waves import close_wave
    from webapp.research.exporting import export_frame

    token = open_link_survey(db, tmp_path)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})
    for i in range(6):  # >= k (5) but below open_link_k (10)
        assert _send_empty(app, token, f"203.0.113.{i}").location == "/survey/thanks"
    close_wave(db, S, W)
    with pytest.raises(InputError, match="fewer than 10 responses"):
        export_frame(db, S, W)


def test_open_link_rate_from_the_environment():
    from webapp.config import ConfigError, environment_config

    env = {"SAMEN_OPEN_LINK_MAX_PER_ADDRESS": "200"}
    assert environment_config(env)["SAMEN_OPEN_LINK_MAX_PER_ADDRESS"] == 200
    for bad in ("0", "many", "-3"):
        with pytest.raises(ConfigError, match="SAMEN_OPEN_LINK_MAX_PER_ADDRESS"):
            environment_config({"SAMEN_OPEN_LINK_MAX_PER_ADDRESS": bad})


def test_privacy_page_of_an_open_link_survey(db, tmp_path):
    open_link_survey(db, tmp_path, extra="open_link_k: 15\n")
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}).test_client()
    en = client.get(f"/privacy/{S}", headers={"Accept-Language": "en"})
    assert en.status_code == 200
    assert "Anyone with the open link can add answers" in en.text
    assert "for groups of at least 15 people" in en.text
    assert "What the open link cannot promise" in en.text
    nl = client.get(f"/privacy/{S}", headers={"Accept-Language": "nl"})
    assert "Via de open link kan iedereen antwoorden toevoegen" in nl.text
    assert "minstens 15 mensen" in nl.text


# --- a property over random organisations ----------------------------------------------------


@st.composite
def organisations(draw: Any) -> tuple[dict[str, str | None], dict[str, int]]:
    """A random tree of 2-14 units, up to four levels deep, with own response counts."""
    parent: dict[str, str | None] = {"U0": None}
    for i in range(1, draw(st.integers(2, 14))):
        candidates = [u for u in parent if u.count("/") < 3]
        up = draw(st.sampled_from(candidates))
        parent[f"{up}/U{i}"] = up
    own = {unit: draw(st.integers(0, 14)) for unit in parent}
    return parent, own


@settings(max_examples=60, deadline=None)
@given(organisations(), st.integers(5, 7))
def test_open_link_release_is_coarse_and_audited(org, k):
    """Over random trees: only the organisation and its divisions are shown, each with at
    least open_link_k responses, and the audit derives no group below open_link_k from them."""
    from types import SimpleNamespace

    from engine.disclosure.audit import audit
    from engine.disclosure.audit_views import atoms_of, cell_views
    from surveys.org import UnitInfo
    from webapp.results.data import SurveyContext

    parent, own = org
    definition = SimpleNamespace(k=k, open_link_k=max(2 * k, 10), comment_threshold=10)
    units = {code: UnitInfo(code, code, up) for code, up in parent.items()}
    context = SurveyContext(definition, units, [])  # type: ignore[arg-type]
    shown = openlink.response_units(context, own, frozenset(parent))
    open_k = definition.open_link_k

    def subtree(unit: str) -> int:
        return sum(n for u, n in own.items() if u == unit or u.startswith(unit + "/"))

    assert all(u.count("/") <= 1 for u in shown)
    assert all(subtree(u) >= open_k for u in shown)
    views = cell_views(parent, own, {(u, None, None) for u in shown})
    assert audit(atoms_of(own), views, open_k).ok


def test_open_link_answers_match_the_openapi_schema(padded):
    import yaml

    from tests.webapp.test_api import _check

    spec = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
    )
    app, tokens = padded
    for unit in ("SURG", "W2"):
        for kind in ("results", "heatmap", "response-rate", "comments"):
            found = _api(app, tokens["admin"], f"/waves/{W}/units/{unit}/{kind}")
            documented = spec["paths"][f"/surveys/{{survey}}/waves/{{wave}}/units/{{unit}}/{kind}"]
            schema = documented["get"]["responses"]["200"]["content"]["application/json"]
            _check(found, schema["schema"], spec)
    assert found["reason"] == "open-link"  # W2's comments
