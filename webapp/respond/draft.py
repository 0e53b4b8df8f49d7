"""A respondent's draft: answers so far, kept only in the encrypted session cookie.

Browsers cap a cookie at 4 KB, so answers are encoded one character per item, in survey item
order: ``'0'``-``'9'`` for a response code, ``'n'`` for "not applicable", ``'p'`` for "prefer
not to say" and ``'-'`` for no answer yet. A survey of 150 items costs 150 characters.

:class:`RespondentState` is everything the respondent app keeps between requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "NOT_APPLICABLE",
    "PREFER_NOT_TO_SAY",
    "UNANSWERED",
    "RespondentState",
    "decode",
    "encode",
]

#: Form value and draft character of "not applicable".
NOT_APPLICABLE = "na"
_NA_CHAR = "n"
#: Form value and draft character of "prefer not to say".
PREFER_NOT_TO_SAY = "pn"
_PN_CHAR = "p"
UNANSWERED = "-"
_CODES = frozenset("0123456789")
#: Form value -> draft character, and back (no answer: ``""`` -> ``"-"``).
_TO_CHAR = {
    **{code: code for code in _CODES},
    NOT_APPLICABLE: _NA_CHAR,
    PREFER_NOT_TO_SAY: _PN_CHAR,
    "": UNANSWERED,
}
_FROM_CHAR = {char: value for value, char in _TO_CHAR.items() if char != UNANSWERED}


def encode(answers: Mapping[str, str], item_ids: Sequence[str]) -> str:
    """Answers (item id -> form value: ``"1"``, ``"na"``) as one character per item.

    Items missing from ``answers`` or answered ``""`` are unanswered; a value that is neither
    a single-digit code nor ``"na"`` raises ``ValueError`` naming the item.
    """
    get = answers.get
    try:
        return "".join([_TO_CHAR[get(item_id) or ""] for item_id in item_ids])
    except (KeyError, TypeError):
        for item_id in item_ids:
            value = get(item_id) or ""
            if not isinstance(value, str) or value not in _TO_CHAR:
                raise ValueError(
                    f"answers[{item_id!r}]: {value!r} is not a response code, 'na' or 'pn'"
                ) from None
        raise


def decode(draft: str, item_ids: Sequence[str]) -> dict[str, str]:
    """The answered items of ``draft`` as item id -> form value; unanswered items are left out.

    A draft of the wrong length or with an unknown character raises ``ValueError``.
    """
    if len(draft) != len(item_ids):
        raise ValueError(f"draft: {len(draft)} characters for {len(item_ids)} items")
    answers = {}
    for item_id, char in zip(item_ids, draft, strict=True):
        if char == UNANSWERED:
            continue
        value = _FROM_CHAR.get(char)
        if value is None:
            raise ValueError(f"draft: unknown character {char!r} for item {item_id!r}")
        answers[item_id] = value
    return answers


@dataclass
class RespondentState:
    """What the respondent app remembers between requests, in the encrypted session cookie.

    ``right`` is the random right to submit that Start gave for the invitation (the
    invitation itself is gone by then; with ``open_link`` set, the open link's token, which is
    public); ``survey``/``wave``/``unit`` are names, not database ids; ``draft`` is the
    encoded answers;
    ``consent`` is None until the respondent chose whether to see the special-category pages;
    ``comment`` is the open comment so far and ``open_answers`` the answers to open questions
    so far (question id -> text); ``at`` is the step the respondent was last sent
    to (a page id or a step name), where opening the link again resumes; ``link`` is a keyed
    digest of the invitation link that was started (:func:`webapp.respond.resume.link_digest`),
    so that link, opened again in this browser, resumes instead of showing its landing page.
    """

    right: str
    survey: str
    wave: str
    unit: str | None = None
    draft: str = ""
    consent: bool | None = None
    comment: str = ""
    open_link: bool = False
    at: str = ""
    link: str = ""
    open_answers: dict[str, str] = field(default_factory=dict)

    #: Session key under which the state is stored.
    SESSION_KEY = "respondent"

    def to_session(self) -> dict[str, Any]:
        """A JSON-ready dict for the session (``dataclasses.asdict`` without its deep copy of
        every field: the fields are strings, booleans and one flat dict of strings)."""
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["open_answers"] = dict(self.open_answers)
        return data

    @classmethod
    def from_session(cls, data: Any) -> RespondentState | None:
        """The state stored by :meth:`to_session`, or None for anything else.

        A state stored before a field was added (``at``, ``link``, ``open_answers``) opens with
        its default.
        """
        if not isinstance(data, dict):
            return None
        names = {f.name for f in fields(cls)}
        required = {"right", "survey", "wave"}
        if not required <= set(data) <= names:
            return None
        opened = data.get("open_answers", {})
        if not isinstance(opened, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in opened.items()
        ):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None


#: The fields of :class:`RespondentState`, in order (what :meth:`~RespondentState.to_session`
#: writes).
_FIELD_NAMES = tuple(f.name for f in fields(RespondentState))
