"""Fingerprinted static files and compressed dashboard pages.

The dashboard's charts are inline SVG drawn by the server (:mod:`webapp.dashboard.charts`),
so no charting script is served; what remains here: blueprint statics get a content
fingerprint in their URL and are cached for a year, and dashboard pages are gzipped.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.wrappers import Response

__all__ = ["GZIP_MIN_BYTES", "gzip_response", "install"]


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
