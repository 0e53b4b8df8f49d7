"""The application factory.

:func:`create_app` is the only place an application is made: ``gunicorn 'webapp:create_app()'``
in production, ``samen serve`` and ``samen demo`` for trying it out, the ``app`` fixture in
the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from werkzeug.wrappers import Response

__all__ = ["SamenFlask", "create_app"]

#: Headers on every response: no framing, no sniffing, no referrer, local resources only, and
#: no search engine indexing (pages behind invitation links are nobody's business).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}


class SamenFlask(Flask):
    """Flask, with invitation tokens redacted from the log line of an unhandled error."""

    def log_exception(self, exc_info: Any) -> None:
        from webapp.logs import redact

        self.logger.error(
            "Exception on %s [%s]", redact(request.path), request.method, exc_info=exc_info
        )


def create_app(config: Mapping[str, Any] | None = None) -> SamenFlask:
    """Build the application.

    Settings come from :func:`webapp.config.default_config`, then the ``SAMEN_*`` environment
    variables, then ``config``. ``config["SAMEN_DATABASE"]`` may hold a ready
    :class:`surveys.db.Database` (the tests pass theirs); otherwise one is made from
    ``SAMEN_DATABASE_URL`` or the SQLite file in the instance folder.

    Raises :class:`webapp.config.ConfigError` when no secret key is configured outside debug
    and testing.
    """
    from surveys.db import instance_path
    from webapp import config as cfg
    from webapp.extensions import babel, csrf
    from webapp.i18n import (
        current_language,
        install_template_gettext,
        interface_languages,
        localized,
        select_locale,
    )

    app = SamenFlask(__name__, instance_path=str(instance_path()))
    app.config.from_mapping(cfg.default_config())
    app.config.from_mapping(cfg.environment_config())
    if config:
        app.config.from_mapping(config)
    app.config["SECRET_KEY"] = cfg.resolve_secret_key(app.config, app.instance_path)
    from webapp.sessions import EncryptedSessionInterface

    app.session_interface = EncryptedSessionInterface()
    proxies = int(app.config.get("SAMEN_TRUSTED_PROXIES") or 0)
    if proxies:  # X-Forwarded-For and -Proto from that many proxies in front
        from werkzeug.middleware.proxy_fix import ProxyFix

        # the client's address, and whether the client used HTTPS (for HSTS and cookies)
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    app.jinja_env.globals.update(
        localized=localized,
        current_language=current_language,
        interface_languages=interface_languages,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    _init_database(app)

    from webapp.public import bp as public_bp
    from webapp.respond import bp as respond_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(respond_bp)
    from webapp import auth
    from webapp.api import bp as api_bp

    auth.init_app(app)
    app.register_blueprint(api_bp)
    from webapp.research import bp as research_bp

    app.register_blueprint(research_bp)
    from webapp.leaders import bp as leaders_bp
    from webapp.leaders import staff_bp as leaders_staff_bp

    app.register_blueprint(leaders_bp)
    app.register_blueprint(leaders_staff_bp)
    from webapp.dashboard import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)
    from webapp.programmes import bp as programmes_bp

    app.register_blueprint(programmes_bp)
    from webapp.council import bp as council_bp

    app.register_blueprint(council_bp)
    from webapp.console import bp as console_bp

    app.register_blueprint(console_bp)
    from webapp.equity import bp as equity_bp

    app.register_blueprint(equity_bp)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        hsts = int(app.config.get("SAMEN_HSTS_SECONDS") or 0)
        if hsts and request.is_secure:  # only over HTTPS (RFC 6797: ignored over HTTP)
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        if not request.path.startswith("/static/"):
            # Pages may show answers: never keep them in a cache or the back-forward cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def _init_database(app: Flask) -> None:
    """Put the :class:`surveys.db.Database` on ``app.extensions["samen_db"]``."""
    database = app.config.get("SAMEN_DATABASE")
    if database is None:
        from surveys.db import Database, default_url

        database = Database(app.config.get("SAMEN_DATABASE_URL") or default_url())
    app.extensions["samen_db"] = database
