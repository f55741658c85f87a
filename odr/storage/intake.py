"""The way in: a stream that checks what passes through it, in constant memory.

``Intake`` wraps the incoming bytes. ``inspect()`` reads the first 64 KiB and refuses a type that is
not allowed or does not match the name before anything is stored. Then the store reads it like a
file, best with ``readinto`` into a buffer of its own: every chunk is counted (past the limit:
refused at once) and hashed with SHA-256. At the end it refuses bytes that differ from an announced
size or SHA-256. An SVG is refused whatever its name: an image that can carry a program, which no
search for scripts tells apart from a harmless one (``types.py``). A refusal raised while the store
reads makes the store abandon the object, so nothing refused is ever kept.

The bytes are copied once on their way through here (from the request into the store's buffer,
by ``readinto``) and hashed once; the source is asked for at most ``READ_STEP`` at a time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, BinaryIO

from odr.storage.base import READ_STEP, read_into
from odr.storage.types import SVG, allowed_extensions, category_of, detect, extension

HEAD_BYTES = 64 * 1024


class Refused(Exception):
    """The content is not accepted; ``code`` says why (the caller words it), ``params`` the details."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Received:
    """What came in: its size, SHA-256 (hex), content type (from the content) and category."""

    size: int
    sha256: str
    content_type: str
    category: str


class Intake:
    """A file-like reader over ``source`` that enforces the limit, the type and the announced digest."""

    def __init__(self, source: BinaryIO, *, name: str, max_bytes: int,
                 categories: tuple[str, ...] | list[str] | None, expected_size: int | None = None,
                 expected_sha256: str | None = None) -> None:
        self._source = source
        self.name = name
        self.max_bytes = max_bytes
        self.categories = tuple(categories) if categories is not None else None  # None: any type (checked later)
        self.expected_size = expected_size
        self.expected_sha256 = expected_sha256.lower() if expected_sha256 else None
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = b""
        self._pending = b""
        self._done = False
        self.content_type = ""
        self.category = ""

    def _read_source(self, size: int) -> bytes:
        chunk = self._source.read(size)
        if chunk:
            self._account(chunk)
        return chunk

    def _account(self, chunk: bytes | memoryview) -> None:
        """Count, check the limits of and hash the bytes just read."""
        self._size += len(chunk)
        if self._size > self.max_bytes:
            raise Refused("too_large", max_bytes=self.max_bytes)
        if self.expected_size is not None and self._size > self.expected_size:
            raise Refused("size_mismatch", expected=self.expected_size)
        self._hash.update(chunk)

    def inspect(self) -> Intake:
        """Read the first bytes and refuse a type that is not allowed or not what the name says."""
        if self.expected_size is not None and self.expected_size > self.max_bytes:
            raise Refused("too_large", max_bytes=self.max_bytes)
        parts = []
        got = 0
        while got < HEAD_BYTES:
            chunk = self._read_source(HEAD_BYTES - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        self._head = self._pending = b"".join(parts)
        if not self._head:
            raise Refused("empty")
        detected = detect(self._head)
        self.content_type = detected
        if self.categories is None:
            return self
        ext = extension(self.name)
        if detected == SVG or ext == "svg":
            raise Refused("svg_refused", extension=ext, detected=detected)
        allowed = allowed_extensions(self.categories)
        if ext not in allowed:
            category = category_of(ext)
            raise Refused("extension_not_allowed" if category or not ext else "type_not_allowed",
                          extension=ext, detected=detected)
        if detected not in allowed[ext]:
            if any(detected in types for types in allowed_extensions(self.categories).values()):
                raise Refused("type_mismatch", extension=ext, detected=detected)
            raise Refused("type_not_allowed", extension=ext, detected=detected)
        self.category = category_of(ext) or ""
        return self

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill ``buffer``; fewer bytes only at the end (0 once everything was read).

        A short read would look like the end to a store's uploader, which would store a truncated
        object: so this reads until the buffer is full, whatever the source hands out at a time.
        """
        if not self.content_type:
            raise RuntimeError("inspect() first")
        view = memoryview(buffer).cast("B")
        filled = 0
        if self._pending:
            filled = min(len(self._pending), len(view))
            view[:filled] = self._pending[:filled]
            self._pending = self._pending[filled:]
        while filled < len(view) and not self._done:
            part = view[filled:filled + READ_STEP]
            count = read_into(self._source, part)
            if not count:
                self._finish()
                break
            self._account(part[:count])
            filled += count
        return filled

    def read(self, size: int = -1) -> bytes:
        """Exactly ``size`` bytes (fewer only at the end), or everything when ``size`` is negative."""
        if size is None or size < 0:
            parts = []
            while chunk := self.read(READ_STEP):
                parts.append(chunk)
            return b"".join(parts)
        buffer = bytearray(size)
        del buffer[self.readinto(buffer):]
        return bytes(buffer)

    def readable(self) -> bool:
        """A reader (for libraries that ask)."""
        return True

    def _finish(self) -> None:
        self._done = True
        if self.expected_size is not None and self._size != self.expected_size:
            raise Refused("size_mismatch", expected=self.expected_size)
        if self.expected_sha256 is not None and self._hash.hexdigest() != self.expected_sha256:
            raise Refused("checksum_mismatch")

    def drain(self) -> Received:
        """Read to the end without storing (to check bytes already stored); the result."""
        buffer = bytearray(READ_STEP)
        while self.readinto(buffer):
            pass
        return self.received()

    def sha256(self) -> str:
        """The SHA-256 (hex) of everything read; only once the source is exhausted."""
        if not self._done:
            raise RuntimeError("the stream was not read to its end")
        return self._hash.hexdigest()

    def received(self) -> Received:
        """Size, digest and type of everything read; only once the source is exhausted."""
        if not self._done:
            raise RuntimeError("the stream was not read to its end")
        return Received(self._size, self._hash.hexdigest(), self.content_type, self.category)
