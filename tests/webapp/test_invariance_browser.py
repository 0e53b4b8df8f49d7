"""The HTML report of ``samen analyze --invariance`` in headless Chromium: the invariance
table and verdict at 1366 px and on a 360 px phone, axe-core WCAG 2 A/AA at 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.webapp.conftest import PHONE, screenshot
from tests.webapp.test_dashboard_browser import _axe

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
WIDE = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from webapp.cli import cli

    out = tmp_path_factory.mktemp("invariance") / "report.html"
    args = [
        "analyze",
        str(REFERENCE / "data" / "invariance_holzinger.csv"),
        "--range",
        "0-10",
        "--scale",
        "visual=x1,x2,x3",
        "--scale",
        "textual=x4,x5,x6",
        "--scale",
        "speed=x7,x8,x9",
        "--invariance",
        "school",
        "--format",
        "html",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366", "360"])
def test_invariance_table_reads_and_passes_axe(browser: Any, report_html: Path, viewport):
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        page.goto(report_html.as_uri())
        table = page.locator("table", has_text="configural")
        assert table.count() == 1
        text = table.inner_text()
        assert "124.044 (54)" in text and "ΔCFI" in text
        assert page.get_by_text("Metric invariance holds, scalar invariance does not").count()
        page.locator("h2", has_text="Measurement invariance").scroll_into_view_if_needed()
        screenshot(page, f"invariance-{viewport['width']}")
        _axe(page, f"invariance {viewport['width']}")
    finally:
        context.close()
