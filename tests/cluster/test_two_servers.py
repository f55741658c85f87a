"""Two server processes share rooms through Redis; without Redis nothing is lost, sync catches up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.cluster.conftest import Cluster, OwnRedis
from tests.mediation.live_room import WAIT, LiveClient, stored_messages, sync_all


@pytest.fixture
def spread(request: pytest.FixtureRequest) -> Iterator[dict[str, LiveClient]]:
    """The mediator on the first server, the insurer agent and the customer on the second, all in the room."""
    running: Cluster = request.getfixturevalue(request.param)
    clients = {
        "mediator": LiveClient(running.one.base_url, running.cookies["mediator"]).connect(),
        "agent": LiveClient(running.two.base_url, running.cookies["agent"]).connect(),
        "customer": LiveClient(running.two.base_url, running.cookies["customer"]).connect(),
    }
    try:
        for client in clients.values():
            client.join(running.case)
        yield clients
    finally:
        for client in clients.values():
            client.close()


@pytest.mark.parametrize("spread", ["shared_redis_cluster"], indirect=True)
def test_a_message_sent_through_one_server_reaches_the_clients_of_the_other(
        shared_redis_cluster: Cluster, spread: dict[str, LiveClient]) -> None:
    case = shared_redis_cluster.case
    joint = spread["customer"].send(case, "Sent through the second server")
    assert joint["ok"], joint
    [received] = [m for m in spread["mediator"].wait_for_seq(joint["seq"]) if m["seq"] == joint["seq"]]
    assert received["message"]["text"] == "Sent through the second server"

    reply = spread["mediator"].send(case, "Answered through the first")
    for role in ("agent", "customer"):
        spread[role].wait_for_seq(reply["seq"])

    # A caucus stays a caucus across processes: the barrier after it reaches the agent, the caucus does not.
    secret = spread["customer"].send(case, "Only for the mediator", channel="caucus:customer")
    barrier = spread["mediator"].send(case, "Noted.")
    spread["mediator"].wait_for_seq(secret["seq"])
    assert secret["seq"] not in [m["seq"] for m in spread["agent"].wait_for_seq(barrier["seq"])]


@pytest.mark.parametrize("spread", ["own_redis_cluster"], indirect=True)
def test_with_redis_stopped_messages_are_stored_and_reach_the_other_server_through_sync(
        own_redis: OwnRedis, own_redis_cluster: Cluster, spread: dict[str, LiveClient]) -> None:
    running = own_redis_cluster
    case = running.case
    first = spread["customer"].send(case, "While the queue is up")
    seen = spread["mediator"].wait_for_seq(first["seq"])
    last_seen = max(m["seq"] for m in seen)

    own_redis.stop()
    acks = [spread["customer"].send(case, f"while the queue is down {n}") for n in range(5)]
    assert [a.get("ok") for a in acks] == [True] * 5, acks
    # Both servers go on serving pages and events.
    for server in (running.one, running.two):
        assert requests.get(f"{server.base_url}/healthz", timeout=WAIT).status_code == 200
    assert stored_messages(running.db_url, case) >= 6

    synced, _last = sync_all(spread["mediator"], case, after=last_seen)
    messages = [e for e in synced if "message" in e]
    assert [e["seq"] for e in messages] == [a["seq"] for a in acks]
    assert [e["message"]["text"] for e in messages] == [f"while the queue is down {n}" for n in range(5)]
