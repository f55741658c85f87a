"""Security headers, no inline script, CSRF on forms and the API, and rate limits on sign-in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from odr.app import create_app
from odr.tenants.models import Organisation
from tests.conftest import PG_URL, csrf_token, post_form, sign_in, test_settings
from tests.factories import PASSWORD
from tests.mailbox import last_link, sign_in_as

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def _pages(client, session, tenant, people) -> dict[str, str]:
    """The HTML of every kind of page: public, each role's, the admin's and the error pages."""
    t = f"/t/{tenant.slug}"
    admin_browser, customer_browser = (
        client.application.test_client(),
        client.application.test_client(),
    )
    pages = {
        path: client.get(path)
        for path in (
            "/",
            f"{t}/sign-in",
            f"{t}/sign-in-link",
            f"{t}/links/nope",
            "/no-such-page",
            "/t/no-such-tenant/",
        )
    }
    post_form(
        client,
        f"{t}/sign-in-link",
        {"email": people["customer"].email},
        from_path=f"{t}/sign-in-link",
    )
    pages["link"] = client.get(last_link(session, people["customer"].email))
    pages["refused sign-in"] = post_form(
        client,
        f"{t}/sign-in",
        {"email": "x@example.org", "password": "nope"},
        from_path=f"{t}/sign-in",
    )
    sign_in_as(customer_browser, session, tenant, people["customer"])
    pages["customer dashboard"] = customer_browser.get(f"{t}/")
    pages["forbidden"] = customer_browser.get(f"{t}/admin/users")
    sign_in(admin_browser, tenant, people["admin"])
    for path in (
        "/",
        "/admin/users",
        "/admin/invitations",
        "/admin/organisations",
        f"/admin/organisations/{people['insurer_agent'].organisation.public_id}",
    ):
        pages[f"admin {path}"] = admin_browser.get(f"{t}{path}")
    return pages


@pytest.fixture
def pages(client, session, tenant, people):
    """Every kind of page, as responses."""
    return _pages(client, session, tenant, people)


def test_every_page_has_the_security_headers(pages):
    for name, response in pages.items():
        assert response.mimetype == "text/html", name
        headers = response.headers
        csp = _directives(headers["Content-Security-Policy"])
        assert "'unsafe-inline'" not in csp["script-src"], name
        assert "'unsafe-eval'" not in csp["script-src"], name
        assert csp["frame-ancestors"] == ["'none'"], name
        assert csp["object-src"] == ["'none'"], name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert headers["X-Frame-Options"] == "DENY", name
        assert headers["Cache-Control"] == "no-store", name
        assert "Strict-Transport-Security" not in headers, name


def test_no_page_has_an_inline_script(pages):
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert "<script" in html, name  # the layout's script is there, from a file
        assert INLINE_SCRIPT.findall(html) == [], name
        assert not re.search(r"\son[a-z]+=", html), f"{name}: an inline event handler"


def test_each_response_has_its_own_script_nonce(client, tenant):
    nonces = set()
    for _ in range(2):
        response = client.get(f"/t/{tenant.slug}/sign-in")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        assert f'nonce="{nonce}"' in response.get_data(as_text=True)
        nonces.add(nonce)
    assert len(nonces) == 2


def test_hsts_is_sent_in_production_only(tmp_path, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    url = PG_URL or "postgresql+psycopg://odr@127.0.0.1:1/never-connected"
    production = create_app(
        test_settings(
            tmp_path,
            url,
            env="production",
            allowed_origins=["https://x.example"],
            secret_key="x" * 40,
        )
    )
    response = production.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert (
        int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    )


# CSRF ------------------------------------------------------------------------------------------


def _organisations(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Organisation.id)))


def test_a_form_without_its_token_is_refused_with_a_page_that_says_to_reload(
    client, session, tenant, people
):
    sign_in(client, tenant, people["admin"])
    before = _organisations(session)
    response = client.post(
        f"/t/{tenant.slug}/admin/organisations", data={"name": "Forged Insurance"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Reload the page and try again." in html
    assert 'id="main"' in html
    assert _organisations(session) == before


def test_a_form_with_a_wrong_token_is_refused(client, session, tenant, people):
    sign_in(client, tenant, people["admin"])
    before = _organisations(session)
    response = client.post(
        f"/t/{tenant.slug}/admin/organisations",
        data={"name": "Forged Insurance", "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert _organisations(session) == before


def test_the_sign_in_form_needs_its_token_too(client, tenant, people):
    response = client.post(
        f"/t/{tenant.slug}/sign-in", data={"email": people["admin"].email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert client.get(f"/t/{tenant.slug}/").status_code == 302


def test_an_api_post_without_the_csrf_header_is_a_400_in_the_error_format(
    client, session, tenant, people
):
    sign_in(client, tenant, people["admin"])
    before = _organisations(session)
    response = client.post(
        f"/api/v1/t/{tenant.slug}/organisations", json={"name": "Forged Insurance"}
    )
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "csrf_failed"
    assert _organisations(session) == before
    token = csrf_token(client, f"/t/{tenant.slug}/")
    response = client.post(
        f"/api/v1/t/{tenant.slug}/organisations",
        json={"name": "Honest Insurance"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201
    assert _organisations(session) == before + 1


# Rate limits -----------------------------------------------------------------------------------


def _assert_rate_limited_page(response):
    assert response.status_code == 429
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 3600
    html = response.get_data(as_text=True)
    assert 'id="main"' in html
    assert "Too many attempts" in html
    # The page counts the seconds a moment before the header does.
    shown = int(re.search(r"try again in (\d+) seconds?", html)[1])
    assert shown in (retry, retry + 1)


def test_the_eleventh_wrong_password_in_a_minute_is_refused_for_a_while(client, tenant, people):
    path = f"/t/{tenant.slug}/sign-in"
    token = csrf_token(client, path)
    for attempt in range(10):
        response = client.post(
            path, data={"csrf_token": token, "email": people["admin"].email, "password": "wrong"}
        )
        assert response.status_code == 400, attempt
    response = client.post(
        path, data={"csrf_token": token, "email": people["admin"].email, "password": PASSWORD}
    )
    _assert_rate_limited_page(response)
    # Reading the page is not limited.
    assert client.get(path).status_code == 200


def test_redeeming_links_is_rate_limited(client, tenant):
    link = f"/t/{tenant.slug}/links/guessed-token"
    token = csrf_token(client, link)
    for attempt in range(20):
        assert client.post(link, data={"csrf_token": token}).status_code == 404, attempt
    _assert_rate_limited_page(client.post(link, data={"csrf_token": token}))


def test_asking_for_sign_in_links_is_rate_limited(client, tenant):
    path = f"/t/{tenant.slug}/sign-in-link"
    token = csrf_token(client, path)
    for attempt in range(20):
        response = client.post(path, data={"csrf_token": token, "email": f"n{attempt}@example.org"})
        assert response.status_code == 200, attempt
    _assert_rate_limited_page(
        client.post(path, data={"csrf_token": token, "email": "last@example.org"})
    )


def test_a_rate_limited_api_client_gets_json_with_retry_after(client, tenant):
    path = f"/t/{tenant.slug}/sign-in"
    token = csrf_token(client, path)
    for _ in range(10):
        client.post(path, data={"csrf_token": token, "email": "x@example.org", "password": "wrong"})
    response = client.post(
        path,
        data={"csrf_token": token, "email": "x@example.org", "password": "wrong"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "rate_limited"


# Redirects after a form ------------------------------------------------------------------------

FOREIGN = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example/",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize(
    "target",
    FOREIGN,
    ids=["absolute", "scheme-relative", "backslash", "tab", "newline", "crlf", "javascript"],
)
def test_signing_in_never_redirects_to_another_site(client, tenant, people, target):
    path = f"/t/{tenant.slug}/sign-in"
    response = post_form(
        client,
        path,
        {"email": people["admin"].email, "password": PASSWORD, "next": target},
        from_path=path,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/{tenant.slug}/"
    # Signed in already, the sign-in page forwards to ``next`` at once: the same check applies.
    response = client.get(path, query_string={"next": target})
    assert response.headers["Location"] == f"/t/{tenant.slug}/"


def test_signing_in_goes_on_to_a_local_next_page(client, tenant, people):
    path = f"/t/{tenant.slug}/sign-in"
    response = post_form(
        client,
        path,
        {
            "email": people["admin"].email,
            "password": PASSWORD,
            "next": f"/t/{tenant.slug}/admin/users",
        },
        from_path=path,
    )
    assert response.headers["Location"] == f"/t/{tenant.slug}/admin/users"


@pytest.mark.parametrize(
    "target",
    FOREIGN,
    ids=["absolute", "scheme-relative", "backslash", "tab", "newline", "crlf", "javascript"],
)
def test_the_language_switch_never_redirects_to_another_site(client, target):
    response = post_form(client, "/language", {"language": "de", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
