"""The open questions in headless Chromium at 360x740: the respondent's last page of
``programme_feedback`` answered without JavaScript (labels, text boxes, the review), and
axe-core's WCAG 2.1 AA checks on that page in Dutch and English.

Screenshots go to /tmp/samen-shots/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.webapp.conftest import PHONE, navigate, screenshot
from tests.webapp.test_browser import AXE_TAGS

pytestmark = pytest.mark.browser

SURVEY = """\
id: pfb
title: {nl: Terugblik, en: Looking back}
organisation: {nl: Wij, en: Us}
languages: [nl, en]
instruments: [programme_feedback]
min_group_size: 3
comment_threshold: 3
"""


@pytest.fixture
def feedback_server(db: Any, tmp_path: Path, db_backend: str):
    from surveys.models import Unit
    from surveys.survey_store import create_survey
    from surveys.waves import open_wave
    from webapp import create_app
    from webapp.cli.serve import serve_in_thread
    from webapp.config import TestConfig

    with db.session(write=True) as session:
        session.add(Unit(code="cohort", name="Cohort"))
    (tmp_path / "pfb.yaml").write_text(SURVEY, encoding="utf-8")
    create_survey(db, tmp_path / "pfb.yaml")
    open_wave(db, "pfb", "2026-1")
    server = serve_in_thread(create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}))
    yield db, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize(
    ("locale", "lang", "useful"),
    [("nl-NL", "nl", "Welk onderdeel"), ("en-GB", "en", "Which part of the programme")],
)
def test_open_questions_on_a_phone_without_javascript(
    phone, feedback_server, locale, lang, useful
):
    from axe_playwright_python.sync_playwright import Axe

    from surveys.invitations import issue_invitations
    from surveys.responses import load_comments

    db, base = feedback_server
    (token,) = issue_invitations(db, "pfb", "cohort", 1)
    page = phone(locale, javascript=False)
    page.goto(f"{base}/s/{token}")
    navigate(page, page.locator("main button[type=submit]"))
    page.goto(f"{base}/survey/q/programme_feedback-2?lang={lang}")
    screenshot(page, f"{lang}-open-questions-top")  # the title: no overflow at 360 px
    box = page.get_by_label(useful)
    assert box.evaluate("e => e.tagName") == "TEXTAREA"
    box.fill("De coaching." if lang == "nl" else "The coaching.")
    screenshot(page, f"{lang}-open-questions")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.tagName + ':' + (e.textContent || '').slice(0, 40))"
    )
    assert width <= PHONE["width"], f"page is {width} px wide: {wide}"
    navigate(page, page.locator("button.primary[name=nav]"))
    assert page.url.endswith("/survey/review")
    assert ("De coaching." if lang == "nl" else "The coaching.") in page.content()
    navigate(page, page.locator("form[action$='/survey/send'] button[type=submit]").first)
    rows = load_comments(db, "pfb", "2026-1")
    assert [(r.question, r.text) for r in rows] == [
        ("pf_open_useful", "De coaching." if lang == "nl" else "The coaching.")
    ]
    # axe needs scripts: the same page in a context with JavaScript
    (again,) = issue_invitations(db, "pfb", "cohort", 1)
    checked = phone(locale)
    checked.goto(f"{base}/s/{again}")
    navigate(checked, checked.locator("main button[type=submit]"))
    checked.goto(f"{base}/survey/q/programme_feedback-2?lang={lang}")
    results = Axe().run(checked, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.response["violations"] == [], results.generate_report()
