"""The local-directory backend: the embedded default. Its signed links are application URLs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from odr.storage.base import (
    READ_STEP,
    AppUrl,
    Digest,
    LinkExpired,
    LinkInvalid,
    ObjectInfo,
    ObjectMissing,
    SignedTarget,
    SignedUpload,
    Storage,
    StorageUnavailable,
    checked_expiry,
    fill,
)
from odr.storage.keys import checked_key

PARTIAL = ".part-"


class LocalStorage(Storage):
    """Objects are files under ``root``; a file appears under its key only once complete."""

    kind = "file"

    def __init__(self, root: str | Path, *, secret: str) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._signer = URLSafeTimedSerializer(secret, salt="odr.storage.local")

    def _path(self, key: str) -> Path:
        path = (self.root / checked_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError(f"key outside the store: {key!r}")
        return path

    def put(self, key: str, stream: BinaryIO, *, content_type: str, sha256: Digest | None = None) -> None:
        """Write to a temporary file beside the target, then rename: readers never see half a file.

        A file system checks nothing on arrival, so ``sha256`` is not asked for.
        """
        path = self._path(key)
        partial = path.with_name(f"{path.name}{PARTIAL}{uuid.uuid4().hex}")
        buffer = memoryview(bytearray(READ_STEP))  # one buffer, filled again and again
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as out:
                while count := fill(stream, buffer):
                    out.write(buffer[:count])
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except OSError as error:
            # A read-only or full disk: the store is unavailable, as an object store that refuses is.
            raise StorageUnavailable(f"the directory refused the file ({error.strerror or error})") from error
        finally:
            with suppress(OSError):
                partial.unlink(missing_ok=True)

    def open(self, key: str, *, length: int | None = None) -> AbstractContextManager[BinaryIO]:
        """The file, opened for reading (``length`` is only a hint here: callers read what they need)."""
        return self._open(key)

    @contextmanager
    def _open(self, key: str) -> Iterator[BinaryIO]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        with handle:
            yield handle

    def head(self, key: str) -> ObjectInfo | None:
        """Size and modification time of the file."""
        try:
            stat = self._path(key).stat()
        except FileNotFoundError:
            return None
        return ObjectInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def delete(self, key: str) -> None:
        """Remove the file and any folders it leaves empty."""
        path = self._path(key)
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == self.root:
                break
            try:
                parent.rmdir()
            except OSError:
                break

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every complete file whose key starts with ``prefix`` (temporary files included once stale)."""
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                yield ObjectInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def _sign(self, payload: dict[str, Any]) -> str:
        return self._signer.dumps(payload)

    def download_url(self, key: str, *, filename: str, content_type: str, inline: bool, expires_in: int,
                     app_url: AppUrl) -> str:
        """An application URL carrying a signed, expiring token that names the key."""
        token = self._sign({"p": "download", "k": checked_key(key), "n": filename, "t": content_type,
                            "i": inline, "e": checked_expiry(expires_in)})
        return app_url(token)

    def upload_url(self, key: str, *, size: int, sha256: str, content_type: str, expires_in: int,
                   app_url: AppUrl, owner: str = "") -> SignedUpload:
        """An application URL that takes the announced bytes through the server, signed for ``owner``."""
        token = self._sign({"p": "upload", "k": checked_key(key), "s": size, "h": sha256, "t": content_type,
                            "e": expires_in, "o": owner})
        return SignedUpload(app_url(token), "PUT", {"Content-Type": "application/octet-stream"})

    def resolve(self, token: str, *, purpose: str) -> SignedTarget:
        """The target of a token this store signed, if it is intact, for ``purpose`` and not expired."""
        try:
            payload, signed_at = self._signer.loads(token, return_timestamp=True)
        except SignatureExpired:
            raise LinkExpired("the link has expired") from None
        except BadSignature:
            raise LinkInvalid("the link is not valid") from None
        if not isinstance(payload, dict) or payload.get("p") != purpose:
            raise LinkInvalid("the link is not valid")
        age = (datetime.now(UTC) - signed_at).total_seconds()
        if age > int(payload.get("e", 0)) or age < -5:
            raise LinkExpired("the link has expired")
        return SignedTarget(
            key=checked_key(payload["k"]),
            filename=payload.get("n", ""),
            content_type=payload.get("t", "application/octet-stream"),
            inline=bool(payload.get("i")),
            size=int(payload.get("s", 0)),
            sha256=payload.get("h", ""),
            owner=str(payload.get("o", "")),
        )
