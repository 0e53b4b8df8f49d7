"""The research report's two model-based reliabilities per scale: psych's EFA-based omega
and, beside it, the CFA-based composite reliability ("CFA rel.", semTools::compRelSEM from
the CFA of the scale's instrument), with a footnote saying which is which; on the page (en,
nl) and in the HTML and JSON downloads.

Expected numbers: tests/reference/research_composite.R on the demo's closed wave
(data/research_composite.csv, checked below to be that wave's answers).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.webapp.test_export_cli import CLOSED, DEMO
from tests.webapp.test_research import research_app, signed_in  # noqa: F401 (fixture)

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
R = json.loads((REFERENCE / "research_composite.json").read_text(encoding="utf-8"))
KEYS = json.loads((REFERENCE / "data" / "research_composite_keys.json").read_text("utf-8"))
EXPECTED = {
    scale: value
    for entry in R["instruments"].values()
    for scale, value in entry["composite_reliability"].items()
}
# As in test_analyze_checks.py: the composite comes from the fitted parameters and agrees
# with semTools as closely as the CFA optimiser's solution agrees with lavaan's.
TOL = 1e-5


@pytest.fixture(scope="module")
def report(research_app):  # noqa: F811
    from webapp.research_service import wave_report

    return wave_report(research_app.extensions["samen_db"], DEMO, CLOSED)


def test_reference_data_is_the_demo_wave(research_app):  # noqa: F811
    """If this fails, the demo changed: write the CSV again from the wave's answers
    (``frame[items].to_csv(path, index=False, na_rep="NA", float_format="%g")``) and run
    ``Rscript tests/reference/research_composite.R``."""
    from surveys.responses import load_answers

    stored = load_answers(research_app.extensions["samen_db"], DEMO, CLOSED)
    frame = pd.DataFrame(stored.values, columns=list(stored.item_ids))
    committed = pd.read_csv(REFERENCE / "data" / "research_composite.csv")
    ours = frame[list(committed.columns)]

    def rows(data: pd.DataFrame) -> list[tuple]:  # responses have no order: compare as sets
        return sorted(tuple(np.nan_to_num(row, nan=-1.0)) for row in data.to_numpy(float))

    assert rows(ours) == rows(committed)
    assert len(committed) == stored.n


def test_composite_reliability_matches_semtools_per_instrument(report):
    instruments = {entry["id"]: entry for entry in report["instruments"]}
    assert set(instruments) == set(R["instruments"])
    for name, want in R["instruments"].items():
        assert want["converged"]
        cfa = instruments[name]["cfa"]
        assert cfa["n"] == want["n"]
        for scale, value in want["composite_reliability"].items():
            assert report["scales"][scale]["composite_reliability"] == pytest.approx(
                value, rel=TOL
            ), scale
            assert cfa["composite_reliability"][scale] == pytest.approx(value, rel=TOL)
    # two different coefficients (a different model, different responses), both reported
    gaps = [
        abs(report["scales"][s]["composite_reliability"] - report["scales"][s]["omega_total"])
        for s in EXPECTED
    ]
    assert max(gaps) > 0.01


def _reliability_table(text: str) -> str:
    found = re.search(
        r'<table class="report reliability">\s*<caption id="reliability-cap">.*?</table>',
        text,
        re.S,
    )
    assert found is not None
    return found.group(0)


def _headers(table: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)
    ]


def _row(table: str, scale: str) -> list[str]:
    row = re.search(rf"{re.escape(scale)}</span></th>(.*?)</tr>", table, re.S)
    assert row is not None, scale
    return re.findall(r"<td>([^<]*)</td>", row.group(1))


@pytest.mark.parametrize(
    ("language", "column", "footnote"),
    [
        ("en", "CFA rel.", "composite reliability as semTools::compRelSEM computes it"),
        ("nl", "CFA-betr.", "samengestelde betrouwbaarheid (composite reliability)"),
    ],
)
def test_page_shows_cfa_rel_beside_omega_with_a_footnote(
    research_app,  # noqa: F811
    report,
    language,
    column,
    footnote,
):
    from engine.report.tables import fmt

    def number_format(text: str, lang: str) -> str:  # one decimal sign per language
        return text.replace(".", ",") if lang == "nl" else text

    client = signed_in(research_app, "researcher", language)
    text = client.get(f"/research/{DEMO}/{CLOSED}/report?lang={language}").get_data(as_text=True)
    table = _reliability_table(text)
    headers = _headers(table)
    at = headers.index("omega*")
    assert headers[at + 1] == f"{column}*"
    assert headers[at + 2] in ("ordinal alpha", "ordinale alpha")
    for scale, value in EXPECTED.items():
        cells = _row(table, scale)
        # the row's cells are the header's after the scale name
        shown = report["scales"][scale]
        assert cells[at - 1] == number_format(fmt(shown["omega_total"]), language)
        assert cells[at] == number_format(fmt(shown["composite_reliability"]), language)
        assert cells[at] == number_format(fmt(value), language)  # R's value, as shown
    # the footnote explains both, and both headers point at it
    assert 'id="reliability-foot"' in text
    note = re.search(r'<p class="hint footnote" id="reliability-foot">(.*?)</p>', text, re.S)
    assert note is not None
    assert footnote in note.group(1) and "psych::omega" in note.group(1)
    assert table.count('aria-describedby="reliability-foot"') == 2


def test_downloads_carry_both_coefficients(research_app, report):  # noqa: F811
    client = signed_in(research_app, "researcher")
    data = json.loads(client.get(f"/research/{DEMO}/{CLOSED}/report.json").get_data())
    for scale, value in EXPECTED.items():
        assert data["scales"][scale]["composite_reliability"] == pytest.approx(value, rel=TOL)
        assert data["scales"][scale]["omega_total"] == report["scales"][scale]["omega_total"]
    assert "semTools::compRelSEM" in data["definitions"]["composite_reliability"]
    assert "psych::omega" in data["definitions"]["omega_total"]
    page = client.get(f"/research/{DEMO}/{CLOSED}/report.html").get_data(as_text=True)
    assert "CFA rel." in _reliability_table(page)
    assert 'id="reliability-foot"' in page
