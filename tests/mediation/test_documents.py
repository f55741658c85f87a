"""Documents on the local store: upload, share, see, download; refusals that change nothing; who sees what."""
# ruff: noqa: F811 - the fixtures imported from documents_support come back as test arguments

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from uuid import UUID

import time_machine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from odr.mediation.core.events import CaseEvent, verify_chain
from odr.mediation.documents import integrity, services, uploads
from odr.mediation.documents.models import Document
from odr.platform.db import utcnow
from odr.platform.errors import Forbidden
from odr.platform.tenancy import set_tenant
from tests.mediation.documents_support import Browser, counts, world  # noqa: F401 - the fixture
from tests.storage import samples


def browser(app, session, world, role):
    return Browser(app.test_client(), session, world["tenant"], world["people"][role])


def stored_files(app) -> list[str]:
    return [info.key for info in app.extensions["odr.storage"].list("tenants/")]


def test_the_insurer_shares_a_pdf_and_the_customer_downloads_it(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    data = samples.pdf(50_000)
    response = insurer.upload(world["case"], data, "Final response.pdf")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["name"], body["channel"], body["version"], body["status"]) == (
        "Final response.pdf", "joint", 1, "available")
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["size"] == len(data)
    assert body["content_type"] == "application/pdf"

    set_tenant(session, world["tenant"].id)
    event = session.scalar(select(CaseEvent).where(CaseEvent.kind == "document.shared"))
    assert event.channel == "joint" and event.payload["sha256"] == body["sha256"]
    assert event.actor_id == world["people"]["insurer_agent"].id
    session.expire_all()
    assert verify_chain(session, world["case"]).ok

    customer = browser(app, session, world, "customer")
    assert [d["id"] for d in customer.documents(world["case"])] == [body["id"]]
    downloaded = customer.download(body["id"])
    assert downloaded.status_code == 200 and downloaded.data == data
    assert downloaded.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="Final response.pdf"' in downloaded.headers["Content-Disposition"]
    assert downloaded.headers["X-Content-Type-Options"] == "nosniff"
    assert downloaded.headers["Content-Type"] == "application/pdf"
    preview = customer.download(body["id"], preview=True)
    assert preview.status_code == 200 and preview.headers["Content-Disposition"].startswith("inline")


def test_the_case_page_shows_the_panel(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    insurer.upload(world["case"], samples.pdf(), "policy.pdf")
    page = insurer.client.get(f"/t/{world['tenant'].slug}/cases/{world['case'].public_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-documents" in html and "policy.pdf" in html
    fragment = insurer.client.get(f"/t/{world['tenant'].slug}/cases/{world['case'].public_id}/documents")
    assert fragment.status_code == 200 and "policy.pdf" in fragment.get_data(as_text=True)


def test_the_same_idempotency_key_twice_makes_one_document(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    first = insurer.upload(world["case"], samples.pdf(), "a.pdf", key="same-key")
    second = insurer.upload(world["case"], samples.pdf(), "a.pdf", key="same-key")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert counts(session) == (1, 1)
    assert len(stored_files(app)) == 1


def test_refusals_change_nothing_and_keep_no_bytes(app, session, world):
    tenant = world["tenant"]
    set_tenant(session, tenant.id)
    tenant.policy = {**tenant.policy, "documents": {"max_bytes": 100_000}}
    session.commit()
    insurer = browser(app, session, world, "insurer_agent")
    before = counts(session)
    cases = [
        (samples.pdf(100_001), "one-byte-over.pdf", 413, "too_large"),
        (samples.HTML, "invoice.pdf", 400, "document_refused"),
        *[(svg, "drawing.svg", 400, "document_refused") for svg in samples.SVGS.values()],
        (samples.SVG_ENTITY_LINK, "photo.png", 400, "document_refused"),
        (samples.exe(), "statement.docx", 400, "document_refused"),
        (samples.exe(), "invoice\u202efdp.exe", 400, "document_refused"),
        (samples.bare_zip(), "evidence.zip", 400, "document_refused"),
        (samples.pdf(), "letter.docx", 400, "document_refused"),
    ]
    for data, name, status, code in cases:
        response = insurer.upload(world["case"], data, name)
        assert response.status_code == status, (name, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["code"] == code and error["fields"]["file"], name
    assert insurer.upload(world["case"], samples.pdf(100_000), "exactly-the-limit.pdf").status_code == 201
    assert counts(session) == (before[0] + 1, before[1] + 1)
    assert len(stored_files(app)) == 1


def test_a_record_refused_after_the_bytes_arrived_keeps_neither_row_nor_bytes(app, session, world, monkeypatch):
    def refuse(*args, **kwargs):
        raise Forbidden("You are not allowed to do this.")

    monkeypatch.setattr(uploads, "record_upload", refuse)
    insurer = browser(app, session, world, "insurer_agent")
    before = counts(session)
    response = insurer.upload(world["case"], samples.pdf(), "late.pdf")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert counts(session) == before
    assert stored_files(app) == []


def test_an_upload_that_loses_a_race_on_its_key_is_recorded_on_the_second_try(app, session, world, monkeypatch):
    record, calls = uploads.record_upload, []

    def lose_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO documents", {}, Exception("UNIQUE constraint failed"))
        return record(*args, **kwargs)

    monkeypatch.setattr(uploads, "record_upload", lose_once)
    insurer = browser(app, session, world, "insurer_agent")
    response = insurer.upload(world["case"], samples.pdf(), "raced.pdf", key="raced")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert len(calls) == 2
    assert counts(session) == (1, 1)
    assert len(stored_files(app)) == 1


def test_file_names_are_made_safe_and_never_reach_the_key(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    names = {
        "../../etc/passwd.pdf": "passwd.pdf",
        "..\\..\\windows\\report.pdf": "report.pdf",
        "claim\r\nSet-Cookie: stolen=1.pdf": "claimSet-Cookie: stolen=1.pdf",
        "report\u202e\u2066.pdf": "report.pdf",
        "Schadensmeldung für Köln.pdf": "Schadensmeldung für Köln.pdf",
    }
    customer = browser(app, session, world, "customer")
    for raw, shown in names.items():
        response = insurer.upload(world["case"], samples.pdf(), raw)
        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        assert body["name"] == shown
        set_tenant(session, world["tenant"].id)
        document = session.scalar(select(Document).where(Document.public_id == UUID(body["id"])))
        assert ".." not in document.storage_key and "passwd" not in document.storage_key
        assert document.storage_key.endswith(f"/documents/{document.chain_id}/{document.public_id}")
        downloaded = customer.download(body["id"])
        disposition = downloaded.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition and "\u202e" not in disposition
    assert insurer.upload(world["case"], samples.pdf(), "../").status_code == 400


def test_the_other_partys_caucus_document_does_not_exist_for_them(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    secret = insurer.upload(world["case"], samples.pdf(), "reserve.pdf", channel="caucus:insurer").get_json()
    customer = browser(app, session, world, "customer")
    assert customer.documents(world["case"]) == []
    assert customer.download(secret["id"]).status_code == 404
    assert customer.client.get(customer.api(f"/documents/{secret['id']}")).status_code == 404
    assert customer.client.get(customer.api(f"/documents/{secret['id']}/link")).status_code == 404
    page = customer.client.get(f"/t/{world['tenant'].slug}/cases/{world['case'].public_id}")
    assert "reserve.pdf" not in page.get_data(as_text=True)
    # Nor can the customer share into the insurer's caucus.
    refused = customer.upload(world["case"], samples.pdf(), "x.pdf", channel="caucus:insurer")
    assert refused.status_code == 400 and "channel" in refused.get_json()["error"]["fields"]
    mediator = browser(app, session, world, "mediator")
    assert [d["id"] for d in mediator.documents(world["case"])] == [secret["id"]]


def test_another_tenants_document_does_not_exist_here(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    theirs = insurer.upload(world["case"], samples.pdf(), "a.pdf").get_json()
    elsewhere = world["elsewhere"]
    stranger = Browser(app.test_client(), session, elsewhere["tenant"], elsewhere["manager"])
    assert stranger.client.get(f"/t/{elsewhere['tenant'].slug}/documents/{theirs['id']}/download").status_code == 404
    assert stranger.client.get(stranger.api(f"/documents/{theirs['id']}")).status_code == 404
    # A link made in one tenant is useless in another.
    link = insurer.client.get(f"/t/{world['tenant'].slug}/documents/{theirs['id']}/download").headers["Location"]
    other_path = link.replace(f"/t/{world['tenant'].slug}/", f"/t/{elsewhere['tenant'].slug}/")
    assert stranger.client.get(other_path).status_code == 404


def test_an_expired_link_is_refused(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    body = insurer.upload(world["case"], samples.pdf(), "a.pdf").get_json()
    mediator = browser(app, session, world, "mediator")
    with time_machine.travel(utcnow(), tick=False):
        link = mediator.client.get(f"/t/{world['tenant'].slug}/documents/{body['id']}/download").headers["Location"]
    with time_machine.travel(utcnow() + timedelta(seconds=services.LINK_SECONDS - 5), tick=False):
        assert mediator.client.get(link).status_code == 200
    with time_machine.travel(utcnow() + timedelta(seconds=services.LINK_SECONDS + 5), tick=False):
        expired = mediator.client.get(link)
    assert expired.status_code == 410 and expired.get_json() is None


def test_a_link_dies_with_access(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    body = insurer.upload(world["case"], samples.pdf(), "a.pdf").get_json()
    mediator = browser(app, session, world, "mediator")
    fresh = mediator.client.get(f"/t/{world['tenant'].slug}/documents/{body['id']}/download").headers["Location"]
    set_tenant(session, world["tenant"].id)
    world["case"].mediator_id = world["people"]["case_manager"].id  # the mediator is taken off the case
    session.commit()
    assert mediator.client.get(fresh).status_code == 404


def test_a_new_version_keeps_the_chain_and_the_channel(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    first = insurer.upload(world["case"], samples.pdf(), "offer.pdf", channel="caucus:insurer").get_json()
    second = insurer.upload(world["case"], samples.pdf(3000), "offer v2.pdf", channel="joint",
                            replaces=first["id"])
    assert second.status_code == 201, second.get_data(as_text=True)
    body = second.get_json()
    assert (body["chain"], body["version"], body["channel"]) == (first["chain"], 2, "caucus:insurer")
    customer = browser(app, session, world, "customer")
    assert customer.upload(world["case"], samples.pdf(), "x.pdf", replaces=first["id"]).status_code == 404


def test_the_mediator_carries_a_caucus_document_across(app, session, world):
    customer = browser(app, session, world, "customer")
    private = customer.upload(world["case"], samples.png(), "damage.png", channel="caucus:customer").get_json()
    insurer = browser(app, session, world, "insurer_agent")
    assert insurer.documents(world["case"]) == []
    assert insurer.post_json(f"/documents/{private['id']}/carry", {"channel": "joint"}).status_code == 404
    assert customer.post_json(f"/documents/{private['id']}/carry", {"channel": "joint"}).status_code == 403
    mediator = browser(app, session, world, "mediator")
    carried = mediator.post_json(f"/documents/{private['id']}/carry", {"channel": "joint"})
    assert carried.status_code == 201, carried.get_data(as_text=True)
    again = mediator.post_json(f"/documents/{private['id']}/carry", {"channel": "joint"})
    assert again.status_code == 200 and again.get_json()["id"] == carried.get_json()["id"]
    seen = insurer.documents(world["case"])
    assert [d["carried_from"] for d in seen] == [private["id"]]
    assert insurer.download(seen[0]["id"]).data == samples.png()
    set_tenant(session, world["tenant"].id)
    event = session.scalars(select(CaseEvent).where(CaseEvent.kind == "document.shared")
                            .order_by(CaseEvent.seq.desc())).first()
    assert event.channel == "joint" and event.actor_id == world["people"]["mediator"].id
    assert event.payload["carried_from"] == private["id"] and event.payload["from_channel"] == "caucus:customer"


def test_a_direct_upload_goes_through_the_server_on_the_local_store(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    data = samples.pdf(40_000)
    announce = {"name": "big.pdf", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "channel": "joint"}
    started = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct", announce)
    assert started.status_code == 200, started.get_data(as_text=True)
    plan = started.get_json()
    assert counts(session)[0] == 0  # nothing is visible before completion
    early = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct/complete", {"token": plan["token"]})
    assert early.status_code == 400
    colleague = Browser(app.test_client(), session, world["tenant"], world["people"]["mediator"])
    borrowed = colleague.client.put(plan["url"], data=data, headers={**plan["headers"], "X-CSRFToken": colleague.token})
    assert borrowed.status_code == 404 and stored_files(app) == []  # the link is the insurer's alone
    tampered = insurer.client.put(plan["url"], data=data[:-1] + b"!",
                                  headers={**plan["headers"], "X-CSRFToken": insurer.token})
    assert tampered.status_code == 400 and stored_files(app) == []
    sent = insurer.client.put(plan["url"], data=data, headers={**plan["headers"], "X-CSRFToken": insurer.token})
    assert sent.status_code == 204, sent.get_data(as_text=True)
    done = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct/complete", {"token": plan["token"]})
    assert done.status_code == 201, done.get_data(as_text=True)
    assert done.get_json()["sha256"] == announce["sha256"]
    twice = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct/complete", {"token": plan["token"]})
    assert twice.status_code == 200 and counts(session) == (1, 1)
    customer = browser(app, session, world, "customer")
    stolen = customer.post_json(f"/cases/{world['case'].public_id}/documents/direct/complete",
                                {"token": plan["token"]})
    assert stolen.status_code == 400


def test_verify_finds_changed_and_missing_bytes_and_orphans_are_swept(app, session, world):
    insurer = browser(app, session, world, "insurer_agent")
    kept = insurer.upload(world["case"], samples.pdf(), "kept.pdf").get_json()
    changed = insurer.upload(world["case"], samples.pdf(3000), "changed.pdf").get_json()
    store = app.extensions["odr.storage"]
    set_tenant(session, world["tenant"].id)
    document = session.scalar(select(Document).where(Document.public_id == UUID(changed["id"])))
    store.put(document.storage_key, io.BytesIO(b"%PDF-1.4 forged"), content_type="application/pdf")
    with app.app_context():
        checked, findings = integrity.verify_bytes(session, store, case=world["case"])
    assert checked == 2 and [(f.document.public_id, f.problem) for f in findings] == [(document.public_id, "changed")]
    result = app.test_cli_runner().invoke(args=["documents", "verify", "--case", world["case"].reference,
                                                  "--tenant", world["tenant"].slug])
    assert result.exit_code == 1 and "changed" in result.output and "1 of 2" in result.output
    store.delete(document.storage_key)
    result = app.test_cli_runner().invoke(args=["documents", "verify"])
    assert result.exit_code == 1 and "missing" in result.output

    store.put("tenants/stray/cases/x/documents/y/z", io.BytesIO(b"orphan"), content_type="text/plain")
    assert integrity.remove_orphans(session, store) == 0  # too recent: it may be an upload in flight
    removed = integrity.remove_orphans(session, store, now=utcnow() + timedelta(days=2))
    assert removed == 1 and stored_files(app) == [
        session.scalar(select(Document.storage_key).where(Document.public_id == UUID(kept["id"])))]


def test_in_shuttle_only_mode_parties_share_documents_only_in_their_caucus(app, session, world):
    world["case"].shuttle_only = True
    session.commit()
    customer = browser(app, session, world, "customer")
    refused = customer.upload(world["case"], samples.pdf(10_000), "Photos.pdf")
    assert refused.status_code == 400 and "channel" in refused.get_json()["error"]["fields"]
    assert customer.upload(world["case"], samples.pdf(10_000), "Photos.pdf",
                           channel="caucus:customer").status_code == 201
    mediator = browser(app, session, world, "mediator")
    assert mediator.upload(world["case"], samples.pdf(10_000), "Agenda.pdf").status_code == 201


def test_an_upload_to_a_read_only_store_is_503_with_retry_after_and_keeps_nothing(app, session, world, monkeypatch):
    import errno
    import os

    def read_only(fd: int) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    insurer = browser(app, session, world, "insurer_agent")
    monkeypatch.setattr(os, "fsync", read_only)
    response = insurer.upload(world["case"], samples.pdf(), "a.pdf")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json()["error"]["code"] == "storage_unavailable"
    assert counts(session) == (0, 0)
    assert stored_files(app) == []
    monkeypatch.undo()
    assert insurer.upload(world["case"], samples.pdf(), "a.pdf").status_code == 201
