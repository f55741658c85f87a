"""Fixtures of the storage tests: moto's S3 over real HTTP, a faulty proxy in front of it, clamd, a local store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from odr.storage.local import LocalStorage
from odr.storage.s3 import S3Storage
from tests.storage.servers import CLAMD, FaultyProxy, moto_s3, running_clamd

SECRET = "storage-test-secret-that-is-long-enough"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server for the whole session."""
    with moto_s3() as endpoint:
        yield endpoint


def new_bucket(endpoint: str) -> str:
    """A fresh, empty bucket on ``endpoint``."""
    name = f"odr-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_storage(moto_endpoint: str) -> Iterator[S3Storage]:
    """An S3 store on a bucket of its own, under a prefix."""
    store = S3Storage(new_bucket(moto_endpoint), "odr-test", endpoint_url=moto_endpoint, max_attempts=3)
    yield store
    store.close()


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalStorage:
    """A local store in a temporary folder."""
    return LocalStorage(tmp_path / "store", secret=SECRET)


@pytest.fixture(params=["file", "s3"])
def storage(request: pytest.FixtureRequest) -> object:
    """Each backend in turn."""
    return request.getfixturevalue("local_storage" if request.param == "file" else "s3_storage")


@pytest.fixture
def faulty(moto_endpoint: str) -> Iterator[tuple[FaultyProxy, S3Storage]]:
    """A proxy that can answer 503, and an S3 store that talks to moto through it."""
    proxy = FaultyProxy(moto_endpoint)
    store = S3Storage(new_bucket(moto_endpoint), "", endpoint_url=proxy.url, max_attempts=3, read_timeout=10)
    yield proxy, store
    store.close()
    proxy.close()


@pytest.fixture(scope="session")
def clamd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real clamd (Debian's clamav-daemon) whose only signature is EICAR's."""
    if not Path(CLAMD).exists():
        pytest.skip("clamd is not installed (apt-get install clamav-daemon; make test does)")
    with running_clamd(tmp_path_factory.mktemp("clamd")) as url:
        yield url
