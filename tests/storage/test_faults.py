"""S3 answering 503: retried with backoff until it recovers; when it does not, a clear retryable error."""

from __future__ import annotations

import io

import pytest

from odr.storage import StorageUnavailable
from odr.storage.intake import Intake
from odr.storage.types import DEFAULT_CATEGORIES
from tests.storage import samples

KEY = "tenants/1/cases/c/documents/d/v"


def test_a_503_then_recovery_is_retried_and_stores_the_bytes(faulty):
    proxy, store = faulty
    proxy.failures_left = 2
    store.put(KEY, io.BytesIO(b"hello"), content_type="text/plain")
    assert proxy.failed == 2
    with store.open(KEY) as stream:
        assert stream.read() == b"hello"


def test_a_multipart_upload_survives_503s_between_its_parts(faulty):
    proxy, store = faulty
    data = samples.pdf(17 * 1024 * 1024)
    incoming = Intake(io.BytesIO(data), name="a.pdf", max_bytes=len(data), categories=DEFAULT_CATEGORIES).inspect()
    proxy.failures_left = 1
    store.put(KEY, incoming, content_type=incoming.content_type)
    assert proxy.failed == 1
    assert store.head(KEY).size == len(data)


def test_503_for_good_is_a_retryable_error_and_keeps_nothing(faulty):
    proxy, store = faulty
    proxy.always = True
    with pytest.raises(StorageUnavailable) as error:
        store.put(KEY, io.BytesIO(b"hello"), content_type="text/plain")
    assert error.value.retryable
    assert proxy.failed >= 3  # every attempt botocore made (max_attempts) met the 503
    with pytest.raises(StorageUnavailable):
        store.head(KEY)
    proxy.always = False
    assert store.head(KEY) is None
