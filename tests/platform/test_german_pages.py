"""Every page each role reaches, read in German: none shows a string that the German catalogue translates.

The pages are the route matrix's GET pages (tests/platform/routes.py) with its records, and the links of
each page's navigation. A string of the English catalogue left on a German page is one that escaped
translation: text outside gettext, or words stored in someone else's language.
"""

from __future__ import annotations

import pytest

from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from tests.mailbox import sign_in_as
from tests.platform.german_pages import untranslated, visible
from tests.platform.routes import ROLES, TABLE, requests_of
from tests.platform.test_routes import SETUPS, world  # noqa: F401  (world is a fixture)


def _pages(section: str, role: str, targets: dict) -> list[str]:
    """The section's pages that ``role`` may open (200 in the matrix), not the API's."""
    requests = requests_of(section, targets)
    column = ROLES.index(role)
    return [requests[endpoint][0] for (method, endpoint), row in TABLE[section].items()
            if method == "GET" and not endpoint.split(".")[0].endswith("_api") and row.own[column] == 200]


def _read_in_german(client, path: str, seen: dict[str, set[str]], slug: str) -> list[str]:
    """Open ``path`` and note its untranslated strings; returns the links of its navigation."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert "<html" not in html or '<html lang="de">' in html, path  # a fragment (the documents panel) has none
    texts, links = visible(html)
    for text in untranslated(texts):
        seen.setdefault(text, set()).add(path)
    return [link for link in links if link.startswith(f"/t/{slug}/")]


@pytest.mark.parametrize("section", list(SETUPS))
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_german(app, session, world, request, section, role):  # noqa: F811
    own, _other = SETUPS[section](app, session, world, request)
    tenant, user = world["tenant"], world["people"][role]
    assert Role(user.role).value == role
    set_tenant(session, tenant.id)
    user.locale = "de"
    session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    sign_in_as(client, session, tenant, user)
    seen: dict[str, set[str]] = {}
    opened: set[str] = set()
    queue = _pages(section, role, {"slug": tenant.slug, **own}) + [f"/t/{tenant.slug}/"]
    while queue:
        path = queue.pop(0)
        if path in opened:
            continue
        opened.add(path)
        queue += _read_in_german(client, path, seen, tenant.slug)
    assert len(opened) >= 2
    assert seen == {}, "English on German pages: " + "; ".join(f"{text!r} on {sorted(paths)}"
                                                             for text, paths in sorted(seen.items()))


def test_the_reading_finds_english_in_text_and_labels_but_not_in_scripts_or_german():
    page = ('<h3>What happens next</h3><button aria-label="Notifications">x</button>'
            '<p>Neuer Antrag MED-1 von Northwind</p><p>New referral MED-2 from Northwind Insurance</p>'
            '<script>const label = "Sign out";</script><p>Wie es weitergeht · Mark all as read</p>'
            '<div lang="en"><p>The text</p><br><p>Signatures</p></div><p>Page</p>')
    texts, _links = visible(page)
    assert untranslated(texts) == {"What happens next", "Notifications", "New referral %(ref)s from %(insurer)s",
                                   "Mark all as read", "Page"}  # not what is marked as English
