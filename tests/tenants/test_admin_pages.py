"""The tenant admin's pages: users, insurer organisations, invitations and their states."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from odr.tenants.models import Invitation, Organisation
from tests import factories
from tests.conftest import post_form, sign_in
from tests.mailbox import emails_to, last_link


def page(client, path):
    """The HTML of a page that must load."""
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def row_of(html: str, text: str) -> str:
    """The table row that mentions ``text``."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if text in row]
    assert len(rows) == 1, text
    return rows[0]


# Users -----------------------------------------------------------------------------------------


def test_the_users_page_lists_everyone_with_role_insurer_and_status(admin_client, session, tenant, people):
    people["customer"].is_active = False
    session.commit()
    html = page(admin_client, f"/t/{tenant.slug}/admin/users")
    for user in people.values():
        assert user.email in html
    assert "Insurer agent" in row_of(html, people["insurer_agent"].email)
    assert "Northwind Insurance" in row_of(html, people["insurer_agent"].email)
    assert "Disabled" in row_of(html, people["customer"].email)
    assert "Enable" in row_of(html, people["customer"].email)
    assert "Disable" in row_of(html, people["mediator"].email)
    # Nobody is offered to disable themselves.
    own = row_of(html, people["admin"].email)
    assert "<form" not in own


def test_enabling_a_user_again(admin_client, session, tenant, people):
    people["customer"].is_active = False
    session.commit()
    path = f"/t/{tenant.slug}/admin/users/{people['customer'].public_id}/active"
    response = post_form(admin_client, path, {"active": "1"}, from_path=f"/t/{tenant.slug}/admin/users")
    assert response.status_code == 303
    assert "can sign in again" in page(admin_client, response.headers["Location"])
    session.expire_all()
    assert people["customer"].is_active


# Organisations ---------------------------------------------------------------------------------


def organisation_names(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Organisation.name).order_by(Organisation.name)))


def test_registering_an_insurer(admin_client, session, tenant):
    path = f"/t/{tenant.slug}/admin/organisations"
    response = post_form(
        admin_client,
        path,
        {
            "name": "  Fjord Mutual ",
            "contact_email": "Claims@Fjord.example",
            "reference_prefix": "FJ",
        },
        from_path=path,
    )
    assert response.status_code == 303
    html = page(admin_client, response.headers["Location"])
    assert "Fjord Mutual is registered." in html
    assert "claims@fjord.example" in row_of(html, "Fjord Mutual")
    assert organisation_names(session) == ["Fjord Mutual", "Northwind Insurance"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        (
            {"name": "NORTHWIND insurance"},
            "name",
            "An organisation with this name is already registered.",
        ),
        (
            {"name": "Fjord", "reference_prefix": "fj"},
            "reference_prefix",
            "Use 2 to 10 capital letters or digits.",
        ),
        (
            {"name": "Fjord", "reference_prefix": "F"},
            "reference_prefix",
            "Use 2 to 10 capital letters or digits.",
        ),
        (
            {"name": "Fjord", "contact_email": "claims"},
            "contact_email",
            "Enter a valid e-mail address",
        ),
        ({"name": "F" * 201}, "name", "200"),
    ],
    ids=["blank", "spaces", "duplicate", "lower-prefix", "short-prefix", "bad-contact", "too-long"],
)
def test_a_bad_insurer_is_a_field_error_and_nothing_is_stored(
    admin_client, session, tenant, fields, field, message
):
    path = f"/t/{tenant.slug}/admin/organisations"
    response = post_form(admin_client, path, fields, from_path=path)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)[1]
    # The form keeps what was typed.
    if fields.get("name", "").strip():
        assert f'value="{fields["name"]}"' in html
    assert organisation_names(session) == ["Northwind Insurance"]


def test_editing_an_insurer(admin_client, session, tenant, people):
    organisation = people["insurer_agent"].organisation
    path = f"/t/{tenant.slug}/admin/organisations/{organisation.public_id}"
    html = page(admin_client, path)
    assert 'value="Northwind Insurance"' in html
    assert 'value="NW"' in html
    response = post_form(
        admin_client,
        path,
        {
            "name": "Northwind Assurance",
            "reference_prefix": "NWA",
            "contact_email": "desk@northwind.example",
        },
        from_path=path,
    )
    assert response.status_code == 303
    assert "The changes are saved." in page(admin_client, response.headers["Location"])
    session.expire_all()
    assert (organisation.name, organisation.reference_prefix, organisation.contact_email) == (
        "Northwind Assurance",
        "NWA",
        "desk@northwind.example",
    )


def test_an_insurer_may_change_the_case_of_its_own_name(admin_client, session, tenant, people):
    organisation = people["insurer_agent"].organisation
    path = f"/t/{tenant.slug}/admin/organisations/{organisation.public_id}"
    response = post_form(
        admin_client, path, {"name": "NorthWind Insurance", "reference_prefix": "NW"}, from_path=path
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert organisation_names(session) == ["NorthWind Insurance"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "fjord MUTUAL"}, "name"),
        ({"name": "Northwind Insurance", "reference_prefix": "nw!"}, "reference_prefix"),
    ],
    ids=["blank", "taken", "bad-prefix"],
)
def test_a_bad_edit_is_a_field_error_and_changes_nothing(
    admin_client, session, tenant, people, fields, field
):
    session.add(Organisation(tenant_id=tenant.id, name="Fjord Mutual"))
    session.commit()
    organisation = people["insurer_agent"].organisation
    path = f"/t/{tenant.slug}/admin/organisations/{organisation.public_id}"
    response = post_form(admin_client, path, fields, from_path=path)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert organisation_names(session) == ["Fjord Mutual", "Northwind Insurance"]
    session.expire_all()
    assert organisation.reference_prefix == "NW"


def test_a_case_manager_sees_the_insurers_but_cannot_change_them(client, tenant, people):
    sign_in(client, tenant, people["case_manager"])
    html = page(client, f"/t/{tenant.slug}/admin/organisations")
    assert "Northwind Insurance" in html
    assert "/admin/organisations/" not in html  # no edit links
    assert "Register an insurer" not in html


# Invitations -----------------------------------------------------------------------------------


@pytest.fixture
def invitations(app, session, tenant, people):
    """One invitation in each state: pending, used, withdrawn and expired."""
    admin = people["admin"]
    with app.app_context():
        with time_machine.travel(datetime.now(UTC) - timedelta(days=8), tick=False):
            expired, _token = factories.invitation(session, admin, email="expired@example.org")
        pending, _token = factories.invitation(session, admin, email="pending@example.org")
        withdrawn, _token = factories.invitation(session, admin, email="withdrawn@example.org")
        used, _token = factories.invitation(session, admin, email="used@example.org")
        session.commit()
    withdrawn.revoked_at = datetime.now(UTC)
    used.used_at = datetime.now(UTC)
    session.commit()
    return {"pending": pending, "used": used, "withdrawn": withdrawn, "expired": expired}


def test_the_invitations_page_shows_each_state_and_the_actions_it_allows(
    admin_client, tenant, invitations
):
    html = page(admin_client, f"/t/{tenant.slug}/admin/invitations")
    expected = {
        "pending": ("Pending", {"Send again", "Withdraw"}),
        "used": ("Accepted", set()),
        "withdrawn": ("Withdrawn", {"Send again"}),
        "expired": ("Expired", {"Send again"}),
    }
    for state, (label, buttons) in expected.items():
        row = row_of(html, f"{state}@example.org")
        assert f">{label}<" in row, state
        offered = {b for b in ("Send again", "Withdraw") if f">{b}<" in row}
        assert offered == buttons, state


def test_withdrawing_an_invitation(admin_client, session, tenant, invitations):
    pending = invitations["pending"]
    path = f"/t/{tenant.slug}/admin/invitations/{pending.public_id}/revoke"
    response = post_form(admin_client, path, {}, from_path=f"/t/{tenant.slug}/admin/invitations")
    assert response.status_code == 303
    html = page(admin_client, response.headers["Location"])
    assert "The invitation to pending@example.org is withdrawn." in html
    assert ">Withdrawn<" in row_of(html, "pending@example.org")
    # Withdrawing it again is refused with a message; nothing changes.
    session.expire_all()
    revoked_at = pending.revoked_at
    response = post_form(admin_client, path, {}, from_path=f"/t/{tenant.slug}/admin/invitations")
    assert "Only a pending invitation can be withdrawn." in page(
        admin_client, response.headers["Location"]
    )
    session.expire_all()
    assert pending.revoked_at == revoked_at


@pytest.mark.parametrize("state", ["pending", "expired", "withdrawn"])
def test_sending_again_mails_a_new_link_and_kills_the_old_one(
    app, admin_client, session, tenant, invitations, state
):
    old = invitations[state]
    path = f"/t/{tenant.slug}/admin/invitations/{old.public_id}/resend"
    response = post_form(admin_client, path, {}, from_path=f"/t/{tenant.slug}/admin/invitations")
    assert response.status_code == 303
    assert f"A new invitation is on its way to {old.email}." in page(
        admin_client, response.headers["Location"]
    )
    session.expire_all()
    mine = session.scalars(
        select(Invitation).where(Invitation.email == old.email).order_by(Invitation.id)
    ).all()
    assert len(mine) == 2
    assert mine[0].state in {"revoked", "expired"}
    assert mine[1].state == "pending"
    assert (mine[1].role, mine[1].full_name) == (old.role, old.full_name)
    assert len(emails_to(session, old.email)) == 2
    assert app.test_client().get(last_link(session, old.email)).status_code == 200


def test_sending_again_to_someone_who_joined_is_refused(
    admin_client, session, tenant, invitations, people
):
    used = invitations["used"]
    factories.user(session, tenant, used.role, email=used.email)
    session.commit()
    path = f"/t/{tenant.slug}/admin/invitations/{used.public_id}/resend"
    response = post_form(admin_client, path, {}, from_path=f"/t/{tenant.slug}/admin/invitations")
    assert response.status_code == 303
    assert "already uses this e-mail address" in page(admin_client, response.headers["Location"])
    session.expire_all()
    assert (
        session.scalar(select(func.count(Invitation.id)).where(Invitation.email == used.email)) == 1
    )


def test_the_dashboard_counts_pending_invitations(admin_client, tenant, invitations, people):
    html = page(admin_client, f"/t/{tenant.slug}/")
    counts = dict(
        (label.strip(), int(number))
        for number, label in re.findall(
            r'stat__number">(\d+)</span> <span class="stat__label">([^<]+)<', html
        )
    )
    assert counts["pending invitation"] == 1
    assert counts["users"] == len(people)
    assert counts["insurer"] == 1


def test_a_withdrawn_invitation_of_someone_with_an_account_is_not_offered_again(
    admin_client, session, tenant, invitations
):
    withdrawn = invitations["withdrawn"]
    factories.user(session, tenant, withdrawn.role, email=withdrawn.email)  # joined by a later invitation
    session.commit()
    row = row_of(page(admin_client, f"/t/{tenant.slug}/admin/invitations"), withdrawn.email)
    assert ">Send again<" not in row
    assert "Has an account" in row
    expired = row_of(page(admin_client, f"/t/{tenant.slug}/admin/invitations"), "expired@example.org")
    assert ">Send again<" in expired  # someone without an account still gets a new link
