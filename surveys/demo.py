"""A demo hospital: org tree, the example survey, three waves of synthetic responses.

:func:`build_demo` fills an empty (migrated) database with City Hospital ("Stadsziekenhuis"):
three levels, 40 units of 3 to 60 people (some below k), the survey of
``surveys/examples/hospital.yaml`` in Dutch and English, two closed waves (so the dashboard
has a trend to show) and an open third wave of responses drawn from a latent model with NumPy:

- every person has a general climate factor around their team's effect (teams differ: ICC
  about .15), every instrument a factor loading on it, every scale and item noise;
- units whose managers followed the inclusive-leadership programme after the first wave
  improve on belonging and authenticity (+0.8 SD) and on inclusive leadership (+0.3 SD) from
  the second wave on;
- those units form the programme ``PROGRAMME_NAME`` (cohort ``PROGRAMME_COHORT``), evaluated
  between the first two waves (both closed), so its page finds the effect;
- unwanted behaviour is more frequent where the climate is worse; a quarter of respondents
  skip the sensitive modules; a few answers are missing or "not applicable".

The last wave stays open with unused invitations left, and ``links`` fresh invitation tokens
for the demo's printed links.
"""

from __future__ import annotations

import csv
import datetime as dt
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from instruments import Item
from surveys._common import new_key, today
from surveys.db import Database
from surveys.errors import SamenError
from surveys.invitations import issue_invitations
from surveys.models import Comment, DailyCount, Response, SurveyRow, Unit, Wave
from surveys.org import import_units
from surveys.survey_definition import SurveyDefinition
from surveys.survey_store import create_survey, get_survey
from surveys.waves import close_wave, open_wave

__all__ = [
    "DEMO_WAVES",
    "PROGRAMME_COHORT",
    "PROGRAMME_NAME",
    "PROGRAMME_UNITS",
    "DemoAccount",
    "DemoInfo",
    "build_demo",
]

EXAMPLE = Path(__file__).resolve().parent / "examples" / "hospital.yaml"
DEMO_WAVES = ("2025-2", "2026-1", "2026-2")
DOMAIN = "stadsziekenhuis.example"

# (code, parent, name, headcount); headcount 0 for units with no staff of their own.
UNITS: tuple[tuple[str, str, str, int], ...] = (
    ("ZH", "", "Stadsziekenhuis", 0),
    ("SNIJ", "ZH", "Snijdende specialismen", 0),
    ("BESCH", "ZH", "Beschouwende specialismen", 0),
    ("ACUUT", "ZH", "Acute zorg", 0),
    ("DIAG", "ZH", "Diagnostiek", 0),
    ("STAF", "ZH", "Staf en ondersteuning", 0),
    ("CHIR-A", "SNIJ", "Chirurgie A", 45),
    ("CHIR-B", "SNIJ", "Chirurgie B", 38),
    ("ORTHO", "SNIJ", "Orthopedie", 32),
    ("OK", "SNIJ", "Operatiekamers", 60),
    ("KNO", "SNIJ", "KNO", 12),
    ("URO", "SNIJ", "Urologie", 14),
    ("ANEST", "SNIJ", "Anesthesiologie", 22),
    ("INT-A", "BESCH", "Interne geneeskunde A", 40),
    ("INT-B", "BESCH", "Interne geneeskunde B", 35),
    ("CARDIO", "BESCH", "Cardiologie", 30),
    ("LONG", "BESCH", "Longziekten", 18),
    ("NEURO", "BESCH", "Neurologie", 24),
    ("GERI", "BESCH", "Geriatrie", 20),
    ("ONCO", "BESCH", "Oncologie dagbehandeling", 16),
    ("DIAL", "BESCH", "Dialyse", 9),
    ("SEH", "ACUUT", "Spoedeisende hulp", 50),
    ("IC", "ACUUT", "Intensive care", 55),
    ("CCU", "ACUUT", "Hartbewaking", 15),
    ("AMBU", "ACUUT", "Ambulancepost", 4),
    ("LAB", "DIAG", "Klinisch laboratorium", 28),
    ("RAD", "DIAG", "Radiologie", 26),
    ("PATH", "DIAG", "Pathologie", 11),
    ("NUC", "DIAG", "Nucleaire geneeskunde", 4),
    ("APOT", "DIAG", "Apotheek", 13),
    ("HR", "STAF", "HR", 10),
    ("FIN", "STAF", "Financien", 8),
    ("ICT", "STAF", "ICT", 17),
    ("FAC", "STAF", "Facilitair bedrijf", 30),
    ("SCHOON", "STAF", "Schoonmaak", 25),
    ("COMM", "STAF", "Communicatie", 3),
    ("KWAL", "STAF", "Kwaliteit en veiligheid", 6),
    ("DIR", "STAF", "Bestuurssecretariaat", 5),
    ("ONDERZ", "STAF", "Wetenschapsbureau", 7),
    ("OPL", "STAF", "Opleidingen", 5),
)
#: Units whose managers followed the inclusive-leadership programme after the first wave.
PROGRAMME_UNITS = ("CHIR-B", "ORTHO", "INT-A", "GERI", "SEH", "LAB", "FAC")
PROGRAMME_NAME = "Inclusief leiderschap"
PROGRAMME_COHORT = "2025-2026"
INTERNATIONAL = {"ICT": 0.35, "LAB": 0.3, "ONDERZ": 0.5, "IC": 0.15}
LINK_UNIT = "CHIR-B"
EFFECTS = {"belonging": 0.8, "authenticity": 0.8, "inclusive_leadership": 0.3}
#: Open comments as a hospital's staff write them: varied in topic, length and tone. A wave
#: draws them without repeating (:func:`_comment_source`) until a language's list runs out.
COMMENTS = {
    "nl": (
        "Fijn team, maar de werkdruk is al maanden te hoog. Er wordt te vaak gerekend op "
        "collega's die extra diensten draaien.",
        "Ik zou graag vaker horen wat er met meldingen gebeurt. Nu hoor je er nooit meer "
        "iets van.",
        "Onze leidinggevende luistert echt, dat merk je aan hoe problemen worden opgepakt.",
        "Meer tijd voor overleg zou helpen; de overdracht is vaak gehaast.",
        "In de nachtdienst voel ik me soms alleen staan als er iets misgaat.",
        "Nieuwe collega's worden hier goed opgevangen, ik had binnen een paar weken mijn plek.",
        "Er wordt te veel over elkaar gepraat in plaats van met elkaar.",
        "Ik durf fouten te melden zonder dat ik op mijn kop krijg. Dat was vroeger wel anders.",
        "Graag meer aandacht voor collega's met een andere achtergrond, ook in de pauzes.",
        "Het teamoverleg gaat vooral over roosters, niet over hoe het met ons gaat.",
        "Bij agressie van bezoekers staan we er samen voor, en de beveiliging is snel "
        "ter plaatse.",
        "Ik mis waardering van hogerop. Van mijn directe collega's krijg ik die wel.",
        "De roosters komen te laat; ik kan mijn privéleven daardoor slecht plannen.",
        "Als stagiair word ik serieus genomen, ook als ik vragen stel.",
        "Soms worden grappen gemaakt die over de grens gaan. Niemand zegt er iets van.",
        "Goede sfeer op de afdeling. Wel jammer dat er zoveel collega's vertrekken.",
        "Ik weet niet bij wie ik terechtkan als ik iets vervelends meemaak met een arts.",
        "Sinds de nieuwe teamleider is er meer ruimte om kritiek te geven.",
        "Het zou helpen als de directie vaker op de werkvloer komt kijken.",
        "We zijn met te weinig mensen voor het aantal patiënten. De kwaliteit lijdt eronder.",
        "Mijn werk wordt gewaardeerd, maar doorgroeimogelijkheden zie ik niet.",
        "Het inwerkprogramma was goed geregeld.",
        "Collega's die parttime werken missen veel informatie; niet alles staat in de mail.",
        "Ik voel me vrij om mezelf te zijn op het werk.",
        "Klachten van familie komen vaak bij de jongste collega's terecht. Dat is niet eerlijk.",
        "De vertrouwenspersoon is goed te vinden, dat stelt gerust.",
        "Er is weinig begrip voor collega's met een chronische ziekte.",
        "Ik ben trots op hoe we de drukke wintermaanden samen hebben doorstaan.",
        "Meer scholing over omgaan met agressie zou welkom zijn.",
        "Het verschil tussen de dag- en de nachtploeg is groot; we kennen elkaar nauwelijks.",
        "Beslissingen worden boven ons hoofd genomen zonder uitleg.",
        "Ik heb een keer een melding gedaan en ben daar goed in begeleid.",
        "Graag een rustigere plek om te pauzeren.",
        "Er is ruimte voor nieuwe ideeën, als je maar volhoudt.",
        "Onze afdeling heeft veel verloop in het management. Elke keer beginnen we opnieuw.",
        "De samenwerking met de andere afdelingen kan beter, vooral bij overplaatsingen.",
        "Ik merk dat collega's met een migratieachtergrond minder snel een vaste "
        "aanstelling krijgen.",
        "Het is hier prettig werken. Ik zou het mijn vrienden aanraden.",
        "Ik vind het lastig om nee te zeggen tegen extra diensten.",
        "Soms word ik buitengesloten omdat ik de grapjes niet deel.",
        "Onze leidinggevende is vaak afwezig door vergaderingen.",
        "Goede ervaringen met intervisie; dat zou vaker mogen.",
        "De elektronische dossiers kosten te veel tijd, tijd die niet naar de patiënt gaat.",
        "Fijn dat deze vragenlijst anoniem is. Ik hoop dat er echt iets mee gebeurt.",
        "Vorige keer is er niets gedaan met de uitkomsten. Ik ben benieuwd of het nu anders gaat.",
    ),
    "en": (
        "Great colleagues, but team meetings are only in Dutch, so I miss a lot.",
        "I would like more feedback on what happens after a report.",
        "People here help each other out when it gets busy.",
        "It took months before I felt part of the team.",
        "My manager asks for my opinion, and that matters to me.",
        "Written information is often only available in Dutch.",
        "The research group is very welcoming to international staff.",
        "I am not sure my contract will be renewed, which makes it hard to speak up.",
        "Social events are mostly in Dutch; a mixed-language drink now and then would help.",
        "I feel respected by my colleagues, less so by some of the senior staff.",
        "Onboarding was well organised, including a buddy.",
        "Workload in the lab is high before every deadline.",
        "It is not always clear whom to contact about unwanted behaviour.",
        "I appreciate the flexibility to work from home on analysis days.",
        "Decisions about the department are communicated late and only by e-mail.",
        "Good atmosphere, but some jokes about accents are not funny.",
        "My Dutch colleagues switch to English when I join, which I appreciate.",
        "Hard to find time for training next to the daily work.",
    ),
}


@dataclass(frozen=True)
class DemoAccount:
    """A staff account of the demo (password chosen at random for this demo database)."""

    email: str
    role: str
    password: str
    unit: str | None = None


@dataclass(frozen=True)
class DemoInfo:
    """What :func:`build_demo` made. ``tokens`` are fresh invitations in the open wave."""

    survey: str
    waves: tuple[str, ...]
    open_wave: str
    tokens: tuple[str, ...]
    link_unit: str
    units: tuple[str, ...]
    programme_units: tuple[str, ...]
    responses: dict[str, int] = field(default_factory=dict)
    accounts: tuple[DemoAccount, ...] = ()

    @property
    def links(self) -> tuple[str, ...]:
        """Alias of ``tokens``."""
        return self.tokens


def build_demo(db: Database, seed: int = 1, links: int = 3, accounts: bool = True) -> DemoInfo:
    """Fill the empty database ``db`` with the demo hospital (see the module docstring)."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "units.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["unit_id", "parent_id", "name", "manager_email"])
            for code, parent, name, size in UNITS:
                email = f"manager.{code.lower()}@{DOMAIN}" if size else ""
                writer.writerow([code, parent, name, email])
        import_units(db, path)
    slug = create_survey(db, EXAMPLE)
    definition = get_survey(db, slug)
    staffed = [(code, size) for code, _, _, size in UNITS if size]
    team = {code: rng.normal(0, 0.42) for code, _ in staffed}
    team_instrument = {
        (code, inst.id): rng.normal(0, 0.2)
        for code, _ in staffed
        for inst in definition.answer_instruments
    }
    start = today()
    schedule = {
        DEMO_WAVES[0]: (start - dt.timedelta(days=370), 21),
        DEMO_WAVES[1]: (start - dt.timedelta(days=190), 21),
        DEMO_WAVES[2]: (start - dt.timedelta(days=9), 10),
    }
    counts: dict[str, int] = {}
    for number, label in enumerate(DEMO_WAVES):
        open_wave(db, slug, label)
        opened, days = schedule[label]
        counts[label] = _fill_wave(
            db, definition, label, number, staffed, team, team_instrument, opened, days, rng
        )
        with db.session(write=True) as session:
            wave = _wave(session, slug, label)
            wave.opened_on = opened
        if label != DEMO_WAVES[-1]:
            close_wave(db, slug, label)
            with db.session(write=True) as session:
                _wave(session, slug, label).closed_on = opened + dt.timedelta(days=days)
    tokens = tuple(issue_invitations(db, slug, LINK_UNIT, links)) if links else ()
    made = _accounts(db) if accounts else ()
    _programme(db, slug)
    _leader_views(db, slug, rng)
    return DemoInfo(
        survey=slug,
        waves=DEMO_WAVES,
        open_wave=DEMO_WAVES[-1],
        tokens=tokens,
        link_unit=LINK_UNIT,
        units=tuple(code for code, *_ in UNITS),
        programme_units=PROGRAMME_UNITS,
        responses=counts,
        accounts=made,
    )


def _wave(session: Session, slug: str, label: str) -> Wave:
    survey_id = session.scalar(select(SurveyRow.id).where(SurveyRow.slug == slug))
    wave = session.scalar(select(Wave).where(Wave.survey_id == survey_id, Wave.label == label))
    if wave is None:
        raise SamenError(f"demo: wave {label!r} of {slug!r} is missing")
    return wave


def _fill_wave(
    db: Database,
    definition: SurveyDefinition,
    label: str,
    number: int,
    staffed: list[tuple[str, int]],
    team: dict[str, float],
    team_instrument: dict[tuple[str, str], float],
    opened: dt.date,
    days: int,
    rng: np.random.Generator,
) -> int:
    """Insert one wave's responses, comments, daily counters and unused invitations."""
    slug = definition.slug
    rows: list[dict[str, object]] = []
    comments: list[dict[str, object]] = []
    daily: dict[tuple[str, dt.date], int] = {}
    unused: dict[str, int] = {}
    sources = {language: _comment_source(language, rng) for language in COMMENTS}
    with db.session() as session:
        unit_ids = dict(session.execute(select(Unit.code, Unit.id)).all())
        wave_id = _wave(session, slug, label).id
    for code, size in staffed:
        rate = rng.uniform(0.5, 0.85)
        n = int(rng.binomial(size, rate))
        unused[code] = size - n
        if n == 0:
            continue
        answers, demographics = _simulate(definition, code, n, number, team, team_instrument, rng)
        english = rng.random(n) < INTERNATIONAL.get(code, 0.08)
        # Front-loaded answering: half in the first days, the rest after reminders.
        offsets = np.minimum(rng.geometric(0.25, n) - 1, days - 1)
        for i in range(n):
            language = "en" if english[i] else "nl"
            rows.append(
                {
                    "id": new_key(),
                    "wave_id": wave_id,
                    "unit_id": unit_ids[code],
                    "language": language,
                    "answers": answers[i],
                    "demographics": demographics[i],
                }
            )
            if rng.random() < 0.12:
                comments.append(
                    {
                        "id": new_key(),
                        "wave_id": wave_id,
                        "unit_id": unit_ids[code],
                        "language": language,
                        "text": next(sources[language]),
                    }
                )
            day = opened + dt.timedelta(days=int(offsets[i]))
            daily[(code, day)] = daily.get((code, day), 0) + 1
    secrets.SystemRandom().shuffle(rows)
    with db.session(write=True) as session:
        session.execute(insert(Response), rows)
        if comments:
            session.execute(insert(Comment), comments)
        session.execute(
            insert(DailyCount),
            [
                {"wave_id": wave_id, "unit_id": unit_ids[code], "day": day, "count": n}
                for (code, day), n in sorted(daily.items())
            ],
        )
    for code, n in unused.items():
        if n:
            issue_invitations(db, slug, code, n, wave=label)
    return len(rows)


def _comment_source(language: str, rng: np.random.Generator) -> Iterator[str]:
    """The comments of ``language`` in a random order, each once before any repeats."""
    options = COMMENTS[language]
    while True:
        for index in rng.permutation(len(options)):
            yield options[int(index)]


def _simulate(
    definition: SurveyDefinition,
    code: str,
    n: int,
    number: int,
    team: dict[str, float],
    team_instrument: dict[tuple[str, str], float],
    rng: np.random.Generator,
) -> tuple[list[str], list[str | None]]:
    """Answer strings for ``n`` respondents of unit ``code`` in wave ``number``."""
    general = rng.normal(team[code], 1.0, n)
    programme = number > 0 and code in PROGRAMME_UNITS
    safety = np.zeros(n)
    columns: list[np.ndarray] = []
    for instrument in definition.answer_instruments:
        if instrument.id == "unwanted_behaviour":
            columns += _unwanted(instrument.items, safety, rng)
            continue
        factor = 0.7 * general + 0.7 * rng.normal(0, 1, n)
        factor += team_instrument[(code, instrument.id)]
        if programme:
            factor += EFFECTS.get(instrument.id, 0.0)
        if instrument.id == "social_safety":
            safety = factor
        for scale in instrument.scales:
            sign = -1.0 if scale.id == "workload" else 1.0
            facet = sign * (0.85 * factor) + 0.5 * rng.normal(0, 1, n)
            for item in scale.items:
                latent = 0.8 * facet + 0.6 * rng.normal(0, 1, n) + rng.normal(0.35, 0.25)
                columns.append(_to_codes(item, -latent if item.reverse else latent))
    matrix = np.column_stack(columns)
    # A quarter skip the sensitive modules (no consent); a few answers are missing.
    sensitive_ids = {i.id for inst in definition.sensitive_instruments for i in inst.items}
    sensitive = np.array(
        [i for i, item_id in enumerate(definition.item_ids) if item_id in sensitive_ids], dtype=int
    )
    skip = rng.random(n) < 0.25
    matrix[np.ix_(skip, sensitive)] = -1
    matrix[rng.random(matrix.shape) < 0.02] = -1
    answers = ["".join("-" if v < 0 else str(v) for v in row) for row in matrix]
    demographics: list[str | None] = [None] * n
    if definition.demographics is not None:
        demo = np.column_stack(
            [_categorical(item, n, rng) for item in definition.demographic_items]
        )
        demo[skip] = -1
        demographics = ["".join("-" if v < 0 else str(v) for v in row) for row in demo]
    return answers, demographics


def _to_codes(item: Item, latent: np.ndarray) -> np.ndarray:
    """Cut a latent response into the item's points (most people agree, as in practice)."""
    points = np.asarray(item.response_scale.points)
    cuts = np.linspace(-1.7, 1.3, len(points) - 1)
    return points[np.searchsorted(cuts, latent)]


#: Shares of the answers to each demographic question, in the order of its points, as in a
#: Dutch general hospital (CBS/AZW figures for care, rounded): mostly women, about one in
#: seven born abroad, a small minority in "another identity" and LGBTIQ+. Each unit's shares
#: vary around these (Dirichlet, concentration 40) so units differ without looking random.
DEMOGRAPHIC_SHARES = {
    "dem_age": (0.22, 0.33, 0.32, 0.13),
    "dem_gender": (0.78, 0.21, 0.01),
    "dem_born_nl": (0.86, 0.14),
    "dem_parents_abroad": (0.77, 0.09, 0.14),
    "dem_disability": (0.12, 0.88),
    "dem_lgbtiq": (0.06, 0.94),
    "dem_role": (0.5, 0.1, 0.2, 0.05, 0.05, 0.05, 0.05),
    "dem_tenure": (0.2, 0.25, 0.2, 0.35),
}
#: Share answering "prefer not to say": higher for special-category questions (GDPR art. 9).
PREFER_NOT = {
    "dem_born_nl": 0.05,
    "dem_parents_abroad": 0.06,
    "dem_disability": 0.07,
    "dem_lgbtiq": 0.09,
}


def _categorical(item: Item, n: int, rng: np.random.Generator) -> np.ndarray:
    points = np.asarray(item.response_scale.points)
    base = DEMOGRAPHIC_SHARES.get(item.id)
    if base is None or len(base) != len(points):
        base = tuple(np.full(len(points), 1.0 / len(points)))
    weights = rng.dirichlet(40.0 * np.asarray(base))
    codes = rng.choice(points, size=n, p=weights)
    codes[rng.random(n) < PREFER_NOT.get(item.id, 0.02)] = -1  # prefer not to say
    return codes


def _unwanted(
    items: tuple[Item, ...], safety: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Unwanted behaviour: more often where social safety is low; sources only if it happened."""
    n = len(safety)
    base = 1.0 / (1.0 + np.exp(1.6 + 0.8 * safety))
    experienced = np.zeros(n, dtype=bool)
    reported = np.zeros(n, dtype=bool)
    columns: list[np.ndarray] = []
    for item in items:
        if item.id.startswith(("ub_exp_", "ub_wit_")):
            p = base * (1.8 if item.id.startswith("ub_wit_") else 1.0)
            happened = rng.random(n) < np.clip(p, 0, 0.9)
            # 2 once or twice, 3 sometimes, 4 often, 5 very often
            severity = 2 + sum((rng.random(n) < share).astype(int) for share in (0.35, 0.1, 0.03))
            codes = np.where(happened, severity, 1)
            if item.id.startswith("ub_exp_"):
                experienced |= happened
            columns.append(codes)
        elif item.id.startswith("ub_src_"):
            shares = {"ub_src_colleague": 0.45, "ub_src_manager": 0.15, "ub_src_public": 0.5}
            yes = rng.random(n) < shares.get(item.id, 0.1)
            columns.append(np.where(experienced, np.where(yes, 1, 2), -1))
        elif item.id == "ub_rep_reported":
            reported = experienced & (rng.random(n) < 0.3)
            columns.append(np.where(experienced, np.where(reported, 1, 2), -1))
        else:
            codes = _to_codes(item, rng.normal(0, 1, n) + 0.5 * safety)
            columns.append(np.where(reported, codes, -1))
    return columns


def _accounts(db: Database) -> tuple[DemoAccount, ...]:
    from surveys.users import add_user

    made = (
        DemoAccount(f"admin@{DOMAIN}", "admin", secrets.token_urlsafe(12)),
        DemoAccount(f"manager.chir-b@{DOMAIN}", "manager", secrets.token_urlsafe(12), "CHIR-B"),
        DemoAccount(f"onderzoek@{DOMAIN}", "researcher", secrets.token_urlsafe(12)),
        DemoAccount(f"or@{DOMAIN}", "council", secrets.token_urlsafe(12)),
    )
    for account in made:
        add_user(db, account.email, account.role, account.password, account.unit)
    return made


def _programme(db: Database, slug: str) -> None:
    """The programme of ``PROGRAMME_UNITS``, from the first wave (before) to the second."""
    from surveys.programmes import add_programme, units_given

    add_programme(
        db,
        slug,
        PROGRAMME_NAME,
        cohort=PROGRAMME_COHORT,
        before=DEMO_WAVES[0],
        after=DEMO_WAVES[1],
        units=units_given(PROGRAMME_UNITS),
    )


#: How much more positively the demo's leaders see their team than the team does, on the
#: 1-5 scale, before and after the programme: the gap narrows.
LEADER_OPTIMISM = {DEMO_WAVES[0]: 0.8, DEMO_WAVES[1]: 0.4}


def _leader_views(db: Database, slug: str, rng: np.random.Generator) -> None:
    """Leader self-views of the programme's leaders before and after it (CHIR-B's leader is
    the demo manager account, so that dashboard shows the gap)."""
    from surveys.leaders import leader_scales, store_leader_view

    scales = leader_scales(get_survey(db, slug))
    for unit in PROGRAMME_UNITS:
        email = f"manager.{unit.lower()}@{DOMAIN}"
        for wave, optimism in LEADER_OPTIMISM.items():
            answers = {}
            for scale in scales:
                level = 3.3 + optimism + rng.normal(0, 0.3)
                for item in scale.items:
                    code = int(np.clip(np.rint(level + rng.normal(0, 0.45)), 1, 5))
                    answers[item.id] = 6 - code if item.reverse else code
            store_leader_view(db, slug, wave, unit, email, answers)
