"""Flask application and the ``samen`` command line.

:func:`create_app` (in :mod:`webapp.app`) is the only place an application is made:
``gunicorn 'webapp:create_app()'`` in production, ``samen serve`` and ``samen demo`` for trying
it out, the ``app`` fixture in the tests. It is imported on first use, so that the ``samen``
commands that need no web application (``analyze``, ``instruments``, ...) do not pay for
importing Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["SamenFlask", "create_app"]

if TYPE_CHECKING:
    from webapp.app import SamenFlask, create_app


def __getattr__(name: str) -> Any:
    if name in __all__:
        from webapp import app

        return getattr(app, name)
    raise AttributeError(f"module 'webapp' has no attribute {name!r}")
