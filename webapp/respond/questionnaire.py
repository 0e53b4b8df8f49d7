"""What a respondent goes through: the pages of a survey and the steps between them.

A :class:`Questionnaire` is built from a survey's instruments: one :class:`Page` per
instrument, in survey order, then an optional open comment. The steps a respondent takes
depend on one choice: whether they agree to see the special-category (sensitive) pages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

from instruments.model import Instrument, Item, ResponseScale
from surveys.definition import SurveyDefinition

__all__ = [
    "COMMENT",
    "CONSENT",
    "REVIEW",
    "WELCOME",
    "Page",
    "Questionnaire",
    "offered_only",
]

WELCOME = "welcome"
CONSENT = "consent"
COMMENT = "comment"
REVIEW = "review"

#: Seconds a respondent needs per closed question, on average, for the time estimate.
SECONDS_PER_ITEM = 9


T = TypeVar("T")


def _only(texts: Mapping[str, T], languages: tuple[str, ...]) -> dict[str, T]:
    """``texts`` in ``languages`` only (all of them when none is in ``languages``)."""
    kept = {lang: text for lang, text in texts.items() if lang in languages}
    return kept or dict(texts)


def offered_only(instrument: Instrument, languages: tuple[str, ...]) -> Instrument:
    """``instrument`` with its titles, questions and answer labels in ``languages`` only."""
    if set(instrument.languages) <= set(languages):
        return instrument
    scales: dict[str, ResponseScale] = {
        key: replace(
            rs,
            labels=_only(rs.labels, languages),
            not_applicable=_only(rs.not_applicable, languages) if rs.not_applicable else None,
        )
        for key, rs in instrument.response_scales.items()
    }
    by_identity = {id(rs): scales[key] for key, rs in instrument.response_scales.items()}

    def item(it: Item) -> Item:
        rs = by_identity.get(id(it.response_scale)) or replace(
            it.response_scale, labels=_only(it.response_scale.labels, languages)
        )
        return replace(it, text=_only(it.text, languages), response_scale=rs)

    return replace(
        instrument,
        languages=tuple(lang for lang in instrument.languages if lang in languages),
        title=_only(instrument.title, languages),
        description=_only(instrument.description, languages),
        response_scales=scales,
        scales=tuple(
            replace(sc, name=_only(sc.name, languages), items=tuple(item(i) for i in sc.items))
            for sc in instrument.scales
        ),
    )


@dataclass(frozen=True)
class Page:
    """One page of questions: an instrument, shown with its title and description."""

    id: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    items: tuple[Item, ...]
    sensitive: bool = False

    @classmethod
    def from_instrument(cls, instrument: Instrument, sensitive: bool | None = None) -> Page:
        """A page with all items of ``instrument``; ``sensitive`` overrides the instrument's."""
        return cls(
            id=instrument.id,
            title=instrument.title,
            description=instrument.description,
            items=instrument.items,
            sensitive=instrument.sensitive if sensitive is None else sensitive,
        )


@dataclass(frozen=True)
class Questionnaire:
    """The pages of one survey and what the welcome and privacy texts say about it.

    ``organisation`` is who runs the survey (per language), ``k`` the minimum group size and
    ``comments`` whether the survey ends with an open comment, shown to managers only when at
    least ``comment_threshold`` people of a group commented.
    """

    survey: str
    title: Mapping[str, str]
    pages: tuple[Page, ...]
    k: int
    comments: bool = False
    comment_threshold: int = 10
    organisation: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ("nl", "en")

    @classmethod
    def from_definition(cls, definition: SurveyDefinition) -> Questionnaire:
        """The questionnaire of a stored survey: its instruments in survey order.

        Respondents see the questions only in the survey's languages: an instrument's texts in
        other languages are left out, so a survey asked in Dutch alone shows its questions in
        Dutch whatever the interface language, and what is stored as the response's language
        is the language the questions were read in.
        """
        return cls.from_instruments(
            definition.slug,
            definition.title,
            [offered_only(i, definition.languages) for i in definition.instruments],
            k=definition.k,
            comments=definition.comments_enabled,
            comment_threshold=definition.comment_threshold,
            organisation=definition.organisation,
            description=definition.description or {},
            languages=definition.languages,
        )

    @classmethod
    def from_instruments(
        cls, survey: str, title: Mapping[str, str], instruments: Iterable[Instrument], **kwargs
    ) -> Questionnaire:
        """One page per instrument, in the order given."""
        pages = tuple(Page.from_instrument(instrument) for instrument in instruments)
        return cls(survey=survey, title=title, pages=pages, **kwargs)

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item of the survey in survey order: the order of the draft codec."""
        return tuple(item for page in self.pages for item in page.items)

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def has_sensitive(self) -> bool:
        return any(page.sensitive for page in self.pages)

    @property
    def sensitive_pages(self) -> tuple[Page, ...]:
        return tuple(page for page in self.pages if page.sensitive)

    def page(self, page_id: str) -> Page | None:
        """The page called ``page_id``, or None."""
        for page in self.pages:
            if page.id == page_id:
                return page
        return None

    def minutes(self) -> int:
        """Estimated minutes to answer everything."""
        seconds = SECONDS_PER_ITEM * len(self.items) + (120 if self.comments else 0)
        return max(1, math.ceil(seconds / 60))

    def steps(self, consent: bool | None) -> list[str | Page]:
        """The steps in order: welcome, consent, pages, comment, review.

        A step is the name of a fixed step or a :class:`Page`. Pages with special-category
        questions are left out when the respondent declined them (``consent`` False); before
        they have chosen (None) the steps include them, so progress does not jump backwards.
        """
        steps: list[str | Page] = [WELCOME]
        if self.has_sensitive:
            steps.append(CONSENT)
        steps += [page for page in self.pages if consent is not False or not page.sensitive]
        if self.comments:
            steps.append(COMMENT)
        steps.append(REVIEW)
        return steps
