# ruff: noqa: E501  (document text: sentences are kept whole)
"""The DPIA draft of ``samen privacy dpia``: filled from a survey's settings (issue 13).

Sections follow the Dutch government's Model DPIA Rijksdienst: A. description of the
processing, B. lawfulness, C. risks, D. measures. Every fact comes from the survey's stored
definition (:func:`surveys.privacy.privacy_summary`, :func:`surveys.consent.profile`), its waves,
the works council's consent and the disclosure audit; what only the organisation can decide
(legal basis, processors, hosting) is marked as *to complete*. A draft for the privacy
officer, not a decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from surveys.consent import RESIDUAL_RISKS as RISKS

__all__ = ["Section", "dpia_sections", "to_html", "to_markdown"]

TODO = {"en": "To complete by the organisation:", "nl": "In te vullen door de organisatie:"}


@dataclass
class Section:
    """One heading with paragraphs and bullet points (plain text, escaped when rendered)."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    level: int = 2


def _t(lang: str, en: str, nl: str) -> str:
    return nl if lang == "nl" else en


def _waves(db: Any, slug: str, retention: int, lang: str) -> list[str]:
    from surveys.waves import list_waves

    out = []
    for wave in list_waves(db, slug):
        if wave.purged_on is not None:
            out.append(
                _t(
                    lang,
                    f"{wave.label}: purged on {wave.purged_on}",
                    f"{wave.label}: verwijderd op {wave.purged_on}",
                )
            )
        elif wave.closed_on is None:
            out.append(
                _t(
                    lang,
                    f"{wave.label}: open; deleted {retention} days after it closes",
                    f"{wave.label}: open; verwijderd {retention} dagen na sluiten",
                )
            )
        else:
            due = wave.closed_on + dt.timedelta(days=retention)
            out.append(
                _t(
                    lang,
                    f"{wave.label}: closed {wave.closed_on}; answers deleted from {due} "
                    "(`samen purge --expired`)",
                    f"{wave.label}: gesloten {wave.closed_on}; antwoorden verwijderd vanaf {due} "
                    "(`samen purge --expired`)",
                )
            )
    return out


def dpia_sections(db: Any, slug: str, lang: str, audit: str) -> list[Section]:
    """The DPIA draft of survey ``slug`` in ``lang`` ("nl" or "en"), with the audit line."""
    from surveys.consent import latest_consent, profile
    from surveys.privacy import CATEGORY_NAMES, privacy_summary
    from surveys.programmes import list_programmes
    from surveys.survey_store import get_survey

    if lang not in ("nl", "en"):
        raise ValueError("lang must be nl or en")
    d = get_survey(db, slug)
    s = privacy_summary(d)
    p = profile(d)
    consent = latest_consent(db, slug)
    title = d.text(d.title, lang)
    org = d.text(d.organisation, lang)
    t = lambda en, nl: _t(lang, en, nl)  # noqa: E731
    special = s.special_category_questions
    out = [
        Section(
            t(f"DPIA draft: {title}", f"Concept-DPIA: {title}"),
            [
                t(
                    f"Data protection impact assessment (GDPR art. 35) of the survey {slug!r} "
                    f"of {org}, drafted by Samen on {dt.date.today()} from the survey's settings. "
                    "Sections after the Model DPIA Rijksdienst (A. description, B. lawfulness, "
                    "C. risks, D. measures). A draft for the privacy officer: the facts come "
                    "from the software; choices only the organisation can make are marked.",
                    f"Gegevensbeschermingseffectbeoordeling (AVG art. 35) van vragenlijst "
                    f"{slug!r} van {org}, door Samen opgesteld op {dt.date.today()} uit de "
                    "instellingen van de vragenlijst. Indeling naar het Model DPIA Rijksdienst "
                    "(A. beschrijving, B. rechtmatigheid, C. risico's, D. maatregelen). Een "
                    "concept voor de functionaris gegevensbescherming: de feiten komen uit de "
                    "software; keuzes die alleen de organisatie kan maken, zijn gemarkeerd.",
                )
            ],
            level=1,
        ),
        Section(t("A. Description of the processing", "A. Beschrijving van de verwerking")),
        Section(
            t("A.1 The survey and its purposes", "A.1 De vragenlijst en de doeleinden"),
            [
                d.text(d.description, lang) if d.description else "",
                t(
                    "Purpose: to measure, per group of employees, belonging and social safety "
                    "(including unwanted behaviour) so that teams and the organisation can act "
                    "on it; results are shown for groups, never for a person.",
                    "Doel: per groep medewerkers meten hoe het staat met erbij horen en sociale "
                    "veiligheid (ook ongewenst gedrag), zodat teams en de organisatie ermee aan "
                    "de slag kunnen; uitkomsten gaan over groepen, nooit over een persoon.",
                ),
            ]
            + (
                [
                    t(
                        "Further purpose: evaluating leadership programmes, on averages of groups of units: "
                        + ", ".join(pr.name for pr in list_programmes(db, slug)),
                        "Verder doel: leiderschapsprogramma's evalueren, op gemiddelden van groepen eenheden: "
                        + ", ".join(pr.name for pr in list_programmes(db, slug)),
                    )
                ]
                if list_programmes(db, slug)
                else []
            ),
            [
                f"{d.text(i.title, lang)}: {i.n_questions} "
                + t("questions", "vragen")
                + (
                    t(
                        " (sensitive, optional, asked after consent)",
                        " (gevoelig, niet verplicht, na toestemming)",
                    )
                    if i.sensitive
                    else ""
                )
                for i in s.instruments
            ],
            level=3,
        ),
        Section(
            t("A.2 Categories of personal data", "A.2 Categorieen persoonsgegevens"),
            [
                t(
                    "Answers are anonymous once sent (see A.3 and A.4). Before sending, answers exist "
                    "only in the respondent's browser. Staff accounts hold an e-mail address "
                    "and a role.",
                    "Antwoorden zijn anoniem zodra ze verstuurd zijn (zie A.3 en A.4). Voor het "
                    "versturen staan antwoorden alleen in de browser van de deelnemer. "
                    "Medewerkersaccounts bevatten een e-mailadres en een rol.",
                ),
                t(
                    "Special categories of personal data (GDPR art. 9), each optional with "
                    '"prefer not to say":',
                    'Bijzondere persoonsgegevens (AVG art. 9), elk niet verplicht met "zeg ik '
                    'liever niet":',
                )
                if special
                else t(
                    "No special-category questions.",
                    "Geen vragen naar bijzondere persoonsgegevens.",
                ),
            ],
            [
                f"ART. 9: {q.text.get(lang) or q.id} ({CATEGORY_NAMES.get(q.category or '', {}).get(lang, q.category)})"
                for q in special
            ]
            + (
                [
                    t(
                        "Open comments (optional free text; may contain anything a respondent writes)",
                        "Open opmerkingen (vrije tekst, niet verplicht; kan alles bevatten wat iemand schrijft)",
                    )
                ]
                if s.comments_enabled or s.open_questions
                else []
            ),
            level=3,
        ),
        Section(
            t("A.3 What is stored", "A.3 Wat wordt bewaard"),
            [],
            list(s.stored.get(lang, ())),
            level=3,
        ),
        Section(
            t("A.4 What is not stored", "A.4 Wat niet wordt bewaard"),
            [],
            list(s.not_stored.get(lang, ())),
            level=3,
        ),
        Section(
            t("A.5 Invitations", "A.5 Uitnodigingen"),
            [],
            list(s.invitations.get(lang, ())),
            level=3,
        ),
        Section(
            t("A.6 Retention and purge schedule", "A.6 Bewaartermijn en verwijderschema"),
            [
                t(
                    f"Answers are kept {d.retention_days} days after a round closes, then "
                    "deleted for good (SQLite runs with secure_delete).",
                    f"Antwoorden worden {d.retention_days} dagen na het sluiten van een ronde "
                    "bewaard en daarna definitief verwijderd (SQLite met secure_delete).",
                )
            ],
            _waves(db, slug, d.retention_days, lang),
            level=3,
        ),
        Section(
            t("A.7 Parties and who sees what", "A.7 Partijen en wie wat ziet"),
            [
                t(
                    f"Controller: {org}. {TODO['en']} processor(s) and hosting, the privacy "
                    "officer, the works council's contact.",
                    f"Verwerkingsverantwoordelijke: {org}. {TODO['nl']} verwerker(s) en "
                    "hosting, de functionaris gegevensbescherming, contactpersoon van de OR.",
                )
            ],
            [
                *s.who_sees.get(lang, ()),
                t(
                    f"k = {p['k_responses']} responses behind every number; comments only where "
                    f"at least {p['comment_threshold_writers']} people (writers) wrote one; "
                    f"sensitive modules only at {p['sensitive_k_responses']} responses, never "
                    f"filtered, and only when at least {p['homogeneity_min_outside_respondents']} "
                    "respondents gave another answer than the most common one; that last rule "
                    "holds for social-safety figures too, also after subtracting other figures.",
                    f"k = {p['k_responses']} reacties achter elk getal; opmerkingen alleen waar "
                    f"minstens {p['comment_threshold_writers']} mensen (schrijvers) er een "
                    f"schreven; gevoelige modules alleen vanaf {p['sensitive_k_responses']} "
                    "reacties, nooit gefilterd, en alleen als minstens "
                    f"{p['homogeneity_min_outside_respondents']} deelnemers iets anders "
                    "antwoordden dan het meest gegeven antwoord; die laatste regel geldt ook "
                    "voor cijfers over sociale veiligheid, ook na aftrekken van andere cijfers.",
                ),
            ],
            level=3,
        ),
        Section(t("B. Lawfulness", "B. Rechtmatigheid")),
        Section(
            t("B.1 Legal basis", "B.1 Grondslag"),
            [
                t(
                    f"{TODO['en']} the legal basis under GDPR art. 6 (usually legitimate "
                    "interest, art. 6(1)(f), or a public task, art. 6(1)(e)). Answers are "
                    "anonymous once sent; the processing up to that moment (the invitation, "
                    "the answers in the browser) falls under the GDPR.",
                    f"{TODO['nl']} de grondslag onder AVG art. 6 (meestal gerechtvaardigd "
                    "belang, art. 6 lid 1 sub f, of een publieke taak, sub e). Antwoorden zijn "
                    "anoniem zodra ze verstuurd zijn; de verwerking tot dat moment (de "
                    "uitnodiging, de antwoorden in de browser) valt onder de AVG.",
                ),
                t(
                    "Special categories: asked only after the respondent agrees on a separate "
                    "page (explicit consent, art. 9(2)(a)); declining skips them and nothing of "
                    "them is sent.",
                    "Bijzondere persoonsgegevens: alleen gevraagd nadat de deelnemer op een "
                    "aparte pagina instemt (uitdrukkelijke toestemming, art. 9 lid 2 sub a); "
                    "wie weigert, slaat ze over en daarvan wordt niets verstuurd.",
                )
                if special or s.instruments
                else "",
            ],
            level=3,
        ),
        Section(
            t("B.2 Works council (WOR art. 27)", "B.2 Ondernemingsraad (WOR art. 27)"),
            [
                t(
                    f"The works council ({consent.by}) consented to the privacy profile on "
                    f"{consent.on}; the settings are locked, a change needs a new consent and "
                    "is recorded.",
                    f"De ondernemingsraad ({consent.by}) stemde op {consent.on} in met het "
                    "privacyprofiel; de instellingen liggen vast, een wijziging vraagt nieuwe "
                    "instemming en wordt vastgelegd.",
                )
                if consent
                else t(
                    f'No consent recorded yet: `samen survey consent {slug} --by "OR, YYYY-MM-DD"`.',
                    f'Nog geen instemming vastgelegd: `samen survey consent {slug} --by "OR, JJJJ-MM-DD"`.',
                )
            ],
            level=3,
        ),
        Section(
            t("B.3 Necessity, proportionality, rights", "B.3 Noodzaak, evenredigheid, rechten"),
            [
                t(
                    "Only group results are shown; the demographic questions and the sensitive "
                    "modules are optional. Because a sent response cannot be linked to a "
                    "person, requests for access, rectification or erasure of a sent response "
                    "cannot be met (GDPR art. 11); the privacy page tells respondents that "
                    "nobody can see which answers are theirs.",
                    "Alleen groepsuitkomsten zijn te zien; de achtergrondvragen en de gevoelige "
                    "modules zijn niet verplicht. Omdat een verstuurde reactie niet aan een "
                    "persoon te koppelen is, kan een verzoek om inzage, correctie of "
                    "verwijdering daarvan niet worden uitgevoerd (AVG art. 11); de "
                    "privacypagina vertelt deelnemers dat niemand kan zien welke antwoorden "
                    "van hen zijn.",
                )
            ],
            level=3,
        ),
        Section(t("C. Risks", "C. Risico's")),
        Section(
            t("C.1 Disclosure audit", "C.1 Onthullingscontrole"),
            [
                t(
                    "Result of `samen audit` at drafting:",
                    "Uitkomst van `samen audit` bij het opstellen:",
                ),
                audit,
            ],
            level=3,
        ),
        Section(
            t(
                "C.2 Residual risks (README, threat model)",
                "C.2 Restrisico's (README, dreigingsmodel)",
            ),
            [],
            [t(en, nl) for en, nl in RISKS]
            + (
                [
                    t(
                        "The open link: anyone with it can add answers; results only for divisions at open_link_k.",
                        "De open link: iedereen die hem heeft, kan antwoorden toevoegen; uitkomsten alleen voor divisies vanaf open_link_k.",
                    )
                ]
                if d.open_link
                else []
            ),
            level=3,
        ),
        Section(t("D. Measures", "D. Maatregelen")),
        Section(
            t("D.1 Built in", "D.1 Ingebouwd"),
            [],
            [
                t(
                    "The invitation is deleted when the survey is opened; no link from a response to a person, no times, random keys, rows rewritten in random order at close.",
                    "De uitnodiging wordt verwijderd zodra de vragenlijst wordt geopend; geen koppeling van reactie naar persoon, geen tijden, willekeurige sleutels, rijen in willekeurige volgorde herschreven bij sluiten.",
                ),
                t(
                    f"Minimum group size k = {p['k_responses']} responses with secondary suppression across the unit tree, the filter and time; results only after a round closes.",
                    f"Minimale groepsgrootte k = {p['k_responses']} reacties met secundaire onderdrukking over de boom, het filter en de tijd; uitkomsten pas na sluiten van een ronde.",
                ),
                t(
                    f"One filter question ({p['filter_question'] or 'none'}).",
                    f"Een filtervraag ({p['filter_question'] or 'geen'}).",
                ),
                t(
                    "Homogeneity rule for sensitive items; exports k-anonymous without comments; `samen audit` proves the views together.",
                    "Homogeniteitsregel voor gevoelige vragen; exports k-anoniem zonder opmerkingen; `samen audit` toetst alle weergaven samen.",
                ),
                t(
                    "Works-council role that sees only the profile, the audit result and response progress at k.",
                    "OR-rol die alleen het profiel, de controle-uitkomst en de respons vanaf k ziet.",
                ),
            ],
            level=3,
        ),
        Section(
            t("D.2 Organisational", "D.2 Organisatorisch"),
            [TODO[lang]],
            [
                t(
                    "restrict raw database, WAL and backup access while a wave is open; delete backups with the wave's data",
                    "beperk toegang tot de database, de WAL en back-ups tijdens een ronde; verwijder back-ups met de gegevens van de ronde",
                ),
                t(
                    "keep /s/<token> out of proxy logs; prefer invitations mailed by Samen over lists of links",
                    "houd /s/<token> uit proxylogs; mail uitnodigingen liever via Samen dan via lijsten met links",
                ),
                t("schedule `samen purge --expired`", "plan `samen purge --expired` in"),
            ],
            level=3,
        ),
    ]
    for section in out:
        section.paragraphs = [x for x in section.paragraphs if x]
    return out


def to_markdown(sections: list[Section]) -> str:
    """The draft as Markdown."""
    lines: list[str] = []
    for section in sections:
        lines += ["#" * section.level + " " + section.title, ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.bullets:
            lines += [f"- {b}" for b in section.bullets] + [""]
    return "\n".join(lines)


def to_html(sections: list[Section], lang: str) -> str:
    """The draft as one self-contained HTML page with print CSS (autoescaped)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    folder = Path(__file__).resolve().parent.parent / "templates"
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    return env.get_template("privacy/dpia.html").render(sections=sections, lang=lang)
