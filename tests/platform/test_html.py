"""Every page the app serves is well-formed HTML: each GET page of the route matrix, for each role, and
each refused form's page, through a strict parser (tests/pages.py) that fails on any parse error."""

from __future__ import annotations

import pytest

from odr.platform.tenancy import set_tenant
from tests import factories
from tests.conftest import csrf_token
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import form_token
from tests.pages import error_summary, html_problems
from tests.platform import test_routes
from tests.platform.routes import ROLES, TABLE, requests_of

# The route matrix's fixtures: its world, and the records of each section.
world, section_world = test_routes.world, test_routes.section_world

PAGES = [section for section, rows in TABLE.items() if any(not e.split(".")[0].endswith("_api") for _m, e in rows)]


def _html_pages(client, tenant, section: str, targets: dict) -> dict[tuple[str, str], str]:
    """The HTML of each of the section's pages as the signed-in client gets it (refusals included)."""
    token = form_token(client, tenant)
    requests = requests_of(section, targets)
    pages = {}
    for method, endpoint in TABLE[section]:
        if endpoint.split(".")[0].endswith("_api"):
            continue
        path, body = requests[endpoint]
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token, **body})
        if response.mimetype == "text/html" and response.status_code not in (301, 302, 303):
            pages[(method, endpoint)] = response.get_data(as_text=True)
    return pages


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("section", PAGES)
def test_every_page_parses_without_an_error(app, session, section_world, section, role):
    client = app.test_client()
    sign_in_as(client, session, section_world["tenant"], section_world["people"][role])
    pages = _html_pages(client, section_world["tenant"], section, section_world["own"])
    assert pages or role != "admin"
    problems = {key: found for key, html in pages.items()
                if (found := html_problems(html, fragment="<html" not in html[:200]))}
    assert problems == {}
    unnamed = {key: entries for key, html in pages.items() if section not in UNLABELLED and key not in ELSEWHERE
               if (entries := [entry for entry in error_summary(html) if not _names_its_field(html, *entry)])}
    assert unnamed == {}


# Every section's refused forms name their fields in the summary (the room's composer too).
UNLABELLED: set[str] = set()
# The matrix's case is open, so its page no longer has the rejection form whose refusal it shows.
ELSEWHERE = {("POST", "cases.screening_reject")}


def _names_its_field(html: str, target: str | None, text: str) -> bool:
    """A summary entry is "<label>: <message>" and links to an element of the page."""
    return target is not None and ": " in text and f'id="{target}"' in html


def test_the_public_pages_parse_without_an_error(app, session, tenant, people):
    with app.app_context():
        set_tenant(session, tenant.id)
        _invitation, token = factories.invitation(session, people["admin"])
        session.commit()
    client = app.test_client()
    base = f"/t/{tenant.slug}"
    pages = {path: client.get(path) for path in ("/", f"{base}/sign-in", f"{base}/sign-in-link", f"{base}/nowhere",
                                                  f"{base}/links/{token}", f"{base}/links/not-a-token")}
    pages["refused sign-in"] = client.post(f"{base}/sign-in", data={
        "csrf_token": csrf_token(client, f"{base}/sign-in"), "email": "nobody", "password": ""})
    pages["refused password"] = client.post(f"{base}/links/{token}", data={
        "csrf_token": csrf_token(client, f"{base}/links/{token}"), "password": "short", "password_confirm": "x"})
    for name, response in pages.items():
        assert response.mimetype == "text/html", name
        html = response.get_data(as_text=True)
        assert html_problems(html) == [], name
        assert all(_names_its_field(html, *entry) for entry in error_summary(html)), (name, error_summary(html))
    assert [target for target, _text in error_summary(pages["refused password"].get_data(as_text=True))] == [
        "password", "password_confirm"]
    assert "email" in dict(error_summary(pages["refused sign-in"].get_data(as_text=True)))


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<input maxlength=&#34;120&#34;>', "holds a quote"),
        ('<input maxlength="12x">', "whole number"),
        ("<div><span></div>", "<span> is still open"),
        ("</section>", "with no element open"),
        ('<p id="a"></p><p id="a"></p>', 'id "a" is used twice'),
        ('<a href="#" href="#x">x</a>', "attribute href twice"),
        ("<div/>", "self-closing"),
    ],
)
def test_the_checker_catches_what_browsers_repair(html, problem):
    found = html_problems("<!DOCTYPE html><html><body>" + html + "</body></html>")
    assert any(problem in text for text in found), found
    assert html_problems("<!DOCTYPE html><html><body><ul><li>a<li>b</ul><p>c</body></html>") == []


def test_the_checker_wants_a_doctype_and_every_element_closed():
    assert any("no <!DOCTYPE html>" in text for text in html_problems("<html><body></body></html>"))
    assert any("still open at the end" in text for text in html_problems("<!DOCTYPE html><main><div>"))
    assert html_problems("<section><svg><path d='M0 0'/></svg></section>", fragment=True) == []
