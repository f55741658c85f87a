"""Invitations: sent from the admin page, opened without side effects, redeemed exactly once."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask_migrate import upgrade
from sqlalchemy import String, Text, func, select

from odr.app import create_app
from odr.app.models import all_metadata
from odr.platform.extensions import db
from odr.platform.mail import OutboxEmail
from odr.platform.tenancy import set_tenant
from odr.platform.tokens import hash_token
from odr.tenants.models import Invitation, Organisation, Role, User
from tests import factories
from tests.conftest import (
    PG_URL,
    csrf_token,
    fresh_postgres_database,
    post_form,
    sign_in,
    test_settings,
    worker_id,
)
from tests.mailbox import emails_to, last_link, token_of

INVALID = "This link does not work any more"
NEW_PASSWORD = "a brand new passphrase"  # noqa: S105


@pytest.fixture
def admin_client(client, tenant, people):
    """A browser signed in as the tenant's admin."""
    sign_in(client, tenant, people["admin"])
    return client


@pytest.fixture
def guest(app):
    """Another browser: the person who receives the invitation."""
    return app.test_client()


def invite(client, tenant, **fields):
    """Send the invitation form of the admin page."""
    path = f"/t/{tenant.slug}/admin/invitations"
    return post_form(client, path, fields, from_path=path)


def invite_mediator(client, tenant, email="mia.mediator@example.org"):
    """Invite a mediator through the admin page; returns the page's redirect."""
    response = invite(client, tenant, full_name="Mia Mediator", email=email, role="mediator")
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return response


def redeem(client, link, **fields):
    """Press the button on the link's page (with a password where one is needed)."""
    return post_form(client, link, fields, from_path=link)


def invitations_to(session, email):
    """Every invitation to ``email``."""
    session.expire_all()
    return session.scalars(
        select(Invitation).where(Invitation.email == email).order_by(Invitation.id)
    ).all()


def users_with(session, email):
    """The users with this e-mail address."""
    session.expire_all()
    return session.scalars(select(User).where(User.email == email)).all()


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


def _assert_invalid_link_page(response, tenant):
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert INVALID in html
    assert f'href="/t/{tenant.slug}/sign-in-link"' in html


def test_a_used_link_is_the_invalid_link_page_offering_a_new_sign_in_link(
    admin_client, guest, session, tenant
):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    assert (
        redeem(guest, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD).status_code == 303
    )
    _assert_invalid_link_page(guest.get(link), tenant)
    _assert_invalid_link_page(
        redeem(guest, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD), tenant
    )
    assert len(users_with(session, "mia.mediator@example.org")) == 1


def test_an_expired_link_gets_the_same_page(admin_client, app, session, tenant):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=8), tick=False):
        late = app.test_client()
        _assert_invalid_link_page(late.get(link), tenant)
        _assert_invalid_link_page(
            redeem(late, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD), tenant
        )
        assert invitations_to(session, "mia.mediator@example.org")[0].state == "expired"
    assert users_with(session, "mia.mediator@example.org") == []


def test_an_unknown_token_gets_the_same_page(guest, tenant):
    link = f"/t/{tenant.slug}/links/not-a-token-anyone-was-sent"
    _assert_invalid_link_page(guest.get(link), tenant)
    _assert_invalid_link_page(
        redeem(guest, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD), tenant
    )


def test_a_withdrawn_invitations_link_is_dead(admin_client, guest, session, tenant):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    [invitation] = invitations_to(session, "mia.mediator@example.org")
    path = f"/t/{tenant.slug}/admin/invitations/{invitation.public_id}/revoke"
    assert (
        post_form(
            admin_client, path, {}, from_path=f"/t/{tenant.slug}/admin/invitations"
        ).status_code
        == 303
    )
    _assert_invalid_link_page(guest.get(link), tenant)
    _assert_invalid_link_page(
        redeem(guest, link, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD), tenant
    )
    assert users_with(session, "mia.mediator@example.org") == []


def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(
    admin_client, guest, session, tenant
):
    invite_mediator(admin_client, tenant)
    first = last_link(session, "mia.mediator@example.org")
    invite_mediator(admin_client, tenant)
    second = last_link(session, "mia.mediator@example.org")
    assert first != second
    assert [i.state for i in invitations_to(session, "mia.mediator@example.org")] == [
        "revoked",
        "pending",
    ]
    _assert_invalid_link_page(guest.get(first), tenant)
    assert guest.get(second).status_code == 200


def test_the_token_has_at_least_128_bits_and_only_its_sha256_is_stored(
    admin_client, session, tenant
):
    invite_mediator(admin_client, tenant)
    token = token_of(last_link(session, "mia.mediator@example.org"))
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    [invitation] = invitations_to(session, "mia.mediator@example.org")
    assert invitation.token_hash == hash_token(token)
    # No stored value holds the token, except the e-mail that carries it to the person.
    for table in all_metadata().sorted_tables:
        if table.name == "outbox_emails":
            continue
        text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        for column in text_columns:
            hits = session.scalar(
                select(func.count()).select_from(table).where(column.contains(token))
            )
            assert hits == 0, f"{table.name}.{column.name} holds the token"


def test_a_link_works_only_in_its_own_tenant(admin_client, guest, session, tenant):
    invite_mediator(admin_client, tenant)
    link = last_link(session, "mia.mediator@example.org")
    other = factories.tenant(session)
    session.commit()
    elsewhere = link.replace(f"/t/{tenant.slug}/", f"/t/{other.slug}/")
    _assert_invalid_link_page(guest.get(elsewhere), other)
    _assert_invalid_link_page(
        redeem(guest, elsewhere, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD), other
    )
    assert users_with(session, "mia.mediator@example.org") == []
    assert guest.get(link).status_code == 200


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


# Two redemptions at once, on a committed database of each backend --------------------------------

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def committed_app(request, tmp_path):
    """An app on its own migrated database whose transactions really commit."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    else:
        url = fresh_postgres_database(PG_URL, f"race_{worker_id()}")
    app = create_app(test_settings(tmp_path, url))
    with app.app_context():
        upgrade()
    yield app
    db.state(app).engine.dispose()


def test_a_link_is_single_use_even_when_redeemed_twice_at_once(committed_app):
    with committed_app.app_context():
        session = db.session
        tenant = factories.tenant(session)
        set_tenant(session, tenant.id)
        admin = factories.user(session, tenant, Role.ADMIN)
        _invitation, token = factories.invitation(session, admin, email="twice@example.org")
        session.commit()
        slug = tenant.slug
    link = f"/t/{slug}/links/{token}"
    browsers = [committed_app.test_client() for _ in range(2)]
    tokens = [csrf_token(browser, link) for browser in browsers]
    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def press(browser, csrf):
        barrier.wait()
        response = browser.post(
            link,
            data={"csrf_token": csrf, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=press, args=pair) for pair in zip(browsers, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 404]
    with committed_app.app_context():
        users = db.session.scalars(
            select(User)
            .where(User.email == "twice@example.org")
            .execution_options(all_tenants=True)
        ).all()
        assert len(users) == 1
        invitation = db.session.scalars(
            select(Invitation)
            .where(Invitation.email == "twice@example.org")
            .execution_options(all_tenants=True)
        ).one()
        assert invitation.used_at is not None
        assert invitation.user_id == users[0].id
