"""Long pages: instruments of more than 10 statements are split at their facets, and the
progress indicator counts statements, so it moves as the work does."""

from __future__ import annotations

import itertools
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instruments import list_builtin, load_builtin
from tests.webapp.helpers import post_page, start
from webapp.respond.questionnaire import (
    COMMENT,
    PAGE_ITEMS,
    REVIEW,
    WELCOME,
    Page,
    Questionnaire,
    page_parts,
)
from webapp.respond.resume import progress

facets = st.lists(st.integers(min_value=1, max_value=25), min_size=1, max_size=12)


@given(facets, st.integers(min_value=1, max_value=15))
def test_pages_cover_every_statement_in_order_within_the_limit(sizes, limit):
    parts = page_parts(sizes, limit)
    assert parts[0][0] == 0 and parts[-1][1] == sum(sizes)
    for (_a, stop), (start_, _b) in itertools.pairwise(parts):
        assert stop == start_  # contiguous: instrument order, the draft's order
    assert all(0 < stop - start_ <= limit for start_, stop in parts)
    # A facet that fits on a page is never cut: every page boundary is a facet boundary, or
    # lies inside a facet longer than the limit.
    bounds = set(itertools.accumulate(sizes, initial=0))
    long_facets = [
        (start_, start_ + size)
        for start_, size in zip(itertools.accumulate(sizes, initial=0), sizes, strict=False)
        if size > limit
    ]
    for start_, _stop in parts:
        assert start_ in bounds or any(lo < start_ < hi for lo, hi in long_facets)


@given(facets, st.integers(min_value=1, max_value=15))
def test_no_more_pages_than_needed(sizes, limit):
    """Never more pages than packing whole facets (long ones in even parts) needs; never
    fewer than the statements need."""
    parts = page_parts(sizes, limit)
    assert len(parts) >= math.ceil(sum(sizes) / limit)
    assert len(parts) <= sum(math.ceil(size / limit) for size in sizes)
    if sum(sizes) <= limit:
        assert parts == [(0, sum(sizes))]


def test_page_parts_refuses_a_limit_below_one():
    with pytest.raises(ValueError, match="limit"):
        page_parts([3, 4], 0)


@pytest.mark.parametrize("name", list_builtin())
def test_every_built_in_page_has_at_most_ten_statements(name):
    instrument = load_builtin(name)
    pages = Page.split(instrument)
    assert all(0 < len(page.items) <= PAGE_ITEMS for page in pages)
    assert tuple(item for page in pages for item in page.items) == instrument.items
    assert [page.part for page in pages] == list(range(1, len(pages) + 1))
    assert {page.parts for page in pages} == {len(pages)}
    if len(instrument.items) <= PAGE_ITEMS:
        assert [page.id for page in pages] == [instrument.id]


def test_facets_are_spread_evenly_over_the_pages():
    # Four facets of 3: two pages of 6, not 9 and 3.
    assert page_parts([3, 3, 3, 3], 10) == [(0, 6), (6, 12)]
    # A facet of 25 in three even parts.
    assert page_parts([25], 10) == [(0, 8), (8, 17), (17, 25)]


def test_social_safety_is_no_longer_one_page_of_34_statements():
    pages = Page.split(load_builtin("social_safety"))
    assert len(load_builtin("social_safety").items) == 34
    assert [len(page.items) for page in pages] == [7, 10, 7, 10]
    assert [page.id for page in pages] == [f"social_safety-{n}" for n in (1, 2, 3, 4)]


def _largest() -> Questionnaire:
    instruments = [load_builtin(name) for name in list_builtin()]
    return Questionnaire.from_instruments("s", {"en": "x"}, instruments, k=5, comments=True)


@pytest.mark.parametrize("consent", [True, False, None])
def test_progress_counts_statements_and_ends_at_all_of_them(consent):
    """The bar moves by the statements behind the respondent, page by page, and reaches the
    total (only the pages they will see) at the comment and the review."""
    questionnaire = _largest()
    steps = questionnaire.steps(consent)
    shown = [step for step in steps if isinstance(step, Page)]
    total = sum(len(page.items) for page in shown)
    values = [progress(steps, step) for step in steps]
    assert {value["total"] for value in values} == {total}
    assert values[0]["done"] == 0 and steps[0] == WELCOME
    done = [value["done"] for value in values]
    assert done == sorted(done)
    for step, value in zip(steps, values, strict=True):
        if isinstance(step, Page):
            assert value["last"] - value["first"] + 1 == len(step.items)
            assert value["done"] == value["first"] - 1
        if step in (COMMENT, REVIEW):
            assert value["done"] == total
    if consent is False:
        assert total < len(questionnaire.items)


def test_page_shows_its_part_and_the_statements_it_holds(client, survey):
    start(client, survey.tokens[0])
    post_page(client, "/survey/consent", {}, nav="yes")
    html = client.get("/survey/q/social_safety-2", headers={"Accept-Language": "en"}).text
    assert "Part 2 of 4" in html
    assert html.count('<fieldset class="item"') == 10
    found = re.search(r"questions (\d+)–(\d+) of (\d+)", html)
    assert found is not None
    first, last, total = map(int, found.groups())
    assert last - first + 1 == 10
    assert f'<progress max="{total}" value="{first - 1}"' in html
    review = client.get("/survey/review", headers={"Accept-Language": "en"}).text
    assert review.count("Part 4 of 4") >= 1
