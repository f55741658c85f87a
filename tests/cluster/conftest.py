"""Cluster tests: two ``odr serve`` processes on one database, sharing rooms through Redis.

The shared Redis comes from ``ODR_TEST_REDIS_URL`` (CI: ``redis://127.0.0.1:6379/15``; the same
default here). Redis pub/sub ignores the database number, so every pair of servers gets a channel
of its own: two test workers, or two people's test runs on one Redis, never hear each other.
The test that stops Redis starts a ``redis-server`` of its own on a free port.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bench.rooms.seed import World
from tests.conftest import worker_id
from tests.databases import scratch_database
from tests.live import ServeProcess, free_port, server_environment, stop, tail
from tests.mediation.live_room import cookies_of, seed_world

REDIS_URL = os.environ.get("ODR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_reachable(url: str) -> str:
    """Why Redis at ``url`` cannot be used, or the empty string when it answers."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        return f"Redis at {url} is not reachable ({exc}); set ODR_TEST_REDIS_URL to a Redis server"
    return ""


@dataclass
class Cluster:
    """Two servers on one database and one queue, and the room's people's cookies."""

    one: ServeProcess
    two: ServeProcess
    db_url: str
    world: World
    cookies: dict[str, str]

    @property
    def case(self) -> str:
        """The seeded room's case."""
        return self.world.rooms[0].case


@contextlib.contextmanager
def cluster(tmp: Path, name: str, queue: str) -> Iterator[Cluster]:
    """Two ``odr serve`` on a fresh database with one seeded room, both on ``queue``."""
    channel = f"odr-test-{uuid.uuid4().hex}"
    with scratch_database(tmp, f"{name}_{worker_id()}") as db_url:
        servers: list[ServeProcess] = []
        try:
            for label in ("one", "two"):
                home = tmp / label
                home.mkdir()
                port = free_port()
                env = server_environment(home, db_url, f"http://127.0.0.1:{port}",
                                         ODR_SOCKETIO_MESSAGE_QUEUE=queue, ODR_SOCKETIO_CHANNEL=channel)
                if not servers:
                    world = seed_world(env, home)
                servers.append(ServeProcess(label, home, env, port).start())
            one, two = servers
            yield Cluster(one, two, db_url, world, cookies_of(one.base_url, db_url, world))
        finally:
            for server in servers:
                server.stop()


@pytest.fixture(scope="module")
def shared_redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two servers on the shared Redis (skipped, saying why, when it does not answer)."""
    reason = redis_reachable(REDIS_URL)
    if reason:
        pytest.skip(reason)
    with cluster(tmp_path_factory.mktemp("cluster"), "cluster", REDIS_URL) as running:
        yield running


class OwnRedis:
    """A ``redis-server`` of the test's own, on a free port of 127.0.0.1, without persistence."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.log = tmp / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        """Start it and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while redis_reachable(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{tail(self.log)}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        """Stop it (only this process: never the machine's shared Redis)."""
        if self.process is not None:
            stop(self.process)


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    """A Redis this module may stop."""
    server = OwnRedis(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def own_redis_cluster(tmp_path_factory: pytest.TempPathFactory, own_redis: OwnRedis) -> Iterator[Cluster]:
    """Two servers on the module's own Redis."""
    with cluster(tmp_path_factory.mktemp("cluster_own"), "cluster_own", own_redis.url) as running:
        yield running
