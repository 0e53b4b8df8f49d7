"""Flask extensions, created unbound here and bound to an app in :func:`webapp.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

__all__ = ["babel", "csrf"]

csrf = CSRFProtect()
babel = Babel()
