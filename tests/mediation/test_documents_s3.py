"""Documents on S3 (moto over HTTP): through the server, straight from the browser, faults, verify."""
# ruff: noqa: F811 - the fixtures imported from documents_support come back as test arguments

from __future__ import annotations

import hashlib
from uuid import UUID

import boto3
import pytest
import requests
from sqlalchemy import select

from odr.mediation.documents import integrity
from odr.mediation.documents.models import Document
from odr.platform.tenancy import set_tenant
from odr.storage.s3 import S3Storage
from tests.mediation.documents_support import Browser, counts, world  # noqa: F401 - the fixture
from tests.storage import samples
from tests.storage.conftest import moto_endpoint, new_bucket  # noqa: F401 - the fixture
from tests.storage.servers import FaultyProxy


@pytest.fixture
def s3(app, world, moto_endpoint, monkeypatch):  # noqa: F811 - the fixture
    """The app's documents on a fresh bucket of moto's S3, through a proxy that can answer 503."""
    proxy = FaultyProxy(moto_endpoint)
    store = S3Storage(new_bucket(moto_endpoint), "docs", endpoint_url=proxy.url, max_attempts=3, read_timeout=10)
    monkeypatch.setitem(app.extensions, "odr.storage", store)
    yield store, proxy
    store.close()
    proxy.close()


def browser(app, session, world, role):  # noqa: F811
    return Browser(app.test_client(), session, world["tenant"], world["people"][role])


def objects(store: S3Storage) -> list[str]:
    return [info.key for info in store.list("tenants/")]


def test_an_upload_through_the_server_lands_in_s3(app, session, world, s3):
    store, _proxy = s3
    insurer = browser(app, session, world, "insurer_agent")
    data = samples.pdf(9 * 1024 * 1024)  # above the multipart threshold
    response = insurer.upload(world["case"], data, "Gutachten für Sie.pdf")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    keys = objects(store)
    assert len(keys) == 1 and keys[0].endswith(f"/{body['chain']}/{body['id']}")
    customer = browser(app, session, world, "customer")
    redirect = customer.client.get(f"/t/{world['tenant'].slug}/documents/{body['id']}/download")
    assert redirect.status_code == 303
    url = redirect.headers["Location"]
    assert url.startswith(store.endpoint_url) and "X-Amz-Expires=120" in url
    fetched = requests.get(url, timeout=30)
    assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == body["sha256"]
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert fetched.headers["Content-Type"] == "application/pdf"


def test_a_direct_upload_to_s3_is_checked_before_it_is_visible(app, session, world, s3):
    store, _proxy = s3
    insurer = browser(app, session, world, "insurer_agent")
    data = samples.png()
    announce = {"name": "damage.png", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                "channel": "caucus:insurer"}
    plan = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct", announce).get_json()
    assert plan["url"].startswith(store.endpoint_url) and plan["headers"]["x-amz-checksum-sha256"]
    assert requests.put(plan["url"], data=data, headers=plan["headers"], timeout=10).status_code == 200
    done = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct/complete", {"token": plan["token"]})
    assert done.status_code == 201, done.get_data(as_text=True)
    assert done.get_json()["content_type"] == "image/png"


def test_a_direct_upload_of_something_else_is_refused_and_deleted(app, session, world, s3):
    store, _proxy = s3
    insurer = browser(app, session, world, "insurer_agent")
    real = samples.HTML
    announce = {"name": "invoice.pdf", "size": len(real), "sha256": hashlib.sha256(real).hexdigest()}
    plan = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct", announce).get_json()
    requests.put(plan["url"], data=real, headers=plan["headers"], timeout=10)
    done = insurer.post_json(f"/cases/{world['case'].public_id}/documents/direct/complete", {"token": plan["token"]})
    assert done.status_code == 400 and done.get_json()["error"]["code"] == "document_refused"
    assert objects(store) == [] and counts(session) == (0, 0)


def test_s3_answering_503_then_recovering_stores_the_document(app, session, world, s3):
    _store, proxy = s3
    insurer = browser(app, session, world, "insurer_agent")
    proxy.failures_left = 2
    response = insurer.upload(world["case"], samples.pdf(), "a.pdf")
    assert response.status_code == 201 and proxy.failed == 2
    assert counts(session) == (1, 1)


def test_s3_answering_503_for_good_keeps_no_row(app, session, world, s3):
    store, proxy = s3
    insurer = browser(app, session, world, "insurer_agent")
    proxy.always = True
    response = insurer.upload(world["case"], samples.pdf(), "a.pdf")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["error"]["code"] == "storage_unavailable"
    assert counts(session) == (0, 0)
    proxy.always = False
    assert objects(store) == []
    again = insurer.upload(world["case"], samples.pdf(), "a.pdf")
    assert again.status_code == 201


def test_verify_reports_an_object_changed_directly_in_s3(app, session, world, s3, moto_endpoint):  # noqa: F811
    store, _proxy = s3
    insurer = browser(app, session, world, "insurer_agent")
    body = insurer.upload(world["case"], samples.pdf(), "contract.pdf").get_json()
    set_tenant(session, world["tenant"].id)
    document = session.scalar(select(Document).where(Document.public_id == UUID(body["id"])))
    assert integrity.verify_bytes(session, store, case=world["case"])[1] == []
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").put_object(
        Bucket=store.bucket, Key=store.prefix + document.storage_key, Body=b"%PDF-1.4 altered")
    checked, findings = integrity.verify_bytes(session, store, case=world["case"])
    assert checked == 1 and [(f.problem, f.actual_sha256) for f in findings] == [
        ("changed", hashlib.sha256(b"%PDF-1.4 altered").hexdigest())]
    result = app.test_cli_runner().invoke(args=["documents", "verify", "--case", world["case"].reference,
                                                "--tenant", world["tenant"].slug])
    assert result.exit_code == 1 and "bytes changed" in result.output
