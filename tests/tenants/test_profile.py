"""Everyone's profile page: name and language; password and other sessions for staff and agents."""

from __future__ import annotations

import pytest

from odr.tenants.passwords import verify_password
from tests import factories
from tests.conftest import post_form, sign_in
from tests.mailbox import sign_in_as

NEW_PASSWORD = "a brand new passphrase"  # noqa: S105


def profile(tenant) -> str:
    return f"/t/{tenant.slug}/profile"


def send(client, tenant, path, data):
    return post_form(client, profile(tenant) + path, data, from_path=profile(tenant))


def test_everyone_has_a_profile_page_linked_from_the_header(app, session, tenant, people):
    for role, user in people.items():
        client = app.test_client()
        sign_in_as(client, session, tenant, user)
        html = client.get(profile(tenant)).get_data(as_text=True)
        assert f'value="{user.full_name}"' in html, role
        assert f'href="{profile(tenant)}"' in client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
        # Customers have no password: they come in by a link.
        assert ('name="current_password"' in html) is (role != "customer"), role
        assert "Sign out of every other session" in html


def test_changing_ones_name_and_language(browser, session, tenant, mediator):
    response = send(browser, tenant, "", {"full_name": " Mira Mediator ", "locale": "de"})
    assert response.status_code == 303
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert 'lang="de"' in html and "Ihr Profil ist gespeichert." in html
    session.expire_all()
    assert (mediator.full_name, mediator.locale) == ("Mira Mediator", "de")
    # No choice: the browser's language again.
    send(browser, tenant, "", {"full_name": "Mira Mediator", "locale": ""})
    session.expire_all()
    assert mediator.locale is None
    assert 'lang="en"' in browser.get(profile(tenant)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"full_name": "", "locale": "en"}, "full_name"), ({"full_name": "Mira", "locale": "fr"}, "locale")],
)
def test_a_bad_profile_is_refused_and_changes_nothing(browser, session, tenant, mediator, data, field):
    before = (mediator.full_name, mediator.locale)
    response = send(browser, tenant, "", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and f'href="#{field}"' in html
    session.expire_all()
    assert (mediator.full_name, mediator.locale) == before


def test_changing_the_password_signs_out_every_other_browser_but_this_one(app, browser, session, tenant, mediator):
    elsewhere = app.test_client()
    sign_in(elsewhere, tenant, mediator)
    response = send(browser, tenant, "/password", {
        "current_password": factories.PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Your password is changed" in browser.get(profile(tenant)).get_data(as_text=True)
    session.expire_all()
    assert verify_password(mediator.password_hash, NEW_PASSWORD)
    assert elsewhere.get(profile(tenant)).status_code == 302  # signed out there
    assert browser.get(profile(tenant)).status_code == 200  # not here
    sign_in(app.test_client(), tenant, mediator, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"current_password": "not my password", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
         "current_password"),
        ({"current_password": "", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, "current_password"),
        ({"current_password": factories.PASSWORD, "password": "short", "password_confirm": "short"}, "password"),
        ({"current_password": factories.PASSWORD, "password": NEW_PASSWORD, "password_confirm": "different words"},
         "password_confirm"),
        ({"current_password": factories.PASSWORD, "password": factories.PASSWORD,
          "password_confirm": factories.PASSWORD}, "password"),
    ],
)
def test_a_refused_password_change_changes_nothing(app, browser, session, tenant, mediator, data, field):
    elsewhere = app.test_client()
    sign_in(elsewhere, tenant, mediator)
    before = mediator.password_hash
    response = send(browser, tenant, "/password", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert NEW_PASSWORD not in html and factories.PASSWORD not in html  # never echoed
    session.expire_all()
    assert mediator.password_hash == before
    assert elsewhere.get(profile(tenant)).status_code == 200


def test_a_customer_has_no_password_to_change(app, session, tenant, people):
    client = app.test_client()
    sign_in_as(client, session, tenant, people["customer"])
    response = send(client, tenant, "/password", {
        "current_password": "x", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 403
    session.expire_all()
    assert people["customer"].password_hash is None


def test_signing_out_everywhere_else(app, browser, tenant, mediator):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, tenant, mediator)
    sign_in(laptop, tenant, mediator)
    html = browser.get(profile(tenant)).get_data(as_text=True)
    assert "in 2 other browsers or devices" in html
    response = send(browser, tenant, "/sessions/end", {})
    assert response.status_code == 303
    assert "2 other sessions are signed out." in browser.get(profile(tenant)).get_data(as_text=True)
    assert phone.get(profile(tenant)).status_code == 302
    assert laptop.get(profile(tenant)).status_code == 302
    html = browser.get(profile(tenant)).get_data(as_text=True)
    assert "You are signed in only here." in html
    send(browser, tenant, "/sessions/end", {})
    assert "You were not signed in anywhere else." in browser.get(profile(tenant)).get_data(as_text=True)
