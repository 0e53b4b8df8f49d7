"""What a respondent goes through: the pages of a survey and the steps between them.

A :class:`Questionnaire` is built from a survey's instruments, in survey order, then an
optional open comment. An instrument's open questions come on its last page, under its
statements. An instrument of at most :data:`PAGE_ITEMS` statements is one
:class:`Page`; a longer one is split at its facets into pages of at most that many statements
(a facet longer than that is cut into even parts), so a phone shows a few screens per page,
not twenty. The steps a respondent takes
depend on one choice: whether they agree to see the special-category (sensitive) pages.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

from instruments.model import Instrument, Item, OpenQuestion, ResponseScale
from surveys.survey_definition import SurveyDefinition

__all__ = [
    "COMMENT",
    "CONSENT",
    "PAGE_ITEMS",
    "REVIEW",
    "WELCOME",
    "Page",
    "Questionnaire",
    "offered_only",
    "page_parts",
]

WELCOME = "welcome"
CONSENT = "consent"
COMMENT = "comment"
REVIEW = "review"

#: Seconds a respondent needs per closed question, on average, for the time estimate.
SECONDS_PER_ITEM = 9
#: Seconds a respondent needs per open question, on average, for the time estimate.
SECONDS_PER_OPEN_QUESTION = 90
#: Most statements (items) on one page: longer instruments are split at their facets.
PAGE_ITEMS = 10


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
            prefer_not_to_say=(
                _only(rs.prefer_not_to_say, languages) if rs.prefer_not_to_say else None
            ),
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
        open_questions=tuple(
            replace(q, text=_only(q.text, languages)) for q in instrument.open_questions
        ),
    )


def page_parts(facet_sizes: Sequence[int], limit: int = PAGE_ITEMS) -> list[tuple[int, int]]:
    """Item ranges ``(start, stop)`` of the pages of an instrument with facets of
    ``facet_sizes`` items, in order, each page at most ``limit`` items.

    Everything is one page when the instrument has at most ``limit`` items. Otherwise whole
    facets are grouped into the fewest pages that fit, as even as possible (the largest page
    as small as it can be); a facet of more than ``limit`` items is first cut into the fewest
    even parts. ``limit`` below 1 raises ``ValueError``.
    """
    if limit < 1:
        raise ValueError(f"limit: {limit} statements per page, at least 1 is needed")
    total = sum(facet_sizes)
    if total <= limit:
        return [(0, total)] if total else []
    units: list[int] = []  # facets, long ones cut into even parts
    for size in facet_sizes:
        pieces = max(math.ceil(size / limit), 1)
        cuts = [round(size * i / pieces) for i in range(pieces + 1)]
        units += [stop - start for start, stop in itertools.pairwise(cuts) if stop > start]
    # The fewest pages: greedy packing is optimal for contiguous groups.
    pages, load = 1, 0
    for size in units:
        if load + size > limit:
            pages, load = pages + 1, 0
        load += size
    # The most even split into that many contiguous groups (the smallest largest page).
    ends = list(itertools.accumulate(units, initial=0))
    best: dict[tuple[int, int], tuple[int, list[int]]] = {}

    def split(first: int, groups: int) -> tuple[int, list[int]]:
        if groups == 1:
            return ends[-1] - ends[first], [len(units)]
        if (first, groups) not in best:
            options = []
            for cut in range(first + 1, len(units) - groups + 2):
                rest, cuts = split(cut, groups - 1)
                options.append((max(ends[cut] - ends[first], rest), [cut, *cuts]))
            best[first, groups] = min(options)
        return best[first, groups]

    _largest, cuts = split(0, pages)
    bounds = [0, *(ends[cut] for cut in cuts)]
    return list(itertools.pairwise(bounds))


@dataclass(frozen=True)
class Page:
    """One page of questions: an instrument or a part of it, with the instrument's title and
    description. ``part`` and ``parts`` number the parts of a split instrument (1 of 1 when it
    is not split); ``instrument`` is the instrument's id; ``open_questions`` are the
    instrument's open questions, on its last page only."""

    id: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    items: tuple[Item, ...]
    sensitive: bool = False
    instrument: str = ""
    part: int = 1
    parts: int = 1
    open_questions: tuple[OpenQuestion, ...] = ()

    @classmethod
    def from_instrument(cls, instrument: Instrument, sensitive: bool | None = None) -> Page:
        """A page with all items of ``instrument``; ``sensitive`` overrides the instrument's."""
        return cls(
            id=instrument.id,
            title=instrument.title,
            description=instrument.description,
            items=instrument.items,
            sensitive=instrument.sensitive if sensitive is None else sensitive,
            instrument=instrument.id,
            open_questions=instrument.open_questions,
        )

    @classmethod
    def split(cls, instrument: Instrument, limit: int = PAGE_ITEMS) -> tuple[Page, ...]:
        """The pages of ``instrument``: one when it has at most ``limit`` items, else its
        facets packed into pages of at most ``limit`` items (see :func:`page_parts`).

        A single page keeps the instrument's id; parts are called ``<id>-1``, ``<id>-2``...
        Items keep instrument order, the order of the draft codec.
        """
        whole = cls.from_instrument(instrument)
        groups = page_parts([len(scale.items) for scale in instrument.scales], limit)
        if len(groups) <= 1:
            return (whole,)
        items = instrument.items
        return tuple(
            replace(
                whole,
                id=f"{instrument.id}-{number}",
                items=items[start:stop],
                part=number,
                parts=len(groups),
                open_questions=whole.open_questions if number == len(groups) else (),
            )
            for number, (start, stop) in enumerate(groups, start=1)
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
        """The pages of each instrument (:meth:`Page.split`), in the order given."""
        pages = tuple(page for instrument in instruments for page in Page.split(instrument))
        return cls(survey=survey, title=title, pages=pages, **kwargs)

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item of the survey in survey order: the order of the draft codec."""
        return tuple(item for page in self.pages for item in page.items)

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @cached_property
    def open_questions(self) -> tuple[OpenQuestion, ...]:
        """Every open question of the survey's instruments, in survey order."""
        return tuple(q for page in self.pages for q in page.open_questions)

    @property
    def has_sensitive(self) -> bool:
        return any(page.sensitive for page in self.pages)

    @property
    def sensitive_pages(self) -> tuple[Page, ...]:
        return tuple(page for page in self.pages if page.sensitive)

    @property
    def sections(self) -> tuple[Page, ...]:
        """The first page of each instrument: what the welcome and consent pages list."""
        return tuple(page for page in self.pages if page.part == 1)

    def items_before(self, page: Page) -> int:
        """How many statements come before ``page`` in the survey (for the progress bar)."""
        count = 0
        for other in self.pages:
            if other == page:
                return count
            count += len(other.items)
        raise ValueError(f"page: {page.id!r} is not a page of this questionnaire")

    def page(self, page_id: str) -> Page | None:
        """The page called ``page_id``, or None."""
        for page in self.pages:
            if page.id == page_id:
                return page
        return None

    def minutes(self) -> int:
        """Estimated minutes to answer everything."""
        seconds = SECONDS_PER_ITEM * len(self.items) + (120 if self.comments else 0)
        seconds += SECONDS_PER_OPEN_QUESTION * len(self.open_questions)
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
