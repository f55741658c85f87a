"""The embedded server: gunicorn's gthread worker, one process, Socket.IO in threading mode."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from odr.platform.config import Settings
from odr.platform.jobs import jobs


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def _post_worker_init(worker: Any) -> None:
    app = worker.app.application
    if app.config["ODR"].jobs_embedded:
        jobs.start_consumer(app)
    settle_collector()


def settle_collector() -> None:
    """Take what the worker has built by now out of the cyclic collector's sight.

    The modules, the app, its routes and mappers live as long as the process; left in view, every
    full collection walked them all again: 95 to 134 ms of the GIL, in which no socket was served
    (bench/rooms, where they were most of the p99). Frozen, a full collection walks only what was
    made since, and took a fifth of that.
    """
    gc.collect()
    gc.freeze()


def _worker_exit(server: Any, worker: Any) -> None:
    jobs.stop_consumer(worker.app.application)


def run(app: Flask, host: str, port: int, settings: Settings) -> None:
    """Serve ``app`` until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "worker_class": "gthread",
        "workers": 1,  # Socket.IO state lives in the process: scale out with more processes
        "threads": settings.threads,
        "timeout": 0,  # long-lived WebSocket connections hold a thread
        "graceful_timeout": 10,
        "accesslog": "-",
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
        # gunicorn's control socket defaults to one shared path in the home folder, which
        # several `odr serve` processes on one machine would take from each other.
        "control_socket_disable": True,
    }
    _Gunicorn(app, options).run()
