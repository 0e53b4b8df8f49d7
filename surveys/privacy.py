"""The privacy statement of a survey, generated from its settings.

:func:`privacy_summary` gives the web app's privacy page (and a privacy officer writing a DPIA)
everything that follows from the survey's definition: what is asked per instrument, which
questions are special-category data (GDPR art. 9), what is and is not stored, who sees what,
the minimum group size k, the comment threshold and the retention period. Texts come in every
language of the survey.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.invitations import IssueCounts
from surveys.survey_definition import SurveyDefinition

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
    #: How invitation links reach people, and what a holder of a list of links can do.
    invitations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Responses a group needs when the survey has an open link (None without one).
    open_link_k: int | None = None
    #: Whether the instruments ask open questions (answers stored apart, as comments).
    open_questions: bool = False

    @property
    def special_category_questions(self) -> tuple[QuestionPrivacy, ...]:
        return tuple(q for i in self.instruments for q in i.special_category)

    @property
    def minutes(self) -> int:
        """Rough time to answer: about 8 questions a minute, at least 2 minutes."""
        n = sum(i.n_questions for i in self.instruments)
        return max(2, round(n / 8))


def privacy_summary(
    definition: SurveyDefinition, issued: IssueCounts | None = None
) -> PrivacySummary:
    """The privacy statement of ``definition``; ``issued`` (how the current round's
    invitations went out, :func:`surveys.invitations.issue_counts`) adds those numbers."""
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
        open_questions=bool(definition.open_questions),
        demographics_enabled=definition.demographics is not None,
        retention_days=definition.retention_days,
        release=definition.release,
        open_link=definition.open_link,
        privacy_contact=dict(definition.privacy_contact) if definition.privacy_contact else None,
        stored={lang: t[0] for lang, t in texts.items()},
        not_stored={lang: t[1] for lang, t in texts.items()},
        who_sees={lang: t[2] for lang, t in texts.items()},
        invitations={lang: _invitation_statements(issued, lang) for lang in languages},
        open_link_k=definition.open_link_k if definition.open_link else None,
    )


def _invitation_statements(issued: IssueCounts | None, lang: str) -> tuple[str, ...]:
    """Issue 14, path 4, in plain words: what a list of links lets its holder do."""
    nl = lang == "nl"
    lines = [
        "Stuurt Samen de uitnodigingen zelf per e-mail, dan bewaart niemand de links: het "
        "e-mailadres wordt niet opgeslagen."
        if nl
        else "When Samen mails the invitations itself, nobody keeps the links: the e-mail "
        "address is not stored.",
        "Worden de links als lijst uitgedeeld (bijvoorbeeld voor een mail-merge), dan kan wie "
        "die lijst heeft zien wie al heeft geantwoord, door links te proberen. Die persoon kan "
        "ook ongebruikte links zelf invullen en zo een afdeling aanvullen met nepantwoorden, "
        "om daarna jouw antwoorden uit de uitkomsten af te leiden. Samen kan dat niet "
        "voorkomen; uitnodigen per e-mail door Samen (`samen invite --emails`) wel."
        if nl
        else "When the links are handed out as a list (for example for a mail-merge), whoever "
        "holds that list can see who has answered by trying links. They could also answer "
        "unused links themselves, padding a unit with fake answers, and then work out your "
        "answers from the results. Samen cannot prevent that; invitations mailed by Samen "
        "(`samen invite --emails`) can.",
    ]
    if issued is not None and issued.issued:
        lines.append(
            f"In deze ronde: {issued.mailed} uitnodigingen door Samen gemaild, "
            f"{issued.handed_out} als lijst van links uitgedeeld."
            if nl
            else f"In this round: {issued.mailed} invitations mailed by Samen, "
            f"{issued.handed_out} handed out as a list of links."
        )
    return tuple(lines)


def _statements(
    d: SurveyDefinition, lang: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    k, c = d.min_group_size, d.comment_threshold
    if d.open_link:  # comments follow the open-link threshold too (webapp.results.openlink)
        c = max(c, d.open_link_k)
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
    if d.open_questions:  # comments naming their question (surveys.models.Comment)
        stored.append(
            "Je antwoorden op de open vragen, elk los van je andere antwoorden, met alleen de "
            "vraag erbij en zonder de vragen over jou."
            if nl
            else "Your answers to the open questions, each apart from your other answers, "
            "with only the question and without the questions about you."
        )
    stored.append(
        "Per afdeling per dag het aantal ingevulde vragenlijsten (voor de voortgang)."
        if nl
        else "Per unit per day the number of completed questionnaires (to show progress)."
    )
    stored.append(
        "Bij je antwoorden een willekeurige code die alleen in je browser bestond, zodat ze "
        "maar één keer verstuurd kunnen worden; hij is niet van je link afgeleid. Per afdeling "
        "het aantal uitnodigingen (per e-mail of als lijst) en hoeveel er zijn geopend."
        if nl
        else "With your answers, a random code that existed only in your browser, so they can "
        "be sent only once; it is not derived from your link. Per unit, the number of "
        "invitations (mailed or as a list) and how many were opened."
    )
    not_stored = [
        "Je naam, e-mailadres of IP-adres." if nl else "Your name, e-mail or IP address.",
        "Je uitnodigingslink: die wordt gewist zodra je de vragenlijst opent, en niets verbindt "
        "hem met je antwoorden."
        if nl
        else "Your invitation link: it is erased when you open the survey, and nothing "
        "connects it to your answers.",
        "Het tijdstip waarop je antwoordde." if nl else "The time you answered.",
    ]
    if d.open_link:
        not_stored.append(
            "Via de open link: je IP-adres wordt alleen een uur lang in het geheugen geteld, "
            "als onleesbare code, om te beperken hoeveel antwoorden er vanaf één netwerk komen. "
            "Het wordt nooit opgeslagen."
            if nl
            else "Through the open link: your IP address is only counted in memory for an hour, "
            "as an unreadable code, to limit how many answers come from one network. It is "
            "never stored."
        )
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
        "Een onderwerp en zijn vragen tellen dezelfde mensen: wie te weinig vragen van een "
        "onderwerp beantwoordde, telt voor geen van die vragen mee. Hoeveel mensen in een groep "
        "een vraag of onderwerp oversloegen kan soms worden afgeleid; wat zij antwoordden niet."
        if nl
        else "A topic and its questions count the same people: whoever answered too few "
        "questions of a topic counts for none of them. How many people in a group skipped a "
        "question or a topic can sometimes be worked out; what they answered cannot.",
        release,
        "Uitkomsten van een gesloten ronde blijven berekend op de indeling in afdelingen van "
        "toen; een latere reorganisatie geldt pas voor volgende rondes."
        if nl
        else "Results of a closed round stay computed on the units as they were then; a later "
        "reorganisation applies to later rounds only.",
        f"Onderzoekers krijgen een bestand waarin elke combinatie van afdeling en "
        f"achtergrondkenmerken minstens {k} keer voorkomt en waar geen cijfer van de "
        "dashboards van af te trekken is: zou iemand anders opvallen, dan blijven de "
        "achtergrondkenmerken uit het bestand."
        if nl
        else f"Researchers get a file in which every combination of unit and background "
        f"characteristics occurs at least {k} times and from which no figure of the "
        "dashboards can be subtracted: where someone would otherwise stand out, the "
        "background characteristics are left out of the file.",
    ]
    if d.open_link:
        who_sees[-1:] = list(_open_link_statements(d, nl))
    if d.open_questions:
        who_sees.append(
            f"Antwoorden op een open vraag worden alleen getoond voor groepen waarin minstens "
            f"{c} mensen die vraag beantwoordden, en nooit naast achtergrondkenmerken."
            if nl
            else f"Answers to an open question are shown only for groups in which at least {c} "
            "people answered that question, and never next to background characteristics."
        )
    if d.comments_enabled:
        who_sees.append(
            f"Opmerkingen worden alleen getoond voor groepen waarin minstens {c} mensen een "
            "opmerking schreven, en nooit naast achtergrondkenmerken."
            if nl
            else f"Comments are shown only for groups in which at least {c} people wrote one, "
            "and never next to background characteristics."
        )
    who_sees.append(
        f"Alle antwoorden worden {d.retention_days} dagen na het sluiten van de ronde "
        "definitief gewist."
        if nl
        else f"All answers are deleted for good {d.retention_days} days after the round closes."
    )
    return tuple(stored), tuple(not_stored), tuple(who_sees)


def _open_link_statements(d: SurveyDefinition, nl: bool) -> tuple[str, ...]:
    """What the open link cannot promise, and the rule results follow because of it."""
    ok = d.open_link_k
    return (
        "Dit onderzoek heeft een open link: iedereen die de link heeft, kan antwoorden "
        "toevoegen, ook namens een afdeling waar hij niet werkt. Daarom worden uitkomsten "
        "alleen getoond voor de hele organisatie en de onderdelen direct daaronder, voor "
        f"groepen van minstens {ok} ingevulde vragenlijsten, zonder uitsplitsing naar "
        "achtergrondkenmerken en zonder de uitkomsten over ongewenst gedrag."
        if nl
        else "This survey has an open link: anyone who has the link can add answers, also for "
        "a unit they do not work in. So results are shown only for the whole organisation and "
        f"the parts directly below it, for groups of at least {ok} completed questionnaires, "
        "without a breakdown by background characteristics and without the results on "
        "unwanted behaviour.",
        f"Onderzoekers krijgen een bestand met alleen die onderdelen, met minstens {ok} "
        "antwoorden per onderdeel, zonder taal en zonder achtergrondkenmerken."
        if nl
        else f"Researchers get a file with only those parts, at least {ok} answers each, "
        "without language and without background characteristics.",
        "Wat de open link niet kan beloven: wie veel apparaten en netwerken gebruikt, kan in "
        "een onderdeel waar verder bijna niemand antwoordde zoveel antwoorden toevoegen dat "
        "hij zijn eigen antwoorden eraf kan halen. Werd je uitgenodigd met een persoonlijke "
        "link, gebruik die dan."
        if nl
        else "What the open link cannot promise: someone using many devices and networks can "
        "add enough answers to a part where hardly anyone else answered to subtract their own "
        "again. If you were invited with a personal link, use that one.",
    )
