"""What the council pages show, from the consent records and the results service.

Routes call these functions; they open no sessions themselves.
"""

from __future__ import annotations

import re
from typing import Any

from surveys.consent import Consent, changes, check_profile, latest_consent, profile
from surveys.db import Database
from surveys.survey_store import get_survey, list_surveys
from surveys.users import UserInfo
from surveys.waves import WaveInfo

__all__ = ["ROLES", "profile_page", "progress_page", "surveys", "waves_since"]

#: Roles that may open the council pages.
ROLES = ("council", "admin")


def surveys(db: Database) -> list[Any]:
    """Every survey (a council consents per survey)."""
    return list_surveys(db)


def profile_page(db: Database, slug: str) -> dict[str, Any]:
    """The profile, the latest consent (or None), changes since, recorded changes, the
    closed waves the consent's audit did not cover (``"since"``) and the latest stored run
    of the audit (``"latest_run"``, or None)."""
    from surveys.audit_runs import latest_run
    from surveys.waves import list_waves

    definition = get_survey(db, slug)
    consent = latest_consent(db, slug)
    return {
        "definition": definition,
        "profile": profile(definition),
        "consent": consent,
        "pending": check_profile(db, slug),
        "changes": changes(db, slug),
        "since": [] if consent is None else waves_since(consent, list_waves(db, slug)),
        "latest_run": latest_run(db, slug),
    }


_AUDITED = re.compile(r"\(waves: ([^;)]*)")


def waves_since(consent: Consent, waves: list[WaveInfo]) -> list[WaveInfo]:
    """Closed, not yet purged waves that the audit recorded with ``consent`` did not cover.

    The audit's summary line names the waves it audited (``"... (waves: 2026-1; every
    role)"``); a wave closed since is not among them. A summary without that part (an
    older record, or none) counts every wave closed on or after the consent's day.

    Notes
    -----
    The consent's audit result is shown as it was: it is part of what the council agreed
    to. When a wave closed later, its results were never audited for the consent, so the
    page says so and offers the survey owner to run the audit (the console's privacy
    page); a new consent (``samen survey consent``) records a fresh audit.
    """
    found = _AUDITED.search(consent.audit or "")
    audited = {w.strip() for w in found.group(1).split(",")} if found else None
    out = []
    for wave in waves:
        if wave.is_open or wave.closed_on is None or wave.purged_on is not None:
            continue
        if (wave.label not in audited) if audited is not None else wave.closed_on >= consent.on:
            out.append(wave)
    return out


def progress_page(
    db: Database, slug: str, user: UserInfo, unit: str | None = None
) -> dict[str, Any] | None:
    """Response progress of ``unit`` (default: the root) and its children in the latest
    wave, at k, exactly as an every-unit role is shown it (None: no wave yet).

    The council sees counts only, never results: the call uses the results service's
    response-rate view with the organisation-wide scope its suppression is computed on.
    """
    from surveys.waves import list_waves
    from webapp.results.data import load_survey
    from webapp.results.rates import response_rate

    waves = list_waves(db, slug)
    if not waves:
        return None
    context = load_survey(db, slug)
    root = next(code for code, up in context.parent.items() if up is None)
    unit = unit or root
    wave = waves[-1].label
    # every-unit scope for the counts only; the council's own role opens nothing else
    reader = UserInfo(user.email, "researcher", None, user.session_key)
    return response_rate(db, slug, wave, unit, reader)
