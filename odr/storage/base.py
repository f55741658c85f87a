"""The one storage interface, what it returns, and its errors. Bytes only: no domain here."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO
from unicodedata import normalize
from urllib.parse import quote

from werkzeug.http import dump_options_header

# Turns a signed token into an address of the application that serves it (the local backend has
# no server of its own, so its signed links are the application's URLs).
AppUrl = Callable[[str], str]

MAX_LINK_SECONDS = 300
# The most one read asks of a stream: gunicorn hands out at most 1 MiB per recv(), and a larger
# request makes it gather the pieces in a buffer of its own (one more copy of every byte).
READ_STEP = 1024 * 1024
# The SHA-256 (hex) of everything a stream yielded, known once it is read to its end.
Digest = Callable[[], str]


class StorageError(Exception):
    """The store refused or failed an operation."""

    retryable = False


class StorageUnavailable(StorageError):
    """The store did not answer in time or answered with a server error, after retries: try again later."""

    retryable = True


class ObjectMissing(StorageError):
    """No object is stored under the key."""


class LinkInvalid(StorageError):
    """A signed link was tampered with or made for something else."""


class LinkExpired(LinkInvalid):
    """A signed link is older than its lifetime."""


@dataclass(frozen=True)
class ObjectInfo:
    """What the store knows of an object: its size, when it was written, its SHA-256 if recorded."""

    key: str
    size: int
    modified: datetime
    sha256: str | None = None


@dataclass(frozen=True)
class SignedUpload:
    """A request the browser may send once, before it expires, to store exactly the announced bytes."""

    url: str
    method: str = "PUT"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SignedTarget:
    """What a verified local link names: the key, and for downloads how to present the bytes."""

    key: str
    filename: str = ""
    content_type: str = "application/octet-stream"
    inline: bool = False
    size: int = 0
    sha256: str = ""
    owner: str = ""  # for uploads: who asked for the link, the only one who may use it


class Storage(ABC):
    """Put, open, head, list and delete objects by key; sign links for downloads and uploads."""

    kind: str = ""

    @abstractmethod
    def put(self, key: str, stream: BinaryIO, *, content_type: str, sha256: Digest | None = None) -> None:
        """Store everything ``stream`` yields under ``key``; nothing is left behind when reading fails.

        :param sha256: the SHA-256 of the stream, asked for once it is read to its end; a store that can
            have the bytes checked on arrival against it does
        """

    @abstractmethod
    def open(self, key: str, *, length: int | None = None) -> AbstractContextManager[BinaryIO]:
        """A stream of the object's bytes (only the first ``length`` when given)."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """The object's size and time, or None when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abstractmethod
    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``."""

    @abstractmethod
    def download_url(self, key: str, *, filename: str, content_type: str, inline: bool, expires_in: int,
                     app_url: AppUrl) -> str:
        """A link to the object for at most ``expires_in`` seconds, presented as attachment or inline."""

    @abstractmethod
    def upload_url(self, key: str, *, size: int, sha256: str, content_type: str, expires_in: int,
                   app_url: AppUrl, owner: str = "") -> SignedUpload:
        """A signed request that stores ``size`` bytes with the SHA-256 ``sha256`` under ``key``.

        ``owner`` names who asked, where the backend serves the request itself (the local one signs it
        into the link, and its caller lets no one else use it).
        """

    def resolve(self, token: str, *, purpose: str) -> SignedTarget:
        """Verify a token of this backend's own signed links (only the local backend issues any)."""
        raise LinkInvalid("this store signs no application links")

    def close(self) -> None:  # noqa: B027 - optional for backends holding nothing
        """Release connections."""


def checked_expiry(expires_in: int) -> int:
    """Links live at most five minutes."""
    if not 0 < expires_in <= MAX_LINK_SECONDS:
        raise ValueError(f"a signed link lives between 1 and {MAX_LINK_SECONDS} seconds")
    return expires_in


def read_into(stream: BinaryIO, view: memoryview) -> int:
    """One read of at most ``len(view)`` bytes into ``view``; how many arrived (0: the end).

    ``readinto`` where the stream has it, so the bytes land in the caller's buffer without a bytes
    object in between; ``read`` otherwise.
    """
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        try:
            count = readinto(view)
        except (NotImplementedError, io.UnsupportedOperation):
            pass  # a raw stream that only implements read()
        else:
            if count is None:  # a non-blocking stream with nothing yet: not a stream we can upload
                raise BlockingIOError("the stream has no data yet")
            return count
    chunk = stream.read(len(view))
    view[:len(chunk)] = chunk
    return len(chunk)


def fill(stream: BinaryIO, buffer: bytearray | memoryview) -> int:
    """Read until ``buffer`` is full or the stream ends; how many bytes it holds.

    A store must not take a short read for the end: only an empty one is.
    """
    view = memoryview(buffer).cast("B")
    filled = 0
    while filled < len(view):
        count = read_into(stream, view[filled:filled + READ_STEP])
        if not count:
            break
        filled += count
    return filled


def content_disposition(*, inline: bool, filename: str) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''...`` (RFC 6266), as werkzeug's send_file writes it."""
    kind = "inline" if inline else "attachment"
    try:
        filename.encode("ascii")
        options = {"filename": filename}
    except UnicodeEncodeError:
        simple = normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        options = {"filename": simple, "filename*": f"UTF-8''{quote(filename, safe='')}"}
    return dump_options_header(kind, options)
