"""The session cookie is encrypted: at a shared computer nobody reads the right to submit, the
unit, the draft answers or the comment from it; it cannot be forged; it expires."""

from __future__ import annotations

import base64
import time

import pytest
from itsdangerous import BadSignature

from tests.webapp.helpers import csrf_token, post_page, start
from webapp import create_app
from webapp.config import TestConfig
from webapp.respond.draft import RespondentState
from webapp.sessions import SessionSealer


def _cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_cookie_reveals_nothing_of_the_respondent(client, survey):
    response = start(client, survey.tokens[0])
    assert "Expires=" in response.headers["Set-Cookie"]  # a closed browser can resume
    post_page(client, "/survey/q/belonging", {"bel_mem_1": "4"})
    comment = "Mijn teamleider luistert nooit naar ons."
    post_page(client, "/survey/comment", {"comment": comment})
    with client.session_transaction() as session:
        state = RespondentState.from_session(session[RespondentState.SESSION_KEY])
    assert state is not None and state.comment == comment  # the app reads it back
    value = _cookie(client)
    # Flask's signed cookie is "<base64 payload>.<time>.<signature>": readable by anyone.
    assert "." not in value
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    for secret in (state.right, survey.slug, "ward-a", comment, state.draft):
        assert secret.encode() not in raw
        assert secret not in value
    import zlib

    with pytest.raises(zlib.error):
        zlib.decompress(raw)


def test_a_tampered_or_foreign_cookie_opens_no_session(client, app, survey):
    start(client, survey.tokens[0])
    value = _cookie(client)
    flipped = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    client.set_cookie("session", flipped)
    ended = client.get("/survey", headers={"Accept-Language": "en"})
    assert ended.status_code == 400 and "Your session has ended" in ended.text
    assert "works only in the browser where you opened it, for 60 days" in ended.text
    # Sealed under another secret key: not a session either.
    other = create_app({**TestConfig.as_dict(), "SECRET_KEY": "another", "SAMEN_DATABASE": 0})
    with other.test_request_context("/"):
        sealed = other.session_interface.get_signing_serializer(other).dumps(
            {RespondentState.SESSION_KEY: {"right": "x"}}
        )
    client.set_cookie("session", sealed)
    assert client.get("/survey").status_code == 400
    # The right cookie still works.
    client.set_cookie("session", value)
    assert client.get("/survey").status_code == 200


def test_sealer_round_trip_fallback_keys_and_expiry(monkeypatch):
    old = SessionSealer(["old-key"])
    value = old.dumps({"a": 1, "t": (1, 2)})
    assert old.loads(value) == {"a": 1, "t": (1, 2)}
    rotated = SessionSealer(["old-key", "new-key"])  # fallbacks first, current key last
    assert rotated.loads(value) == {"a": 1, "t": (1, 2)}
    assert SessionSealer(["new-key"]).loads(rotated.dumps({"b": 2})) == {"b": 2}
    with pytest.raises(BadSignature):
        SessionSealer(["new-key"]).loads(value)
    for garbage in ("", "!!!", "AAAA", value[:-2]):
        with pytest.raises(BadSignature):
            old.loads(garbage)
    later = time.time() + 3 * 3600 + 5
    monkeypatch.setattr("webapp.sessions.time.time", lambda: later)
    with pytest.raises(BadSignature, match="expired"):
        old.loads(value, max_age=3 * 3600)
    with pytest.raises(ValueError, match="keys"):
        SessionSealer([])


def test_an_expired_session_cannot_send(client, app, survey, monkeypatch):
    start(client, survey.tokens[0])
    review = client.get("/survey/review")
    lifetime = app.config["SAMEN_DRAFT_LIFETIME"].total_seconds()
    later = time.time() + lifetime + 5
    monkeypatch.setattr("webapp.sessions.time.time", lambda: later)
    sent = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert sent.status_code == 400
    assert survey.count() == 0


def test_plain_sessions_skip_the_tags_and_tagged_values_still_round_trip(app):
    """A session of plain JSON is written without Flask's tag walk, byte for byte as the
    tagged serializer writes it in the app; tuples, bytes, dates, Markup and a key that looks
    like a tag still take the tagged path and come back as they went in."""
    import datetime as dt
    import uuid

    from flask.sessions import session_json_serializer
    from markupsafe import Markup

    from webapp.sessions import _from_json, _plain, _to_json

    plain = {
        "respondent": {"right": "r", "draft": "12-n", "consent": None, "open_link": False},
        "csrf_token": "abc",
        "langs": ["nl", "en"],
        "n": 3,
        "x": 0.5,
        "text": 'a {" quote',
    }
    assert _plain(plain)
    with app.app_context():
        assert _to_json(plain) == session_json_serializer.dumps(plain)
    assert _from_json(_to_json(plain)) == plain
    tagged_values = [
        {"t": (1, 2)},
        {"b": b"\x00\x01"},
        {"m": Markup("<b>x</b>")},
        {"d": dt.datetime(2026, 12, 3, tzinfo=dt.UTC)},
        {"u": uuid.UUID(int=5)},
        {"nested": {" t": [1]}},
        {"list": [(1,)]},
    ]
    for value in tagged_values:
        assert not _plain(value)
        text = _to_json(value)
        assert text == session_json_serializer.dumps(value)
        back = _from_json(text)
        assert back == value
        assert type(next(iter(back.values()))) is type(next(iter(value.values())))


def test_one_sealer_per_app_until_the_key_changes(app):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    sealed = first.dumps({"a": 1})
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "a-new-key"
    rotated = interface.get_signing_serializer(app)
    assert rotated is not first
    assert rotated.loads(sealed) == {"a": 1}  # the old key is a fallback now
    assert SessionSealer(["a-new-key"]).loads(rotated.dumps({"b": 2})) == {"b": 2}
