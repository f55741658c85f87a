"""Bytes: one ``Storage`` interface, an S3 and a local-directory backend, the checked way in, the scan.

This package knows nothing of cases or documents; the documents of a case use it by key.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from odr.storage.base import (
    MAX_LINK_SECONDS,
    LinkExpired,
    LinkInvalid,
    ObjectInfo,
    ObjectMissing,
    SignedTarget,
    SignedUpload,
    Storage,
    StorageError,
    StorageUnavailable,
)
from odr.storage.keys import document_key

__all__ = [
    "MAX_LINK_SECONDS",
    "LinkExpired",
    "LinkInvalid",
    "ObjectInfo",
    "ObjectMissing",
    "SignedTarget",
    "SignedUpload",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "document_key",
    "open_storage",
]


def open_storage(url: str, *, secret: str, endpoint_url: str | None = None, **options: object) -> Storage:
    """The backend ``url`` names: ``file:///path`` (a local directory) or ``s3://bucket/prefix``.

    :param secret: signs the local backend's links
    :param endpoint_url: an S3-compatible endpoint (MinIO...); empty for AWS itself
    """
    parsed = urlparse(url)
    if parsed.scheme == "file":
        from odr.storage.local import LocalStorage

        path = unquote(parsed.netloc + parsed.path) if parsed.netloc else unquote(parsed.path)
        return LocalStorage(Path(path), secret=secret)
    if parsed.scheme == "s3":
        from odr.storage.s3 import S3Storage

        if not parsed.netloc:
            raise ValueError("ODR_STORAGE_URL: s3:// needs a bucket (s3://bucket/prefix)")
        return S3Storage(parsed.netloc, parsed.path.strip("/"), endpoint_url=endpoint_url, **options)  # type: ignore[arg-type]
    raise ValueError(f"ODR_STORAGE_URL: use file:///path or s3://bucket/prefix, not {url!r}")
