"""Helpers of the mediation tests: referrals, open cases, and apps on a committed database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from odr.app import create_app
from odr.mediation.cases import services as cases
from odr.mediation.core.models import Case
from odr.platform.extensions import db
from odr.tenants.models import User
from tests.conftest import PG_URL, database_url, test_settings, worker_id


def referral(**overrides: Any) -> dict[str, Any]:
    """A complete referral, as an insurer agent would send it."""
    data: dict[str, Any] = {
        "customer_name": "Chris Customer",
        "customer_email": "chris@example.com",
        "customer_phone": "+44 20 7946 0000",
        "policy_number": "NW-HOME-1234",
        "product_line": "home",
        "complaint_category": "claim_declined",
        "complaint_summary": "Water damage claim declined as wear and tear.",
        "complaint_date": "2025-11-03",
        "amount": "4250.00",
        "currency": "GBP",
        "desired_outcome": "Pay the claim in full.",
        "service": "mediation",
        "escalation_steps": [{"level": "frontline", "step_date": "2025-11-04", "outcome": "Declined"}],
        "final_response_date": "2026-01-15",
        "final_response_summary": "Final response: decline upheld.",
    }
    data.update(overrides)
    return data


def open_case(session: Any, people: dict[str, User], *, mediator: bool = True, **overrides: Any) -> Case:
    """A case referred by the insurer agent, accepted by the case manager (the customer of
    ``people`` linked to it) and, unless told otherwise, given the mediator. Call in an app context."""
    overrides.setdefault("customer_email", people["customer"].email)
    overrides.setdefault("customer_name", people["customer"].full_name)
    case, _created = cases.refer(session, people["insurer_agent"], referral(**overrides))
    cases.accept(session, people["case_manager"], case, base_url="http://localhost", invitation_days=7)
    if mediator:
        cases.assign_mediator(session, people["case_manager"], case, people["mediator"].public_id)
    session.flush()
    return case


@contextmanager
def committed_app(tmp: Path, name: str) -> Iterator[Flask]:
    """An app of its own on a fresh, migrated database whose transactions really commit.

    Built like the ``app`` fixture, for tests that need several connections at once (threads).
    """
    suffix = f"{name}_{worker_id()}"
    url = database_url(tmp, suffix)
    app = create_app(test_settings(tmp, url))
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        db.state(app).engine.dispose()
        if PG_URL:
            _drop_database(url)


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()
