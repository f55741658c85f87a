"""An invitation's link: dead once used, expired, withdrawn or replaced, and the same page for an unknown
one; its token; its tenant only; and redeemed exactly once, even twice at once."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import String, Text, func, select

from odr.app.models import all_metadata
from odr.platform.extensions import db
from odr.platform.tenancy import set_tenant
from odr.platform.tokens import hash_token
from odr.tenants.models import Invitation, Role, User
from tests import databases, factories
from tests.conftest import PG_URL, csrf_token, post_form
from tests.mailbox import last_link, token_of
from tests.tenants.invitation_helpers import NEW_PASSWORD, invitations_to, invite_mediator, redeem, users_with

INVALID = "This link does not work any more"


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


# Two redemptions at once, on a committed database of each backend --------------------------------

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def committed_app(request, tmp_path):
    """An app on its own migrated database whose transactions really commit."""
    with databases.committed_app(tmp_path, "race", postgres=request.param == "postgresql") as app:
        yield app


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
