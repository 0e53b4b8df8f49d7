"""Interface language: which one a request gets, and picking texts given per language.

Order of preference: the language the respondent chose with the switch (``?lang=`` on any
page, kept in the session), the language of their invitation, the browser's Accept-Language,
and Dutch. On the respondent pages only the survey's own languages are offered (a survey asked
in Dutch alone gets a Dutch interface, not English buttons around Dutch questions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

__all__ = [
    "LANGUAGE_NAMES",
    "SESSION_INVITATION_LANG",
    "SESSION_LANG",
    "SESSION_SURVEY_LANGUAGES",
    "current_language",
    "install_template_gettext",
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
    found = _request_translations()
    if found is not None:
        return found[0]
    locale = get_locale()
    return locale.language if locale is not None else _languages()[0]


def _request_translations() -> tuple[str, Any] | None:
    """This request's language and gettext translations, looked up once per request.

    Flask-Babel resolves the locale and the translations through three lookups of its
    request context for every string (some 30 microseconds a string in a template; the
    review page has 170). Once the locale is chosen, its translations are kept in
    Flask-Babel's own per-request namespace, next to the locale they belong to; a
    different locale object there (``force_locale``, and its restoring) looks them up
    afresh. None before the locale is chosen or outside a request (then Flask-Babel's
    own calls apply).
    """
    try:
        context = g._flask_babel
        locale = context.babel_locale
    except (AttributeError, RuntimeError):
        return None
    if locale is None:
        return None
    kept = context.__dict__.get("samen_translations")
    if kept is not None and kept[0] is locale:
        return kept[1]
    found = (locale.language, get_translations())
    context.samen_translations = (locale, found)
    return found


def _translations() -> Any:
    found = _request_translations()
    if found is None:
        get_locale()  # choose the locale (first string of the request), then look up
        found = _request_translations()
    return found[1] if found is not None else get_translations()


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_()``, ``gettext``, ``ngettext`` and friends through
    :func:`_request_translations`: Flask-Babel installs callables that look everything up
    per string, and Jinja reaches ``gettext`` from ``_`` through a second call. Call after
    ``babel.init_app(app)``. The strings come out as Jinja's "newstyle" gettext gives them:
    marked safe where the template autoescapes, with their variables escaped and filled in,
    and formatted (``%%`` is ``%``) even without variables."""
    env = app.jinja_env
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    env.globals["gettext"] = env.globals["_"] = _template_gettext


@pass_context
def _template_gettext(context: Context, string: str, **variables: Any) -> str:
    """Jinja's newstyle ``gettext`` (``jinja2.ext._make_new_gettext``) in one call."""
    text = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    if variables or "%" in text:
        return text % variables  # type: ignore[no-any-return]
    return text  # type: ignore[no-any-return]


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
