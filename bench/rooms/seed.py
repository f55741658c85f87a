"""A world of case rooms made through the services: one tenant, and per room an open case with its
mediator, insurer agent and customer, each a person of their own.

The benchmark seeds fifty rooms in-process; the real-process tests of the rooms run it as a command
(``python -m bench.rooms.seed --rooms 1``, reading the same ``ODR_`` settings as ``odr serve``) so
that no second app is built inside the test process. Prints the world as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

TENANT_SLUG = "rooms"
INSURER = "Northwind Insurance"
PASSWORD = "rooms-bench-password-2026"  # noqa: S105 - a throwaway world's published password


@dataclass
class Room:
    """One open case and the e-mail addresses of the three people in its room."""

    case: str
    mediator: str
    agent: str
    customer: str


@dataclass
class World:
    """What was seeded: the tenant, the password of everyone but customers, the rooms."""

    tenant: str
    password: str
    rooms: list[Room] = field(default_factory=list)
    outsider: str = ""  # a customer of the tenant who is in no case

    def to_json(self) -> str:
        """The world as one JSON document."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> World:
        """Read what ``to_json`` wrote."""
        data = json.loads(text)
        return cls(data["tenant"], data["password"], [Room(**r) for r in data["rooms"]], data.get("outsider", ""))


def _day(days_before_today: int) -> str:
    return (date.today() - timedelta(days=days_before_today)).isoformat()


def _referral(n: int, customer_email: str) -> dict[str, Any]:
    """A referral that passes every screening rule (recent, escalated, final response given)."""
    return {
        "customer_name": f"Customer {n}",
        "customer_email": customer_email,
        "customer_phone": "+44 20 7946 0000",
        "customer_language": "en",
        "policy_number": f"NW-HOME-{n:06d}",
        "product_line": "home",
        "complaint_category": "claim_declined",
        "complaint_summary": "Water damage claim declined as wear and tear.",
        "complaint_date": _day(120),
        "amount": "4250.00",
        "currency": "GBP",
        "desired_outcome": "Pay the claim in full.",
        "service": "mediation",
        "escalation_steps": [{"level": "frontline", "step_date": _day(110), "outcome": "Declined"}],
        "final_response_date": _day(40),
        "final_response_summary": "Final response: decline upheld.",
    }


def seed(app: Any, rooms: int) -> World:
    """Create the tenant ``rooms`` and ``rooms`` open cases with their people; commit; return them."""
    from argon2 import PasswordHasher

    from odr.mediation.cases import services as cases
    from odr.platform.extensions import db
    from odr.platform.tenancy import set_tenant
    from odr.tenants import passwords
    from odr.tenants import services as tenants
    from odr.tenants.models import Organisation, Role

    # Hashing at full cost would take most of the set-up; the server upgrades the hash at sign-in.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    settings = app.config["ODR"]
    world = World(TENANT_SLUG, PASSWORD)
    with app.app_context():
        session = db.session
        tenant = tenants.create_tenant(session, {"slug": TENANT_SLUG, "name": "Rooms", "time_zone": "Europe/London"})
        set_tenant(session, tenant.id)
        session.add(Organisation(tenant_id=tenant.id, name=INSURER, reference_prefix="NW"))
        session.flush()

        def person(email: str, role: Role) -> Any:
            return tenants.create_user(session, tenant, {
                "email": email, "full_name": email.split("@")[0].replace("-", " ").title(), "role": role.value,
                "password": PASSWORD if role.needs_password else None,
                "organisation": INSURER if role is Role.INSURER_AGENT else None,
            })

        manager = person("cases@rooms.example", Role.CASE_MANAGER)
        world.outsider = person("outsider@rooms.example", Role.CUSTOMER).email
        for n in range(1, rooms + 1):
            mediator = person(f"mediator-{n}@rooms.example", Role.MEDIATOR)
            agent = person(f"agent-{n}@northwind.example", Role.INSURER_AGENT)
            customer = person(f"customer-{n}@rooms.example", Role.CUSTOMER)
            case, _created = cases.refer(session, agent, _referral(n, customer.email))
            cases.accept(session, manager, case, base_url=settings.base_url, invitation_days=7)
            cases.assign_mediator(session, manager, case, mediator.public_id)
            session.flush()
            world.rooms.append(Room(str(case.public_id), mediator.email, agent.email, customer.email))
        session.commit()
    return world


def main(argv: list[str] | None = None) -> int:
    """Seed the database the ``ODR_`` settings name and print the world as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.rooms.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=1, help="open cases to make")
    args = parser.parse_args(argv)
    from odr.app import create_app

    print(seed(create_app(), args.rooms).to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
