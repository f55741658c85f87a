"""Operator commands: tenant create, user create and the idempotent demo."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from odr.platform.tenancy import set_tenant
from odr.tenants.models import Invitation, Organisation, PolicyChange, Role, Tenant, User
from odr.tenants.passwords import verify_password
from tests import factories


@pytest.fixture
def cli(app):
    """Run ``odr`` commands against the test's database."""
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return run


def count(session, model, **where) -> int:
    """Rows of ``model`` matching ``where``, in any tenant."""
    session.expire_all()
    query = select(func.count()).select_from(model).filter_by(**where)
    return session.scalar(query.execution_options(all_tenants=True))


def test_tenant_create(cli, session):
    result = cli(
        "tenant",
        "create",
        "--slug",
        "brightwater",
        "--name",
        "Brightwater Ombudsman",
        "--time-zone",
        "Europe/Dublin",
        "--locale",
        "de",
    )
    assert result.exit_code == 0, result.output
    assert "Created tenant Brightwater Ombudsman at /t/brightwater/" in result.output
    tenant = session.scalar(select(Tenant).where(Tenant.slug == "brightwater"))
    assert tenant.name == "Brightwater Ombudsman"
    assert tenant.time_zone == "Europe/Dublin"
    assert tenant.default_locale == "de"
    assert tenant.policy["invitation_days"] == 7


def test_a_duplicate_slug_is_refused_and_creates_nothing(cli, session):
    assert cli("tenant", "create", "--slug", "brightwater", "--name", "First").exit_code == 0
    result = cli("tenant", "create", "--slug", "brightwater", "--name", "Second")
    assert result.exit_code != 0
    assert "slug: This address is taken; choose another." in result.output
    assert count(session, Tenant, slug="brightwater") == 1
    assert count(session, Tenant, name="Second") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--slug", "Bright Water", "--name", "X"],
            "slug: Use lower-case letters, digits and hyphens.",
        ),
        (["--slug", "-edge", "--name", "X"], "slug: Use lower-case letters, digits and hyphens."),
        (
            ["--slug", "ok", "--name", "X", "--time-zone", "Mars/Olympus"],
            "time_zone: Unknown time zone",
        ),
        (["--slug", "ok", "--name", "   "], "name: This field is required."),
    ],
    ids=["space", "leading-hyphen", "time-zone", "blank-name"],
)
def test_invalid_tenants_are_refused_with_the_field_message(cli, session, args, message):
    before = count(session, Tenant)
    result = cli("tenant", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert count(session, Tenant) == before


@pytest.fixture
def brightwater(cli, session):
    """A tenant made by the command, with the insurer 'Northwind Insurance' registered."""
    assert cli("tenant", "create", "--slug", "brightwater", "--name", "Brightwater").exit_code == 0
    tenant = session.scalar(select(Tenant).where(Tenant.slug == "brightwater"))
    set_tenant(session, tenant.id)
    session.add(Organisation(tenant_id=tenant.id, name="Northwind Insurance"))
    session.commit()
    return tenant


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_user_create_for_each_role(cli, session, brightwater, role):
    args = [
        "user",
        "create",
        "--tenant",
        "brightwater",
        "--email",
        "Someone@Example.org",
        "--name",
        "Some One",
        "--role",
        role.value,
    ]
    if role.needs_password:
        args += ["--password", factories.PASSWORD]
    if role is Role.INSURER_AGENT:
        args += ["--organisation", "Northwind Insurance"]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert f"Created {role.value} someone@example.org in brightwater" in result.output
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "someone@example.org"))
    assert user.role is role
    assert user.tenant_id == brightwater.id
    if role.needs_password:
        assert verify_password(user.password_hash, factories.PASSWORD)
    else:
        assert user.password_hash is None
    assert (user.organisation is not None) is (role is Role.INSURER_AGENT)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            [
                "--role",
                "insurer_agent",
                "--password",
                factories.PASSWORD,
                "--organisation",
                "Nobody Mutual",
            ],
            "organisation: No organisation of this name is registered.",
        ),
        (
            ["--role", "insurer_agent", "--password", factories.PASSWORD],
            "organisation: An insurer agent needs",
        ),
        (["--role", "mediator", "--password", "short"], "password: Use at least 10 characters."),
    ],
    ids=["unknown-organisation", "no-organisation", "short-password"],
)
def test_user_create_refuses_with_a_clear_message(cli, session, brightwater, extra, message):
    result = cli(
        "user",
        "create",
        "--tenant",
        "brightwater",
        "--email",
        "x@example.org",
        "--name",
        "X",
        *extra,
    )
    assert result.exit_code != 0
    assert message in result.output
    assert count(session, User, email="x@example.org") == 0


def test_user_create_refuses_an_address_already_in_use(cli, session, brightwater):
    args = [
        "user",
        "create",
        "--tenant",
        "brightwater",
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "customer",
    ]
    assert cli(*args).exit_code == 0
    result = cli(*args)
    assert result.exit_code != 0
    assert "email: Someone in this tenant already uses this e-mail address." in result.output
    assert count(session, User, email="x@example.org") == 1


def test_user_create_in_an_unknown_tenant(cli):
    result = cli(
        "user",
        "create",
        "--tenant",
        "nowhere",
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "customer",
    )
    assert result.exit_code != 0
    assert "No tenant at 'nowhere'" in result.output


def test_user_create_asks_for_the_password_when_not_given(app, session, brightwater):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--tenant",
            "brightwater",
            "--email",
            "m@example.org",
            "--name",
            "M",
            "--role",
            "mediator",
        ],
        input=f"{factories.PASSWORD}\n{factories.PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "m@example.org"))
    assert verify_password(user.password_hash, factories.PASSWORD)


def test_demo_twice_is_idempotent_and_prints_how_to_sign_in(cli, session):
    first = cli("demo")
    assert first.exit_code == 0, first.output
    second = cli("demo")
    assert second.exit_code == 0, second.output
    assert count(session, Tenant, slug="harbour") == 1
    tenant = session.scalar(select(Tenant).where(Tenant.slug == "harbour"))
    assert count(session, Organisation, tenant_id=tenant.id) == 1
    assert count(session, User, tenant_id=tenant.id) == 5  # four staff and agents, and the settled case's customer
    roles = sorted(session.scalars(select(User.role).where(User.tenant_id == tenant.id)))
    assert roles == sorted([Role.ADMIN, Role.CASE_MANAGER, Role.MEDIATOR, Role.INSURER_AGENT, Role.CUSTOMER])
    for output in (first.output, second.output):
        assert "/t/harbour/sign-in" in output
        assert "admin@harbour.example" in output
        assert re.search(r"http://localhost/t/harbour/links/[A-Za-z0-9_-]{43}", output)
    # Opening the demo case invites the customer, and each run sends a fresh invitation (the one
    # printed); only the latest one is pending.
    invitations = session.scalars(
        select(Invitation)
        .where(Invitation.email == "customer@example.com")
        .execution_options(all_tenants=True)
    ).all()
    assert [i.state for i in sorted(invitations, key=lambda i: i.id)] == ["revoked", "revoked", "pending"]
    assert "is open in mediation" in second.output
    # The admin's change to the policy is recorded once, and the demo case's deadlines followed it.
    changes = session.scalars(select(PolicyChange).where(PolicyChange.tenant_id == tenant.id)).all()
    assert [(c.setting, c.new_value, c.recomputed) for c in changes] == [("deadlines.reminder_days", [5, 1], True)]
    assert tenant.policy["deadlines"]["reminder_days"] == [5, 1]
    # Every stage of an ending: an offer and its counter-offer open, and a case settled by a signed, sealed agreement.
    from odr.mediation.agreements.models import Agreement, AgreementStatus
    from odr.mediation.core.models import Case
    from odr.mediation.offers.models import Offer

    cases = {c.reference: c for c in session.scalars(select(Case).where(Case.tenant_id == tenant.id))}
    assert sorted(c.state.value for c in cases.values()) == ["open", "open", "settled"]
    talking = next(c for c in cases.values() if c.customer_email == "sam@example.com" and c.state.value == "open")
    chain = session.scalars(select(Offer).where(Offer.case_id == talking.id).order_by(Offer.id)).all()
    assert [(o.amount_minor, o.replies_to_id is not None) for o in chain] == [(380000, False), (490000, True)]
    agreements = session.scalars(select(Agreement).where(Agreement.tenant_id == tenant.id)).all()
    assert [(a.status, a.amount_minor, len(a.signatures)) for a in agreements] == [(AgreementStatus.SEALED, 65000, 3)]
    assert "(settled: the agreement signed and sealed)" in second.output


def test_demo_in_production_is_refused_without_force_and_with_it_has_random_passwords(app, cli, session, monkeypatch):
    from dataclasses import replace

    from odr.app.demo import PASSWORD

    monkeypatch.setitem(app.config, "ODR", replace(app.config["ODR"], env="production"))
    refused = app.test_cli_runner().invoke(args=["demo"])
    assert refused.exit_code != 0
    assert "--force" in refused.output and "published" in refused.output
    assert count(session, Tenant, slug="harbour") == 0
    forced = cli("demo", "--force")
    assert forced.exit_code == 0, forced.output
    assert PASSWORD not in forced.output
    shown = dict(re.findall(r"^\s+\S+\s+(\S+@\S+)\s+(\S{20})$", forced.output, re.MULTILINE))
    assert set(shown) == {"admin@harbour.example", "cases@harbour.example", "mediator@harbour.example",
                          "agent@northwind.example"}
    assert len(set(shown.values())) == 4
    set_tenant(session, None)
    for email, password in shown.items():
        user = session.scalars(select(User).where(User.email == email).execution_options(all_tenants=True)).one()
        assert verify_password(user.password_hash, password) and not verify_password(user.password_hash, PASSWORD)
    again = cli("demo", "--force")
    assert not set(shown.values()) & set(again.output.split())  # printed once: a second run shows none of them
