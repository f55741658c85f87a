"""The kernel's event stream: what an entry records and how it is hashed, the tenant guard of its
writes, the access version it may be bound to, its publishers after commit, and a chain verified
in the order of its numbers whatever order its rows are stored in."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text

from odr.mediation.core import events
from odr.mediation.core.events import (
    CAUCUS_CUSTOMER,
    GENESIS,
    JOINT,
    AccessMoved,
    CaseEvent,
    Stream,
    actor_label,
    append_event,
    canonical,
    chain_hash,
    stream_of,
    verify_chain,
)
from odr.mediation.core.models import Case
from odr.platform.tenancy import CrossTenantWrite, set_tenant
from tests.conftest import NOTE
from tests.mediation.case_helpers import refer


@pytest.fixture
def case(app, session, scoped) -> Case:
    """A referred case of the scoped tenant (its stream holds the referral), committed."""
    return refer(app, session, scoped["insurer_agent"])


def _rows(session, case: Case) -> list[CaseEvent]:
    session.expire_all()
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))


# What an entry records -------------------------------------------------------------------------------


def test_the_system_and_a_person_are_named_as_the_record_names_them(scoped):
    manager = scoped["case_manager"]
    assert actor_label(None) == "system"
    assert actor_label(None, "on behalf of Chris") == "system"
    assert actor_label(manager) == f"{manager.full_name} (case_manager)"
    assert actor_label(manager, "") == f"{manager.full_name} (case_manager)"
    assert actor_label(manager, "on behalf of Chris Customer") == (
        f"{manager.full_name} (case_manager), on behalf of Chris Customer")


def test_an_entry_records_its_number_kind_channel_actor_and_payload(app, session, scoped, case):
    manager = scoped["case_manager"]
    before = case.last_seq
    with app.test_request_context():
        event = append_event(session, case, NOTE, actor=manager, channel=CAUCUS_CUSTOMER, payload={"text": "hello"})
        label = append_event(session, case, NOTE, actor=manager, label="Chris's adviser, for Chris")
        system = append_event(session, case, NOTE, actor=None)
    assert (event.seq, label.seq, system.seq) == (before + 1, before + 2, before + 3)
    assert event.actor is manager and system.actor is None
    # The case keeps the number the UPDATE handed out, as loaded state: nothing is written twice.
    assert case.last_seq == before + 3
    assert not session.is_modified(case)
    session.commit()
    stored = {row.seq: row for row in _rows(session, case)}
    first = stored[before + 1]
    assert (first.kind, first.channel, first.actor_id, first.payload) == (NOTE, CAUCUS_CUSTOMER, manager.id,
                                                                          {"text": "hello"})
    assert first.actor_label == f"{manager.full_name} (case_manager)"
    assert first.tenant_id == case.tenant_id
    assert first.prev_hash == stored[before].hash
    # The event handed back (and to the publishers) is the one stored, link and hash included.
    for returned in (event, label, system):
        kept = stored[returned.seq]
        assert (returned.prev_hash, returned.hash, returned.case_id, returned.tenant_id) == (
            kept.prev_hash, kept.hash, kept.case_id, kept.tenant_id)
    assert (stored[before + 2].actor_label, stored[before + 2].channel) == ("Chris's adviser, for Chris", JOINT)
    assert (stored[before + 3].actor_id, stored[before + 3].actor_label, stored[before + 3].payload) == (
        None, "system", {})
    assert session.get(Case, case.id).last_seq == before + 3
    assert verify_chain(session, case).ok


def test_the_first_entry_links_to_the_genesis_hash(session, case):
    assert case.last_seq == 1
    assert _rows(session, case)[0].prev_hash == GENESIS == "0" * 64


def test_an_entrys_hash_covers_its_canonical_body_and_the_previous_hash(app, session, scoped, case):
    """The stored format: entries written today must verify with tomorrow's code, so it is spelled out here."""
    with app.test_request_context():
        append_event(session, case, NOTE, actor=scoped["mediator"], channel=CAUCUS_CUSTOMER,
                     payload={"text": "ümlaut €", "n": 2})
    session.commit()
    for entry in _rows(session, case):
        body = {"case": str(case.public_id), "seq": entry.seq, "kind": entry.kind, "channel": entry.channel,
                "actor": entry.actor_id, "actor_label": entry.actor_label, "payload": entry.payload,
                "at": entry.created_at.isoformat()}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        own = hashlib.sha256(text.encode()).hexdigest()
        assert entry.hash == hashlib.sha256(f"{entry.prev_hash}:{own}".encode()).hexdigest(), entry.seq
        assert entry.hash == chain_hash(entry.prev_hash, body)


def test_canonical_json_sorts_keys_keeps_unicode_and_writes_dates_as_text():
    assert canonical({"b": [1, 2], "a": {"y": None, "x": "€"}}) == '{"a":{"x":"€","y":null},"b":[1,2]}'.encode()
    assert canonical({"on": date(2026, 3, 2)}) == b'{"on":"2026-03-02"}'


def test_an_unknown_channel_is_refused_before_anything_is_numbered(app, session, case):
    before = case.last_seq
    with app.test_request_context(), pytest.raises(ValueError, match="unknown channel 'lobby'"):
        append_event(session, case, NOTE, actor=None, channel="lobby")
    assert case.last_seq == before
    assert len(_rows(session, case)) == before


# Whose stream ---------------------------------------------------------------------------------------


def test_a_stream_is_what_the_case_says_of_itself(case):
    assert stream_of(case) == Stream(case.id, case.tenant_id, str(case.public_id))
    assert stream_of(case).access_version is None


def test_writing_in_another_tenants_stream_is_refused_and_numbers_nothing(app, session, tenant, scoped, elsewhere):
    theirs = elsewhere["case"]
    before = theirs.last_seq
    set_tenant(session, tenant.id)
    with app.test_request_context():
        with pytest.raises(CrossTenantWrite, match=f"tenant {theirs.tenant_id} .* for tenant {tenant.id}"):
            append_event(session, theirs, NOTE, actor=None)
        with pytest.raises(CrossTenantWrite):
            append_event(session, stream_of(theirs), NOTE, actor=None)
    set_tenant(session, None)
    session.expire_all()
    assert session.get(Case, theirs.id).last_seq == before
    assert len(_rows(session, theirs)) == before


def test_a_stream_bound_to_an_access_version_writes_only_while_it_holds(app, session, case):
    held = Stream(case.id, case.tenant_id, str(case.public_id), access_version=case.access_version)
    with app.test_request_context():
        event = append_event(session, held, NOTE, actor=None, payload={"n": 1})
        assert event.seq == 2
        case.shuttle_only = True  # moves the case's access version at the flush
        session.flush()
        session.refresh(case)
        with pytest.raises(AccessMoved, match=str(case.public_id)):
            append_event(session, held, NOTE, actor=None, payload={"n": 2})
        moved = Stream(case.id, case.tenant_id, str(case.public_id), access_version=case.access_version)
        assert append_event(session, moved, NOTE, actor=None).seq == 3
    session.commit()
    assert [row.payload.get("n") for row in _rows(session, case)] == [None, 1, None]
    assert verify_chain(session, case).ok


# Publishers -----------------------------------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[CaseEvent, dict[str, Any]]] = []

    def __call__(self, event: CaseEvent, live: dict[str, Any]) -> None:
        self.calls.append((event, live))


@pytest.fixture
def publishers(monkeypatch) -> list:
    """The publishers of the stream, emptied for the test and restored after it."""
    own: list = []
    monkeypatch.setattr(events, "_publishers", own)
    return own


def test_a_failing_publisher_stops_neither_the_others_nor_the_commit(app, session, case, publishers, caplog):
    def broken(event: CaseEvent, live: dict[str, Any]) -> None:
        raise RuntimeError("the broadcast went nowhere")

    after = _Recorder()
    events.on_committed(broken)
    events.on_committed(after)
    with app.test_request_context():
        event = append_event(session, case, NOTE, actor=None, live={"message": "hi"})
        assert after.calls == []  # nothing before the commit
        with caplog.at_level(logging.ERROR, logger="odr.mediation.core.events"):
            session.commit()
    assert after.calls == [(event, {"case": str(case.public_id), "message": "hi"})]
    failed = [r for r in caplog.records if r.name == "odr.mediation.core.events"]
    assert len(failed) == 1 and failed[0].exc_info is not None
    assert f"event {event.seq} of case {case.id}" in failed[0].getMessage()
    assert [row.seq for row in _rows(session, case)][-1] == event.seq


def test_a_publisher_is_told_once_per_event_and_only_after_a_commit(app, session, case, publishers):
    heard = _Recorder()
    events.on_committed(heard)
    events.on_committed(heard)
    assert publishers == [heard]
    with app.test_request_context():
        append_event(session, case, NOTE, actor=None)
        session.rollback()
        assert heard.calls == []
        session.commit()
        assert heard.calls == []
        first = append_event(session, case, NOTE, actor=None)
        second = append_event(session, case, NOTE, actor=None)
        session.commit()
    assert [(e.seq, live) for e, live in heard.calls] == [
        (first.seq, {"case": str(case.public_id)}), (second.seq, {"case": str(case.public_id)})]


# Verification follows the numbers, not the rows' storage order --------------------------------------


def _store_in_order(session, case: Case, order: list[int]) -> None:
    """Write the case's rows again, unchanged but for their ids, in ``order`` of their numbers."""
    table = CaseEvent.__table__
    connection = session.connection()
    rows = {r.seq: dict(r._mapping) for r in connection.execute(select(table).where(table.c.case_id == case.id))}
    connection.execute(delete(table).where(table.c.case_id == case.id))
    for seq in order:
        connection.execute(insert(table), {k: v for k, v in rows[seq].items() if k != "id"})
    session.expire_all()


@pytest.fixture
def scrambled(app, session, scoped, case) -> Case:
    """The case with five entries, stored in the order 4, 2, 5, 1, 3."""
    with app.test_request_context():
        for n in range(4):
            append_event(session, case, NOTE, actor=scoped["case_manager"], payload={"n": n})
    session.commit()
    _store_in_order(session, case, [4, 2, 5, 1, 3])
    stored = session.execute(select(CaseEvent.seq).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    assert [seq for (seq,) in stored] == [4, 2, 5, 1, 3]
    return case


def test_a_chain_stored_out_of_order_still_verifies(session, scrambled):
    report = verify_chain(session, session.get(Case, scrambled.id))
    assert (report.ok, report.entries, report.broken_seq, report.reason) == (True, 5, None, "")


def test_a_chain_stored_out_of_order_names_its_first_break(session, scrambled):
    table = CaseEvent.__table__
    session.connection().execute(table.update().where(table.c.case_id == scrambled.id, table.c.seq == 4)
                                 .values(actor_label="someone else"))
    session.connection().execute(table.update().where(table.c.case_id == scrambled.id, table.c.seq == 2)
                                 .values(prev_hash=GENESIS))
    session.expire_all()
    report = verify_chain(session, session.get(Case, scrambled.id))
    assert (report.ok, report.entries, report.broken_seq) == (False, 5, 2)
    assert report.reason == "its link to the previous entry is broken"


@pytest.mark.parametrize(("change", "entries", "broken", "reason"), [
    ("UPDATE case_events SET actor_label = 'someone else' WHERE case_id = :case AND seq = 3",
     5, 3, "its content does not match its hash"),
    ("DELETE FROM case_events WHERE case_id = :case AND seq = 5", 4, 5, "entry 5 is missing"),
    ("DELETE FROM case_events WHERE case_id = :case AND seq = 2", 4, 2, "entry 2 is missing"),
], ids=["edited", "last-deleted", "middle-deleted"])
def test_a_report_counts_the_entries_it_read(session, scrambled, change, entries, broken, reason):
    session.connection().execute(text(change), {"case": scrambled.id})
    session.expire_all()
    report = verify_chain(session, session.get(Case, scrambled.id))
    assert (report.ok, report.entries, report.broken_seq, report.reason) == (False, entries, broken, reason)


def test_a_chain_missing_its_first_entry_names_entry_one(session, scrambled):
    session.connection().execute(delete(CaseEvent.__table__).where(
        CaseEvent.__table__.c.case_id == scrambled.id, CaseEvent.__table__.c.seq == 1))
    session.expire_all()
    report = verify_chain(session, session.get(Case, scrambled.id))
    assert (report.ok, report.entries, report.broken_seq, report.reason) == (False, 4, 1, "entry 1 is missing")
