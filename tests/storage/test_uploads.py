"""How bytes reach S3: the checksums S3 is given, parts in bounded memory, aborts, and readinto sources."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zlib

import pytest

from odr.storage.base import fill
from odr.storage.intake import Intake, Refused
from odr.storage.s3 import S3Storage
from odr.storage.types import DEFAULT_CATEGORIES
from tests.storage import samples
from tests.storage.conftest import new_bucket

KEY = "tenants/1/cases/c/documents/d/v"
MiB = 1024 * 1024


class Dribble(io.RawIOBase):
    """A source with readinto that fills only a little at a time, as a socket does; it remembers the buffers."""

    def __init__(self, data: bytes, step: int = 100_000) -> None:
        self.data, self.step, self.at = data, step, 0
        self.buffers: set[int] = set()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer)
        self.buffers.add(id(view.obj))
        chunk = self.data[self.at:self.at + min(len(view), self.step)]
        view[:len(chunk)] = chunk
        self.at += len(chunk)
        return len(chunk)


def sent_headers(store: S3Storage, operation: str) -> list[dict[str, str]]:
    """The headers of every ``operation`` request the store sends from now on."""
    seen: list[dict[str, str]] = []

    def record(request, **_kwargs) -> None:
        seen.append({k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()})

    store.client.meta.events.register(f"before-send.s3.{operation}", record)
    return seen


def test_fill_reads_until_full_or_the_end():
    source = Dribble(b"x" * 250_000, step=30_000)
    buffer = bytearray(100_000)
    assert fill(source, buffer) == 100_000
    assert fill(source, buffer) == 100_000
    assert fill(source, buffer) == 50_000
    assert fill(source, buffer) == 0


def test_a_small_upload_carries_the_intakes_sha256(s3_storage):
    data = samples.pdf(300_000)
    incoming = Intake(Dribble(data), name="a.pdf", max_bytes=MiB, categories=DEFAULT_CATEGORIES).inspect()
    puts = sent_headers(s3_storage, "PutObject")
    s3_storage.put(KEY, incoming, content_type=incoming.content_type, sha256=incoming.sha256)
    digest = hashlib.sha256(data).digest()
    assert puts[0]["x-amz-checksum-sha256"] == base64.b64encode(digest).decode()
    # The checksum, not a second SHA-256 of the body for the signature, is what protects the bytes.
    assert puts[0]["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert s3_storage.head(KEY).sha256 == digest.hex()
    with s3_storage.open(KEY) as stream:
        assert stream.read() == data


def test_parts_carry_their_crc32_and_use_few_buffers(moto_endpoint):
    store = S3Storage(new_bucket(moto_endpoint), "", endpoint_url=moto_endpoint, max_concurrency=2,
                      part_size=5 * MiB)
    data = os.urandom(31 * MiB + 7)  # seven parts, the last one short
    source = Dribble(data, step=MiB)
    parts = sent_headers(store, "UploadPart")
    store.put(KEY, source, content_type="application/octet-stream")
    assert len(parts) == 7
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    assert sorted(p["x-amz-checksum-crc32"] for p in parts) == sorted(
        base64.b64encode(zlib.crc32(c).to_bytes(4, "big")).decode() for c in chunks)
    assert all(p["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD" for p in parts)
    # Two parts in flight and one being read: three buffers, whatever the size of the upload.
    assert len(source.buffers) <= 3
    with store.open(KEY) as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(data).digest()
    store.close()


def test_a_read_failing_after_some_parts_aborts_the_multipart_upload(s3_storage):
    class Failing(Dribble):
        def readinto(self, buffer) -> int:
            if self.at >= 20 * MiB:
                raise ConnectionResetError("the client went away")
            return super().readinto(buffer)

    with pytest.raises(ConnectionResetError):
        s3_storage.put(KEY, Failing(os.urandom(30 * MiB), step=MiB), content_type="application/octet-stream")
    assert s3_storage.head(KEY) is None
    assert not s3_storage.client.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads")


@pytest.mark.parametrize("size", [5, 8 * MiB, 8 * MiB + 1, 17 * MiB])
def test_sizes_around_a_part_arrive_whole(storage, size):
    data = (b"%PDF-1.4\n" + os.urandom(size))[:size]
    storage.put(KEY, Dribble(data, step=777_777), content_type="application/pdf")
    with storage.open(KEY) as stream:
        assert stream.read() == data


def test_the_intake_through_readinto_counts_hashes_and_refuses_as_before(storage):
    data = samples.pdf(3 * MiB)
    incoming = Intake(Dribble(data), name="a.pdf", max_bytes=3 * MiB - 1, categories=DEFAULT_CATEGORIES).inspect()
    with pytest.raises(Refused) as refused:
        storage.put(KEY, incoming, content_type=incoming.content_type)
    assert refused.value.code == "too_large"
    assert storage.head(KEY) is None
    whole = Intake(Dribble(data), name="a.pdf", max_bytes=3 * MiB, categories=DEFAULT_CATEGORIES).inspect()
    storage.put(KEY, whole, content_type=whole.content_type, sha256=whole.sha256)
    assert whole.received().sha256 == hashlib.sha256(data).hexdigest()
    assert whole.read(10) == b"" and whole.readinto(bytearray(10)) == 0
