"""Static files with a fingerprint in their URL are cached for a year
(webapp/dashboard/assets.py; gzip is tested in test_dashboard.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parents[2] / "webapp" / "static"


def test_static_urls_carry_a_fingerprint_and_are_cached_for_a_year(client: Any) -> None:
    html = client.get("/s/some-token").text
    found = re.search(r'href="/static/samen\.css\?v=([0-9a-f]{12})"', html)
    assert found is not None
    expected = hashlib.sha256((STATIC / "samen.css").read_bytes()).hexdigest()[:12]
    assert found.group(1) == expected
    with client.get(f"/static/samen.css?v={expected}") as cached:
        assert cached.status_code == 200
        assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get("/static/samen.css?v=000000000000") as stale:  # an old release's URL
        assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_blueprint_static_files_are_fingerprinted_too(client: Any) -> None:
    """The staff pages' account.css (the auth blueprint's static folder) on every staff page:
    cached for a year under its fingerprint, so a repeat visit on a phone asks for nothing."""
    from flask import url_for

    folder = Path(__file__).resolve().parents[2] / "webapp" / "auth" / "static"
    expected = hashlib.sha256((folder / "account.css").read_bytes()).hexdigest()[:12]
    with client.application.test_request_context():
        url = url_for("auth.static", filename="account.css")
    assert url == f"/auth/static/account.css?v={expected}"
    with client.get(url) as cached:
        assert cached.status_code == 200
        assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get("/auth/static/account.css?v=000000000000") as stale:
        assert "immutable" not in stale.headers.get("Cache-Control", "")
