"""Every document a browser test loads is checked with axe-core before the test moves on."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Error, Page

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# Runs axe on the whole document; only violations come back, reduced to what a report needs.
RUN_AXE = """
async () => {
  const results = await window.axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary || "" })),
  }));
}
"""


class AccessibilityError(AssertionError):
    """axe found serious or critical problems on a page."""


@cache
def axe_source() -> str:
    """The axe-core bundle installed by ``npm install``."""
    if not AXE_PATH.exists():
        raise RuntimeError(f"{AXE_PATH} is missing: run `npm install` to install axe-core")
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page's current document."""
    # The app's Content-Security-Policy allows only its own scripts and nonced ones, so
    # ``add_script_tag`` (an inline <script>) is refused, as it should be. ``page.evaluate``
    # runs the bundle through the DevTools protocol, which the policy does not govern. That
    # keeps the real policy in force for everything the app itself does, whereas a context
    # with ``bypass_csp=True`` would switch it off for the whole page and hide the very
    # mistakes (an inline script, a foreign origin) that the policy exists to catch.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(RUN_AXE)


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations serious or critical enough to fail a test."""
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    """A readable report: rule, impact, help and the offending nodes of each violation."""
    lines = [f"axe found {len(violations)} serious or critical problem(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}")
            lines.extend(f"      {row}" for row in node["summary"].splitlines() if row.strip())
    return "\n".join(lines)


class PageAudit:
    """Watches one page: counts the documents it loads and checks each of them.

    ``check()`` audits the current document. A document that loaded and was left before
    anyone checked it is reported too, so a test cannot visit a page unchecked.
    Uncaught script errors and Content-Security-Policy violations fail the check as well.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.loaded: list[str] = []
        self.checked = 0
        self.problems: list[str] = []
        page.on("load", self._on_load)
        page.on("pageerror", self._on_page_error)
        page.on("console", self._on_console)

    # Event handlers only record: they run between the test's own calls to the browser.
    def _on_load(self, page: Page) -> None:
        self.loaded.append(page.url)

    def _on_page_error(self, error: Error) -> None:
        self.problems.append(f"script error on {self.page.url}: {error.message}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation on {self.page.url}: {message.text}")

    def check(self) -> None:
        """Audit the document on screen (after it has loaded); raise on any blocking problem."""
        self.page.wait_for_load_state("load")
        skipped = self.loaded[self.checked : -1]
        self.checked = len(self.loaded)
        if skipped:
            raise AccessibilityError(
                "these pages loaded and were left without an accessibility check "
                f"(use visit() or follow()): {', '.join(skipped)}"
            )
        violations = blocking(run_axe(self.page))
        self._raise_problems()
        if violations:
            raise AccessibilityError(describe(self.page.url, violations))

    def finish(self) -> None:
        """At the end of a test: audit the last document if nobody did."""
        if not self.page.is_closed() and self.checked < len(self.loaded):
            self.check()
        self._raise_problems()

    def _raise_problems(self) -> None:
        problems, self.problems = self.problems, []
        if problems:
            raise AssertionError("\n".join(problems))
