"""The privacy statement of a survey, generated from its settings.

:func:`privacy_summary` gives the web app's privacy page (and a privacy officer writing a DPIA)
everything that follows from the survey's definition: what is asked per instrument, which
questions are special-category data (GDPR art. 9), what is and is not stored, who sees what,
the minimum group size k, the comment threshold and the retention period. Texts come in every
language of the survey.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys.definition import SurveyDefinition

__all__ = ["InstrumentPrivacy", "PrivacySummary", "QuestionPrivacy", "privacy_summary"]

#: Built-in questions that are special-category data (GDPR art. 9), with the category.
SPECIAL_CATEGORY: dict[str, str] = {
    "dem_born_nl": "origin",
    "dem_parents_abroad": "origin",
    "dem_disability": "health",
    "dem_lgbtiq": "sexual_orientation",
}
CATEGORY_NAMES = {
    "origin": {"nl": "herkomst (ras of etnische afkomst)", "en": "origin (racial or ethnic)"},
    "health": {"nl": "gezondheid", "en": "health"},
    "sexual_orientation": {"nl": "seksuele gerichtheid", "en": "sexual orientation"},
    "sensitive": {"nl": "gevoelig onderwerp", "en": "sensitive topic"},
}


#: Languages the statements below are written in.
STATEMENT_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class QuestionPrivacy:
    """A question with its text per language and its special category (None if ordinary)."""

    id: str
    text: dict[str, str]
    category: str | None


@dataclass(frozen=True)
class InstrumentPrivacy:
    """What one instrument asks. ``sensitive`` instruments ask for separate consent."""

    id: str
    title: dict[str, str]
    description: dict[str, str]
    n_questions: int
    sensitive: bool
    scored: bool
    questions: tuple[QuestionPrivacy, ...]

    @property
    def special_category(self) -> tuple[QuestionPrivacy, ...]:
        return tuple(q for q in self.questions if q.category not in (None, "sensitive"))


@dataclass(frozen=True)
class PrivacySummary:
    """Everything the privacy page shows; ``statements`` are ready sentences per language."""

    survey: str
    title: dict[str, str]
    organisation: dict[str, str]
    languages: tuple[str, ...]
    instruments: tuple[InstrumentPrivacy, ...]
    min_group_size: int
    comment_threshold: int
    comments_enabled: bool
    demographics_enabled: bool
    retention_days: int
    release: str
    open_link: bool
    privacy_contact: dict[str, str] | None
    stored: dict[str, tuple[str, ...]]
    not_stored: dict[str, tuple[str, ...]]
    who_sees: dict[str, tuple[str, ...]]

    @property
    def special_category_questions(self) -> tuple[QuestionPrivacy, ...]:
        return tuple(q for i in self.instruments for q in i.special_category)

    @property
    def minutes(self) -> int:
        """Rough time to answer: about 8 questions a minute, at least 2 minutes."""
        n = sum(i.n_questions for i in self.instruments)
        return max(2, round(n / 8))


def privacy_summary(definition: SurveyDefinition) -> PrivacySummary:
    """The privacy statement of ``definition``."""
    instruments = []
    for instrument in definition.instruments:
        questions = tuple(
            QuestionPrivacy(
                item.id,
                dict(item.text),
                SPECIAL_CATEGORY.get(item.id, "sensitive" if instrument.sensitive else None),
            )
            for item in instrument.items
        )
        instruments.append(
            InstrumentPrivacy(
                id=instrument.id,
                title=dict(instrument.title),
                description=dict(instrument.description),
                n_questions=len(questions),
                sensitive=instrument.sensitive,
                scored=any(scale.scored for scale in instrument.scales),
                questions=questions,
            )
        )
    # The statements in every language Samen writes them in, not only the survey's: a survey
    # asked in Dutch alone still gets a whole English privacy page (for staff and officers who
    # read English), instead of English headings over Dutch sentences.
    languages = dict.fromkeys((*definition.languages, *STATEMENT_LANGUAGES))
    texts = {lang: _statements(definition, lang) for lang in languages}
    return PrivacySummary(
        survey=definition.slug,
        title=dict(definition.title),
        organisation=dict(definition.organisation),
        languages=definition.languages,
        instruments=tuple(instruments),
        min_group_size=definition.min_group_size,
        comment_threshold=definition.comment_threshold,
        comments_enabled=definition.comments_enabled,
        demographics_enabled=definition.demographics is not None,
        retention_days=definition.retention_days,
        release=definition.release,
        open_link=definition.open_link,
        privacy_contact=dict(definition.privacy_contact) if definition.privacy_contact else None,
        stored={lang: t[0] for lang, t in texts.items()},
        not_stored={lang: t[1] for lang, t in texts.items()},
        who_sees={lang: t[2] for lang, t in texts.items()},
    )


def _statements(
    d: SurveyDefinition, lang: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    k, c = d.min_group_size, d.comment_threshold
    nl = lang == "nl"
    stored = [
        "Je antwoorden, je afdeling, de ronde van het onderzoek en de taal waarin je antwoordde."
        if nl
        else "Your answers, your unit, the survey round and the language you answered in.",
    ]
    if d.demographics is not None:
        # They are stored in the response itself (surveys.models.Response.demographics).
        stored.append(
            "Je antwoorden op de vrijwillige vragen over jou, als je die beantwoordt. Ze staan "
            "bij je andere antwoorden, nooit bij je opmerking."
            if nl
            else "Your answers to the optional questions about you, if you answer them. They "
            "are kept with your other answers, never with your comment."
        )
    if d.comments_enabled:
        stored.append(
            "Je opmerking, los van je antwoorden en zonder de vragen over jou."
            if nl
            else "Your comment, apart from your answers and without the questions about you."
        )
    stored.append(
        "Per afdeling per dag het aantal ingevulde vragenlijsten (voor de voortgang)."
        if nl
        else "Per unit per day the number of completed questionnaires (to show progress)."
    )
    not_stored = [
        "Je naam, e-mailadres of IP-adres." if nl else "Your name, e-mail or IP address.",
        "Je uitnodigingslink: na gebruik wordt die gewist, en niets verbindt hem met je "
        "antwoorden."
        if nl
        else "Your invitation link: it is erased once used, and nothing connects it to your "
        "answers.",
        "Het tijdstip waarop je antwoordde." if nl else "The time you answered.",
    ]
    release = (
        "Uitkomsten verschijnen pas nadat de ronde is gesloten."
        if nl
        else "Results appear only after the round has closed."
    )
    who_sees = [
        "Niemand kan zien welke antwoorden van jou zijn, ook de organisatoren van dit "
        "onderzoek niet."
        if nl
        else "Nobody can see which answers are yours, not even the people who run this survey.",
        f"Managers, HR en de organisatoren zien alleen uitkomsten van groepen van minstens {k} "
        f"personen; bij minder staat er 'minder dan {k}'."
        if nl
        else f"Managers, HR and the people who run this survey see only results of groups of "
        f"at least {k} people; smaller groups show 'fewer than {k}'.",
        "Uitkomsten worden ook niet getoond als ze met andere uitkomsten een kleinere groep "
        "zouden verraden (bijvoorbeeld afdeling min subafdeling)."
        if nl
        else "Results are also hidden when, combined with other results, they would reveal a "
        "smaller group (for example a unit minus its sub-units).",
        release,
        "Uitkomsten van een gesloten ronde blijven berekend op de indeling in afdelingen van "
        "toen; een latere reorganisatie geldt pas voor volgende rondes."
        if nl
        else "Results of a closed round stay computed on the units as they were then; a later "
        "reorganisation applies to later rounds only.",
        f"Onderzoekers krijgen een bestand waarin elke combinatie van afdeling en "
        f"achtergrondkenmerken minstens {k} keer voorkomt."
        if nl
        else f"Researchers get a file in which every combination of unit and background "
        f"characteristics occurs at least {k} times.",
    ]
    if d.comments_enabled:
        who_sees.append(
            f"Opmerkingen worden alleen getoond voor groepen van minstens {c} personen, en "
            "nooit naast achtergrondkenmerken."
            if nl
            else f"Comments are shown only for groups of at least {c} people, and never next to "
            "background characteristics."
        )
    who_sees.append(
        f"Alle antwoorden worden {d.retention_days} dagen na het sluiten van de ronde "
        "definitief gewist."
        if nl
        else f"All answers are deleted for good {d.retention_days} days after the round closes."
    )
    return tuple(stored), tuple(not_stored), tuple(who_sees)
