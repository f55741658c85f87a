"""The application factory: a list of named steps, the composition root of every domain."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from odr.platform.config import Settings
from odr.platform.errors import register_error_handlers
from odr.platform.extensions import api, csrf, db, limiter, login_manager, migrate, socketio
from odr.platform.gateway import MAX_PAYLOAD, SocketSessions, register_socket_events
from odr.platform.i18n import init_i18n
from odr.platform.jobs import jobs
from odr.platform.logs import configure_logging, init_request_ids
from odr.platform.security import init_security_headers
from odr.storage import open_storage
from odr.storage.scan import Scanner

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the platform for ``settings`` (read from the environment when not given)."""
    settings = settings or Settings.from_env()
    app = Flask("odr.platform", instance_path=settings.instance_path)
    configure(app, settings)
    init_extensions(app, settings)
    register_domains(app)
    register_socket_events()
    register_error_handlers(app)
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
    app.session_interface = SocketSessions()
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


def register_domains(app: Flask) -> None:
    """Each domain's pages, API, socket events, rules and commands."""
    from odr.mediation import web as mediation_web
    from odr.mediation.cases import policy as cases_policy  # noqa: F401 - registers the rules
    from odr.mediation.cases.api import blp as cases_api
    from odr.mediation.cases.views import bp as cases_pages
    from odr.mediation.contact import policy as contact_policy  # noqa: F401 - registers the rules
    from odr.mediation.contact import views as contact_pages  # noqa: F401 - adds routes to the tenant's pages
    from odr.mediation.deadlines import tasks as deadline_tasks  # noqa: F401 - declares the sweep
    from odr.mediation.documents import policy as documents_policy  # noqa: F401 - registers the rules
    from odr.mediation.documents import tasks as documents_tasks  # noqa: F401 - declares the scan and sweeps
    from odr.mediation.documents.api import blp as documents_api
    from odr.mediation.documents.views import bp as documents_pages
    from odr.mediation.rooms import events as room_events  # noqa: F401 - registers the socket handlers
    from odr.mediation.rooms import policy as rooms_policy  # noqa: F401 - registers the rules
    from odr.mediation.rooms import tasks as room_tasks  # noqa: F401 - declares the unread digest
    from odr.mediation.rooms.views import bp as room_pages
    from odr.platform import gateway, web  # noqa: F401 - registers the socket handlers
    from odr.platform.cli import register_commands
    from odr.tenants import auth as tenants_auth
    from odr.tenants import policy as tenants_policy  # noqa: F401 - registers the rules
    from odr.tenants.api import blp as tenants_api
    from odr.tenants.notifications import template_views as notification_templates  # noqa: F401 - adds routes
    from odr.tenants.notifications import views as notification_pages  # noqa: F401 - adds routes and the bell
    from odr.tenants.signals import account_created
    from odr.tenants.views import bp as tenants_pages

    app.register_blueprint(web.bp)
    tenants_auth.init_app(app)
    app.register_blueprint(tenants_pages)
    app.register_blueprint(mediation_web.templates)
    app.register_blueprint(cases_pages)
    app.register_blueprint(room_pages)
    app.register_blueprint(documents_pages)
    api.register_blueprint(tenants_api)
    api.register_blueprint(cases_api)
    api.register_blueprint(documents_api)
    account_created.connect(_link_new_customer, weak=False)
    register_commands(app)


def _link_new_customer(session: object, user: object) -> None:
    from odr.mediation.cases.services import link_customer

    link_customer(session, user)  # type: ignore[arg-type]
