"""The session cookie, encrypted: a signed cookie is readable by anyone at a shared computer.

Flask's default cookie is signed, not encrypted: its payload (a respondent's right to submit,
survey, unit, draft answers and comment) is base64 that anyone holding the browser can read.
:class:`EncryptedSessionInterface` keeps Flask's cookie handling and replaces only the
serializer: the payload is compressed, stamped with the time it was written and sealed with
AES-256-GCM under a key derived from ``SECRET_KEY`` (a fresh 96-bit nonce per cookie). A
cookie that does not decrypt, or is older than the session lifetime, opens an empty session,
as a bad signature does with Flask's own cookie.

Two lifetimes: a session holding :data:`LONG_LIVED` (a respondent's draft) lives
``SAMEN_DRAFT_LIFETIME`` after it was last written, so a closed browser can resume a survey
days later; every other session (staff sign-in) keeps ``PERMANENT_SESSION_LIFETIME``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request
from flask.sessions import (
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionMixin,
    session_json_serializer,
)
from itsdangerous import BadSignature

__all__ = ["LONG_LIVED", "EncryptedSessionInterface", "SessionSealer"]

#: Session key that gives a session the draft's lifetime (``SAMEN_DRAFT_LIFETIME``).
LONG_LIVED = "_draft"

#: Associated data of every sealed cookie, so a value sealed for another purpose never opens.
_CONTEXT = b"samen-session-v1"
_NONCE_BYTES = 12
_STAMP = struct.Struct(">Q")
_RAW, _ZLIB = b"r", b"z"
#: Types that JSON keeps as they are: a session made of these alone needs no tags.
_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    """Whether ``value`` is JSON as it is: dicts with string keys (none starting with a
    space, the mark of a tag), lists and exact scalars; no tuple, bytes, date, Markup.

    Flask's tagged serializer writes such a value exactly as :func:`json.dumps` does, so the
    walk through its tags (most of the cost of sealing a session) can be skipped.
    """
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is dict:
        return all(
            type(key) is str and not key.startswith(" ") and _plain(item)
            for key, item in value.items()
        )
    if kind is list:
        return all(_plain(item) for item in value)
    return False


def _to_json(data: dict[str, Any]) -> str:
    """``data`` as Flask's session serializer writes it (sorted keys, ASCII, compact)."""
    if _plain(data):
        return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    return session_json_serializer.dumps(data)


def _from_json(text: str) -> Any:
    """The inverse of :func:`_to_json`: plain JSON unless a tagged value is in it (a tag is
    a one-key object whose key starts with a space, written ``{" t":...``; inside a JSON
    string a quote is escaped, so ``{" `` appears nowhere else)."""
    if '{" ' not in text:
        return json.loads(text)
    return session_json_serializer.loads(text)


def _derive_key(secret: str | bytes) -> bytes:
    """A 256-bit AES key for the session cookie, derived from ``secret`` (HMAC-SHA-256)."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return hmac.new(raw, b"samen session cookie encryption", hashlib.sha256).digest()


class SessionSealer:
    """Seal and open session payloads; ``dumps``/``loads`` like Flask's signing serializer.

    ``keys`` are the secret keys, the current one last (fallbacks first, as Flask passes
    them): cookies are sealed under the current key and opened under any.
    """

    def __init__(self, keys: list[str | bytes]) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not keys:
            raise ValueError("keys: at least one secret key is needed")
        self._ciphers = [AESGCM(_derive_key(key)) for key in reversed(keys)]

    def dumps(self, data: dict[str, Any]) -> str:
        """The sealed, URL-safe cookie value of ``data``."""
        plain = _to_json(data).encode("utf-8")
        packed = zlib.compress(plain, 9)
        body = _ZLIB + packed if len(packed) < len(plain) else _RAW + plain
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[0].encrypt(nonce, _STAMP.pack(int(time.time())) + body, _CONTEXT)
        return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")

    def loads(self, value: str | bytes, max_age: int | None = None) -> dict[str, Any]:
        """The data sealed in ``value``; :class:`itsdangerous.BadSignature` when it does not
        open under any key or is older than ``max_age`` seconds."""
        stamp, data = self.open(value)
        if max_age is not None and time.time() - stamp > max_age:
            raise BadSignature("the session has expired")
        return data

    def open(self, value: str | bytes) -> tuple[int, dict[str, Any]]:
        """The time ``value`` was sealed (Unix seconds) and its data;
        :class:`itsdangerous.BadSignature` when it does not open under any key."""
        from cryptography.exceptions import InvalidTag

        try:
            text = value.decode("ascii") if isinstance(value, bytes) else value
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (ValueError, UnicodeDecodeError):
            raise BadSignature("not a sealed session") from None
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        if len(nonce) != _NONCE_BYTES or len(sealed) < _STAMP.size + 1 + 16:
            raise BadSignature("not a sealed session")
        for cipher in self._ciphers:
            try:
                plain = cipher.decrypt(nonce, sealed, _CONTEXT)
            except InvalidTag:
                continue
            break
        else:
            raise BadSignature("the session does not open under the secret key")
        (stamp,) = _STAMP.unpack(plain[: _STAMP.size])
        kind, body = plain[_STAMP.size : _STAMP.size + 1], plain[_STAMP.size + 1 :]
        try:
            text_body = (zlib.decompress(body) if kind == _ZLIB else body).decode("utf-8")
            data = _from_json(text_body)
        except (zlib.error, UnicodeDecodeError, ValueError):
            raise BadSignature("the session payload is damaged") from None
        if not isinstance(data, dict):
            raise BadSignature("the session payload is not a mapping")
        return int(stamp), data


class EncryptedSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session with the payload encrypted and authenticated (AES-256-GCM).

    The sealer (its keys derived and its ciphers set up) is made once and kept while the
    app's secret keys stay the same, so a request costs one AES-GCM operation to open the
    cookie and one to seal it, and no key derivation.
    """

    _sealer: tuple[tuple[str | bytes, ...], SessionSealer] | None = None

    def get_signing_serializer(self, app: Flask) -> SessionSealer | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        kept = self._sealer
        if kept is not None and kept[0] == keys:
            return kept[1]
        sealer = SessionSealer(list(keys))
        self._sealer = (keys, sealer)
        return sealer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        sealer = self.get_signing_serializer(app)
        if sealer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            stamp, data = sealer.open(value)
        except BadSignature:
            return self.session_class()
        if time.time() - stamp > _lifetime(app, data).total_seconds():
            return self.session_class()
        return self.session_class(data)

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        if not session.permanent:
            return None
        return datetime.fromtimestamp(time.time(), UTC) + _lifetime(app, session)


def _lifetime(app: Flask, data: Any) -> timedelta:
    """How long a session with ``data`` lives after it was last written."""
    if data.get(LONG_LIVED):
        return app.config["SAMEN_DRAFT_LIFETIME"]
    return app.permanent_session_lifetime
