"""What the council pages show, from the consent records and the results service.

Routes call these functions; they open no sessions themselves.
"""

from __future__ import annotations

from typing import Any

from surveys.consent import changes, check_profile, latest_consent, profile
from surveys.db import Database
from surveys.survey_store import get_survey, list_surveys
from surveys.users import UserInfo

__all__ = ["ROLES", "profile_page", "progress_page", "surveys"]

#: Roles that may open the council pages.
ROLES = ("council", "admin")


def surveys(db: Database) -> list[Any]:
    """Every survey (a council consents per survey)."""
    return list_surveys(db)


def profile_page(db: Database, slug: str) -> dict[str, Any]:
    """The profile, the latest consent (or None), changes since and recorded changes."""
    definition = get_survey(db, slug)
    return {
        "definition": definition,
        "profile": profile(definition),
        "consent": latest_consent(db, slug),
        "pending": check_profile(db, slug),
        "changes": changes(db, slug),
    }


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
