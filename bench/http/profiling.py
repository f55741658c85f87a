"""Where a signed-in dashboard request spends its time, measured in-process.

The platform app is built from the same settings as the served one (same database, same
secret key, so the served session cookie works here) and called straight through WSGI, without
a test client or a server, so only the request path itself is timed. First plain wall-clock
times per request (bare page, bare and platform ``/healthz``, dashboard), then the dashboard
under cProfile, its time split by the stage of Flask's request it falls in and by a few
costs that cut across stages (SQL, SQLite itself, translations, URL building...).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.test import EnvironBuilder

WsgiApp = Callable[..., Iterable[bytes]]

# (label, indent, [(file suffix or "~" for built-ins, function name)]): cumulative time of each,
# summed over the listed functions. Rows at indent 0 are the stages of one request, in order;
# indented rows are parts of the row above them. They nest, so they do not add up to 100 %.
STAGES: list[tuple[str, int, list[tuple[str, str]]]] = [
    (
        "request context push (route match, session cookie read)",
        0,
        [("flask/ctx.py", "RequestContext.push")],
    ),
    ("  of which reading the session cookie", 1, [("flask/sessions.py", "open_session")]),
    ("before-request: URL preprocessors and hooks", 0, [("flask/app.py", "preprocess_request")]),
    (
        "  of which tenant lookup by slug (enter_tenant, SQL)",
        1,
        [("odr/tenants/web.py", "enter_tenant")],
    ),
    (
        "  of which Flask-Limiter's check",
        1,
        [("flask_limiter/_extension.py", "_check_request_limit")],
    ),
    (
        "sign-in check: flask-login loads the user (session row, user; SQL)",
        0,
        [("flask_login/login_manager.py", "_load_user")],
    ),
    ("the dashboard view", 0, [("odr/tenants/views.py", "dashboard")]),
    (
        "  of which render_template (Jinja, with what the template calls)",
        1,
        [("flask/templating.py", "render_template")],
    ),
    (
        "    of which the cases panel (dashboard_cases(), SQL)",
        2,
        [("odr/mediation/cases/web.py", "dashboard_cases")],
    ),
    (
        "after-request: hooks and writing the session cookie",
        0,
        [("flask/app.py", "process_response")],
    ),
    (
        "  of which the session cookie (sign, compress, serialise)",
        1,
        [("flask/sessions.py", "save_session")],
    ),
    ("  of which security headers", 1, [("odr/platform/security.py", "_headers")]),
    ("  of which the last-seen commit hook", 1, [("odr/tenants/auth.py", "save_session_state")]),
    (
        "teardown (session removed, database connection closed)",
        0,
        [("flask/ctx.py", "RequestContext.pop")],
    ),
]

CROSS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "all ORM statements (SQLAlchemy Session.execute, driver included)",
        [("sqlalchemy/orm/session.py", "Session._execute_internal")],
    ),
    (
        "inside the SQLite library (execute, fetch, connect, close)",
        [
            ("~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
            ("~", "<method 'fetchone' of 'sqlite3.Cursor' objects>"),
            ("~", "<method 'fetchall' of 'sqlite3.Cursor' objects>"),
            ("~", "<built-in method _sqlite3.connect>"),
            ("~", "<method 'close' of 'sqlite3.Connection' objects>"),
            ("~", "<method 'commit' of 'sqlite3.Connection' objects>"),
            ("~", "<method 'rollback' of 'sqlite3.Connection' objects>"),
        ],
    ),
    (
        "opening a SQLite connection per request, PRAGMAs included (NullPool)",
        [("~", "<built-in method _sqlite3.connect>"), ("odr/platform/db.py", "_sqlite_pragmas")],
    ),
    (
        "closing it (the last connection to close checkpoints the WAL)",
        [("~", "<method 'close' of 'sqlite3.Connection' objects>")],
    ),
    (
        "PostgreSQL round trips (psycopg execute) and pool pre-ping",
        [
            ("psycopg/cursor.py", "Cursor.execute"),
            ("sqlalchemy/engine/default.py", "DefaultDialect.do_ping"),
        ],
    ),
    (
        "translations in templates (gettext, ngettext through Flask-Babel)",
        [
            ("jinja2/ext.py", "_make_new_gettext.<locals>.gettext"),
            ("jinja2/ext.py", "_make_new_ngettext.<locals>.ngettext"),
        ],
    ),
    ("url_for (building links)", [("flask/app.py", "Flask.url_for")]),
    ("CSRF token for the page's forms (generate_csrf)", [("flask_wtf/csrf.py", "generate_csrf")]),
]


@dataclass
class Timing:
    """Wall-clock milliseconds per request of one route, called straight through WSGI."""

    label: str
    ms_per_request: float
    status: int
    size: int


@dataclass
class ProfileReport:
    """The figures of one in-process run."""

    requests: int
    timings: list[Timing] = field(default_factory=list)
    total_ms: float = 0.0
    stages: list[tuple[str, int, float]] = field(default_factory=list)
    cross: list[tuple[str, float]] = field(default_factory=list)
    orm_statements: float = 0.0
    driver_statements: float = 0.0
    top_own_time: list[tuple[str, float, float]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as text."""
        out = [
            f"In-process, straight through WSGI, {self.requests} requests each "
            "(no server, no profiler):"
        ]
        for t in self.timings:
            out.append(
                f"  {t.label:<34} {t.ms_per_request:7.3f} ms/request   ({t.status}, {t.size} bytes)"
            )
        out.append("")
        out.append(
            f"The dashboard under cProfile: {self.total_ms:.2f} ms/request in Flask.wsgi_app "
            "(the profiler inflates Python code more than C code; read shares, not absolutes)."
        )
        out.append(
            f"  {self.orm_statements:.1f} ORM statements and {self.driver_statements:.1f} driver "
            "statements (BEGIN, PRAGMAs, pre-ping: whichever apply) per request."
        )
        out.append(f"  {'stage':<70} {'ms/req':>7} {'share':>6}")
        for label, _indent, ms in self.stages:
            out.append(f"  {label:<70} {ms:7.2f} {self._share(ms):>6}")
        out.append(f"  {'across stages':<70}")
        for label, ms in self.cross:
            out.append(f"  {label:<70} {ms:7.2f} {self._share(ms):>6}")
        out.append("")
        out.append("  Most own time (function: ms/request, calls/request):")
        for name, ms, calls in self.top_own_time:
            out.append(f"    {name:<86} {ms:6.3f} {calls:6.1f}")
        return out

    def _share(self, ms: float) -> str:
        return f"{100 * ms / self.total_ms:5.1f}%" if self.total_ms else "-"


def _environ(path: str, base_url: str, cookie: str | None) -> dict[str, Any]:
    headers = {"Cookie": cookie} if cookie else {}
    builder = EnvironBuilder(path=path, base_url=base_url, headers=headers)
    environ = builder.get_environ()
    builder.close()
    environ["REMOTE_ADDR"] = "127.0.0.1"
    return environ


def call(app: WsgiApp, environ: dict[str, Any]) -> tuple[int, bytes]:
    """One request through ``app``'s WSGI interface; the status code and the body."""
    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(b"")
    status: list[str] = []

    def start_response(
        s: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        status.append(s)
        return lambda _data: None

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(status[0].split()[0]), body


def _time(label: str, app: WsgiApp, environ: dict[str, Any], n: int, warmup: int) -> Timing:
    for _ in range(warmup):
        call(app, environ)
    start = time.perf_counter()
    for _ in range(n):
        status, body = call(app, environ)
    elapsed = time.perf_counter() - start
    return Timing(label, 1000 * elapsed / n, status, len(body))


def _matches(key: tuple[str, int, str], file_suffix: str, name: str) -> bool:
    filename, _line, funcname = key
    if file_suffix == "~":
        return filename == "~" and funcname == name
    if not filename.replace("\\", "/").endswith(file_suffix):
        return False
    # Python 3.11's cProfile records bare names; later versions may record qualified ones.
    return funcname == name or funcname == name.rsplit(".", 1)[-1]


def _cumulative(raw: dict[Any, Any], targets: list[tuple[str, str]]) -> tuple[float, float]:
    """Summed cumulative seconds and calls of the functions ``targets`` names."""
    seconds = calls = 0.0
    for file_suffix, name in targets:
        found = [(v[3], v[1]) for k, v in raw.items() if _matches(k, file_suffix, name)]
        if found:
            # Same bare name in one file (e.g. AppContext.push and RequestContext.push): the outer.
            ct, nc = max(found)
            seconds += ct
            calls += nc
    return seconds, calls


def _short(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    for marker in ("site-packages/", "/odr/", "/lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            if marker == "/odr/":
                filename = "odr/" + filename
            break
    return f"{filename}:{line}({name})"


def profile_dashboard(
    odr_app: WsgiApp,
    bare_app: WsgiApp,
    *,
    dashboard_path: str,
    cookie: str,
    base_url: str,
    requests: int = 300,
    warmup: int = 50,
) -> ProfileReport:
    """Time the four routes in-process, then profile ``requests`` dashboard requests."""
    dashboard = _environ(dashboard_path, base_url, cookie)
    status, body = call(odr_app, dashboard)
    if status != 200:
        raise RuntimeError(
            f"the dashboard answered {status} in-process: the cookie is not signed in"
        )
    report = ProfileReport(requests=requests)
    report.timings = [
        _time("bare /healthz", bare_app, _environ("/healthz", base_url, None), requests, warmup),
        _time("odr /healthz", odr_app, _environ("/healthz", base_url, None), requests, warmup),
        _time("bare page", bare_app, _environ("/page", base_url, None), requests, warmup),
        _time("odr dashboard (signed in)", odr_app, dashboard, requests, warmup),
    ]

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call(odr_app, dashboard)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]

    per_request = 1000 / requests
    total, _ = _cumulative(raw, [("flask/app.py", "Flask.wsgi_app")])
    report.total_ms = total * per_request
    for label, indent, targets in STAGES:
        seconds, calls = _cumulative(raw, targets)
        if calls or not indent:
            report.stages.append((label, indent, seconds * per_request))
    for label, targets in CROSS:
        seconds, _calls = _cumulative(raw, targets)
        if seconds:
            report.cross.append((label, seconds * per_request))
    _s, orm_calls = _cumulative(raw, [("sqlalchemy/orm/session.py", "Session._execute_internal")])
    report.orm_statements = orm_calls / requests
    driver_calls = 0.0
    for name in ("<method 'execute' of 'sqlite3.Cursor' objects>",):
        driver_calls += _cumulative(raw, [("~", name)])[1]
    driver_calls += _cumulative(raw, [("psycopg/cursor.py", "Cursor.execute")])[1]
    report.driver_statements = driver_calls / requests
    own = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:15]
    report.top_own_time = [(_short(k), v[2] * per_request, v[1] / requests) for k, v in own]
    return report
