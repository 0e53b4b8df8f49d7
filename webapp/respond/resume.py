"""Coming back to a survey: where a respondent resumes, and how far they are.

A respondent's place is kept in their encrypted session cookie (``RespondentState.at``), so
opening the invitation link again, or the resume address, brings them back to the step they
were on, with every answer kept. Which link was started is kept as a keyed digest
(:func:`link_digest`): the token itself never sits in the cookie, and another link opened in
the same browser is not mistaken for this one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from webapp.respond.questionnaire import COMMENT, REVIEW, WELCOME, Page

__all__ = ["link_digest", "progress", "resume_step", "step_id"]

_DIGEST_BYTES = 16


def link_digest(secret: str | bytes, token: str) -> str:
    """A keyed digest of invitation link ``token`` (HMAC-SHA-256 under ``secret``, 128 bits).

    Kept in the encrypted cookie to recognise the link when it is opened again; without the
    secret key it cannot be matched to a token, and it is never stored in the database.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    mac = hmac.new(key, b"samen invitation link\x00" + token.encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:_DIGEST_BYTES]).rstrip(b"=").decode("ascii")


def step_id(step: str | Page) -> str:
    """The name of ``step`` kept in the cookie: a page's id or the step's name."""
    return step.id if isinstance(step, Page) else step


def resume_step(steps: list[str | Page], at: str) -> str | Page:
    """The step called ``at`` among ``steps``; the welcome step when there is none (a fresh
    start, or a page that left the survey)."""
    for step in steps:
        if step_id(step) == at:
            return step
    return steps[0] if steps else WELCOME


def progress(steps: list[str | Page], current: str | Page) -> dict[str, int]:
    """What the progress indicator shows on ``current``.

    ``step``/``steps`` count steps; ``done`` counts the statements on the pages before
    ``current`` and ``total`` every statement of ``steps`` (the pages the respondent will see:
    declined sensitive pages are not in them), so the bar moves with the questions, not with
    the pages, whose lengths differ. On a page, ``first``/``last`` number its statements.
    """
    total = sum(len(step.items) for step in steps if isinstance(step, Page))
    index = steps.index(current)
    done = sum(len(step.items) for step in steps[:index] if isinstance(step, Page))
    if current in (COMMENT, REVIEW):
        done = total
    shown = len(current.items) if isinstance(current, Page) else 0
    return {
        "step": index + 1,
        "steps": len(steps),
        "done": done,
        "total": total,
        "first": done + 1 if shown else 0,
        "last": done + shown,
    }
