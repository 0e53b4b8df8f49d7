"""The comment promise on the data the product produces: the demo hospital.

The comment page promises "Your comment is shown only when at least N people from your
group wrote one", N being the survey's ``comment_threshold``. Before, a unit's comments were
shown when its subtree had N *responses*: in the demo's Chirurgie B (wave 2026-1) 27
responses and 4 comments, all 4 read by its manager. These tests read N from the survey,
count the writers (comment rows) per unit in the demo, and check every unit's comments on
the service, the API and the dashboard as a manager sees them; then ``samen audit`` on the
comment sets, which passes now and finds Chirurgie B's writers under the old rule.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from surveys.users import UserInfo
from tests.webapp.test_export_cli import CLOSED, DEMO, demo_copy
from webapp import create_app
from webapp.config import TestConfig
from webapp.results.access import subtree
from webapp.results.comments import unit_comments

ISSUE_UNIT = "CHIR-B"  # the unit of the issue, while the demo still reproduces it
MANAGER = "promise.chir-b@example.org"
PASSWORD = "a long enough password"
ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    from surveys.db import Database
    from surveys.users import add_user

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    original = users_module.HASHER
    users_module.HASHER = PasswordHasher.from_parameters(CHEAPEST)
    try:
        add_user(database, MANAGER, "manager", PASSWORD, unit_code=_target(database))
    finally:
        users_module.HASHER = original
    yield database
    database.dispose()


def _facts(db):
    """The promise's number, the tree, stored comments per unit and responses per unit."""
    from surveys.responses import load_comments
    from surveys.survey_store import get_survey
    from webapp.results.data import load_survey, responses_by_unit

    threshold = get_survey(db, DEMO).comment_threshold
    context = load_survey(db, DEMO).at_wave(CLOSED)
    rows = load_comments(db, DEMO, CLOSED)
    texts: dict[str, Counter] = {}
    for row in rows:
        texts.setdefault(row.unit_code, Counter())[(row.text, row.language)] += 1
    responses = responses_by_unit(db, context, CLOSED)
    return threshold, context, texts, responses


def _target(db) -> str:
    """A unit with at least N responses but 1 to N-1 writers in its subtree: Chirurgie B
    while the demo data reproduce the issue, else the first such unit."""
    threshold, context, texts, responses = _facts(db)
    found = []
    for unit in sorted(context.parent):
        members = subtree(context.parent, unit)
        writers = sum(sum(texts.get(u, Counter()).values()) for u in members)
        if sum(responses.get(u, 0) for u in members) >= threshold and 0 < writers < threshold:
            found.append(unit)
    assert found, "the demo has no unit with enough responses but too few writers"
    return ISSUE_UNIT if ISSUE_UNIT in found else found[0]


def test_the_demo_reproduces_the_issue(demo_db):
    """Chirurgie B (or, should the demo data change, another unit): at least N responses
    in its subtree, 1 to N - 1 writers; the old rule showed its comments."""
    threshold, context, texts, responses = _facts(demo_db)
    members = subtree(context.parent, _target(demo_db))
    assert sum(responses.get(u, 0) for u in members) >= threshold
    assert 0 < sum(sum(texts.get(u, Counter()).values()) for u in members) < threshold


def test_every_unit_shows_comments_only_with_enough_writers_each_once(demo_db):
    threshold, context, texts, _ = _facts(demo_db)
    shown = 0
    for unit in context.parent:
        out = unit_comments(demo_db, DEMO, CLOSED, unit, ADMIN)
        members = subtree(context.parent, unit)
        stored = sum((texts.get(u, Counter()) for u in members), Counter())
        if out["shown"]:
            shown += 1
            assert sum(stored.values()) >= threshold, unit  # writers, not responses
            # each stored comment exactly once: the same multiset, no text repeated more
            # often than people wrote it
            got = Counter((c["text"], c["language"]) for c in out["comments"])
            assert got == stored, unit
        else:
            assert out["comments"] is None
    assert shown > 0  # the organisation at least: the test would notice showing nothing


def test_the_manager_of_chirurgie_b_reads_none_of_its_comments(demo_db):
    from tests.webapp.test_comments import login

    threshold, context, texts, _ = _facts(demo_db)
    target = _target(demo_db)
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": demo_db}).test_client()
    login(client, MANAGER)
    html = client.get(f"/dashboard/{DEMO}/{CLOSED}/{target}?lang=en").get_data(as_text=True)
    assert 'id="comments-h"' in html
    assert re.search(r'<ul class="reading comments">', html) is None
    assert f"at least {threshold} people wrote one" in html
    for unit in subtree(context.parent, target):
        for text, _language in texts.get(unit, Counter()):
            assert text.splitlines()[0] not in html
    dutch = client.get(f"/dashboard/{DEMO}/{CLOSED}/{target}?lang=nl").get_data(as_text=True)
    assert f"minstens {threshold} mensen een opmerking schreven" in dutch


def test_audit_of_the_comment_sets_passes_for_every_role_and_the_manager(demo_db):
    from surveys.users import get_user
    from webapp.research.audit_comments import audit_wave_comments
    from webapp.results.access import disclosure_scope

    _, context, _, _ = _facts(demo_db)
    found, views = audit_wave_comments(demo_db, context, CLOSED, frozenset(context.parent))
    assert found == () and views > 0
    manager = get_user(demo_db, MANAGER)
    scope = disclosure_scope(manager, context.parent)
    assert audit_wave_comments(demo_db, context, CLOSED, scope)[0] == ()


def test_audit_finds_chirurgie_b_under_the_old_rule(demo_db, monkeypatch):
    """The old rule (the tree rule on responses) fed to the same audit: a finding of fewer
    than N writers, Chirurgie B's among them."""
    import webapp.results.comments as comments
    from engine.disclosure.rules import suppress_scope
    from webapp.research.audit_comments import audit_wave_comments

    threshold, context, _, responses = _facts(demo_db)

    def by_responses(context, writers, scope):
        own = {u: responses.get(u, 0) for u in context.parent}
        return suppress_scope(context.parent, own, threshold, scope).shown

    monkeypatch.setattr(comments, "released_comment_units", by_responses)
    found, _ = audit_wave_comments(demo_db, context, CLOSED, frozenset(context.parent))
    assert found
    assert all(0 < f.writers < threshold for f in found)
    target = _target(demo_db)
    assert any(target in f.atoms for f in found)
    assert any(f"comments:{target}" in f.inside for f in found)
