"""A refused form that posted to an address of its own comes back naming the page's address, and a
request under /t/<slug>/ that no route takes is an error page in the tenant's layout."""

from __future__ import annotations

import re

from tests.conftest import sign_in
from tests.mediation.case_helpers import html_of, open_case, post_page, refer


def page_url(html: str) -> str | None:
    match = re.search(r'<meta name="page-url" content="([^"]+)">', html)
    return match[1] if match else None


def test_a_refused_screening_names_the_screening_page(app, client, session, tenant, people):
    case = refer(app, session, people["insurer_agent"])
    sign_in(client, tenant, people["case_manager"])
    response = post_page(client, tenant, f"/cases/{case.public_id}/screening/reject", {"reason": ""})
    assert response.status_code == 400
    assert page_url(html_of(response)) == f"/t/{tenant.slug}/cases/{case.public_id}/screening"


def test_a_refused_case_action_names_the_case_page(app, client, session, tenant, people):
    case = open_case(app, session, people)
    sign_in(client, tenant, people["case_manager"])
    response = post_page(client, tenant, f"/cases/{case.public_id}/clock/pause", {"reason": ""})
    assert response.status_code == 400
    assert page_url(html_of(response)) == f"/t/{tenant.slug}/cases/{case.public_id}"


def test_pages_at_their_own_address_name_none(app, client, session, tenant, people):
    case = refer(app, session, people["insurer_agent"])
    sign_in(client, tenant, people["case_manager"])
    assert page_url(html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}/screening"))) is None
    refused = post_page(client, tenant, "/cases/new", {})  # the referral form posts to its own page
    assert refused.status_code == 400 and page_url(html_of(refused)) is None


def test_opening_a_post_only_address_is_a_page_of_the_tenant(app, client, session, tenant, people):
    case = refer(app, session, people["insurer_agent"])
    sign_in(client, tenant, people["case_manager"])
    response = client.get(f"/t/{tenant.slug}/cases/{case.public_id}/screening/accept")
    assert response.status_code == 405
    html = html_of(response)
    assert f"<title>This page cannot be opened directly · {tenant.name}</title>" in html
    assert f'<a href="/t/{tenant.slug}/cases/{case.public_id}/screening">Go back to the page</a>' in html
    assert f'class="brand" href="/t/{tenant.slug}/">{tenant.name}</a>' in html
    assert re.search(r'<nav class="site-nav"[^>]*>.*?>Dashboard</a>', html, re.S)  # the tenant's navigation
    assert f'href="/t/{tenant.slug}/">Go to the start page' in html


def test_an_unknown_address_of_a_tenant_is_its_page_and_of_no_tenant_stays_plain(client, tenant):
    html = html_of(client.get(f"/t/{tenant.slug}/no-such-page"))
    assert f"<title>Page not found · {tenant.name}</title>" in html
    html = html_of(client.get("/t/no-such-provider/cases"))
    assert "<title>Page not found · odr</title>" in html


def test_a_post_only_address_of_no_page_still_leads_to_the_start(client, tenant, people):
    sign_in(client, tenant, people["admin"])
    response = client.get(f"/t/{tenant.slug}/sign-out")
    assert response.status_code == 405
    html = html_of(response)
    assert f'<a href="/t/{tenant.slug}/">Go back to the page</a>' in html  # the dashboard is the page above
    assert f"· {tenant.name}</title>" in html
