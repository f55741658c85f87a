"""The platform's steps of building an app: its settings, its extensions, its own part."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from odr.platform import gateway, tenancy
from odr.platform.config import Settings
from odr.platform.extensions import api, csrf, db, limiter, login_manager, migrate, socketio
from odr.platform.gateway import MAX_PAYLOAD
from odr.platform.i18n import init_i18n
from odr.platform.jobs import jobs
from odr.platform.logs import configure_logging, init_request_ids
from odr.platform.security import init_security_headers
from odr.storage import open_storage
from odr.storage.scan import Scanner

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def make_platform(settings: Settings) -> Flask:
    """The platform for ``settings``, with its extensions bound and no domain yet."""
    app = Flask("odr.platform", instance_path=settings.instance_path)
    configure(app, settings)
    init_extensions(app, settings)
    return app


def configure(app: Flask, settings: Settings) -> None:
    """Flask's own settings, derived from ours; logging; the proxy in front."""
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    configure_logging(settings.log_level, settings.log_format)
    app.config.update(
        ODR=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_NAME="odr_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.production,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_url,
        RATELIMIT_HEADERS_ENABLED=True,
        API_TITLE="odr API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    init_request_ids(app)
    init_security_headers(app, production=settings.production)


def init_extensions(app: Flask, settings: Settings) -> None:
    """Bind every extension to the app."""
    db.init_app(app, settings.database_url)
    tenancy.init()
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_i18n(app, settings.default_locale)
    api.init_app(app)
    jobs.init_app(app, settings.jobs_url, immediate=settings.jobs_immediate)
    app.extensions["odr.storage"] = open_storage(settings.storage_url, secret=settings.secret_key,
                                                 endpoint_url=settings.s3_endpoint_url or None)
    app.extensions["odr.scanner"] = Scanner(settings.clamd_url) if settings.clamd_url else None
    if app.extensions["odr.storage"].kind == "s3":
        # Direct uploads go from the browser to the store: pages may connect there.
        endpoint = urlparse(settings.s3_endpoint_url)
        origin = f"{endpoint.scheme}://{endpoint.netloc}" if settings.s3_endpoint_url else "https://*.amazonaws.com"
        app.config["CSP_CONNECT_SRC"] = [origin]
    socketio.init_app(
        app,
        async_mode="threading",
        cors_allowed_origins=settings.allowed_origins,
        message_queue=settings.socketio_message_queue or None,
        channel=settings.socketio_channel,
        max_http_buffer_size=MAX_PAYLOAD,
        logger=False,
        engineio_logger=False,
    )
    gateway.init_app(app)


def register(app: Flask) -> None:
    """The platform's own part: the web shell's routes, e-mail jobs, serve and worker."""
    from odr.platform import mail, web
    from odr.platform.cli import serve, worker

    app.register_blueprint(web.bp)
    jobs.register(app, mail.JOBS)
    app.cli.add_command(serve)
    app.cli.add_command(worker)
