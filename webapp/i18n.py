"""Interface language: which one a request gets, and picking texts given per language.

Order of preference: the language the respondent chose with the switch (``?lang=`` on any
page, kept in the session), the language of their invitation, the browser's Accept-Language,
and Dutch. On the respondent pages only the survey's own languages are offered (a survey asked
in Dutch alone gets a Dutch interface, not English buttons around Dutch questions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

__all__ = [
    "LANGUAGE_NAMES",
    "SESSION_INVITATION_LANG",
    "SESSION_LANG",
    "SESSION_SURVEY_LANGUAGES",
    "current_language",
    "interface_languages",
    "localized",
    "number",
    "offered_languages",
    "remember_language_choice",
    "select_locale",
]

#: Each interface language's name, in that language (for the switch).
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
#: Session key of the language chosen with the switch.
SESSION_LANG = "lang"
#: Session key of the language an invitation was issued in.
SESSION_INVITATION_LANG = "invitation_lang"
#: Session key of the languages of the survey a respondent is answering.
SESSION_SURVEY_LANGUAGES = "survey_languages"


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def offered_languages() -> tuple[str, ...]:
    """The interface languages this request may use.

    On the respondent pages (blueprint ``respond``) the survey's languages among the
    interface languages; elsewhere every interface language.
    """
    languages = _languages()
    if has_request_context() and request.blueprint == "respond":
        survey = session.get(SESSION_SURVEY_LANGUAGES) or ()
        kept = tuple(lang for lang in languages if lang in survey)
        if kept:
            return kept
    return languages


def interface_languages() -> list[tuple[str, str]]:
    """``(code, name)`` of each language the switch offers on this page."""
    return [(code, LANGUAGE_NAMES[code]) for code in offered_languages()]


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    languages = offered_languages()
    for key in (SESSION_LANG, SESSION_INVITATION_LANG):
        lang = session.get(key)
        if lang in languages:
            return str(lang)
    return request.accept_languages.best_match(languages) or languages[0]


def remember_language_choice() -> None:
    """Keep ``?lang=xx`` in the session when it names an interface language."""
    lang = request.args.get("lang")
    if lang in offered_languages() and session.get(SESSION_LANG) != lang:
        session[SESSION_LANG] = lang


def current_language() -> str:
    """The interface language of this request, e.g. ``"nl"``."""
    locale = get_locale()
    return locale.language if locale is not None else _languages()[0]


T = TypeVar("T")


def localized(texts: Mapping[str, T] | None, lang: str | None = None) -> T | str:
    """The value for ``lang`` (default: the current language), falling back to any other.

    ``texts`` maps a language to a text (or to anything given per language, such as a
    response scale's labels); an empty or missing mapping gives ``""``.
    """
    if not texts:
        return ""
    lang = lang or current_language()
    if lang in texts:
        return texts[lang]
    for fallback in _languages():
        if fallback in texts:
            return texts[fallback]
    return next(iter(texts.values()))


def number(value: float, digits: int = 2) -> str:
    """A decimal number in the interface language's one format: ``0,81`` (nl), ``0.81`` (en).

    Always a leading zero and exactly ``digits`` decimals, on the dashboard and the research
    pages alike (issue 16: ``,81``, ``.80``, ``0.812`` and ``3,99`` side by side).
    """
    from flask_babel import format_decimal

    if digits < 0:
        raise ValueError("digits must be >= 0")
    pattern = "0." + "0" * digits if digits else "0"
    return str(format_decimal(value, pattern))
