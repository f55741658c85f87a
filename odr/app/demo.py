"""``odr demo``: a tenant with one user of each role, safe to run again and again."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from odr.platform.extensions import db
from odr.platform.tenancy import set_tenant
from odr.tenants import services
from odr.tenants.models import Organisation, Role, Tenant, User

TENANT = {"slug": "harbour", "name": "Harbour Mediation", "time_zone": "Europe/London"}
INSURER = "Northwind Insurance"
PASSWORD = "harbour-demo-2026"  # noqa: S105 - printed for the demo, never used in production
PEOPLE = [
    ("admin@harbour.example", "Ada Admin", Role.ADMIN),
    ("cases@harbour.example", "Cai Casemanager", Role.CASE_MANAGER),
    ("mediator@harbour.example", "Mira Mediator", Role.MEDIATOR),
    ("agent@northwind.example", "Nils Northwind", Role.INSURER_AGENT),
]
CUSTOMER = ("customer@example.com", "Chris Customer")
# A second customer, with an account already: a case where the offers went back and forth, and one that
# ended in a signed agreement.
SETTLED_CUSTOMER = ("sam@example.com", "Sam Settled")


@click.command()
@click.option("--force", is_flag=True,
              help="Load the demo in production too, with a random password for each demo user, printed once")
@with_appcontext
def demo(force: bool) -> None:
    """Load demo data (idempotent) and print how to sign in."""
    settings = current_app.config["ODR"]
    if settings.production and not force:
        raise click.ClickException(
            "odr demo adds users whose password is published; in production add --force, which gives each "
            "new demo user a random password, printed once")
    session = db.session
    tenant = session.scalar(select(Tenant).where(Tenant.slug == TENANT["slug"]))
    if tenant is None:
        tenant = services.create_tenant(session, TENANT)
    set_tenant(session, tenant.id)
    if session.scalar(select(Organisation).where(Organisation.name == INSURER)) is None:
        session.add(Organisation(tenant_id=tenant.id, name=INSURER, contact_email="complaints@northwind.example",
                                 reference_prefix="NW"))
        session.flush()
    passwords = _people(session, tenant, random_passwords=settings.production)
    # The case first: opening it invites the customer, and the invitation below (the one printed)
    # replaces that one, so the printed link is the one that works.
    reference = _demo_case(session, tenant, settings.base_url)
    later = _demo_later_cases(session, tenant, settings)
    admin = session.scalar(select(User).where(User.email == PEOPLE[0][0]))
    _demo_policy(session, tenant, admin)
    link = None
    if session.scalar(select(User).where(User.email == CUSTOMER[0])) is None:
        _invitation, token = services.invite(
            session, admin, {"email": CUSTOMER[0], "full_name": CUSTOMER[1], "role": "customer"},
            base_url=settings.base_url, lifetime=timedelta(days=settings.invitation_days),
        )
        link = services.invitation_url(settings.base_url, tenant, token)
    session.commit()
    _print_sign_in(settings.base_url.rstrip("/"), tenant, passwords, reference, link)
    click.echo(f"Cases {later[0]} (an offer and a counter-offer) and {later[1]} (settled: the agreement signed and "
               f"sealed) are {SETTLED_CUSTOMER[0]}'s: ask for a sign-in link as above.")


def _people(session: Any, tenant: Tenant, *, random_passwords: bool) -> dict[str, str | None]:
    """Create the demo's staff and agent who are missing; each one's password when created now, else None.

    In production each gets a random password (the published one would be an open door).
    """
    passwords: dict[str, str | None] = {}
    for email, name, role in PEOPLE:
        passwords[email] = None
        if session.scalar(select(User).where(User.email == email)) is None:
            password = secrets.token_urlsafe(15) if random_passwords else PASSWORD
            services.create_user(session, tenant, {
                "email": email, "full_name": name, "role": role.value, "password": password,
                "organisation": INSURER if role is Role.INSURER_AGENT else None,
            })
            passwords[email] = password
    session.flush()
    return passwords


def _print_sign_in(base: str, tenant: Tenant, passwords: dict[str, str | None], reference: str,
                   link: str | None) -> None:
    click.echo(f"\n{tenant.name}: {base}/t/{tenant.slug}/")
    if all(password in (None, PASSWORD) for password in passwords.values()):
        click.echo(f"Sign in at {base}/t/{tenant.slug}/sign-in with password {PASSWORD!r}:")
        for email, _name, role in PEOPLE:
            click.echo(f"  {role.value:<14} {email}")
    else:
        click.echo(f"Sign in at {base}/t/{tenant.slug}/sign-in; each password is shown this once:")
        for email, _name, role in PEOPLE:
            shown = passwords[email] or "(created before; its password is unchanged)"
            click.echo(f"  {role.value:<14} {email:<28} {shown}")
    click.echo(f"Case {reference} is open in mediation, with a room to talk in.")
    if link:
        click.echo(f"  customer       {CUSTOMER[0]}: no password; open the invitation link\n    {link}")
    else:
        click.echo(f"  customer       {CUSTOMER[0]}: ask for a sign-in link at {base}/t/{tenant.slug}/sign-in-link "
                   "(the e-mail is written to the log)")


def _demo_policy(session: Any, tenant: Tenant, admin: User) -> None:
    """The admin's first change to the policy, so its page shows a recorded change: reminders 5 days ahead."""
    from odr.tenants import policy_changes
    from odr.tenants.models import PolicyChange
    from odr.tenants.policy_settings import current_values

    if session.scalar(select(PolicyChange.id).where(PolicyChange.tenant_id == tenant.id).limit(1)) is not None:
        return
    values = {**current_values(tenant.policy or {}), "deadlines.reminder_days": [5, 1]}
    policy_changes.save(session, admin, tenant, values, recompute=True)


def _refer(session: Any, agent: User, manager: User, mediator: User, key: str, summary: str, amount: str,
           base_url: str) -> tuple[Any, bool]:
    """A case of the second demo customer, referred, accepted and given the mediator."""
    from odr.mediation.cases import services as cases

    today = date.today()
    case, created = cases.refer(session, agent, {
        "customer_name": SETTLED_CUSTOMER[1], "customer_email": SETTLED_CUSTOMER[0], "policy_number": "NW-CAR-0107",
        "product_line": "motor", "complaint_category": "settlement_amount", "complaint_summary": summary,
        "complaint_date": (today - timedelta(days=80)).isoformat(), "amount": amount, "currency": "GBP",
        "desired_outcome": "A fair settlement.", "service": "mediation", "idempotency_key": key,
        "escalation_steps": [{"level": "frontline", "step_date": (today - timedelta(days=75)).isoformat(),
                              "outcome": "Partly upheld"}],
        "final_response_date": (today - timedelta(days=30)).isoformat(),
        "final_response_summary": "We offered the market value less the excess.",
    })
    if created:
        cases.accept(session, manager, case, base_url=base_url, invitation_days=14)
        cases.assign_mediator(session, manager, case, mediator.public_id)
    return case, created


def _demo_later_cases(session: Any, tenant: Tenant, settings: Any) -> tuple[str, str]:
    """Sam's two cases: an insurer's offer and Sam's counter-offer, open; and a case settled by an
    accepted counter-offer, its agreement signed by all three and sealed in a PDF."""
    from odr.mediation.agreements import services as agreements
    from odr.mediation.agreements.views import sealing_with
    from odr.mediation.offers import services as offers
    from odr.mediation.offers.schemas import OfferSchema
    from odr.platform.schemas import load

    agent = session.scalar(select(User).where(User.email == PEOPLE[3][0]))
    manager = session.scalar(select(User).where(User.email == PEOPLE[1][0]))
    mediator = session.scalar(select(User).where(User.email == PEOPLE[2][0]))
    sam = session.scalar(select(User).where(User.email == SETTLED_CUSTOMER[0]))
    if sam is None:
        sam = services.create_user(session, tenant, {"email": SETTLED_CUSTOMER[0], "full_name": SETTLED_CUSTOMER[1],
                                                     "role": "customer", "password": None})

    def offer(user: User, case: Any, amount: str, replies_to: Any = None, terms: list | None = None) -> Any:
        values = {"amount": amount, "currency": "GBP", "terms": terms or []}
        if replies_to is not None:
            values["replies_to"] = str(replies_to.public_id)
        return offers.make_offer(session, user, case, load(OfferSchema(), values))

    talking, created = _refer(session, agent, manager, mediator, "demo-case-2",
                              "The car was written off; the valuation is below what similar cars sell for.",
                              "5200.00", settings.base_url)
    if created:
        first = offer(agent, talking, "3800")
        offer(sam, talking, "4900", replies_to=first)
    settled, created = _refer(session, agent, manager, mediator, "demo-case-3",
                              "The courtesy car was withheld for three weeks during the repair.",
                              "900.00", settings.base_url)
    if created:
        first = offer(agent, settled, "400")
        counter = offer(sam, settled, "650", replies_to=first, terms=[{"kind": "apology", "text": ""}])
        offers.respond(session, agent, counter, "accept")
        agreement = agreements.agreement_of(session, settled)
        agreements.save_details(session, mediator, agreement,
                                {"payment_method": "bank transfer to the account Sam gives the insurer",
                                 "payment_days": 14})
        agreements.send(session, mediator, agreement)
        for signer in (sam, agent, mediator):
            values = {"full_name": signer.full_name, "agree": True, "consent": True,
                      "text_sha256": agreement.text_sha256}
            agreements.sign(session, signer, agreement, values, ip="127.0.0.1", user_agent="odr demo",
                            sealing_with=sealing_with())
    session.commit()
    return talking.reference, settled.reference


def _demo_case(session: Any, tenant: Tenant, base_url: str) -> str:
    """An open case between the demo's insurer and customer, with its mediator's first message."""
    from odr.mediation.cases import services as cases
    from odr.mediation.offers import services as offers
    from odr.mediation.offers.schemas import OfferSchema
    from odr.mediation.rooms import services as rooms
    from odr.platform.schemas import load

    agent = session.scalar(select(User).where(User.email == PEOPLE[3][0]))
    manager = session.scalar(select(User).where(User.email == PEOPLE[1][0]))
    mediator = session.scalar(select(User).where(User.email == PEOPLE[2][0]))
    today = date.today()
    case, created = cases.refer(session, agent, {
        "customer_name": CUSTOMER[1], "customer_email": CUSTOMER[0], "policy_number": "NW-HOME-0042",
        "product_line": "home", "complaint_category": "claim_declined",
        "complaint_summary": "Storm damage to the roof; the claim was declined as poor maintenance.",
        "complaint_date": (today - timedelta(days=100)).isoformat(), "amount": "6400.00", "currency": "GBP",
        "desired_outcome": "The repair paid for.", "service": "mediation", "idempotency_key": "demo-case-1",
        "escalation_steps": [{"level": "frontline", "step_date": (today - timedelta(days=95)).isoformat(),
                              "outcome": "Declined"}],
        "final_response_date": (today - timedelta(days=40)).isoformat(),
        "final_response_summary": "Decline upheld: the roof was not maintained.",
    })
    if created:
        cases.accept(session, manager, case, base_url=base_url, invitation_days=14)
        cases.assign_mediator(session, manager, case, mediator.public_id)
        rooms.post_message(session, mediator, case, {
            "channel": "joint", "client_id": "demo-welcome-0001",
            "text": "Welcome, both. I am Mira, your mediator. Here we talk together; each of you also has a "
                    "private channel with me that the other side never sees.",
        })
        # The insurer's first offer, open in the room for the customer to answer (or counter) once they join.
        offers.make_offer(session, agent, case, load(OfferSchema(), {
            "amount": "3000", "currency": "GBP",
            "terms": [{"kind": "apology", "text": ""}]}))
        session.commit()
    return case.reference
