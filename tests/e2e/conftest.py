"""Browser tests: the real server in a subprocess, Chromium driven by Playwright.

Each pytest-xdist worker starts its own server on its own port and database, loaded with
the demo data (``odr demo``). Every page a test loads is checked with axe-core.
"""

from __future__ import annotations

import os
import re
import subprocess
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
from tests.live import free_port, odr_command, run_odr, server_environment, stop, tail, wait_until_healthy

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
TIMEOUT_MS = 15_000  # generous: the machine may be busy with other test runs

expect.set_options(timeout=TIMEOUT_MS)


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``odr serve`` on a free port and a fresh database of this worker, with the demo data."""
    tmp = tmp_path_factory.mktemp("live")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    db_url = database_url(tmp, f"e2e_{worker_id()}")
    env = server_environment(tmp, db_url, base_url)
    run_odr(["db", "upgrade"], env, tmp)
    demo_output = run_odr(["demo"], env, tmp)
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
        wait_until_healthy(base_url, process, log)
        yield server
    finally:
        stop(process)
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
