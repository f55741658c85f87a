"""Tenant scoping: reads, updates and deletes see one tenant; writes to another are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from odr.platform.extensions import db
from odr.platform.tenancy import CrossTenantWrite, current_tenant_id, guard_write, set_tenant
from odr.tenants.models import Invitation, Organisation, Role, Tenant, User
from tests import factories
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def two(app, session):
    """Tenants A and B, each with an admin, a customer, an organisation and an invitation."""
    rows = {}
    for name in ("a", "b"):
        tenant = factories.tenant(session)
        set_tenant(session, tenant.id)
        admin = factories.user(session, tenant, Role.ADMIN)
        customer = factories.user(session, tenant, Role.CUSTOMER)
        with app.app_context():
            invitation, _token = factories.invitation(session, admin)
        organisation = session.scalars(
            select(Organisation).where(Organisation.tenant_id == tenant.id)
        ).one()
        rows[name] = {
            "tenant": tenant,
            "admin": admin,
            "customer": customer,
            "invitation": invitation,
            "organisation": organisation,
        }
    with app.app_context():
        session.commit()
    set_tenant(session, None)
    return rows


@pytest.fixture
def fresh(app):
    """A new session with an empty identity map, so every read goes to the database."""
    s = db.state(app).factory()
    yield s
    s.close()


@pytest.mark.parametrize("model", [User, Organisation, Invitation])
def test_a_select_returns_only_the_scoped_tenants_rows(two, fresh, model):
    a, b = two["a"]["tenant"], two["b"]["tenant"]
    set_tenant(fresh, a.id)
    rows = fresh.scalars(select(model)).all()
    assert rows
    assert {row.tenant_id for row in rows} == {a.id}
    set_tenant(fresh, b.id)
    assert {row.tenant_id for row in fresh.scalars(select(model))} == {b.id}


def test_counts_and_joins_are_scoped_too(two, fresh):
    a = two["a"]["tenant"]
    set_tenant(fresh, a.id)
    assert fresh.scalar(select(func.count(User.id))) == 2
    joined = fresh.execute(
        select(Invitation.email, User.email).join(User, Invitation.invited_by)
    ).all()
    assert joined == [(two["a"]["invitation"].email, two["a"]["admin"].email)]


def test_without_a_tenant_in_context_nothing_is_filtered(two, fresh):
    assert current_tenant_id(fresh) is None
    tenant_ids = {row.tenant_id for row in fresh.scalars(select(User))}
    assert {two["a"]["tenant"].id, two["b"]["tenant"].id} <= tenant_ids


def test_all_tenants_lifts_the_scope_for_one_statement(two, fresh):
    set_tenant(fresh, two["a"]["tenant"].id)
    query = select(User).execution_options(all_tenants=True)
    assert {two["a"]["tenant"].id, two["b"]["tenant"].id} <= {
        u.tenant_id for u in fresh.scalars(query)
    }


def test_get_of_another_tenants_row_is_none(two, fresh):
    set_tenant(fresh, two["a"]["tenant"].id)
    assert fresh.get(User, two["b"]["admin"].id) is None
    assert fresh.get(Organisation, two["b"]["organisation"].id) is None
    assert fresh.get(Invitation, two["b"]["invitation"].id) is None
    assert fresh.get(User, two["a"]["admin"].id) is not None


def test_an_orm_update_touches_only_the_scoped_tenant(two, fresh):
    set_tenant(fresh, two["a"]["tenant"].id)
    result = fresh.execute(update(Organisation).values(reference_prefix="ZZ"))
    assert result.rowcount == 1
    fresh.flush()
    set_tenant(fresh, None)
    prefixes = dict(
        fresh.execute(select(Organisation.tenant_id, Organisation.reference_prefix)).all()
    )
    assert prefixes[two["a"]["tenant"].id] == "ZZ"
    assert prefixes[two["b"]["tenant"].id] == "NW"


def test_an_orm_delete_touches_only_the_scoped_tenant(two, fresh):
    set_tenant(fresh, two["a"]["tenant"].id)
    result = fresh.execute(delete(Invitation))
    assert result.rowcount == 1
    set_tenant(fresh, None)
    left = {row.tenant_id for row in fresh.scalars(select(Invitation))}
    assert two["a"]["tenant"].id not in left
    assert two["b"]["tenant"].id in left


def test_inserting_a_row_of_another_tenant_is_refused(two, fresh):
    a, b = two["a"]["tenant"], two["b"]["tenant"]
    set_tenant(fresh, a.id)
    fresh.add(Organisation(tenant_id=b.id, name="Smuggled Insurance"))
    with pytest.raises(CrossTenantWrite, match=f"Organisation belongs to tenant {b.id}, not {a.id}"):
        fresh.flush()
    fresh.rollback()
    set_tenant(fresh, None)
    assert (
        fresh.scalar(select(Organisation).where(Organisation.name == "Smuggled Insurance")) is None
    )


def test_changing_a_row_of_another_tenant_is_refused(two, fresh):
    b_admin = fresh.get(User, two["b"]["admin"].id)  # loaded without a scope
    set_tenant(fresh, two["a"]["tenant"].id)
    b_admin.full_name = "Renamed Elsewhere"
    with pytest.raises(CrossTenantWrite):
        fresh.flush()


def test_a_row_without_tenant_is_stamped_with_the_scoped_one(two, fresh):
    a = two["a"]["tenant"]
    set_tenant(fresh, a.id)
    organisation = Organisation(name="Stamped Mutual")
    fresh.add(organisation)
    fresh.flush()
    assert organisation.tenant_id == a.id


def test_a_row_without_tenant_and_no_scope_is_refused(two, fresh):
    fresh.add(Organisation(name="Nobody's Mutual"))
    with pytest.raises(CrossTenantWrite, match="Organisation has no tenant and none is in context"):
        fresh.flush()


def test_another_tenants_records_are_not_found_not_forbidden(client, session, two):
    a, b = two["a"], two["b"]
    sign_in(client, a["tenant"], a["admin"])
    edit = f"/t/{a['tenant'].slug}/admin/organisations/{b['organisation'].public_id}"
    response = client.get(edit)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert b["organisation"].name not in response.get_data(as_text=True)
    token = csrf_token(client, f"/t/{a['tenant'].slug}/")
    for path, data in [
        (edit, {"name": "Taken Over"}),
        (f"/t/{a['tenant'].slug}/admin/users/{b['admin'].public_id}/active", {"active": "0"}),
        (f"/t/{a['tenant'].slug}/admin/invitations/{b['invitation'].public_id}/revoke", {}),
        (f"/t/{a['tenant'].slug}/admin/invitations/{b['invitation'].public_id}/resend", {}),
    ]:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    session.expire_all()
    set_tenant(session, None)
    assert session.get(Organisation, b["organisation"].id).name == "Northwind Insurance"
    assert session.get(User, b["admin"].id).is_active
    assert session.get(Invitation, b["invitation"].id).state == "pending"


def test_a_malformed_public_id_is_not_found(client, two):
    a = two["a"]
    sign_in(client, a["tenant"], a["admin"])
    assert client.get(f"/t/{a['tenant'].slug}/admin/organisations/not-a-uuid").status_code == 404


def test_the_scope_is_the_tenant_last_set_until_it_is_lifted(two, fresh):
    a, b = two["a"]["tenant"], two["b"]["tenant"]
    set_tenant(fresh, a.id)
    assert current_tenant_id(fresh) == a.id
    set_tenant(fresh, b.id)
    assert current_tenant_id(fresh) == b.id
    set_tenant(fresh, None)
    assert current_tenant_id(fresh) is None
    assert "tenant_id" not in fresh.info
    set_tenant(fresh, None)  # lifting a scope that is not there is no error
    assert current_tenant_id(fresh) is None


def test_a_row_belongs_to_its_tenant(two):
    assert two["a"]["organisation"].owning_tenant_id() == two["a"]["tenant"].id
    assert two["b"]["admin"].owning_tenant_id() == two["b"]["tenant"].id


def test_an_aliased_select_is_scoped_too(two, fresh):
    a = two["a"]["tenant"]
    set_tenant(fresh, a.id)
    other = aliased(User)
    assert {u.tenant_id for u in fresh.scalars(select(other))} == {a.id}


def test_a_core_write_for_another_tenant_is_refused_by_the_guard(two, fresh):
    a, b = two["a"]["tenant"], two["b"]["tenant"]
    set_tenant(fresh, a.id)
    guard_write(fresh, a.id)  # its own tenant: nothing to say
    with pytest.raises(CrossTenantWrite, match=f"a row of tenant {b.id} was about to be written for tenant {a.id}"):
        guard_write(fresh, b.id)
    set_tenant(fresh, None)
    guard_write(fresh, b.id)  # without a scope, the caller answers for the tenant it writes


def test_without_a_scope_a_row_of_any_tenant_may_be_written(two, fresh):
    fresh.add(Organisation(tenant_id=two["b"]["tenant"].id, name="Unscoped Mutual"))
    fresh.flush()
    assert fresh.scalar(select(Organisation.tenant_id).where(Organisation.name == "Unscoped Mutual")) == (
        two["b"]["tenant"].id)


def test_deleting_a_row_of_another_tenant_is_refused(two, fresh):
    theirs = fresh.get(Organisation, two["b"]["organisation"].id)  # loaded without a scope
    set_tenant(fresh, two["a"]["tenant"].id)
    fresh.delete(theirs)
    with pytest.raises(CrossTenantWrite, match="belongs to tenant"):
        fresh.flush()


def test_a_foreign_row_is_refused_even_beside_a_row_no_tenant_owns(two, fresh):
    set_tenant(fresh, two["a"]["tenant"].id)
    fresh.add(Tenant(slug="beside-1", name="Beside"))  # no tenant_id of its own: not checked
    fresh.add(Organisation(tenant_id=two["b"]["tenant"].id, name="Smuggled Beside"))
    with pytest.raises(CrossTenantWrite, match="belongs to tenant"):
        fresh.flush()
