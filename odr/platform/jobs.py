"""Jobs off the request path, on huey: SQLite embedded, Redis in production, inline in tests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

log = logging.getLogger(__name__)


class JobQueue:
    """Tasks are declared at import with ``@jobs.task``; the backend is chosen in ``init_app``."""

    def __init__(self) -> None:
        self._tasks: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
        self._periodic: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
        self.huey: Huey | None = None
        self._wrapped: dict[str, Any] = {}
        self._consumer: Consumer | None = None
        self._app: Flask | None = None

    def task(self, retries: int = 5, retry_delay: int = 30) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a task; it runs inside an application context. Tasks must be idempotent."""

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            name = f"{fn.__module__}.{fn.__name__}"
            self._tasks[name] = (fn, {"retries": retries, "retry_delay": retry_delay})
            self._register(name)
            return fn

        return decorator

    def periodic(self, **schedule: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a task that runs on a crontab schedule (``minute="*"``...)."""

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            name = f"{fn.__module__}.{fn.__name__}"
            self._periodic[name] = (fn, schedule)
            self._register(name)
            return fn

        return decorator

    def init_app(self, app: Flask, url: str, *, immediate: bool) -> None:
        """Build the huey instance for ``url`` and register every declared task."""
        self.huey = _make_huey(url, immediate=immediate)
        self._app = app
        self._wrapped = {}
        for name in [*self._tasks, *self._periodic]:
            self._register(name)
        app.extensions["odr.jobs"] = self

    def _register(self, name: str) -> None:
        """Wrap a declared task for the current huey instance (tasks may be declared late)."""
        if self.huey is None or self._app is None:
            return
        if name in self._tasks:
            fn, options = self._tasks[name]
            self._wrapped[name] = self.huey.task(name=name, **options)(_in_app(self._app, fn))
        else:
            fn, schedule = self._periodic[name]
            self._wrapped[name] = self.huey.periodic_task(crontab(**schedule), name=name)(
                _in_app(self._app, fn)
            )

    def enqueue(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue a run of the declared task ``fn`` with ``args`` (JSON-friendly values)."""
        name = f"{fn.__module__}.{fn.__name__}"
        if name not in self._wrapped:
            raise KeyError(f"{name} is not a declared task")
        self._wrapped[name](*args)

    def start_consumer(self, workers: int = 2) -> None:
        """Run the jobs inside this process (the embedded mode)."""
        if self.huey is None or self.huey.immediate:
            return
        self._consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        self._consumer.start()
        log.info("embedded job consumer started with %d workers", workers)

    def run_worker(self, workers: int) -> None:
        """Run a blocking worker process (``odr worker``)."""
        assert self.huey is not None
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.run()


def _in_app(app: Flask, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        with app.app_context():
            return fn(*args)

    run.__name__ = fn.__name__
    run.__qualname__ = fn.__qualname__
    run.__module__ = fn.__module__
    return run


def _make_huey(url: str, *, immediate: bool) -> Huey:
    parsed = urlparse(url)
    if parsed.scheme in {"redis", "rediss"}:
        return RedisHuey("odr", url=url, immediate=immediate, results=False)
    if parsed.scheme == "sqlite":
        path = url.removeprefix("sqlite:///") or "jobs.sqlite3"
        return SqliteHuey("odr", filename=path, immediate=immediate, results=False)
    if parsed.scheme == "memory":
        return Huey("odr", immediate=True, results=False)
    raise ValueError(f"ODR_JOBS_URL: unsupported scheme {parsed.scheme!r} (sqlite:/// or redis://)")


jobs = JobQueue()
