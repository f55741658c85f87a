"""Seed a migrated database with 3 tenants, their people and 100,000 cases with deadlines.

Tenants, insurers and users go through the tenants' services (passwords hashed as usual); cases,
their first audit event (``case.referred``, chained as ``append_event`` would) and deadlines are
inserted in bulk with SQLAlchemy Core, bypassing the services. Each case's ``last_seq`` is 1, so
later events (the sweep's) chain on. Deadlines follow the schedule: ``next_action_at`` is computed
with ``schedule.next_action_at``; exactly ``due`` of them need the sweep at ``now``: half have
passed (escalations), half have their first reminder due.

    python -m bench.cases.seed   # uses ODR_DATABASE_URL; normally run by ``python -m bench.cases``
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from odr.mediation.core.events import GENESIS, CaseEvent, actor_label, chain_hash, entry_body
from odr.mediation.core.models import (
    Case,
    ComplaintCategory,
    ProductLine,
    ReferenceCounter,
    ServiceKind,
)
from odr.mediation.core.states import ACTIVE, CaseState
from odr.mediation.deadlines import overdue, schedule
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.mediation.deadlines.policy_defaults import TIER_OWNERS, setting, tier_days
from odr.platform import calendar as clock
from odr.platform.tenancy import set_tenant
from odr.tenants import services
from odr.tenants.models import Organisation, Role, Tenant, User

PASSWORD = "bench-cases-2026"  # noqa: S105 - a throwaway benchmark database
TENANTS = [
    {"slug": "harbour", "name": "Harbour Mediation", "time_zone": "Europe/London", "prefix": "HAR"},
    {"slug": "lakeside", "name": "Lakeside ADR", "time_zone": "Europe/Berlin", "prefix": "LAK"},
    {"slug": "summit", "name": "Summit Ombuds", "time_zone": "Europe/Dublin", "prefix": "SUM"},
]
INSURERS = ["Northwind Insurance", "Contoso Mutual", "Fabrikam Assurance", "Tailspin Life", "Woodgrove General"]
MEDIATORS = 6
TIER_WHAT = {1: "finish screening", 2: "finish mediation", 3: "finish senior review",
             4: "finish arbitration or the regulator"}
# State spread of a provider some years in: most cases are finished.
STATES = [
    (CaseState.CLOSED, 40), (CaseState.OPEN, 22), (CaseState.SETTLED, 6), (CaseState.NOT_SETTLED, 4),
    (CaseState.WITHDRAWN, 4), (CaseState.REJECTED, 6), (CaseState.SCREENING, 8), (CaseState.REFERRED, 10),
]
FIRST = ["Anna", "Ben", "Clara", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Liam",
         "Maya", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe",
         "Aoife", "Bjorn", "Chloe", "Dario", "Emre"]
LAST = ["Smith", "Murphy", "Schmidt", "Kowalski", "Rossi", "Garcia", "Jensen", "Novak", "Dubois", "Papadopoulos",
        "Byrne", "Meyer", "Silva", "Horvat", "Nielsen", "Kelly", "Weber", "Moreau", "Costa", "Lindqvist",
        "O'Brien", "Fischer", "Santos", "Varga", "Brennan", "Keller", "Ricci", "Walsh", "Bauer", "Petrov"]
CHUNK = 5000


@dataclass
class SeedResult:
    """What was made, and how to sign in."""

    tenants: list[str]
    case_manager_email: str
    password: str
    cases: int
    deadlines: int
    due: int
    seconds: float = 0.0
    sample_case: str = ""  # a public id of an open case of the first tenant
    insurer_public_id: str = ""  # an insurer of the first tenant
    reference_prefix: str = ""
    customer_name: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def _people(session: Session, spec: dict[str, str]) -> tuple[Tenant, dict[str, Any]]:
    tenant = services.create_tenant(session, {k: spec[k] for k in ("slug", "name", "time_zone")})
    tenant.policy = {**tenant.policy, "case_reference_prefix": spec["prefix"]}
    set_tenant(session, tenant.id)
    slug = spec["slug"]
    organisations = []
    for name in INSURERS:
        org = Organisation(tenant_id=tenant.id, name=name, reference_prefix=name[:2].upper(),
                           contact_email=f"complaints@{name.split()[0].lower()}.example")
        session.add(org)
        organisations.append(org)
    session.flush()

    def user(email: str, name: str, role: Role, organisation: str | None = None) -> User:
        return services.create_user(session, tenant, {"email": email, "full_name": name, "role": role.value,
                                                      "password": PASSWORD, "organisation": organisation})

    people = {
        "admin": user(f"admin@{slug}.example", f"Admin of {spec['name']}", Role.ADMIN),
        "case_manager": user(f"cases@{slug}.example", f"Case Manager of {spec['name']}", Role.CASE_MANAGER),
        "mediators": [user(f"mediator{i}@{slug}.example", f"{FIRST[i]} {LAST[-i - 1]}", Role.MEDIATOR)
                      for i in range(MEDIATORS)],
        "agents": {org.id: user(f"agent@{org.name.split()[0].lower()}.{slug}.example", f"Agent of {org.name}",
                                Role.INSURER_AGENT, org.name) for org in organisations},
        "organisations": organisations,
    }
    session.commit()
    set_tenant(session, None)
    return tenant, people


def _deadline_row(ids: dict[str, int], tenant: Tenant, case_id: int, *, kind: DeadlineKind, tier: int, party: str,
                  what: str, due_at: datetime, created_at: datetime, status: DeadlineStatus,
                  closed_at: datetime | None = None) -> dict[str, Any]:
    ids["deadline"] += 1
    reminder_days = sorted({int(d) for d in setting(tenant.policy, "reminder_days") if int(d) > 0}, reverse=True)
    row = {"id": ids["deadline"], "tenant_id": tenant.id, "public_id": uuid.uuid4(), "created_at": created_at,
           "case_id": case_id, "kind": kind, "tier": tier, "party": party, "what": what, "due_at": due_at,
           "reminder_days": reminder_days, "status": status, "next_action_at": None, "paused_at": None,
           "closed_at": closed_at}
    if status is DeadlineStatus.OPEN:
        shape = SimpleNamespace(due_at=due_at, created_at=created_at, reminder_days=reminder_days, kind=kind,
                                party=party)
        row["next_action_at"] = schedule.next_action_at(shape, set(), tenant)  # type: ignore[arg-type]
    return row


def seed(session: Session, *, cases: int = 100_000, due: int = 10_000, now: datetime | None = None,
         rng_seed: int = 4) -> SeedResult:
    """Fill the (migrated, empty) database of ``session``; returns what was made."""
    started = datetime.now(UTC)
    now = now or datetime.now(UTC)
    rng = random.Random(rng_seed)  # noqa: S311 - made-up data, the same on every run
    made = [_people(session, spec) for spec in TENANTS]
    ids = {"case": 0, "deadline": 0, "event": 0}
    states, weights = zip(*STATES, strict=True)
    # Which active cases get a due deadline: the first ``due`` active ones in a shuffled order.
    due_left = {"passed": due // 2, "reminder": due - due // 2}
    counters: dict[tuple[int, int], int] = {}
    result = SeedResult([t.slug for t, _p in made], f"cases@{TENANTS[0]['slug']}.example", PASSWORD, cases, 0, 0)
    case_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    deadline_rows: list[dict[str, Any]] = []

    def flush() -> None:
        if case_rows:
            session.execute(insert(Case.__table__), case_rows)
            session.execute(insert(CaseEvent.__table__), event_rows)
        if deadline_rows:
            session.execute(insert(Deadline.__table__), deadline_rows)
        result.deadlines += len(deadline_rows)
        case_rows.clear()
        event_rows.clear()
        deadline_rows.clear()
        session.commit()

    # Tenants of different sizes: 50%, 30%, 20% of the cases.
    tenant_of = rng.choices(range(len(made)), weights=[5, 3, 2], k=cases)
    for n in range(cases):
        tenant, people = made[tenant_of[n]]
        state = rng.choices(states, weights=weights)[0]
        active = state in ACTIVE
        if active:
            referred_at = now - timedelta(days=rng.uniform(0, 55), minutes=rng.uniform(0, 600))
        else:
            referred_at = now - timedelta(days=rng.uniform(20, 4 * 365))
        org = rng.choice(people["organisations"][:3] * 3 + people["organisations"][3:])  # a few big insurers
        agent = people["agents"][org.id]
        early = state in (CaseState.REFERRED, CaseState.SCREENING, CaseState.REJECTED)
        tier = 1 if early else rng.choices([1, 2, 3, 4], [50, 35, 10, 5])[0]
        mediator = None if early or rng.random() < 0.05 else rng.choice(people["mediators"])
        year = clock.local_date(referred_at, tenant.time_zone).year
        number = counters[(tenant.id, year)] = counters.get((tenant.id, year), 0) + 1
        reference = f"{tenant.policy['case_reference_prefix']}-{year}-{number:06d}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        customer_name = f"{first} {last}"
        complaint_date = (referred_at - timedelta(days=rng.randint(60, 400))).date()
        final_response = complaint_date + timedelta(days=rng.randint(20, 56)) if rng.random() < 0.8 else None
        opened = state not in (CaseState.REFERRED, CaseState.SCREENING, CaseState.REJECTED)
        file_complete_at = referred_at + timedelta(days=rng.uniform(1, 6)) if opened else None
        finished = not active and state is not CaseState.SETTLED
        closed_at = referred_at + timedelta(days=rng.uniform(15, 20)) if finished else None
        ids["case"] += 1
        case_id = ids["case"]
        public_id = uuid.uuid4()
        case_rows.append({
            "id": case_id, "tenant_id": tenant.id, "public_id": public_id, "created_at": referred_at,
            "reference": reference, "state": state, "tier": tier,
            "service": rng.choices(list(ServiceKind), [80, 15, 5])[0],
            "organisation_id": org.id, "referred_by_id": agent.id,
            "case_manager_id": people["case_manager"].id if state is not CaseState.REFERRED else None,
            "mediator_id": mediator.id if mediator else None, "customer_id": None,
            "customer_name": customer_name,
            "customer_email": f"{first}.{last}.{n}@example.com".lower().replace("'", ""),
            "customer_phone": f"+44 7700 {n % 1000000:06d}" if rng.random() < 0.6 else None,
            "customer_language": rng.choices(["en", "de", "fr"], [70, 20, 10])[0], "customer_needs": None,
            "policy_number": f"{org.reference_prefix}-{rng.randint(100000, 999999)}",
            "product_line": rng.choices(list(ProductLine), [30, 25, 10, 10, 5, 5, 10, 5])[0],
            "complaint_category": rng.choice(list(ComplaintCategory)),
            "complaint_summary": f"The insurer declined the claim of {customer_name}; the customer disagrees.",
            "complaint_date": complaint_date, "amount_minor": rng.randint(5_000, 5_000_000),
            "currency": rng.choices(["EUR", "GBP"], [60, 40])[0],
            "desired_outcome": "Payment of the claim in full.",
            "final_response_date": final_response,
            "final_response_summary": "Claim declined under the policy's exclusions." if final_response else None,
            "no_final_response_reason": None if final_response else "No answer within eight weeks.",
            "idempotency_key": None, "possible_duplicate_of_id": None, "referred_at": referred_at,
            "screening": {}, "rejection_reason": "Outside our remit." if state is CaseState.REJECTED else None,
            "file_complete_at": file_complete_at,
            "outcome_due_at": (clock.due_after_days(file_complete_at, int(setting(tenant.policy, "outcome_days")),
                                                    tenant.time_zone) if file_complete_at else None),
            "clock_paused_at": None, "clock_pause_reason": None, "clock_extended": False,
            "rejections_in_a_row": 0, "attention_reason": None, "attention_since": None,
            "last_seq": 1, "closed_at": closed_at,
        })
        ids["event"] += 1
        event = SimpleNamespace(seq=1, kind="case.referred", channel="joint", actor_id=agent.id,
                                actor_label=actor_label(agent),
                                payload={"organisation": org.name, "amount_minor": case_rows[-1]["amount_minor"],
                                         "currency": case_rows[-1]["currency"], "possible_duplicate": False},
                                created_at=referred_at)
        event_rows.append({"id": ids["event"], "tenant_id": tenant.id, "case_id": case_id, "seq": 1,
                           "kind": event.kind, "channel": event.channel, "actor_id": agent.id,
                           "actor_label": event.actor_label, "payload": event.payload, "created_at": referred_at,
                           "prev_hash": GENESIS,
                           "hash": chain_hash(GENESIS, entry_body(event, str(public_id)))})  # type: ignore[arg-type]

        # Deadlines: the tiers already passed, the current one, a party's turn, the outcome clock.
        for past in range(1, tier):
            start = referred_at + timedelta(days=(past - 1) * 3)
            deadline_rows.append(_deadline_row(
                ids, tenant, case_id, kind=DeadlineKind.TIER, tier=past, party=TIER_OWNERS[past],
                what=TIER_WHAT[past], due_at=start + timedelta(days=2), created_at=start,
                status=DeadlineStatus.PASSED, closed_at=start + timedelta(days=2)))
        tier_start = referred_at + timedelta(days=(tier - 1) * 3)
        if not active:
            end = closed_at or referred_at + timedelta(days=15)
            deadline_rows.append(_deadline_row(
                ids, tenant, case_id, kind=DeadlineKind.TIER, tier=tier, party=TIER_OWNERS[tier],
                what=TIER_WHAT[tier], due_at=tier_start + timedelta(days=tier_days(tenant.policy, tier)),
                created_at=tier_start, status=DeadlineStatus.MET, closed_at=end))
            continue
        kind = "passed" if due_left["passed"] and rng.random() < 0.5 else "reminder" if due_left["reminder"] else ""
        if kind == "" and due_left["passed"]:
            kind = "passed"
        if kind:
            due_left[kind] -= 1
            result.due += 1
        if kind == "passed":  # the tier ran out a few hours ago
            created = now - timedelta(days=rng.uniform(15, 20))
            due_at = now - timedelta(minutes=rng.uniform(5, 600))
        elif kind == "reminder":  # the three-day reminder fell a few hours ago
            created = now - timedelta(days=rng.uniform(8, 12))
            due_at = now + timedelta(days=3) - timedelta(minutes=rng.uniform(5, 600))
        else:  # nothing to do yet
            created = now - timedelta(days=rng.uniform(0.2, 2))
            due_at = now + timedelta(days=rng.uniform(4, 60))
        deadline_rows.append(_deadline_row(
            ids, tenant, case_id, kind=DeadlineKind.TIER, tier=tier, party=TIER_OWNERS[tier], what=TIER_WHAT[tier],
            due_at=due_at, created_at=created, status=DeadlineStatus.OPEN))
        if state is CaseState.OPEN:
            if rng.random() < 0.3:  # a party's turn, nothing due yet
                created = now - timedelta(days=rng.uniform(0.2, 2))
                deadline_rows.append(_deadline_row(
                    ids, tenant, case_id, kind=DeadlineKind.RESPONSE, tier=tier,
                    party=rng.choice(["customer", "insurer"]), what="send the documents asked for",
                    due_at=created + timedelta(days=14), created_at=created, status=DeadlineStatus.OPEN))
            outcome_due = case_rows[-1]["outcome_due_at"]
            deadline_rows.append(_deadline_row(
                ids, tenant, case_id, kind=DeadlineKind.OUTCOME, tier=tier, party="provider",
                what="reach an outcome", due_at=outcome_due, created_at=file_complete_at,
                status=DeadlineStatus.OPEN))
        if len(case_rows) >= CHUNK:
            flush()
    flush()

    # The bulk inserts bypass the flush hook that keeps ``Case.overdue_from``: fill it in one statement.
    session.execute(overdue.refresh_statement())
    for (tenant_id, year), number in counters.items():
        session.execute(insert(ReferenceCounter.__table__),
                        [{"tenant_id": tenant_id, "year": year, "last_number": number}])
    for table, key in (("cases", "case"), ("deadlines", "deadline"), ("case_events", "event")):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": ids[key]})
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()

    due_now = session.scalar(select(func.count(Deadline.id)).where(
        Deadline.status == DeadlineStatus.OPEN, Deadline.next_action_at <= now)) or 0
    if due_now != result.due:
        raise RuntimeError(f"{due_now} deadlines are due at {now}, not the {result.due} planned")
    first_tenant, first_people = made[0]
    result.sample_case = str(session.scalar(
        select(Case.public_id).where(Case.tenant_id == first_tenant.id, Case.state == CaseState.OPEN)
        .order_by(Case.id.desc()).limit(1)))
    result.insurer_public_id = str(first_people["organisations"][1].public_id)
    result.reference_prefix = f"{TENANTS[0]['prefix']}-{now.year}-0001"
    result.customer_name = "Kowalski"
    result.counts = {str(s.value): c for s, c in session.execute(
        select(Case.state, func.count()).group_by(Case.state)).all()}
    result.seconds = (datetime.now(UTC) - started).total_seconds()
    return result


def main() -> None:
    from odr.app import create_app
    from odr.platform.extensions import db

    app = create_app()
    with app.app_context():
        made = seed(db.session)
    print(made)


if __name__ == "__main__":
    main()

