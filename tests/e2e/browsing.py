"""What a browser test does to a page: visit, follow, sign in, measure, photograph."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Locator, Page

from odr.app.demo import PASSWORD as DEMO_PASSWORD
from tests.e2e.accessibility import PageAudit

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}

_audits: dict[Page, PageAudit] = {}


def watch(page: Page) -> PageAudit:
    """Start checking every document ``page`` loads."""
    audit = _audits[page] = PageAudit(page)
    return audit


def forget(page: Page) -> PageAudit:
    """Stop watching ``page``; the audit is returned so its last document can be checked."""
    return _audits.pop(page)


def check(page: Page) -> None:
    """Audit the document on screen now (after a change that did not load a new one)."""
    _audits[page].check()


def visit(page: Page, url: str, *, status: int = 200) -> None:
    """Open ``url`` (relative to the live server), expect ``status`` and check the page."""
    response = page.goto(url)
    assert response is not None, f"{url}: no response"
    assert response.status == status, f"{url}: HTTP {response.status}, expected {status}"
    check(page)


def follow(page: Page, target: Locator) -> None:
    """Click a link or button that loads another page; wait for it and check it."""
    with page.expect_event("load"):
        target.click()
    check(page)


def sign_in(
    page: Page, email: str, password: str = DEMO_PASSWORD, *, slug: str = "harbour"
) -> None:
    """Sign in through the tenant's sign-in page."""
    visit(page, f"/t/{slug}/sign-in")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    follow(page, page.get_by_role("button", name="Sign in"))
    assert re.search(rf"/t/{slug}/$", page.url), f"still on {page.url} after signing in"


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the screen (0 when it fits).

    A phone browser widens its layout viewport to show content that does not fit, so the
    document is measured against the device's width, not only against ``innerWidth``.
    """
    width = page.viewport_size["width"] if page.viewport_size else 0
    return page.evaluate(
        "(width) => Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth,"
        " window.innerWidth - width)",
        width,
    )


def screenshot(page: Page, name: str) -> None:
    """Save a full-page picture when ODR_E2E_SCREENSHOTS names a folder."""
    folder = os.environ.get("ODR_E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
