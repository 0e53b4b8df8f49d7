"""Reading a page's POST without building its form (webapp.respond.forms.page_answers, after
check_fields, as the route does) gives what the form gave: the same answers for every valid
post, a refusal for every tampered one."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from surveys.survey_store import load_survey_file
from webapp import create_app
from webapp.config import TestConfig
from webapp.respond.forms import (
    TamperedForm,
    answer_values,
    check_fields,
    page_answers,
    page_form,
)
from webapp.respond.questionnaire import Questionnaire

HOSPITAL = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
QUESTIONNAIRE = Questionnaire.from_definition(load_survey_file(HOSPITAL))
APP = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": 0})
#: Values no option of the hospital survey posts.
OTHER = st.sampled_from(["0", "9", "x", "10", "n", "-", " 1"])


def _by_form(page, formdata: MultiDict) -> dict[str, str | None] | None:
    """What the route did before: check the fields, build the form, validate it."""
    try:
        check_fields(formdata, {item.id for item in page.items})
    except TamperedForm:
        return None
    form = page_form(page, formdata=formdata)
    if not form.validate():
        return None
    return {item.id: form[item.id].data for item in page.items}


@given(
    page_index=st.integers(0, len(QUESTIONNAIRE.pages) - 1),
    data=st.data(),
    extra=st.sampled_from([None, None, None, "other", "csrf_token", "nav"]),
)
def test_page_answers_agree_with_the_form(page_index, data, extra) -> None:
    page = QUESTIONNAIRE.pages[page_index]
    # Half the posts change one item's value to one its options do not have.
    tampered = data.draw(st.none() | st.integers(0, len(page.items) - 1))
    pairs = []
    for index, item in enumerate(page.items):
        valid = st.sampled_from([*sorted(answer_values(item)), "", " "]) | st.none()
        value = data.draw(OTHER | st.text() if index == tampered else valid)
        if value is not None:
            pairs.append((item.id, value))
    if extra is not None:
        pairs.append((extra, "1"))
    formdata = MultiDict(pairs)
    with APP.test_request_context("/"):
        expected = _by_form(page, formdata)
        if expected is None:
            with pytest.raises(TamperedForm):
                check_fields(formdata, {item.id for item in page.items})
                page_answers(page, formdata)
        else:
            assert page_answers(page, formdata) == expected


def test_a_repeated_field_is_tampering() -> None:
    page = QUESTIONNAIRE.pages[0]
    item = page.items[0].id
    with pytest.raises(TamperedForm):
        check_fields(MultiDict([(item, "1"), (item, "2")]), {item})
