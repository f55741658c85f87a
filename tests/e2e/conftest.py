"""Browser tests: the real server in a subprocess, Chromium driven by Playwright.

Each pytest-xdist worker starts its own server on its own port and database, loaded with
the demo data (``odr demo``). Every page a test loads is checked with axe-core.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.engine import Engine

from odr.platform.db import make_engine
from odr.platform.mail import OutboxEmail
from tests.conftest import database_url, worker_id
from tests.e2e.browsing import forget, watch

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ODR_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
LINK = re.compile(r"https?://\S+/links/[A-Za-z0-9_-]+")
STARTUP_SECONDS = 60
TIMEOUT_MS = 15_000  # generous: the machine may be busy with other test runs

expect.set_options(timeout=TIMEOUT_MS)


def odr_command() -> list[str]:
    """The ``odr`` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("odr")
    if not script.exists():
        raise RuntimeError(f"{script} is missing: install the project (pip install -e '.[test]')")
    return [str(script)]


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"


@dataclass
class LiveServer:
    """A running ``odr serve`` with the demo tenant loaded."""

    base_url: str
    database_url: str
    log: Path
    customer_link: str
    process: subprocess.Popen[bytes] = field(repr=False)

    def url(self, path: str = "/") -> str:
        """An absolute URL on this server."""
        return self.base_url + path


def _server_environment(tmp: Path, db_url: str, base_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ODR_")}
    env.update(
        ODR_ENV="development",
        ODR_SECRET_KEY="e2e-secret-key-that-is-long-enough-0123456789",
        ODR_INSTANCE_PATH=str(tmp / "instance"),
        ODR_DATABASE_URL=db_url,
        ODR_BASE_URL=base_url,
        ODR_JOBS_URL=f"sqlite:///{tmp / 'jobs.sqlite3'}",
        ODR_JOBS_EMBEDDED="true",
        ODR_JOBS_IMMEDIATE="false",
        ODR_RATELIMIT_STORAGE_URL="memory://",
        ODR_RATELIMIT_SIGNIN="1000 per minute",
        ODR_RATELIMIT_TOKENS="1000 per minute",
        ODR_SMTP_URL="",
        ODR_SOCKETIO_MESSAGE_QUEUE="",
        ODR_DEFAULT_LOCALE="en",
        ODR_LOG_LEVEL="INFO",
        ODR_THREADS="20",
        # gunicorn puts its control socket in $XDG_RUNTIME_DIR (else ~/.gunicorn): one per server.
        XDG_RUNTIME_DIR=str(tmp),
        PYTHONUNBUFFERED="1",
    )
    return env


def _odr(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run an ``odr`` command to completion; its standard output."""
    result = subprocess.run(  # noqa: S603 - our own console script
        [*odr_command(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"odr {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _wait_until_healthy(server: LiveServer) -> None:
    # The port was free when chosen; the log line proves that this process (and not some other
    # program that took the port meanwhile) is the one listening, before /healthz is believed.
    listening = f"Listening at: {server.base_url} ({server.process.pid})"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"odr serve exited with {server.process.returncode}:\n{tail(server.log)}"
            )
        if listening not in server.log.read_text(errors="replace"):
            time.sleep(0.2)
            continue
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"odr serve did not answer /healthz in {STARTUP_SECONDS}s:\n{tail(server.log)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``odr serve`` on a free port and a fresh database of this worker, with the demo data."""
    tmp = tmp_path_factory.mktemp("live")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    db_url = database_url(tmp, f"e2e_{worker_id()}")
    env = _server_environment(tmp, db_url, base_url)
    _odr(["db", "upgrade"], env, tmp)
    demo_output = _odr(["demo"], env, tmp)
    links = LINK.findall(demo_output)
    assert links, f"odr demo printed no invitation link:\n{demo_output}"

    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [*odr_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(base_url, db_url, log, links[0], process)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        _stop(process)
    if process.returncode not in (0, -15):
        print(f"odr serve ended with {process.returncode}:\n{tail(log)}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (separate cookies: separate people).

    Keyword arguments go to ``browser.new_context`` (``**PHONE`` for a phone). Every
    document the pages load is checked with axe; see ``tests.e2e.browsing``.
    """
    opened: list[Page] = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(base_url=live_server.base_url, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        watch(page)
        opened.append(page)
        return page

    yield open_page
    audits = [forget(page) for page in opened]
    try:
        for audit in audits:
            audit.finish()
    finally:
        for page in opened:
            page.context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page in a fresh browser context at desktop size."""
    return new_page(viewport={"width": 1280, "height": 800})


class Outbox:
    """The e-mails the live server has written to its outbox, read from its database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def messages_to(self, recipient: str) -> list[Any]:
        """Every e-mail to ``recipient``, newest first (recipient, subject, body_text)."""
        query = (
            select(OutboxEmail.recipient, OutboxEmail.subject, OutboxEmail.body_text)
            .where(OutboxEmail.recipient == recipient)
            .order_by(OutboxEmail.id.desc())
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def link_to(self, recipient: str) -> str:
        """The link in the newest e-mail to ``recipient``."""
        messages = self.messages_to(recipient)
        assert messages, f"no e-mail to {recipient} in the outbox"
        match = LINK.search(messages[0].body_text)
        assert match, f"no link in the e-mail to {recipient}:\n{messages[0].body_text}"
        return match.group(0)


@pytest.fixture(scope="session")
def outbox(live_server: LiveServer) -> Iterator[Outbox]:
    """The live server's outbox."""
    engine = make_engine(live_server.database_url)
    yield Outbox(engine)
    engine.dispose()
