"""The audit chain: ``odr audit verify`` finds every edit, deletion and reordering made behind the
app's back, names the first broken entry, and appends racing from two threads stay in order."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, text

from odr.mediation.cases import services as cases
from odr.mediation.core.events import (
    STAFF,
    CaseEvent,
    append_event,
    canonical,
    chain_hash,
    entry_body,
    verify_chain,
)
from odr.mediation.core.models import Case
from odr.platform.db import write_intent
from odr.platform.extensions import db
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role, Tenant
from tests import factories
from tests.databases import committed_app
from tests.mediation.case_helpers import referral

NOTES = 5  # appended after the referral's own event: seq 1 is case.referred, 2..6 the notes
LAST = NOTES + 1


@pytest.fixture
def chained(app, session, tenant, people) -> Case:
    """A referred case with a few more events on its chain, committed to the test's transaction."""
    set_tenant(session, tenant.id)
    with app.app_context():
        case, _created = cases.refer(session, people["insurer_agent"], referral())
        for n in range(NOTES):
            append_event(session, case, "note.added", actor=people["case_manager"], channel=STAFF,
                         payload={"n": n, "text": f"note {n}", "ümlaut": "€"})
        session.commit()
    set_tenant(session, None)
    return case


def _verify(app, case: Case) -> Any:
    """``odr audit verify <reference> --tenant <slug>``, as an operator would run it."""
    with db.state(app).factory() as s:
        slug = s.get(Tenant, case.tenant_id).slug
    return app.test_cli_runner().invoke(args=["audit", "verify", case.reference, "--tenant", slug])


def _sql(session, statement: str, **params: Any) -> None:
    """Change the table directly, as someone with database access could, bypassing the app."""
    session.connection().execute(text(statement), params)
    session.expire_all()


def _seq_id(session, case: Case, seq: int) -> int:
    return session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.seq == seq))


def test_an_untouched_chain_is_intact(app, session, chained):
    result = _verify(app, chained)
    assert result.exit_code == 0, result.output
    assert f"{chained.reference}: the chain of {LAST} entries is intact." in result.output
    report = verify_chain(session, chained)
    assert report.ok and report.entries == LAST


def test_each_entry_links_to_the_one_before(session, chained):
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == chained.id).order_by(CaseEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, LAST + 1))
    assert events[0].prev_hash == "0" * 64
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    # The hash covers the canonical JSON: sorted keys, no spaces, UTF-8 kept as is.
    assert canonical({"b": 1, "a": "€"}) == '{"a":"€","b":1}'.encode()


def _edit_payload(session, case):
    payload = '{"n": 99, "text": "rewritten", "\\u00fcmlaut": "\\u20ac"}'
    statement = {
        "postgresql": "UPDATE case_events SET payload = CAST(:payload AS JSON) WHERE case_id = :case AND seq = 3",
        "sqlite": "UPDATE case_events SET payload = :payload WHERE case_id = :case AND seq = 3",
    }[session.bind.dialect.name]
    _sql(session, statement, payload=payload, case=case.id)


def _delete_middle(session, case):
    _sql(session, "DELETE FROM case_events WHERE case_id = :case AND seq = 3", case=case.id)


def _delete_last(session, case):
    _sql(session, "DELETE FROM case_events WHERE case_id = :case AND seq = :seq", case=case.id, seq=LAST)


def _swap(session, case):
    third, fourth = _seq_id(session, case, 3), _seq_id(session, case, 4)
    # Three steps, as the unique (case, seq) key refuses a duplicate even for a moment.
    _sql(session, "UPDATE case_events SET seq = 1000 WHERE id = :id", id=third)
    _sql(session, "UPDATE case_events SET seq = 3 WHERE id = :id", id=fourth)
    _sql(session, "UPDATE case_events SET seq = 4 WHERE id = :id", id=third)


def _edit_and_rehash(session, case):
    """A forger who also recomputes the edited entry's own hash is caught at the next entry."""
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == 3)).one()
    body = {**entry_body(event, str(case.public_id)), "actor_label": "someone else"}
    forged = chain_hash(event.prev_hash, body)
    _sql(session, "UPDATE case_events SET actor_label = 'someone else', hash = :hash WHERE case_id = :case AND seq = 3",
         hash=forged, case=case.id)


@pytest.mark.parametrize(
    ("tamper", "broken", "reason"),
    [
        (_edit_payload, 3, "its content does not match its hash"),
        (_delete_middle, 3, "entry 3 is missing"),
        (_delete_last, LAST, f"entry {LAST} is missing"),
        (_swap, 3, "its link to the previous entry is broken"),
        (_edit_and_rehash, 4, "its link to the previous entry is broken"),
    ],
    ids=["edited-payload", "deleted-middle", "deleted-last", "swapped-seq", "edited-and-rehashed"],
)
def test_tampering_is_caught_and_the_first_broken_entry_named(app, session, chained, tamper, broken, reason):
    assert _verify(app, chained).exit_code == 0
    tamper(session, chained)
    result = _verify(app, chained)
    assert result.exit_code == 1
    assert f"{chained.reference}: entry {broken} is broken: {reason}." in result.output
    report = verify_chain(session, session.get(Case, chained.id))
    assert (report.ok, report.broken_seq, report.reason) == (False, broken, reason)


def test_an_unknown_reference_is_a_clear_error(app, chained):
    result = app.test_cli_runner().invoke(args=["audit", "verify", "MED-1999-999999"])
    assert result.exit_code == 1
    assert "No case MED-1999-999999." in result.output


# Appends from two threads ------------------------------------------------------------------------


def test_appends_from_two_threads_get_distinct_consecutive_numbers(tmp_path):
    per_thread = 15
    with committed_app(tmp_path, "chain_threads") as app:
        factory = db.state(app).factory
        with app.app_context(), factory() as session:
            tenant = factories.tenant(session)
            set_tenant(session, tenant.id)
            agent = factories.user(session, tenant, Role.INSURER_AGENT)
            case, _created = cases.refer(session, agent, referral())
            session.commit()
            case_id = case.id

        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def append_many(name: str) -> None:
            try:
                with app.app_context(), write_intent():
                    start.wait(timeout=30)
                    for n in range(per_thread):
                        with factory() as s:
                            append_event(s, s.get(Case, case_id), "note.added", actor=None,
                                         payload={"thread": name, "n": n})
                            s.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)

        threads = [threading.Thread(target=append_many, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors

        with factory() as session:
            case = session.get(Case, case_id)
            events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                     .order_by(CaseEvent.seq)).all()
            assert [e.seq for e in events] == list(range(1, 2 + 2 * per_thread))
            assert case.last_seq == 1 + 2 * per_thread
            by_thread = {name: [e.payload["n"] for e in events if e.payload.get("thread") == name]
                         for name in ("a", "b")}
            assert by_thread == {"a": list(range(per_thread)), "b": list(range(per_thread))}
            assert verify_chain(session, case).ok
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["audit", "verify", case.reference])
        assert "is intact" in result.output, result.output
