"""plotly.js and its style sheet, vendored (no CDN).

The dashboard draws only scatter and bar charts, so it serves plotly.js's partial "basic"
bundle (1.2 MB, 0.39 MB gzipped; the full bundle of the ``plotly`` package is 4.8 MB), kept
in ``webapp/static/dashboard/vendor/`` with its licence and a gzipped copy (see the README
there). Its URL carries a fingerprint of the file's content, so it is cached for a year.

plotly.js normally writes its few global CSS rules (modebar, notifier, cursors) into a
``<style>`` element it creates, which the application's Content-Security-Policy
(``style-src 'self'``) blocks. plotly.js skips that when the page already holds an element
``#plotly.js-style-global.no-inline-styles``; the dashboard links :func:`plotly_css` there,
made from the very rules of the installed plotly.js, so the two never disagree. Bundled
modules (maplibre's map styles) also add a ``<style>`` at load unless an element with their
id exists; :func:`plotly_style_guards` gives those ids, and the page holds empty elements
with them (the dashboard draws no maps).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.wrappers import Response

__all__ = [
    "GZIP_MIN_BYTES",
    "gzip_response",
    "install",
    "plotly_css",
    "plotly_js_gzip_path",
    "plotly_js_path",
    "plotly_style_guards",
    "plotly_version",
]

_ENTRY = re.compile(
    r"""\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*))\s*:\s*"""
    r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*,?"""
)


VENDOR = Path(__file__).resolve().parent.parent / "static" / "dashboard" / "vendor"


def plotly_js_path() -> Path:
    """The partial plotly.js bundle (scatter, bar, pie) the dashboard serves."""
    return VENDOR / "plotly-basic.min.js"


def plotly_js_gzip_path() -> Path:
    """The same bundle, gzipped (``gzip -9 -n``)."""
    return VENDOR / "plotly-basic.min.js.gz"


@lru_cache(maxsize=1)
def plotly_version() -> str:
    """The bundle's fingerprint for its URL: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(plotly_js_path().read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def plotly_style_guards() -> tuple[str, ...]:
    """Ids whose presence stops plotly.min.js from inserting a ``<style>`` when it loads."""
    text = plotly_js_path().read_text(encoding="utf-8")
    found = re.findall(
        r'getElementById\("([\w-]+)"\)\)\{var \w+=document\.createElement\("style"\)', text
    )
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def plotly_css() -> str:
    """plotly.js's global style rules as a style sheet ('' if they cannot be found).

    The rules are an object literal ``{"X,X div": "...", ...}`` in plotly.min.js, where
    ``X`` stands for ``.js-plotly-plot .plotly`` and ``Y`` for ``.plotly-notifier``. Rules
    that remove the focus outline are left out.
    """
    text = plotly_js_path().read_text(encoding="utf-8")
    start = text.find('{"X,X div":')
    end = text.find("};for(", start)
    if start < 0 or end < 0:
        return ""
    body = text[start + 1 : end]
    rules = []
    pos = 0
    while pos < len(body):
        match = _ENTRY.match(body, pos)
        if match is None:
            return ""
        key = match.group(1) or match.group(2) or match.group(3) or ""
        value = match.group(4) if match.group(4) is not None else match.group(5) or ""
        pos = match.end()
        if "outline:none" in value.replace(" ", ""):
            continue
        selector = (
            re.sub(r"^,", " ,", key)
            .replace("X", ".js-plotly-plot .plotly")
            .replace("Y", ".plotly-notifier")
        )
        rules.append(f"{selector}{{{value}}}")
    return "\n".join(rules) + "\n"


# -- fingerprinted static files and compressed dashboard pages --------------------------------

#: Responses smaller than this many bytes are sent as they are.
GZIP_MIN_BYTES = 1024
_YEAR = 31_536_000


@lru_cache(maxsize=256)
def _fingerprint(folder: str, filename: str) -> str | None:
    path = (Path(folder) / filename).resolve()
    if not path.is_file() or Path(folder).resolve() not in path.parents:
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _static_folder(app: Flask, endpoint: str) -> str | None:
    """The folder behind a static endpoint: the app's (``static``) or a blueprint's
    (``auth.static``); None for any other endpoint."""
    if endpoint == "static":
        return app.static_folder
    name, _, last = endpoint.rpartition(".")
    blueprint = app.blueprints.get(name) if last == "static" else None
    return blueprint.static_folder if blueprint is not None else None


def install(app: Flask) -> None:
    """Fingerprint the static URLs of the app and its blueprints and cache them for a year.

    ``url_for('static', filename=F)`` (and ``url_for('auth.static', ...)`` and the other
    blueprints' static endpoints) gets ``?v=`` and the first 12 hex digits of the file's
    SHA-256 (files are read once per process); a static response whose ``v`` matches the file
    is ``public, max-age=31536000, immutable``, so a phone asks for it once, not once per page
    (a new release changes the URL). Other static responses keep Flask's default.
    """

    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if "filename" not in values or "v" in values:
            return
        folder = _static_folder(app, endpoint)
        if folder is not None:
            found = _fingerprint(str(folder), str(values["filename"]))
            if found is not None:
                values["v"] = found

    @app.after_request
    def _cache_fingerprinted(response: Response) -> Response:
        endpoint = request.endpoint or ""
        folder = _static_folder(app, endpoint)
        version = request.args.get("v")
        filename = (request.view_args or {}).get("filename")
        if (
            folder is not None
            and version is not None
            and response.status_code == 200
            and version == _fingerprint(str(folder), str(filename))
        ):
            response.headers["Cache-Control"] = f"public, max-age={_YEAR}, immutable"
        return response


def gzip_response(response: Response) -> Response:
    """``response`` gzipped when the browser accepts it and it is a whole HTML page of some
    size (a dashboard page holds its charts' JSON: some 250 KB, 10 times less gzipped).

    Only dashboard pages, which reflect no free text from the request (their query takes a
    known filter and language), so compressing them next to their CSRF token does not open a
    BREACH-style guessing channel.
    """
    if (
        request.method != "GET"
        or response.status_code != 200
        or response.direct_passthrough
        or response.mimetype != "text/html"
        or "Content-Encoding" in response.headers
        or "gzip" not in request.accept_encodings
    ):
        return response
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
