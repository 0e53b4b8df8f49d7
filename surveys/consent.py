"""A survey's privacy profile and the works council's consent to it (issue 13, WOR art. 27).

The *profile* is every privacy setting of a survey a works council (ondernemingsraad)
consents to: k (counted in responses), the comment threshold (in writers), the threshold of
sensitive modules (responses), the homogeneity rule (respondents outside the largest
answer), the filter question, the modules, whether exports exist and at which level, the
release policy, retention, and who may see what. :func:`profile` derives it from the
definition alone, so it always matches what the software does.

``samen survey consent SURVEY --by "OR, 2026-12-01"`` stores the profile with the consent
(:func:`give_consent`). From then on the profile is locked: :func:`check_profile` compares the
current profile with the consented one, and :func:`change_definition`, the one way to change a
stored survey's settings, refuses a change of the profile unless a new consent comes with it;
each accepted change is recorded with what changed and the day (never who: staff data only,
nothing in respondent data).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from surveys.db import Database
from surveys.errors import InputError, NotFound, SamenError
from surveys.survey_definition import SurveyDefinition

#: Respondents a sensitive item needs outside its largest category before its distribution is
#: shown (the homogeneity rule). ``surveys`` may not import ``engine`` (DESIGN.md, dependency
#: direction), so the profile states the number here; tests/surveys/test_consent.py checks it
#: equals ``engine.disclosure.homogeneity.MIN_OUTSIDE``.
MIN_OUTSIDE = 2

__all__ = [
    "RESIDUAL_RISKS",
    "Consent",
    "ConsentLocked",
    "change_definition",
    "check_profile",
    "consent_history",
    "differences",
    "give_consent",
    "guard_change",
    "latest_consent",
    "parse_by",
    "profile",
    "record_change",
]

#: Roles and what each may see (the access rules of webapp/results/access.py, in words).
WHO_SEES = {
    "admin": "every unit's results at k; the audit; exports; the profile",
    "researcher": "every unit's results at k; psychometric reports; exports",
    "manager": "results of their own unit and the units below it, at k",
    "council": "the profile, the audit result and response progress per unit at k",
}


#: Residual risks of README's threat model ("What Samen cannot protect against"), short.
RESIDUAL_RISKS: tuple[tuple[str, str], ...] = (
    (
        "An administrator with raw database access during an open wave can match submissions "
        "to times (PostgreSQL xmin, row order) with access logs; closing the wave removes this.",
        "Een beheerder met directe toegang tot de database kan tijdens een open ronde "
        "inzendingen aan tijden koppelen (xmin van PostgreSQL, volgorde) met toegangslogs; "
        "het sluiten van de ronde haalt dit weg.",
    ),
    (
        "The transaction log (WAL) and its backups taken during a wave keep the order of "
        "link openings and responses; in a small unit answering one at a time, order may "
        "point to a person.",
        "Het transactielog (WAL) en back-ups tijdens een ronde bewaren de volgorde van "
        "geopende links en reacties; in een kleine eenheid die een voor een antwoordt, kan "
        "die volgorde naar een persoon wijzen.",
    ),
    (
        "Whoever holds a list of invitation links can see who answered and pad a unit with "
        "known answers; invitations mailed by Samen leave nobody holding links.",
        "Wie een lijst met uitnodigingslinks heeft, kan zien wie antwoordde en een eenheid "
        "aanvullen met eigen antwoorden; uitnodigingen die Samen zelf mailt, laten niemand "
        "met een lijst achter.",
    ),
    (
        "Invitation links in a proxy's access log.",
        "Uitnodigingslinks in het toegangslog van een proxy.",
    ),
    (
        "Everyone answering alike: guarded for sensitive items (at least 2 respondents "
        "outside the most common answer), not for other questions.",
        "Iedereen antwoordt hetzelfde: afgeschermd voor gevoelige vragen (minstens 2 "
        "deelnemers buiten het meest gegeven antwoord), niet voor andere vragen.",
    ),
    (
        "The audit checks counts and sums; standard deviations and reliability coefficients "
        "are not audited as differences.",
        "De controle toetst aantallen en sommen; standaarddeviaties en "
        "betrouwbaarheidscoefficienten worden niet als verschillen getoetst.",
    ),
    (
        "`samen compare` outputs of several runs on one CSV are not audited together.",
        "Uitkomsten van meerdere runs van `samen compare` op een CSV worden niet samen "
        "gecontroleerd.",
    ),
)


class ConsentLocked(SamenError):
    """A consented profile would change without a new consent."""


def profile(definition: SurveyDefinition) -> dict[str, Any]:
    """The privacy profile of ``definition``: a JSON-ready dict of settings, each named with
    the unit it counts (responses, writers, respondents, days)."""
    from surveys.privacy import SPECIAL_CATEGORY

    # the rule of webapp.results.release.filter_question (surveys/ does not import webapp/;
    # tests/surveys/test_consent.py checks the two agree)
    ids = [item.id for item in definition.demographic_items]
    chosen = getattr(definition, "filter_question", None)
    filter_question = (
        None
        if definition.open_link
        else chosen
        if chosen in ids
        else "dem_gender"
        if "dem_gender" in ids
        else (ids[0] if ids else None)
    )
    special = sorted(
        item.id
        for inst in definition.instruments
        for item in inst.items
        if item.id in SPECIAL_CATEGORY
    )
    return {
        "survey": definition.slug,
        "k_responses": definition.k,
        "comment_threshold_writers": definition.comment_threshold,
        "sensitive_k_responses": max(definition.k, definition.comment_threshold),
        "homogeneity_min_outside_respondents": MIN_OUTSIDE,
        "filter_question": filter_question,
        "modules": sorted(definition.modules),
        "sensitive_instruments": sorted(i.id for i in definition.sensitive_instruments),
        "special_category_questions": special,
        "open_link": definition.open_link,
        "open_link_k_responses": definition.open_link_k if definition.open_link else None,
        "release": definition.release,
        "exports": {
            "enabled": True,
            "roles": ["admin", "researcher"],
            "level": "k-anonymous microdata: unit, language and demographics as "
            "quasi-identifiers, each combination at least k responses; no comments",
        },
        "retention_days": definition.retention_days,
        "who_sees": dict(WHO_SEES),
    }


_BY = re.compile(r"^\s*(?P<body>[^,]{1,150}?)\s*,\s*(?P<day>\d{4}-\d{2}-\d{2})\s*$")


def parse_by(text: str) -> tuple[str, dt.date]:
    """``"OR, 2026-12-01"`` -> ``("OR", date(2026, 12, 1))`` (InputError otherwise)."""
    found = _BY.match(text or "")
    if found is None:
        raise InputError('give --by as "BODY, YYYY-MM-DD", e.g. "OR, 2026-12-01"')
    try:
        day = dt.date.fromisoformat(found["day"])
    except ValueError as error:
        raise InputError(f"not a date: {found['day']!r}") from error
    return found["body"], day


@dataclass(frozen=True)
class Consent:
    """One consent: by whom (a body, as given), on which day, the profile and the audit."""

    by: str
    on: dt.date
    profile: dict[str, Any]
    audit: str


def _survey_id(session: Any, slug: str) -> int:
    from surveys.models import SurveyRow

    found = session.scalar(select(SurveyRow.id).where(SurveyRow.slug == slug))
    if found is None:
        raise NotFound(f"no survey {slug!r}")
    return int(found)


def give_consent(db: Database, slug: str, by: str, audit: str = "") -> Consent:
    """Record the works council's consent to the survey's current profile.

    Parameters
    ----------
    by : str
        ``"BODY, YYYY-MM-DD"`` (:func:`parse_by`).
    audit : str
        The disclosure audit's summary line at consent (shown beside the profile).
    """
    from surveys.models import PrivacyConsent
    from surveys.survey_store import get_survey

    body, day = parse_by(by)
    current = profile(get_survey(db, slug))
    with db.session(write=True) as session:
        session.add(
            PrivacyConsent(
                survey_id=_survey_id(session, slug),
                consented_by=body,
                consented_on=day,
                profile=json.dumps(current, sort_keys=True),
                audit=audit,
            )
        )
    return Consent(body, day, current, audit)


def consent_history(db: Database, slug: str) -> list[Consent]:
    """Every consent of the survey, oldest first."""
    from surveys.models import PrivacyConsent

    with db.session() as session:
        rows = session.scalars(
            select(PrivacyConsent)
            .where(PrivacyConsent.survey_id == _survey_id(session, slug))
            .order_by(PrivacyConsent.id)
        ).all()
        return [
            Consent(r.consented_by, r.consented_on, json.loads(r.profile), r.audit) for r in rows
        ]


def latest_consent(db: Database, slug: str) -> Consent | None:
    """The survey's latest consent, or None."""
    found = consent_history(db, slug)
    return found[-1] if found else None


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two profiles, one line per setting (``"k_responses: 5 -> 7"``)."""
    out = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            out.append(f"{key}: {before.get(key)!r} -> {after.get(key)!r}")
    return out


def check_profile(db: Database, slug: str) -> list[str]:
    """Differences between the current profile and the consented one ([] when none, or when
    the survey has no consent)."""
    from surveys.survey_store import get_survey

    consent = latest_consent(db, slug)
    if consent is None:
        return []
    return differences(consent.profile, profile(get_survey(db, slug)))


def changes(db: Database, slug: str) -> list[tuple[dt.date, str]]:
    """Recorded changes of a consented profile: (day, what), oldest first."""
    from surveys.models import PrivacyChange

    with db.session() as session:
        rows = session.scalars(
            select(PrivacyChange)
            .where(PrivacyChange.survey_id == _survey_id(session, slug))
            .order_by(PrivacyChange.id)
        ).all()
        return [(r.changed_on, r.what) for r in rows]


def guard_change(
    db: Database,
    slug: str,
    definition: SurveyDefinition,
    *,
    new_consent: str | None = None,
) -> list[str]:
    """Check a settings change against the consent before it is written (ConsentLocked when
    the consented profile would change without ``new_consent``); return what changes.

    For any code that rewrites a survey's stored settings (:func:`change_definition`, and
    ``samen survey update`` where it exists): call this first, write the definition, then
    :func:`record_change` with the returned lines.
    """
    consent = latest_consent(db, slug)
    changed = differences(consent.profile, profile(definition)) if consent else []
    if changed and new_consent is None:
        raise ConsentLocked(
            "the works council consented to this survey's privacy profile; changing "
            + "; ".join(changed)
            + ' needs a new consent (--consent "BODY, YYYY-MM-DD")'
        )
    if new_consent is not None:
        parse_by(new_consent)  # refuse a malformed consent before changing anything
    return changed


def record_change(
    db: Database,
    slug: str,
    changed: list[str],
    *,
    new_consent: str | None = None,
    today: dt.date | None = None,
) -> None:
    """Record what changed in a consented profile and the day (never who), and the new
    consent when one was given."""
    from surveys.models import PrivacyChange

    if changed:
        with db.session(write=True) as session:
            session.add(
                PrivacyChange(
                    survey_id=_survey_id(session, slug),
                    changed_on=today or dt.date.today(),
                    what="; ".join(changed),
                )
            )
    if new_consent is not None:
        give_consent(db, slug, new_consent)


def change_definition(
    db: Database,
    slug: str,
    definition: SurveyDefinition,
    stored: str,
    *,
    new_consent: str | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """Replace a survey's stored definition; a consented profile changes only with a consent.

    Parameters
    ----------
    definition : SurveyDefinition
        The new definition (same slug).
    stored : str
        Its stored text (what :func:`surveys.survey_store.get_survey` parses).
    new_consent : str, optional
        ``"BODY, YYYY-MM-DD"``: the works council consented to the new profile.

    Returns
    -------
    list of str
        What changed in the profile (recorded with the day when the survey had a consent).

    Raises
    ------
    ConsentLocked
        The profile changes, the survey has a consent and ``new_consent`` is None.
    """
    from surveys.models import SurveyRow

    if definition.slug != slug:
        raise InputError("a survey keeps its id")
    changed = guard_change(db, slug, definition, new_consent=new_consent)
    with db.session(write=True) as session:
        row = session.scalar(select(SurveyRow).where(SurveyRow.slug == slug))
        if row is None:
            raise NotFound(f"no survey {slug!r}")
        row.definition = stored
    record_change(db, slug, changed, new_consent=new_consent, today=today)
    return changed
