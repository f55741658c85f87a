"""The S3 backend: any S3-compatible endpoint through boto3, with the standard AWS credential chain."""

from __future__ import annotations

import base64
import hashlib
import logging
import queue
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from typing import Any, BinaryIO

import boto3
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
    READ_STEP,
    AppUrl,
    Digest,
    ObjectInfo,
    ObjectMissing,
    SignedUpload,
    Storage,
    StorageError,
    StorageUnavailable,
    checked_expiry,
    content_disposition,
    fill,
)
from odr.storage.keys import checked_key

# What S3 and its look-alikes answer when they are busy or briefly broken; worth another try later.
TRANSIENT_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling",
                   "ThrottlingException", "RequestTimeTooSkewed", "503", "500", "502", "504"}
TRANSIENT_EXCEPTIONS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)
MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
# An upload is sent in parts of PART_SIZE, at most MAX_CONCURRENCY at a time, while one more is read
# from the client: its memory is (MAX_CONCURRENCY + 1) * PART_SIZE = 32 MiB whatever its size.
PART_SIZE = 8 * 1024 * 1024
MAX_CONCURRENCY = 3

log = logging.getLogger(__name__)


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
                 max_concurrency: int = MAX_CONCURRENCY, part_size: int = PART_SIZE) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or None
        self.max_concurrency = max(1, max_concurrency)
        self.part_size = max(5 * 1024 * 1024, part_size)  # S3's smallest part (but the last)
        config = Config(
            signature_version="s3v4",
            # botocore's "standard" mode retries 5xx, SlowDown and throttling answers, connection
            # errors and timeouts, with exponential backoff and jitter.
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # Checksums only where S3 requires them: the default (a CRC32 on every request) would put
            # the checksum of an empty body into presigned upload URLs. ``put`` sends its own.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # No SHA-256 of each body for the signature: ``put`` gives every part its CRC32 and a
            # whole object its SHA-256, which S3 verifies; hashing the payload again for SigV4 (what
            # botocore does over plain HTTP) would be a second SHA-256 pass over every byte.
            s3={"payload_signing_enabled": False, **({"addressing_style": "path"} if self.endpoint_url else {})},
            max_pool_connections=max(10, self.max_concurrency * 2),
        )
        self.client: Any = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)

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

    def put(self, key: str, stream: BinaryIO, *, content_type: str, sha256: Digest | None = None) -> None:
        """Upload the stream: one PUT with its SHA-256 up to one part's size, else a multipart upload.

        Each part carries its CRC32, a single PUT the SHA-256 (``sha256``'s, else computed here), so S3
        refuses bytes damaged on the way. A failed read or a failed part aborts the multipart upload.
        """
        first, count = self._first_part(stream)
        try:
            if count < self.part_size:  # the whole stream fits in one request
                digest = sha256() if sha256 is not None else hashlib.sha256(first).hexdigest()
                checksum = base64.b64encode(bytes.fromhex(digest)).decode()
                self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=first, ContentType=content_type,
                                       ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum)
            else:
                self._put_parts(key, stream, first, content_type)
        except Exception as error:
            translated = translate(error, key)
            if translated is error:
                raise
            raise translated from error

    def _first_part(self, stream: BinaryIO) -> tuple[bytearray, int]:
        """Up to one part's bytes, in a buffer grown as they come: a small document never takes 8 MiB."""
        buffer = bytearray(min(READ_STEP, self.part_size))
        count = fill(stream, buffer)
        while count == len(buffer) < self.part_size:
            buffer.extend(bytes(min(len(buffer), self.part_size - len(buffer))))  # double, up to a part
            count += fill(stream, memoryview(buffer)[count:])
        del buffer[count:]
        return buffer, count

    def _put_parts(self, key: str, stream: BinaryIO, first: bytearray, content_type: str) -> None:
        """A multipart upload: parts go out on ``max_concurrency`` threads while the next one is read.

        The part buffers are reused: ``max_concurrency + 1`` of them at most, however large the stream.
        """
        s3_key = self._key(key)
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=s3_key, ContentType=content_type,
                                                        ChecksumAlgorithm="CRC32")["UploadId"]
        free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        in_flight: set[Future[dict[str, Any]]] = set()
        done: list[dict[str, Any]] = []
        buffers, buffer, count, number = 1, first, len(first), 1
        pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="odr-s3-part")
        try:
            while count:
                body = buffer if count == len(buffer) else buffer[:count]  # the last part may be short
                in_flight.add(pool.submit(self._put_part, s3_key, upload_id, number, body, buffer, free))
                finished = {future for future in in_flight if future.done()}
                in_flight -= finished
                done.extend(future.result() for future in finished)  # a failed part raises here
                if buffers <= self.max_concurrency:
                    buffer, buffers = bytearray(self.part_size), buffers + 1
                else:
                    buffer = free.get()  # wait for a part to be sent
                count = fill(stream, buffer)
                number += 1
            done.extend(future.result() for future in wait(in_flight).done)
            parts = sorted(done, key=lambda part: part["PartNumber"])
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=s3_key, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # no part may arrive after the abort
            self._abort(s3_key, upload_id)
            raise
        finally:
            pool.shutdown(wait=True)

    def _put_part(self, s3_key: str, upload_id: str, number: int, body: bytearray, buffer: bytearray,
                  free: queue.SimpleQueue[bytearray]) -> dict[str, Any]:
        """Send one part with its CRC32; its buffer goes back to ``free`` whatever happens."""
        try:
            checksum = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
            answer = self.client.upload_part(Bucket=self.bucket, Key=s3_key, UploadId=upload_id, PartNumber=number,
                                             Body=body, ChecksumAlgorithm="CRC32", ChecksumCRC32=checksum)
            return {"PartNumber": number, "ETag": answer["ETag"], "ChecksumCRC32": checksum}
        finally:
            free.put(buffer)

    def _abort(self, s3_key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=s3_key, UploadId=upload_id)
        except Exception:  # S3 removes it by the bucket's lifecycle rule for incomplete uploads
            log.warning("could not abort the multipart upload of %s", s3_key, exc_info=True)

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
                   app_url: AppUrl, owner: str = "") -> SignedUpload:
        """A presigned PUT that S3 accepts only with the announced SHA-256 (and so the announced bytes).

        (``owner`` is not S3's to check: only the uploader's completion token makes the bytes a document.)
        """
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

