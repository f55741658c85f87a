"""Invitations as the admin page sends them and as the invited person redeems them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.tenants.models import Invitation, User
from tests.conftest import post_form

NEW_PASSWORD = "a brand new passphrase"  # noqa: S105


def invite(client: FlaskClient, tenant: Any, **fields: Any) -> Any:
    """Send the invitation form of the admin page."""
    path = f"/t/{tenant.slug}/admin/invitations"
    return post_form(client, path, fields, from_path=path)


def invite_mediator(client: FlaskClient, tenant: Any, email: str = "mia.mediator@example.org") -> Any:
    """Invite a mediator through the admin page; returns the page's redirect."""
    response = invite(client, tenant, full_name="Mia Mediator", email=email, role="mediator")
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return response


def redeem(client: FlaskClient, link: str, **fields: Any) -> Any:
    """Press the button on the link's page (with a password where one is needed)."""
    return post_form(client, link, fields, from_path=link)


def invitations_to(session: Session, email: str) -> list[Invitation]:
    """Every invitation to ``email``."""
    session.expire_all()
    return list(session.scalars(select(Invitation).where(Invitation.email == email).order_by(Invitation.id)))


def users_with(session: Session, email: str) -> list[User]:
    """The users with this e-mail address."""
    session.expire_all()
    return list(session.scalars(select(User).where(User.email == email)))
