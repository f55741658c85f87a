"""The one storage interface, what it returns, and its errors. Bytes only: no domain here."""

from __future__ import annotations

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


class Storage(ABC):
    """Put, open, head, list and delete objects by key; sign links for downloads and uploads."""

    kind: str = ""

    @abstractmethod
    def put(self, key: str, stream: BinaryIO, *, content_type: str) -> None:
        """Store everything ``stream`` yields under ``key``; nothing is left behind when reading fails."""

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
                   app_url: AppUrl) -> SignedUpload:
        """A signed request that stores ``size`` bytes with the SHA-256 ``sha256`` under ``key``."""

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


def iter_chunks(stream: BinaryIO, size: int = 1024 * 1024) -> Iterator[bytes]:
    """The stream in chunks of at most ``size`` bytes."""
    while chunk := stream.read(size):
        yield chunk


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
