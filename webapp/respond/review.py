"""The review page's fixed words, looked up once per questionnaire and language.

The review lists every question of the respondent's pages with the label of their answer
(some 60 questions on the example survey): looking up each question's text, each page's
title and each answer scale's labels in the interface language on every request cost most
of the page's server time. Those words depend only on the questionnaire (frozen once
created: the same :class:`~webapp.respond.questionnaire.Questionnaire` object while it is
unchanged) and the language, so each process keeps them per (questionnaire, language) and a
request only picks each question's label by the respondent's answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from webapp.i18n import localized
from webapp.respond.forms import answer_choices
from webapp.respond.questionnaire import Page, Questionnaire

__all__ = ["ReviewPage", "review_sections"]

#: Questionnaire x language entries kept per process (least recently used beyond).
_KEPT = 64


@dataclass(frozen=True)
class ReviewPage:
    """One page as the review shows it: the page, its title in the language, and per
    question ``(item id, text, {answer value: label})``."""

    page: Page
    title: str
    questions: tuple[tuple[str, str, Mapping[str, str]], ...]


_CACHE: OrderedDict[tuple[int, str], tuple[Questionnaire, dict[str, ReviewPage]]] = OrderedDict()
_LOCK = threading.Lock()


def _pages(questionnaire: Questionnaire) -> dict[str, ReviewPage]:
    found: dict[str, ReviewPage] = {}
    for page in questionnaire.pages:
        questions = tuple(
            (item.id, str(localized(item.text)), dict(answer_choices(item))) for item in page.items
        )
        found[page.id] = ReviewPage(page, str(localized(page.title)), questions)
    return found


def review_sections(
    questionnaire: Questionnaire,
    steps: Sequence[object],
    language: str,
    answers: Mapping[str, str],
) -> list[tuple[ReviewPage, list[tuple[str, str | None]]]]:
    """Per page among ``steps``: its :class:`ReviewPage` and ``(question text, label of the
    answer or None)`` per question, in the current language (``language``)."""
    key = (id(questionnaire), language)
    with _LOCK:
        kept = _CACHE.get(key)
        if kept is not None and kept[0] is questionnaire:
            _CACHE.move_to_end(key)
            pages = kept[1]
        else:
            pages = None
    if pages is None:
        pages = _pages(questionnaire)
        with _LOCK:
            _CACHE[key] = (questionnaire, pages)
            _CACHE.move_to_end(key)
            while len(_CACHE) > _KEPT:
                _CACHE.popitem(last=False)
    sections = []
    for step in steps:
        if not isinstance(step, Page):
            continue
        shown = pages[step.id]
        rows = [
            (text, labels.get(value) if (value := answers.get(item_id)) else None)
            for item_id, text, labels in shown.questions
        ]
        sections.append((shown, rows))
    return sections
