"""An optional malware scan through ClamAV's daemon (clamd): clean, infected, or "could not tell"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlparse

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket


class ScannerUnavailable(Exception):
    """clamd did not answer, or answered with an error: the content is neither clean nor infected."""


@dataclass(frozen=True)
class Verdict:
    """``clean``, or the signature clamd found."""

    clean: bool
    signature: str | None = None


class Scanner:
    """clamd at ``tcp://host:port`` or ``unix:///path/to/clamd.ctl``."""

    def __init__(self, url: str, *, timeout: float = 60) -> None:
        parsed = urlparse(url)
        if parsed.scheme == "tcp":
            self._client: ClamdNetworkSocket = ClamdNetworkSocket(parsed.hostname or "127.0.0.1",
                                                                  parsed.port or 3310, timeout=timeout)
        elif parsed.scheme == "unix":
            self._client = ClamdUnixSocket(parsed.path, timeout=int(timeout))
        else:
            raise ValueError(f"ODR_CLAMD_URL: use tcp://host:port or unix:///path, not {url!r}")
        self.url = url

    def scan(self, stream: BinaryIO) -> Verdict:
        """Stream the bytes to clamd (INSTREAM) and return its verdict."""
        try:
            result = self._client.instream(stream)
        except (ClamdError, OSError) as error:
            raise ScannerUnavailable(f"clamd at {self.url}: {error}") from error
        if not result:
            raise ScannerUnavailable(f"clamd at {self.url} gave no answer")
        status, signature = next(iter(result.values()))
        if status == "OK":
            return Verdict(True)
        if status == "FOUND":
            return Verdict(False, signature)
        raise ScannerUnavailable(f"clamd at {self.url}: {status} {signature or ''}".strip())
