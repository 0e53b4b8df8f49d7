"""Helpers for driving the respondent app with Flask's test client."""

from __future__ import annotations

import re
from typing import Any

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    found = _CSRF.search(html)
    if found is None:
        raise AssertionError("no CSRF token in the page")
    return found.group(1)


def post_page(client: Any, url: str, data: dict[str, str], nav: str = "next") -> Any:
    """GET ``url`` for its CSRF token, then POST ``data`` with the ``nav`` button."""
    page = client.get(url)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token, "nav": nav})


def first_choice_answers(questionnaire: Any) -> dict[str, str]:
    """Every item answered with the first point of its response scale."""
    return {item.id: str(item.response_scale.points[0]) for item in questionnaire.items}


def start(client: Any, token: str, headers: dict[str, str] | None = None) -> Any:
    """Open invitation link ``token`` as a respondent: GET the landing page, press its button.

    Returns the response to the button's POST (a 303 to the survey when the link started).
    """
    landing = client.get(f"/s/{token}", headers=headers)
    assert landing.status_code == 200
    return client.post(
        f"/s/{token}", data={"csrf_token": csrf_token(landing.text)}, headers=headers
    )
