"""The draft codec, and the largest built-in survey's draft against the browser's cookie cap."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instruments import list_builtin, load_builtin
from tests.webapp.helpers import csrf_token, start
from webapp import create_app
from webapp.config import TestConfig
from webapp.respond.draft import RespondentState, decode, encode
from webapp.respond.forms import COMMENT_MAX_CHARS
from webapp.respond.questionnaire import Questionnaire
from webapp.respond.routes import COOKIE_BUDGET
from webapp.sessions import LONG_LIVED

#: Browsers keep cookies of up to 4096 bytes (name, value and attributes together).
COOKIE_CAP = 4096

ITEMS = [f"item_{i}" for i in range(12)]
VALUES = st.sampled_from(["", "na", "pn", *string.digits])


def test_encode_one_character_per_item():
    answers = {"item_0": "1", "item_2": "na", "item_3": "0", "item_5": ""}
    draft = encode(answers, ITEMS)
    assert draft == "1-n0--" + "-" * 6
    assert decode(draft, ITEMS) == {"item_0": "1", "item_2": "na", "item_3": "0"}


@given(st.lists(VALUES, min_size=len(ITEMS), max_size=len(ITEMS)))
def test_round_trip(values):
    answers = dict(zip(ITEMS, values, strict=True))
    draft = encode(answers, ITEMS)
    assert len(draft) == len(ITEMS)
    assert decode(draft, ITEMS) == {k: v for k, v in answers.items() if v}


@pytest.mark.parametrize("value", ["10", "x", "-1", " 1"])
def test_encode_refuses_other_values(value):
    with pytest.raises(ValueError, match="item_0"):
        encode({"item_0": value}, ITEMS)


@pytest.mark.parametrize("draft", ["1" * 11, "1" * 13, "x" * 12])
def test_decode_refuses_bad_drafts(draft):
    with pytest.raises(ValueError, match="draft"):
        decode(draft, ITEMS)


def test_state_from_session_refuses_other_shapes():
    state = RespondentState(right="r", survey="s", wave="w")
    assert RespondentState.from_session(state.to_session()) == state
    assert RespondentState.from_session(None) is None
    assert RespondentState.from_session({"right": "r"}) is None
    # A session of the earlier shape (the invitation token itself) is not a state any more.
    old = {**state.to_session(), "token": "t"}
    del old["right"]
    assert RespondentState.from_session(old) is None
    assert RespondentState.from_session({**state.to_session(), "extra": 1}) is None


def _largest_survey() -> Questionnaire:
    """Every built-in instrument (demographics and unwanted behaviour included) + a comment."""
    instruments = [load_builtin(name) for name in list_builtin()]
    return Questionnaire.from_instruments("s" * 64, {"nl": "x"}, instruments, k=5, comments=True)


def test_largest_builtin_survey_fits_in_the_cookie():
    questionnaire = _largest_survey()
    assert len(questionnaire.items) > 100
    answers = {}
    for item in questionnaire.items:
        answers[item.id] = "na" if item.response_scale.not_applicable else "1"
    comment_text = "".join(
        random.Random(4).choices(
            string.ascii_letters + string.digits + " .,!?", k=COMMENT_MAX_CHARS
        )
    )
    state = RespondentState(
        right="T" * 32,  # 192-bit right to submit, URL-safe base64
        survey="s" * 64,
        wave="w" * 64,
        unit="u" * 64,
        draft=encode(answers, questionnaire.item_ids),
        consent=True,
        comment=comment_text,
        # Where to resume (the longest step name) and the link's keyed digest (22 chars).
        at=max((page.id for page in questionnaire.pages), key=len),
        link="L" * 22,
    )
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": object()})
    with app.test_request_context("/"):
        from flask import session

        session[RespondentState.SESSION_KEY] = state.to_session()
        session["csrf_token"] = "c" * 40
        session["lang"] = "nl"
        session["invitation_lang"] = "en"
        session[LONG_LIVED] = True
        serializer = app.session_interface.get_signing_serializer(app)
        value = serializer.dumps(dict(session))
    # name=value; Path=/; HttpOnly; SameSite=Lax; Secure; Expires=... (about 80 bytes)
    cookie = f"session={value}; Expires=Wed, 23 Dec 2026 11:00:00 GMT; HttpOnly; Path=/; "
    cookie += "SameSite=Lax; Secure"
    assert len(cookie) <= COOKIE_BUDGET < COOKIE_CAP


def test_comment_too_long_for_the_cookie_is_refused_kindly(client, survey):
    start(client, survey.tokens[0])
    page = client.get("/survey/comment", headers={"Accept-Language": "en"})
    emoji = "\U0001f600\u2764\ufe0f\U0001f44d" * (COMMENT_MAX_CHARS // 4)
    # Characters that neither compress nor encode compactly: random CJK ideographs.
    rng = random.Random(1)
    cjk = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(COMMENT_MAX_CHARS))
    refused = 0
    for text in (emoji, cjk):
        response = client.post(
            "/survey/comment",
            data={"csrf_token": csrf_token(page.text), "comment": text, "nav": "next"},
            headers={"Accept-Language": "en"},
        )
        set_cookie = response.headers.get("Set-Cookie", "")
        assert len(set_cookie) < COOKIE_CAP
        if response.status_code == 200:
            assert "too long to keep" in response.text
            assert 'aria-invalid="true"' in response.text
            refused += 1
        else:
            assert response.status_code == 303
    assert refused >= 1  # the random ideographs cannot fit
    with client.session_transaction() as session:
        state = RespondentState.from_session(session[RespondentState.SESSION_KEY])
    assert state is not None and state.comment in ("", emoji.strip())
