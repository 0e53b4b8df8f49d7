"""What a survey is: :class:`SurveyDefinition`, frozen once the survey is created."""

from __future__ import annotations

from dataclasses import dataclass

from instruments import Instrument, Item, OpenQuestion

__all__ = [
    "MODULES",
    "RELEASES",
    "STEPS_REFUSED",
    "SurveyDefinition",
]

#: Optional modules. demographics and unwanted_behaviour add an instrument (the built-in one,
#: or a file); open_comments adds a free-text question at the end.
MODULES = ("demographics", "unwanted_behaviour", "open_comments")
#: "closed": results appear only after the wave closes. The only policy offered: "steps" (an
#: open wave's results changing in steps of at least k) is refused with :data:`STEPS_REFUSED`.
RELEASES = ("closed",)
#: Why ``release: steps`` is refused. Every cell shown while a wave is open differs from the
#: final one by the responses that arrived after its last step; that group is below k in
#: general, so the final figures would have to stay at the last step for good (and the
#: database would keep which responses came last, a time trace DESIGN.md forbids) or be
#: withheld. Until that trade-off is decided, results appear after the wave closes.
STEPS_REFUSED = (
    "'steps' is not offered: results shown while a wave is open, subtracted from the final "
    "ones, would reveal the last fewer-than-k respondents; use 'closed' (results appear "
    "after the wave closes)"
)


@dataclass(frozen=True)
class SurveyDefinition:
    """A survey as stored when it was created; later edits to its files do not change it.

    ``instruments`` are in survey order and include the optional modules' instruments
    (unwanted behaviour, demographics) when enabled. ``demographics_id`` names the instrument
    whose answers are stored apart as demographics (None without that module). Texts
    (``title``, ``organisation``, ``description``, ``privacy_contact``) are per language.

    ``open_link_k`` counts responses: with ``open_link`` on, anyone holding the link can add
    answers, so results are released only for the organisation and the units directly
    below it, and only for groups of at least this many responses
    (default ``max(2 * k, 10)``, never below ``k``).
    """

    slug: str
    title: dict[str, str]
    organisation: dict[str, str]
    languages: tuple[str, ...]
    instruments: tuple[Instrument, ...]
    modules: tuple[str, ...] = ()
    min_group_size: int = 5
    comment_threshold: int = 10
    retention_days: int = 730
    open_link: bool = False
    open_link_limit: int = 1
    open_link_k: int = 10
    release: str = "closed"
    privacy_contact: dict[str, str] | None = None
    description: dict[str, str] | None = None
    demographics_id: str | None = None
    #: The demographic question the results may be filtered by (None: the default one,
    #: see :func:`webapp.results.release.filter_question`).
    filter_question: str | None = None

    @property
    def k(self) -> int:
        """The minimum group size (alias of ``min_group_size``)."""
        return self.min_group_size

    @property
    def answer_instruments(self) -> tuple[Instrument, ...]:
        """Instruments whose answers form the response (every one but demographics)."""
        return tuple(i for i in self.instruments if i.id != self.demographics_id)

    @property
    def demographics(self) -> Instrument | None:
        """The demographics instrument, when the module is enabled."""
        for instrument in self.instruments:
            if instrument.id == self.demographics_id:
                return instrument
        return None

    @property
    def items(self) -> tuple[Item, ...]:
        """Answer items in survey order (demographic questions excluded): the stored order."""
        return tuple(item for inst in self.answer_instruments for item in inst.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def demographic_items(self) -> tuple[Item, ...]:
        """Demographic questions in order (empty without the module)."""
        demographics = self.demographics
        return demographics.items if demographics is not None else ()

    @property
    def sensitive_instruments(self) -> tuple[Instrument, ...]:
        """Instruments marked sensitive (special-category or distressing questions)."""
        return tuple(i for i in self.instruments if i.sensitive)

    @property
    def comments_enabled(self) -> bool:
        """Whether the survey ends with its general open comment (the ``open_comments`` module)."""
        return "open_comments" in self.modules

    @property
    def open_questions(self) -> tuple[OpenQuestion, ...]:
        """The instruments' open questions in survey order (demographics excluded)."""
        return tuple(q for inst in self.answer_instruments for q in inst.open_questions)

    @property
    def free_text(self) -> bool:
        """Whether respondents can write anything: the open comment or an open question."""
        return self.comments_enabled or bool(self.open_questions)

    def instrument(self, instrument_id: str) -> Instrument:
        """The instrument ``instrument_id`` of this survey (KeyError when absent)."""
        for instrument in self.instruments:
            if instrument.id == instrument_id:
                return instrument
        raise KeyError(instrument_id)

    def item(self, item_id: str) -> Item:
        """The item ``item_id`` (answer or demographic; KeyError when absent)."""
        for instrument in self.instruments:
            for item in instrument.items:
                if item.id == item_id:
                    return item
        raise KeyError(item_id)

    def text(self, texts: dict[str, str] | None, language: str) -> str:
        """``texts`` in ``language``, else in the survey's first language ('' for None)."""
        if not texts:
            return ""
        return texts.get(language) or texts.get(self.languages[0]) or next(iter(texts.values()))
