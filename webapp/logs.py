"""Keeping invitation tokens out of logs.

An invitation link is ``/s/<token>`` (``/o/<token>`` for an open link, ``/l/<token>`` for a
leader's personal link); anyone who can read a log line with a token and holds the mail-merge
list could tie a visit to a person. A link to set a staff password (``/auth/reset/<token>``)
would let a log reader take over the account. Every path or request line that reaches a log
passes through :func:`redact` first.
"""

from __future__ import annotations

import re

__all__ = ["redact"]

# A token path at the start of the text or after whitespace or a quote (as in a request line).
_TOKEN_PATH = re.compile(r"(?<![^\s\"'])/([sol]|auth/reset)/[^/?#\s\"']+")


def redact(text: str) -> str:
    """``GET /s/abc123?x=1 HTTP/1.1`` -> ``GET /s/<token>?x=1 HTTP/1.1``; the rest unchanged."""
    return _TOKEN_PATH.sub(r"/\1/<token>", text)
