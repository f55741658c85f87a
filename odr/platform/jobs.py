"""Jobs off the request path, on huey: SQLite embedded, Redis in production, inline in tests."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

log = logging.getLogger(__name__)

Task = Callable[..., Any]


@dataclass
class JobState:
    """One app's huey instance and its wrapped tasks (kept in ``app.extensions``)."""

    huey: Huey
    wrapped: dict[str, Any] = field(default_factory=dict)
    consumer: Consumer | None = None


class JobSet:
    """A domain's jobs, declared where they are written; its ``register(app)`` hands them to ``jobs``."""

    def __init__(self) -> None:
        self.tasks: dict[str, tuple[Task, dict[str, Any]]] = {}
        self.periodic_tasks: dict[str, tuple[Task, dict[str, str]]] = {}

    def task(self, retries: int = 5, retry_delay: int = 30) -> Callable[[Task], Task]:
        """Declare a task; it runs inside an application context. Tasks must be idempotent."""

        def decorator(fn: Task) -> Task:
            self.tasks[_name(fn)] = (fn, {"retries": retries, "retry_delay": retry_delay})
            return fn

        return decorator

    def periodic(self, **schedule: str) -> Callable[[Task], Task]:
        """Declare a task that runs on a crontab schedule (``minute="*"``...)."""

        def decorator(fn: Task) -> Task:
            self.periodic_tasks[_name(fn)] = (fn, schedule)
            return fn

        return decorator


class JobQueue:
    """Each app binds the job sets its domains register to its own huey instance."""

    def init_app(self, app: Flask, url: str, *, immediate: bool) -> None:
        """Give ``app`` the huey instance ``url`` names."""
        app.extensions["odr.jobs"] = JobState(_make_huey(url, immediate=immediate))

    def register(self, app: Flask, jobset: JobSet) -> None:
        """Bind ``jobset``'s tasks to ``app``'s huey; registering the same set again changes nothing."""
        state: JobState = app.extensions["odr.jobs"]
        for name, (fn, options) in jobset.tasks.items():
            if name not in state.wrapped:
                state.wrapped[name] = state.huey.task(name=name, **options)(_in_app(app, fn))
        for name, (fn, schedule) in jobset.periodic_tasks.items():
            if name not in state.wrapped:
                state.wrapped[name] = state.huey.periodic_task(crontab(**schedule), name=name)(_in_app(app, fn))

    def names(self, app: Flask) -> set[str]:
        """The jobs ``app`` runs."""
        return set(app.extensions["odr.jobs"].wrapped)

    def enqueue(self, fn: Task, *args: Any) -> None:
        """Queue a run of the registered task ``fn`` with ``args`` (JSON-friendly values)."""
        name = _name(fn)
        state: JobState = current_app.extensions["odr.jobs"]
        if name not in state.wrapped:
            raise KeyError(f"{name} is not a registered task")
        state.wrapped[name](*args)

    def start_consumer(self, app: Flask, workers: int = 2) -> None:
        """Run the jobs inside this process, in threads (the embedded mode)."""
        state: JobState = app.extensions["odr.jobs"]
        if state.huey.immediate:
            return
        state.consumer = state.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        # huey's consumer installs its own signal handlers, made for a process of its own; inside
        # the server the server's handlers must stay, or SIGTERM would no longer stop it.
        kept = {signum: signal.getsignal(signum) for signum in state.consumer._signal_actions}  # noqa: SLF001
        state.consumer.start()
        for signum, handler in kept.items():
            signal.signal(signum, handler)
        log.info("embedded job consumer started with %d workers", workers)

    def stop_consumer(self, app: Flask) -> None:
        """Stop the embedded consumer, letting running jobs finish (jobs are idempotent anyway)."""
        state: JobState = app.extensions["odr.jobs"]
        if state.consumer is not None:
            state.consumer.stop(graceful=True)
            state.consumer = None

    def run_worker(self, app: Flask, workers: int) -> None:
        """Run jobs until interrupted (``odr worker``)."""
        state: JobState = app.extensions["odr.jobs"]
        state.huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


def _name(fn: Task) -> str:
    return f"{fn.__module__}.{fn.__name__}"


def _in_app(app: Flask, fn: Task) -> Task:
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
