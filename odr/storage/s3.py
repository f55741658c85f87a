"""The S3 backend: any S3-compatible endpoint through boto3, with the standard AWS credential chain."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from odr.storage.base import (
    AppUrl,
    ObjectInfo,
    ObjectMissing,
    SignedUpload,
    Storage,
    StorageError,
    StorageUnavailable,
    checked_expiry,
    content_disposition,
)
from odr.storage.keys import checked_key

# What S3 and its look-alikes answer when they are busy or briefly broken; worth another try later.
TRANSIENT_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling",
                   "ThrottlingException", "RequestTimeTooSkewed", "503", "500", "502", "504"}
TRANSIENT_EXCEPTIONS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)
MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
CHUNK = 8 * 1024 * 1024


def _client_error_code(error: ClientError) -> tuple[str, int]:
    info = error.response.get("Error", {})
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return str(info.get("Code", "")), status


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def translate(error: BaseException, key: str) -> BaseException:
    """The error boto3 raised, as one of ours: unavailable (retryable), missing, or a plain failure.

    An error that is not boto3's (the data being read refused itself) is returned unchanged.
    """
    for cause in _causes(error):
        if isinstance(cause, ClientError):
            code, status = _client_error_code(cause)
            if code in MISSING_CODES or status == 404:
                return ObjectMissing(key)
            if code in TRANSIENT_CODES or status >= 500:
                return StorageUnavailable(f"the object store is unavailable ({code or status})")
            return StorageError(f"the object store refused the request ({code or status})")
        if isinstance(cause, TRANSIENT_EXCEPTIONS):
            return StorageUnavailable(f"the object store did not answer ({type(cause).__name__})")
        if isinstance(cause, BotoCoreError):
            return StorageError(f"the object store failed ({type(cause).__name__})")
    return error


class S3Storage(Storage):
    """Objects in ``bucket`` under ``prefix``; botocore retries transient errors with backoff."""

    kind = "s3"

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 max_attempts: int = 5, connect_timeout: float = 5, read_timeout: float = 60,
                 max_concurrency: int = 4) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or None
        config = Config(
            signature_version="s3v4",
            # botocore's "standard" mode retries 5xx, SlowDown and throttling answers, connection
            # errors and timeouts, with exponential backoff and jitter.
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # Checksums only where S3 requires them: the default (a CRC32 on every request) would put
            # the checksum of an empty body into presigned upload URLs.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"} if self.endpoint_url else {},
            max_pool_connections=max(10, max_concurrency * 2),
        )
        self.client: Any = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)
        # Multipart in 8 MiB parts, at most four in flight and two more read ahead: memory stays
        # under 64 MiB whatever the size of the upload (s3transfer reads ten ahead by default).
        self.transfer = TransferConfig(multipart_threshold=CHUNK, multipart_chunksize=CHUNK,
                                       max_concurrency=max_concurrency, preferred_transfer_client="classic")
        self.transfer.max_in_memory_upload_chunks = 2

    def _key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def _call(self, key: str, fn: Any, **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except Exception as error:
            translated = translate(error, key)
            if translated is error:
                raise
            raise translated from error

    def put(self, key: str, stream: BinaryIO, *, content_type: str) -> None:
        """Upload the stream (multipart above 8 MiB); a failed read aborts the upload."""
        self._call(key, self.client.upload_fileobj, Fileobj=stream, Bucket=self.bucket, Key=self._key(key),
                   ExtraArgs={"ContentType": content_type}, Config=self.transfer)

    def open(self, key: str, *, length: int | None = None) -> AbstractContextManager[BinaryIO]:
        """The object's body as a stream (a ranged GET when ``length`` is given)."""
        return self._open(key, length)

    @contextmanager
    def _open(self, key: str, length: int | None) -> Iterator[BinaryIO]:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key)}
        if length is not None:
            kwargs["Range"] = f"bytes=0-{max(0, length - 1)}"
        response = self._call(key, self.client.get_object, **kwargs)
        body = response["Body"]
        try:
            yield _TranslatingBody(body, key)
        finally:
            body.close()

    def head(self, key: str) -> ObjectInfo | None:
        """Size, time and (when S3 recorded one) the SHA-256 of the object."""
        try:
            response = self._call(key, self.client.head_object, Bucket=self.bucket, Key=self._key(key),
                                  ChecksumMode="ENABLED")
        except ObjectMissing:
            return None
        checksum = response.get("ChecksumSHA256")
        sha256 = None
        if checksum and "-" not in checksum:  # a multipart upload's checksum is of its parts, not the bytes
            sha256 = base64.b64decode(checksum).hex()
        return ObjectInfo(key, int(response["ContentLength"]), response["LastModified"], sha256)

    def delete(self, key: str) -> None:
        """Delete the object (S3 answers the same whether or not it existed)."""
        self._call(key, self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object under ``prefix``, a page of 1,000 at a time."""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"][len(self.prefix):], int(item["Size"]), item["LastModified"])
        except Exception as error:
            translated = translate(error, prefix)
            if translated is error:
                raise
            raise translated from error

    def download_url(self, key: str, *, filename: str, content_type: str, inline: bool, expires_in: int,
                     app_url: AppUrl) -> str:
        """A presigned GET whose response says how to present the bytes (``response-content-*``)."""
        disposition = content_disposition(inline=inline, filename=filename)
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(key), "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type},
            ExpiresIn=checked_expiry(expires_in),
        )

    def upload_url(self, key: str, *, size: int, sha256: str, content_type: str, expires_in: int,
                   app_url: AppUrl) -> SignedUpload:
        """A presigned PUT that S3 accepts only with the announced SHA-256 (and so the announced bytes)."""
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        url = self.client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": self._key(key), "ContentType": content_type,
                    "ContentLength": size, "ChecksumSHA256": checksum},
            ExpiresIn=expires_in,
        )
        return SignedUpload(url, "PUT", {"Content-Type": content_type, "x-amz-checksum-sha256": checksum})

    def close(self) -> None:
        """Close the client's connection pool."""
        self.client.close()


class _TranslatingBody:
    """A streaming body whose network failures surface as the store's own errors."""

    def __init__(self, body: Any, key: str) -> None:
        self._body = body
        self._key = key

    def read(self, size: int = -1) -> bytes:
        try:
            return self._body.read(size if size >= 0 else None)
        except Exception as error:
            translated = translate(error, self._key)
            if translated is error:
                raise StorageUnavailable(f"reading the object failed ({type(error).__name__})") from error
            raise translated from error

