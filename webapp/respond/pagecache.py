"""Question pages rendered once, then filled in per respondent.

A question page's markup depends on the survey (frozen once created: the same
:class:`~webapp.respond.questionnaire.Questionnaire` object while it is unchanged), the page,
the interface language, the languages offered, where the page sits in the respondent's steps
(the progress bar), whether it returns to the review -- and on two things of the respondent's
own: which options they checked and their CSRF token. Rendering it through Jinja costs most
of a page's server time (some 60 answer options, a dozen translated strings), so each
process renders a page once per such *place*, with no option checked, and keeps it as a
*shell*: the fixed text between the holes where a respondent's ``checked`` attributes and
CSRF token go. Each request then only fills the holes.

A page with open questions is not cached: its text boxes hold the respondent's own words
(the route renders it in full). The template stays the one source of the markup: the shell
is cut from the template's own output, and a page whose output does not have the expected
holes (a template that renders options differently) is not cached but rendered as before.
``tests/webapp/test_pagecache.py`` compares filled shells with pages rendered in full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from webapp.i18n import current_language, offered_languages
from webapp.respond.forms import PageForm, page_form
from webapp.respond.questionnaire import REVIEW, Page, Questionnaire

__all__ = ["SHELLS_PER_PROCESS", "Shell", "render_page"]

#: Shells each process keeps (least recently used beyond): one per survey, page, language,
#: progress and return flag. A shell is the page's HTML, some 15-20 KB, so at most ~10 MB.
SHELLS_PER_PROCESS = 512
_EXTENSION = "samen_page_shells"
#: Marks the place of a ``checked`` attribute: the option's input as the form renders it.
_CHECKED = "checked "


@dataclass(frozen=True)
class Shell:
    """A rendered page cut at its holes: ``texts[0]``, hole 0, ``texts[1]``, hole 1, ...

    A hole is ``None`` for the CSRF token, or ``(item id, value)`` for an answer option, which
    gets ``checked`` when the respondent's answer to the item is that value. ``questionnaire``
    is the object the page was rendered from: a shell is used only for that very object.
    """

    questionnaire: Questionnaire
    texts: tuple[str, ...]
    holes: tuple[tuple[str, str] | None, ...]

    def fill(self, token: str, answers: Mapping[str, str]) -> str:
        """The page for a respondent with CSRF token ``token`` and ``answers``."""
        parts = [self.texts[0]]
        for hole, text in zip(self.holes, self.texts[1:], strict=True):
            if hole is None:
                parts.append(token)
            elif answers.get(hole[0]) == hole[1]:
                parts.append(_CHECKED)
            parts.append(text)
        return "".join(parts)


def cut(html: str, questionnaire: Questionnaire, form: PageForm, token: str) -> Shell | None:
    """The shell of ``html`` (a page rendered with ``form`` unanswered and CSRF ``token``);
    None when an option's input or the token is not where the form puts them."""
    holes: list[tuple[int, tuple[str, str] | None]] = []
    quoted = f'value="{token}"'
    start = html.find(quoted)
    while start >= 0:
        holes.append((start + len('value="'), None))
        start = html.find(quoted, start + 1)
    if not holes:
        return None
    for field in form:
        name = escape(field.name)
        for index, (value, _label) in enumerate(field.choices):
            needle = (
                f'<input id="{name}-{index}" name="{name}" type="radio" value="{escape(value)}">'
            )
            at = html.find(needle)
            if at < 0 or html.find(needle, at + 1) >= 0:
                return None
            holes.append((at + len("<input "), (field.name, value)))
    holes.sort(key=lambda hole: hole[0])
    texts, previous = [], 0
    for at, hole in holes:
        texts.append(html[previous:at])
        previous = at + (len(token) if hole is None else 0)
    texts.append(html[previous:])
    return Shell(questionnaire, tuple(texts), tuple(hole for _at, hole in holes))


def render_page(
    template: str,
    questionnaire: Questionnaire,
    page: Page,
    answers: Mapping[str, str],
    place: Mapping[str, Hashable],
) -> str:
    """``template`` for ``page`` with ``answers`` checked, from this process's shell when it has
    one for the same place, else rendered (and its shell kept).

    ``place`` is the rest of the template's context: strings, numbers and flags (the progress
    bar's figures, the return flag, the form's id); together with the page, the language,
    the languages offered and the request's ``ret`` argument it names the shell.
    """
    context: dict[str, Any] = {"q": questionnaire, "page": page, **place}
    ret = request.args.get("ret")
    if ret not in (None, REVIEW):  # the language switch repeats the raw value: not cached
        return render_template(template, form=page_form(page, answers=answers), **context)
    key = (
        template,
        questionnaire.survey,
        page.id,
        current_language(),
        offered_languages(),
        ret,
        request.script_root,
        tuple(sorted(place.items())),
    )
    shells = _shells()
    token = generate_csrf()
    found = shells.get(key)
    if found is not None and found.questionnaire is questionnaire:
        return found.fill(token, answers)
    form = page_form(page)
    html = render_template(template, form=form, **context)
    shell = cut(html, questionnaire, form, token)
    if shell is None:
        return render_template(template, form=page_form(page, answers=answers), **context)
    shells.put(key, shell)
    return shell.fill(token, answers)


class _Shells:
    """The shells of one app, least recently used first."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[Hashable, ...], Shell] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Hashable, ...]) -> Shell | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: tuple[Hashable, ...], shell: Shell) -> None:
        with self._lock:
            self._kept[key] = shell
            self._kept.move_to_end(key)
            while len(self._kept) > SHELLS_PER_PROCESS:
                self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


def _shells() -> _Shells:
    shells = current_app.extensions.get(_EXTENSION)
    if shells is None:
        shells = current_app.extensions.setdefault(_EXTENSION, _Shells())
    return shells
