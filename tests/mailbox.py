"""The outbox as a mailbox: the links the platform e-mailed, and signing in with them."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.platform.mail import OutboxEmail
from tests.conftest import post_form, sign_in

LINK = re.compile(r"https?://\S+/t/(?P<slug>[a-z0-9-]+)/links/(?P<token>[A-Za-z0-9_-]+)")


def emails_to(session: Session, address: str, about: str = "") -> list[OutboxEmail]:
    """Every e-mail queued for ``address``, oldest first (any tenant); only those whose subject holds
    ``about``, when given."""
    session.expire_all()
    query = select(OutboxEmail).where(OutboxEmail.recipient == address).order_by(OutboxEmail.id)
    return [email for email in session.scalars(query.execution_options(all_tenants=True)) if about in email.subject]


def last_link(session: Session, address: str) -> str:
    """The path of the link in the latest e-mail to ``address``."""
    emails = emails_to(session, address)
    assert emails, f"no e-mail to {address}"
    match = LINK.search(emails[-1].body_text)
    assert match, emails[-1].body_text
    return f"/t/{match['slug']}/links/{match['token']}"


def token_of(path: str) -> str:
    """The token at the end of a link's path."""
    return path.rsplit("/", 1)[1]


def sign_in_with_link(client: FlaskClient, session: Session, tenant: Any, user: Any) -> Any:
    """Sign ``user`` in as a customer does: ask for a sign-in link, then press its button."""
    path = f"/t/{tenant.slug}/sign-in-link"
    response = post_form(client, path, {"email": user.email}, from_path=path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    link = last_link(session, user.email)
    response = post_form(client, link, {}, from_path=link)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def sign_in_as(client: FlaskClient, session: Session, tenant: Any, user: Any) -> Any:
    """Sign ``user`` in the way their role does: a password, or a link for customers."""
    if user.password_hash is None:
        return sign_in_with_link(client, session, tenant, user)
    return sign_in(client, tenant, user)
