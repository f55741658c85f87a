"""Invitations: sent from the admin page, opened without side effects, redeemed by each kind of person,
and refused with a message by the field when the form or the password is wrong."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from odr.platform.mail import OutboxEmail
from odr.tenants.models import Invitation, Organisation, Role
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.mailbox import emails_to, last_link
from tests.tenants.invitation_helpers import (
    NEW_PASSWORD,
    invitations_to,
    invite,
    invite_mediator,
    redeem,
    users_with,
)


def test_inviting_queues_and_sends_an_email_with_the_link(admin_client, session, tenant):
    response = invite_mediator(admin_client, tenant)
    assert response.headers["Location"] == f"/t/{tenant.slug}/admin/invitations"
    [email] = emails_to(session, "mia.mediator@example.org")
    assert email.status == "sent"
    assert email.tenant_id == tenant.id
    assert tenant.name in email.subject
    assert f"http://localhost/t/{tenant.slug}/links/" in email.body_text
    [invitation] = invitations_to(session, "mia.mediator@example.org")
    assert invitation.role is Role.MEDIATOR
    assert invitation.state == "pending"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation sent to mia.mediator@example.org." in page


def test_opening_the_link_shows_a_confirmation_and_consumes_nothing(
    admin_client, guest, session, tenant
):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    for _ in range(2):
        response = guest.get(link)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Welcome, Mia Mediator" in html
        assert 'name="password"' in html
    [invitation] = invitations_to(session, "mia.mediator@example.org")
    assert invitation.used_at is None
    assert users_with(session, "mia.mediator@example.org") == []


def test_redeeming_creates_the_user_signs_them_in_and_lands_on_the_dashboard(
    admin_client, guest, session, tenant
):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    response = redeem(guest, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/{tenant.slug}/"
    dashboard = guest.get(f"/t/{tenant.slug}/")
    assert dashboard.status_code == 200
    assert "Hello, Mia Mediator" in dashboard.get_data(as_text=True)
    [user] = users_with(session, "mia.mediator@example.org")
    assert user.role is Role.MEDIATOR
    assert user.tenant_id == tenant.id
    [invitation] = invitations_to(session, "mia.mediator@example.org")
    assert invitation.used_at is not None
    assert invitation.user_id == user.id
    # The new password works on the sign-in page too.
    guest.post(
        f"/t/{tenant.slug}/sign-out", data={"csrf_token": csrf_token(guest, f"/t/{tenant.slug}/")}
    )
    sign_in(guest, tenant, user, password=NEW_PASSWORD)


def test_a_customer_joins_without_a_password(admin_client, guest, session, tenant):
    response = invite(
        admin_client, tenant, full_name="Cleo Customer", email="cleo@example.org", role="customer"
    )
    assert response.status_code == 303
    link = last_link(session, "cleo@example.org")
    html = guest.get(link).get_data(as_text=True)
    assert 'name="password"' not in html
    assert "You will not need a password" in html
    response = redeem(guest, link)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/{tenant.slug}/"
    [user] = users_with(session, "cleo@example.org")
    assert user.role is Role.CUSTOMER
    assert user.password_hash is None
    assert guest.get(f"/t/{tenant.slug}/").status_code == 200


def test_an_insurer_agent_acts_for_the_chosen_organisation(
    admin_client, guest, session, tenant, people
):
    organisation = people["insurer_agent"].organisation
    response = invite(
        admin_client,
        tenant,
        full_name="Ada Agent",
        email="ada@northwind.example",
        role="insurer_agent",
        organisation_id=str(organisation.public_id),
    )
    assert response.status_code == 303
    link = last_link(session, "ada@northwind.example")
    assert "You will act for Northwind Insurance" in guest.get(link).get_data(as_text=True)
    assert (
        redeem(guest, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD).status_code == 303
    )
    [user] = users_with(session, "ada@northwind.example")
    assert user.organisation_id == organisation.id


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"full_name": "Dup", "email": "{existing}", "role": "mediator"},
            "email",
            "Someone in this tenant already uses this e-mail address.",
        ),
        (
            {"full_name": "Bad", "email": "not-an-address", "role": "mediator"},
            "email",
            "Enter a valid e-mail address",
        ),
        (
            {"full_name": "", "email": "x@example.org", "role": "mediator"},
            "full_name",
            "This field is required.",
        ),
        (
            {"full_name": "Agent", "email": "x@example.org", "role": "insurer_agent"},
            "organisation_id",
            "An insurer agent needs an organisation.",
        ),
        (
            {
                "full_name": "Agent",
                "email": "x@example.org",
                "role": "insurer_agent",
                "organisation_id": "{foreign}",
            },
            "organisation_id",
            "Choose an organisation.",
        ),
        (
            {"full_name": "King", "email": "x@example.org", "role": "king"},
            "role",
            "Choose one of the roles offered.",
        ),
    ],
    ids=[
        "existing-user",
        "invalid-email",
        "no-name",
        "agent-without-organisation",
        "foreign-organisation",
        "unknown-role",
    ],
)
def test_bad_invitations_are_field_errors_and_store_nothing(
    admin_client, session, tenant, people, fields, field, message
):
    other = factories.tenant(session)
    session.commit()
    foreign = session.scalar(
        select(Organisation.public_id)
        .where(Organisation.tenant_id == other.id)
        .execution_options(all_tenants=True)
    )
    values = {
        key: value.format(existing=people["mediator"].email.upper(), foreign=foreign)
        for key, value in fields.items()
    }
    invitations_before = session.scalar(select(func.count(Invitation.id)))
    emails_before = session.scalar(
        select(func.count(OutboxEmail.id)).execution_options(all_tenants=True)
    )
    response = invite(admin_client, tenant, **values)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert 'aria-invalid="true"' in html
    session.expire_all()
    assert session.scalar(select(func.count(Invitation.id))) == invitations_before
    assert (
        session.scalar(select(func.count(OutboxEmail.id)).execution_options(all_tenants=True))
        == emails_before
    )


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("short", "short", "password", "Use at least 10 characters."),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "password_confirm", "The two passwords differ."),
        ("", "", "password", "Use at least 10 characters."),
    ],
    ids=["short", "mismatch", "missing"],
)
def test_a_refused_password_keeps_the_link_usable(
    admin_client, guest, session, tenant, password, confirm, field, message
):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    response = redeem(guest, link, password=password, password_confirm=confirm)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    [invitation] = invitations_to(session, "mia.mediator@example.org")
    assert invitation.used_at is None
    assert users_with(session, "mia.mediator@example.org") == []
    assert (
        redeem(guest, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD).status_code == 303
    )




def test_every_message_of_a_bad_invitation_comes_at_once(admin_client, session, tenant, people):
    response = invite(admin_client, tenant, full_name="", email="not-an-address", role="insurer_agent")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for field, message in (("email", "Enter a valid e-mail address"), ("full_name", "This field is required."),
                           ("organisation_id", "An insurer agent needs an organisation.")):
        assert re.search(rf'id="{field}-error">[^<]*<span[^>]*>[^<]*</span>\s*{re.escape(message)}', html), field
    assert session.scalar(select(func.count(Invitation.id))) == 0


def test_a_short_password_that_differs_hears_both(admin_client, guest, session, tenant):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    response = redeem(guest, link, password="short", password_confirm="shorter")
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html and "Use at least 10 characters." in html
    assert 'id="password_confirm-error"' in html and "The two passwords differ." in html


def test_an_address_in_use_is_said_with_the_other_messages(admin_client, session, tenant, people):
    response = invite(admin_client, tenant, full_name="", email=people["mediator"].email.upper(), role="")
    html = response.get_data(as_text=True)
    for field, message in (("email", "Someone in this tenant already uses this e-mail address."),
                           ("full_name", "This field is required."), ("role", "This field is required.")):
        assert re.search(rf'id="{field}-error">[^<]*<span[^>]*>[^<]*</span>\s*{re.escape(message)}', html), field
