"""The malware scan against a real clamd: EICAR is found, a clean file passes, a dead clamd is no verdict."""

from __future__ import annotations

import io

import pytest

from odr.storage.scan import Scanner, ScannerUnavailable
from tests.storage import samples
from tests.storage.servers import free_port


def test_eicar_is_found(clamd_url):
    verdict = Scanner(clamd_url).scan(io.BytesIO(samples.EICAR_FILE))
    assert not verdict.clean and "EICAR" in (verdict.signature or "")


def test_a_clean_file_passes(clamd_url):
    assert Scanner(clamd_url).scan(io.BytesIO(samples.pdf(300_000))).clean


def test_an_unreachable_clamd_gives_no_verdict():
    with pytest.raises(ScannerUnavailable):
        Scanner(f"tcp://127.0.0.1:{free_port()}", timeout=2).scan(io.BytesIO(b"anything"))


def test_only_tcp_and_unix_addresses():
    with pytest.raises(ValueError):
        Scanner("http://127.0.0.1:3310")
