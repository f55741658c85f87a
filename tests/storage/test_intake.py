"""The way in: the type from the content, the limit while reading, the digest, refusals that keep nothing."""

from __future__ import annotations

import hashlib
import io

import pytest

from odr.storage.intake import Intake, Refused
from odr.storage.types import DEFAULT_CATEGORIES
from tests.storage import samples

KEY = "tenants/1/cases/c/documents/d/v"


class Trickle(io.RawIOBase):
    """A source that hands out a few bytes at a time, as a network stream does."""

    def __init__(self, data: bytes, step: int = 7000) -> None:
        self.data, self.step, self.at = data, step, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.step if size is None or size < 0 else min(size, self.step)
        chunk = self.data[self.at:self.at + size]
        self.at += len(chunk)
        return chunk


def intake(data: bytes, name: str, *, max_bytes: int = 10 * 1024 * 1024, **kwargs) -> Intake:
    return Intake(Trickle(data), name=name, max_bytes=max_bytes, categories=DEFAULT_CATEGORIES, **kwargs)


@pytest.mark.parametrize(("data", "name", "content_type"), [
    (samples.pdf(), "letter.pdf", "application/pdf"),
    (samples.png(), "photo.PNG", "image/png"),
    (samples.docx(), "report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (samples.TEXT, "notes.txt", "text/plain"),
])
def test_accepted_files_are_stored_whole_with_their_digest(storage, data, name, content_type):
    incoming = intake(data, name).inspect()
    storage.put(KEY, incoming, content_type=incoming.content_type)
    received = incoming.received()
    assert (received.size, received.sha256, received.content_type) == (
        len(data), hashlib.sha256(data).hexdigest(), content_type)
    with storage.open(KEY) as stream:
        assert stream.read() == data


def test_a_large_file_through_short_reads_arrives_whole_on_s3(s3_storage):
    data = samples.pdf(20 * 1024 * 1024 + 12345)  # several multipart parts, a short last one
    incoming = intake(data, "big.pdf", max_bytes=50 * 1024 * 1024).inspect()
    s3_storage.put(KEY, incoming, content_type=incoming.content_type)
    assert incoming.received().sha256 == hashlib.sha256(data).hexdigest()
    with s3_storage.open(KEY) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("data", "name", "code"), [
    (samples.HTML, "invoice.pdf", "type_not_allowed"),
    (samples.HTML, "page.html", "type_not_allowed"),
    (samples.exe(), "statement.docx", "type_not_allowed"),
    (samples.bare_zip(), "evidence.docx", "type_not_allowed"),
    (samples.bare_zip(), "evidence.zip", "type_not_allowed"),
    (samples.pdf(), "letter.docx", "type_mismatch"),
    (samples.png(), "photo.pdf", "type_mismatch"),
    (samples.pdf(), "no-extension", "extension_not_allowed"),
    (b"", "empty.pdf", "empty"),
])
def test_refused_before_anything_is_stored(storage, data, name, code):
    incoming = intake(data, name)
    with pytest.raises(Refused) as refused:
        incoming.inspect()
        storage.put(KEY, incoming, content_type=incoming.content_type)
    assert refused.value.code == code
    assert storage.head(KEY) is None


@pytest.mark.parametrize("svg", samples.SVGS.values(), ids=samples.SVGS.keys())
@pytest.mark.parametrize("name", ["drawing.svg", "photo.png", "scan.pdf"])
def test_every_svg_is_refused_before_anything_is_stored_whatever_its_name(storage, svg, name):
    with pytest.raises(Refused) as refused:
        intake(svg, name).inspect()
    assert refused.value.code == "svg_refused"
    assert storage.head(KEY) is None and list(storage.list("tenants/")) == []


@pytest.mark.parametrize("size", [1024 * 1024, 12 * 1024 * 1024])
def test_one_byte_over_the_limit_is_refused_while_reading(storage, size):
    data = samples.pdf(size + 1)
    assert len(data) == size + 1
    incoming = intake(data, "big.pdf", max_bytes=size).inspect()
    with pytest.raises(Refused) as refused:
        storage.put(KEY, incoming, content_type=incoming.content_type)
    assert refused.value.code == "too_large"
    assert storage.head(KEY) is None and list(storage.list("tenants/")) == []
    exact = intake(samples.pdf(size), "big.pdf", max_bytes=size).inspect()
    storage.put(KEY, exact, content_type=exact.content_type)
    assert exact.received().size == size


def test_announced_size_and_digest_must_match(storage):
    data = samples.pdf()
    wrong_digest = intake(data, "a.pdf", expected_size=len(data), expected_sha256="0" * 64).inspect()
    with pytest.raises(Refused) as refused:
        storage.put(KEY, wrong_digest, content_type="application/pdf")
    assert refused.value.code == "checksum_mismatch" and storage.head(KEY) is None
    short = intake(data, "a.pdf", expected_size=len(data) + 1).inspect()
    with pytest.raises(Refused) as refused:
        storage.put(KEY, short, content_type="application/pdf")
    assert refused.value.code == "size_mismatch" and storage.head(KEY) is None
