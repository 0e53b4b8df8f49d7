"""Where each staff role starts and which pages its header links to.

- a manager starts on the dashboard (their own unit);
- a researcher starts on the research pages (psychometric reports, exports);
- a survey owner (admin) starts on the console (``/console/``): organisation, surveys,
  rounds, invitations, people, audit and privacy (``/auth/home`` sends them there too).

The header of every staff page links to the pages the role may open (:func:`staff_links`),
so no page is reachable only by typing its address.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

__all__ = ["HOME_ENDPOINTS", "NavLink", "home_url", "staff_links"]

#: The page each role lands on after signing in.
HOME_ENDPOINTS = {
    "admin": "console.index",
    "manager": "dashboard.index",
    "researcher": "research.index",
    "council": "council.index",
}

#: Header links: (endpoint, label, roles that may open the page).
_LINKS = (
    ("console.index", _l("Console"), frozenset({"admin"})),
    ("dashboard.index", _l("Dashboards"), frozenset({"admin", "manager", "researcher"})),
    ("research.index", _l("Research"), frozenset({"admin", "researcher"})),
    ("programmes.index", _l("Programmes"), frozenset({"admin", "researcher"})),
    ("council.index", _l("Works council"), frozenset({"admin", "council"})),
)


@dataclass(frozen=True)
class NavLink:
    """One header link: where it goes, its label and whether it is the current section."""

    url: str
    label: str
    endpoint: str


def home_url(role: str) -> str:
    """The URL a signed-in account of ``role`` starts on (the public start page as a last
    resort, e.g. in an app without the dashboard)."""
    for endpoint in (HOME_ENDPOINTS.get(role, "dashboard.index"), "public.index"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return "/"


def staff_links(role: str) -> list[NavLink]:
    """The header links of ``role``; a role with a single page gets that one link only."""
    return [
        NavLink(url_for(endpoint), str(label), endpoint)
        for endpoint, label, roles in _LINKS
        if role in roles and endpoint in current_app.view_functions
    ]
