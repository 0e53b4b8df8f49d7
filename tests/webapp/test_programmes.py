"""Programme pages and API on the demo hospital: access per role, words in both languages,
the same numbers in page and API (checked against the OpenAPI schema), and the demo's
known programme effect found.

The demo (surveys/demo.py): the units of ``PROGRAMME_UNITS`` improve between wave 2025-2 and
wave 2026-1 by +0.8 SD of the belonging and authenticity factors (+0.3 on inclusive
leadership), nothing elsewhere; programme 1 ("Inclusief leiderschap") compares those waves.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.webapp.conftest import staffed_demo_app
from tests.webapp.helpers import csrf_token
from tests.webapp.test_api import _check
from webapp import create_app
from webapp.config import TestConfig

PASSWORD = "a long enough password"
ACCOUNTS = {
    "admin": ("admin@example.org", None),
    "researcher": ("research@example.org", None),
    "manager": ("chirb@example.org", "CHIR-B"),
}
PAGES = ["/programmes/", "/programmes/1"]
API = "/api/v1/programmes/1/evaluation"
#: Scales whose factor the demo raises by 0.8 SD in the programme units.
RAISED = ("belonging.membership", "belonging.affection", "authenticity.room", "authenticity.value")
SPEC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "webapp" / "openapi.yaml").read_text("utf-8")
)


@pytest.fixture(scope="module")
def programme_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    yield from staffed_demo_app(tmp_path_factory, sqlite_template, ACCOUNTS, PASSWORD)


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


def signed_in(app, role: str, language: str = "en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get("/auth/login").get_data(as_text=True)
    data = {"email": ACCOUNTS[role][0], "password": PASSWORD, "csrf_token": csrf_token(page)}
    assert client.post("/auth/login", data=data).status_code == 302
    return client


@pytest.fixture(scope="module")
def evaluation(programme_app):
    """The API's answer to the admin (computed once per module)."""
    client = signed_in(programme_app, "admin")
    response = client.get(API)
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("url", [*PAGES, API])
def test_signed_out_visitors(programme_app, url):
    response = programme_app.test_client().get(url)
    if url.startswith("/api/"):
        assert response.status_code == 401 and response.is_json
    else:
        assert response.status_code == 302
        assert response.location.startswith("/auth/login")


@pytest.mark.parametrize("url", [*PAGES, API])
def test_managers_are_refused(programme_app, url):
    assert signed_in(programme_app, "manager").get(url).status_code == 403


def test_admin_sees_list_and_page_with_a_remove_button(programme_app):
    client = signed_in(programme_app, "admin")
    listing = client.get("/programmes/").get_data(as_text=True)
    assert 'href="/programmes/1"' in listing and "Inclusief leiderschap" in listing
    assert 'action="/programmes/1/remove"' in listing
    assert 'href="/programmes/"' in listing  # the header link
    page = client.get("/programmes/1")
    assert page.status_code == 200


def test_researcher_reads_without_remove(programme_app):
    client = signed_in(programme_app, "researcher")
    listing = client.get("/programmes/").get_data(as_text=True)
    assert "Inclusief leiderschap" in listing and "/remove" not in listing
    assert "samen programme add" not in listing
    assert client.get("/programmes/1").status_code == 200
    token = _any_csrf(client.get("/programmes/1").get_data(as_text=True))
    assert client.post("/programmes/1/remove", data={"csrf_token": token}).status_code == 403
    assert client.get(API).status_code == 200


def _any_csrf(html: str) -> str:
    """The CSRF token of any form (the sign-out form's hidden field, say)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_admin_removes_a_programme_with_csrf(hospital_db):
    from surveys.programmes import add_programme, list_programmes, units_given
    from surveys.users import add_user
    from surveys.waves import close_wave, open_wave

    close_wave(hospital_db, "hospital-2026", "2026-1")
    open_wave(hospital_db, "hospital-2026", "2026-2")
    info = add_programme(
        hospital_db,
        "hospital-2026",
        "Pilot",
        cohort="1",
        before="2026-1",
        after="2026-2",
        units=units_given(["W1", "ICU"]),
    )
    add_user(hospital_db, ACCOUNTS["admin"][0], "admin", PASSWORD)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})
    client = signed_in(app, "admin")
    page = client.get(f"/programmes/{info.id}").get_data(as_text=True)
    assert "appears when the wave after the programme (2026-2) is closed" in page
    listing = client.get("/programmes/").get_data(as_text=True)
    url = f"/programmes/{info.id}/remove"
    assert client.post(url).status_code == 400  # no CSRF token
    assert list_programmes(hospital_db) == [info]
    done = client.post(url, data={"csrf_token": _any_csrf(listing)})
    assert done.status_code == 302 and done.location.endswith("/programmes/")
    assert list_programmes(hospital_db) == []
    assert "Programme Pilot removed." in client.get("/programmes/").get_data(as_text=True)
    assert client.get(url).status_code == 405  # never a GET


def test_unknown_programme_is_404(programme_app):
    client = signed_in(programme_app, "admin")
    assert client.get("/programmes/99").status_code == 404
    assert client.get("/api/v1/programmes/99/evaluation").status_code == 404
    assert client.get("/api/v1/programmes/x/evaluation").status_code == 404


def test_api_matches_the_openapi_schema(evaluation):
    schema = SPEC["paths"]["/programmes/{programme_id}/evaluation"]["get"]["responses"]["200"]
    _check(evaluation, schema["content"]["application/json"]["schema"], SPEC)
    assert evaluation["k"] == 5 and evaluation["k_counts"] == "responses"
    assert evaluation["programme"]["units"] == 7
    with pytest.raises(AssertionError):
        bad = {**evaluation, "scales": [{**evaluation["scales"][0], "reason": "because"}]}
        _check(bad, schema["content"]["application/json"]["schema"], SPEC)


def test_page_says_the_api_numbers_in_words(programme_app, evaluation):
    text = signed_in(programme_app, "researcher").get("/programmes/1").get_data(as_text=True)
    scale = next(s for s in evaluation["scales"] if s["scale"] == "authenticity.value")
    lo, hi = scale["ci"]
    teams = scale["sides"]["programme"]["units"]
    expected = (
        f"rose {scale['estimate']:.2f} more in programme teams than elsewhere; "
        f"95% CI {lo:.2f} to {hi:.2f}: the interval excludes zero ({teams} programme teams)"
    )
    assert expected in text
    sides = [scale["sides"][side] for side in ("programme", "other")]
    n_before = "".join(f"<td>{b['before']['n']}</td>" for b in sides)
    means = "".join(f"<td>{b['after']['mean']:.2f}</td>" for b in sides)
    assert f'<th scope="row">n before</th>{n_before}</tr>' in text
    assert f'<th scope="row">Mean after</th>{means}</tr>' in text
    assert "No random assignment" in text
    assert "Regression to the mean" in text
    assert "chose to take part" in text
    assert "<svg" in text and "<script" not in text.split("<main", 1)[1].split("</main>")[0]


def test_page_in_dutch(programme_app, evaluation):
    client = signed_in(programme_app, "admin", "nl")
    text = client.get("/programmes/1").get_data(as_text=True)
    scale = next(s for s in evaluation["scales"] if s["scale"] == "authenticity.value")
    estimate = f"{scale['estimate']:.2f}".replace(".", ",")
    assert f"steeg {estimate} meer in programmateams dan elders" in text
    assert "Geen willekeurige toewijzing" in text
    assert "Regressie naar het gemiddelde" in text
    listing = client.get("/programmes/").get_data(as_text=True)
    assert "Programma's" in listing


def _known_effects(scales, teams: int = 60, size: int = 500) -> dict[str, float]:
    """The programme's effect in answer points, simulated from the demo's own model.

    A programme team's expected scale score after minus before (team effects drawn as the
    demo draws them), scored as the results service scores: the mean of the answered
    items when at least 2/3 are answered, reverse-keyed items recoded.
    """
    import tempfile

    import pandas as pd

    from engine.psychometrics.scoring import score_scale
    from surveys import demo
    from surveys.db import Database
    from surveys.survey_store import create_survey, get_survey

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/x.db")
        db.upgrade()
        definition = get_survey(db, create_survey(db, demo.EXAMPLE))
        db.dispose()
    rng = np.random.default_rng(2026)
    code = demo.PROGRAMME_UNITS[0]
    ids = [item.id for inst in definition.answer_instruments for item in inst.items]
    found = {s: [0.0, 0.0] for s in scales}
    for _ in range(teams):
        team = {code: rng.normal(0, 0.42)}
        per_instrument = {(code, i.id): rng.normal(0, 0.2) for i in definition.answer_instruments}
        for number in (0, 1):
            answers, _demo = demo._simulate(
                definition, code, size, number, team, per_instrument, rng
            )
            frame = pd.DataFrame(
                [[np.nan if c == "-" else float(c) for c in row] for row in answers], columns=ids
            )
            for inst in definition.answer_instruments:
                for scale in inst.scales:
                    sid = f"{inst.id}.{scale.id}"
                    if sid not in found:
                        continue
                    points = scale.items[0].response_scale.points
                    reverse = [i.id for i in scale.items if i.reverse]
                    score = score_scale(
                        frame[[i.id for i in scale.items]], reverse, min(points), max(points)
                    )
                    found[sid][number] += float(np.nanmean(score)) / teams
    return {sid: after - before for sid, (before, after) in found.items()}


def test_the_demo_effect_is_found(evaluation):
    known = _known_effects(RAISED)
    scales = {s["scale"]: s for s in evaluation["scales"]}
    for sid in RAISED:
        scale = scales[sid]
        lo, hi = scale["ci"]
        assert 0.4 < known[sid] < 0.56, (sid, known[sid])  # +0.8 SD is about half a point
        assert lo <= known[sid] <= hi, (sid, known[sid], scale["ci"])
        assert scale["excludes_zero"] and lo > 0, (sid, scale["ci"])
        assert scale["sides"]["programme"]["units"] == 7  # every programme unit is used
        assert scale["sides"]["programme"]["units_left_out"] == 0


def test_only_groups_of_released_units_are_shown(programme_app, evaluation):
    """Each side's n is the sum of the dashboard's released n of its units, never fewer
    than 2 units; no unit's own mean is given anywhere."""
    from surveys.users import UserInfo
    from webapp.results import unit_results
    from webapp.results.data import load_survey, load_wave
    from webapp.results.programme import clusters

    db = programme_app.extensions["samen_db"]
    admin = UserInfo("admin@example.org", "admin", None, "s")
    context = load_survey(db, "hospital-2026")
    before = load_wave(db, context, "2025-2")
    after = load_wave(db, context, "2026-1")
    from surveys.demo import PROGRAMME_UNITS

    for scale in evaluation["scales"]:
        if scale["estimate"] is None:
            continue
        found = clusters(before, after, scale["scale"], PROGRAMME_UNITS)
        for side in ("programme", "other"):
            assert len(found.used[side]) == scale["sides"][side]["units"] >= 2
            for wave, label in (("before", "2025-2"), ("after", "2026-1")):
                shown = [
                    unit_results(db, "hospital-2026", label, u, admin)["scales"][scale["scale"]]
                    for u in found.used[side]
                ]
                assert all(not cell["suppressed"] and cell["n"] >= 5 for cell in shown)
                assert scale["sides"][side][wave]["n"] == sum(c["n"] for c in shown)
        break  # one scale is enough here; the audit test covers all of them
    flat = repr(evaluation)
    assert "unit_means" not in flat and "CHIR-B" not in flat


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "results are used, as a group, to evaluate a leadership programme"),
        ("nl", "worden, als groep, gebruikt om een leiderschapsprogramma te evalueren"),
    ],
)
def test_privacy_page_says_results_evaluate_a_programme(hospital_db, language, words):
    from surveys.programmes import add_programme, units_given
    from surveys.waves import close_wave, open_wave

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    before = client.get("/privacy/hospital-2026").get_data(as_text=True)
    assert words not in before  # no programme, no sentence
    close_wave(hospital_db, "hospital-2026", "2026-1")
    open_wave(hospital_db, "hospital-2026", "2026-2")
    add_programme(
        hospital_db,
        "hospital-2026",
        "Pilot",
        cohort="2026",
        before="2026-1",
        after="2026-2",
        units=units_given(["W1", "ICU"]),
    )
    page = client.get("/privacy/hospital-2026").get_data(as_text=True)
    assert words in page
    assert "Pilot" in page and "2026-1" in page and "2026-2" in page
