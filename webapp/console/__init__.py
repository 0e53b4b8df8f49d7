"""The admin console (``/console``): run a survey round from the browser.

For the ``admin`` role only (:mod:`webapp.console.access` guards every view of the
blueprint, before any view runs). Each section is a module of its own, on the same
``surveys`` services as the ``samen`` CLI; the console adds no second way of storing
anything:

- ``console.index``: the overview (this module's :mod:`~webapp.console.overview`);
- ``console.organisation``: the unit CSV import, the tree (:mod:`.organisation`);
- ``console.surveys``: compose, preview, download and upload surveys (:mod:`.surveys`);
- ``console.rounds``: open and close waves, the response rate at k (:mod:`.rounds`);
- ``console.invitations``, ``console.people``, ``console.privacy``: links and mail, staff
  accounts, audit and privacy (other modules; linked in the section nav when registered).

The section nav (:data:`SECTIONS`) links only the endpoints that exist in the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, request, url_for
from flask_babel import lazy_gettext as _l

__all__ = ["SECTIONS", "Section", "bp", "sections"]

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    static_folder="static",
    static_url_path="/static",
)

#: The console's sections in nav order: (endpoint, label).
SECTIONS = (
    ("console.index", _l("Overview")),
    ("console.organisation", _l("Organisation")),
    ("console.surveys", _l("Surveys")),
    ("console.rounds", _l("Rounds")),
    ("console.invitations", _l("Invitations")),
    ("console.people", _l("People")),
    ("console.privacy", _l("Audit & privacy")),
)


@dataclass(frozen=True)
class Section:
    """One entry of the section nav."""

    endpoint: str
    label: str
    url: str
    current: bool


def sections() -> list[Section]:
    """The sections whose endpoint exists in this app, the current one marked.

    A section is current when the request's endpoint is it or starts with its name and
    an underscore (``console.surveys_new`` belongs to ``console.surveys``).
    """
    here = request.endpoint or ""
    found = []
    for endpoint, label in SECTIONS:
        if endpoint not in current_app.view_functions:
            continue
        current = here == endpoint or (
            endpoint != "console.index" and here.startswith(endpoint + "_")
        )
        found.append(Section(endpoint, str(label), url_for(endpoint), current))
    return found


@bp.app_context_processor
def _console_context() -> dict[str, object]:
    if request.blueprint != "console":
        return {}
    return {
        "console_sections": sections,
        "console_endpoints": lambda: current_app.view_functions,
    }


# The admin guard first, then one module per section (each registers its views).
from webapp.console import (  # noqa: E402, F401
    access,
    invitations,
    organisation,
    overview,
    people,
    privacy,
    rounds,
    surveys,
)
