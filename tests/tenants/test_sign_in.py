"""Signing in with a password; the same answer for a wrong password and an unknown e-mail."""

from __future__ import annotations

from sqlalchemy import select

from odr.tenants.models import UserSession
from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import PASSWORD


def test_admin_signs_in_and_sees_the_admin_dashboard(client, tenant, people):
    sign_in(client, tenant, people["admin"])
    html = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "pending invitations" in html
    assert people["admin"].full_name in html


def test_wrong_password_and_unknown_email_get_the_same_message(client, tenant, people):
    path = f"/t/{tenant.slug}/sign-in"
    wrong = post_form(client, path, {"email": people["admin"].email, "password": "nope"}, from_path=path)
    unknown = post_form(client, path, {"email": "nobody@example.org", "password": PASSWORD}, from_path=path)
    assert wrong.status_code == unknown.status_code == 400
    message = "That e-mail and password do not match an account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_session_id_changes_at_sign_in_and_sign_out_ends_it(client, tenant, people, session):
    sign_in(client, tenant, people["mediator"])
    first = session.scalars(select(UserSession)).all()
    assert len(first) == 1
    token = csrf_token(client, f"/t/{tenant.slug}/")
    response = client.post(f"/t/{tenant.slug}/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    session.expire_all()
    assert session.scalars(select(UserSession)).one().revoked_at is not None
    assert client.get(f"/t/{tenant.slug}/").status_code == 302
