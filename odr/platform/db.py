"""The database: one typed declarative ``Base``, the engine and the per-request session."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask.globals import app_ctx
from sqlalchemy import DateTime, Index, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned UTC-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """The one declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


def only_on(dialect: str, index: Index) -> Index:
    """``index`` exists on ``dialect`` only (a PostgreSQL trigram index, say); elsewhere it is not created."""
    index.info["only_on"] = dialect
    return index.ddl_if(dialect=dialect)


def schema_filter(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for ``dialect``: leaves out what ``only_on`` keeps for another dialect."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return getattr(obj, "info", {}).get("only_on", dialect) == dialect

    return include_object


class PublicIdMixin:
    """A random public identifier for URLs; integer keys stay internal."""

    public_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4, unique=True)


class TimestampMixin:
    """The creation time of a row."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# On SQLite, a transaction that reads and later writes can fail at once ("database is locked")
# when another connection wrote in between. Requests that may write therefore take the write
# lock up front (BEGIN IMMEDIATE) and wait their turn under the busy timeout instead.
SQLITE_BUSY_SECONDS = 10  # how long a writer (a job, a command) waits for the database before giving up
# A person waiting for a page or a message is better told at once to try again than kept waiting.
REQUEST_BUSY_SECONDS = 3
RETRY_AFTER_SECONDS = 5  # what a refused request is told to wait before trying again
_write_intent: ContextVar[bool] = ContextVar("odr_sqlite_write_intent", default=False)
_busy_seconds: ContextVar[float] = ContextVar("odr_sqlite_busy_seconds", default=SQLITE_BUSY_SECONDS)

# What SQLite says when the database cannot be had for now (another process holds it, the disk is
# full or read-only); anything else it calls an OperationalError (no such table...) is a fault of ours.
_SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database",
                       "disk i/o error", "database or disk is full", "readonly database")


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database is busy or out of reach, not that a statement is wrong:
    the request may be tried again shortly."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        return any(phrase in str(error.orig).lower() for phrase in _SQLITE_UNAVAILABLE)
    return True  # PostgreSQL's OperationalError: the connection, the server, a shutdown


@contextmanager
def patience(seconds: float) -> Iterator[None]:
    """Within this block, SQLite transactions wait at most ``seconds`` for another writer."""
    token = _busy_seconds.set(seconds)
    try:
        yield
    finally:
        _busy_seconds.reset(token)


@contextmanager
def write_intent(enabled: bool = True) -> Iterator[None]:
    """Within this block, new SQLite transactions take the write lock when they begin."""
    token = _write_intent.set(enabled)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys, WAL and a busy timeout on every SQLite connection."""
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (savepoints work)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    connection_record.info["odr_busy_seconds"] = SQLITE_BUSY_SECONDS


def _wait_at_most(connection: Any, seconds: float) -> None:
    """Set the connection's busy timeout to ``seconds`` unless it is set so already."""
    if connection.info.get("odr_busy_seconds") != seconds:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(seconds * 1000)}")
        connection.info["odr_busy_seconds"] = seconds


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``, with the SQLite connection settings where they apply."""
    if url.startswith("sqlite"):
        # Pooled connections (SQLAlchemy's default for a file) save the open and the pragmas.
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        writers = _SQLiteWriters()
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", writers.begin)
        event.listen(engine, "commit", writers.end)
        event.listen(engine, "rollback", writers.end)
    return engine


class _SQLiteWriters:
    """The threads of this process that write to one SQLite database take turns on a lock of their own.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps between
    attempts in steps growing to 100 ms and serves no one in order. With many threads writing (a busy
    room), that turned waits of a few milliseconds into seconds. A lock here hands the database on at
    once. Other processes (``odr worker``) still meet the busy timeout, as before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def begin(self, connection: Any) -> None:
        """BEGIN IMMEDIATE for writers (after their turn comes), plain BEGIN for readers."""
        seconds = _busy_seconds.get()
        _wait_at_most(connection, seconds)
        if not _write_intent.get():
            connection.exec_driver_sql("BEGIN")
            return
        if not self._lock.acquire(timeout=seconds):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        connection.info["odr_writer"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def end(self, connection: Any) -> None:
        """The transaction ends (commit or rollback): the next writer's turn."""
        if connection.info.pop("odr_writer", False):
            self._lock.release()


def _app_context_id() -> int:
    return id(app_ctx._get_current_object())  # noqa: SLF001 - the documented scope key


@dataclass
class DatabaseState:
    """One app's engine and session factory (kept in ``app.extensions``)."""

    engine: Engine
    factory: sessionmaker[Session]


class Database:
    """The engine and the session of the current app: one session per application context.

    The state lives in ``app.extensions["odr.db"]``, so several apps (tests) can coexist.
    """

    def __init__(self) -> None:
        self.metadata = Base.metadata
        self.session: scoped_session[Session] = scoped_session(self._new, scopefunc=_app_context_id)

    def init_app(self, app: Flask, url: str) -> None:
        """Bind to ``app``: create the engine and remove the session when the context ends."""
        engine = make_engine(url)
        app.extensions["odr.db"] = DatabaseState(engine, sessionmaker(bind=engine, expire_on_commit=False))
        app.teardown_appcontext(self._remove_session)
        if engine.dialect.name == "sqlite":
            # A URL value preprocessor of the app runs before any blueprint's, which may query.
            app.url_value_preprocessor(_declare_write_intent)

    @staticmethod
    def state(app: Flask | None = None) -> DatabaseState:
        """The engine and factory of ``app`` (the current app by default)."""
        return (app or current_app).extensions["odr.db"]

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return self.state().engine

    @property
    def factory(self) -> sessionmaker[Session]:
        """The current app's session factory."""
        return self.state().factory

    def _new(self) -> Session:
        return self.factory()

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()

    @contextmanager
    def new_session(self, *, write: bool = True) -> Iterator[Session]:
        """A session of its own, outside the request's (jobs, CLI); closed at the end."""
        session = self.factory()
        try:
            with write_intent(write):
                yield session
        finally:
            session.close()


def _declare_write_intent(endpoint: str | None, values: dict[str, Any] | None) -> None:
    _write_intent.set(request.method not in {"GET", "HEAD", "OPTIONS"})
    _busy_seconds.set(REQUEST_BUSY_SECONDS)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction commits; dropped on rollback."""
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("after_commit", None)


def retry_on_conflict(session: Session, attempt: Callable[[], T]) -> T:
    """Run ``attempt``, which ends by committing; when a unique key stops it, roll back and run it once more.

    Two requests with one idempotency key can both find nothing and both insert; the key's unique
    constraint stops the second, and its second attempt finds the first one's row. Here in ``db``,
    not in the handlers, because it only needs the session: ``attempt`` commits in its own way
    (``service_call`` at a boundary, or a use case that spans transactions), so services may use it too.
    """
    try:
        return attempt()
    except IntegrityError:
        session.rollback()
        return attempt()


def listen_once(target: Any, name: str, fn: Callable[..., Any]) -> None:
    """``event.listen(target, name, fn)`` unless ``fn`` listens already (apps are built many times)."""
    if not event.contains(target, name, fn):
        event.listen(target, name, fn)
