"""The room over the wire: a real ``odr serve`` process and real python-socketio clients.

One server (and one seeded world) for the module: a mediator, an insurer agent and a customer
in one open case, each signed in through the pages (the customer by an e-mailed link) and
connected over WebSocket with their session cookie. Nothing here is timed; waits are generous.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import socketio

from bench.rooms.seed import World
from bench.rooms.signin import sign_in_with_password
from tests.conftest import worker_id
from tests.databases import scratch_database
from tests.live import ServeProcess, free_port, server_environment
from tests.mediation.live_room import (
    ROLES,
    WAIT,
    LiveClient,
    cookies_of,
    seed_world,
    stored_messages,
    sync_all,
)


class Live:
    """The module's server, its database and the three people's cookies."""

    def __init__(self, server: ServeProcess, db_url: str, world: World, cookies: dict[str, str]) -> None:
        self.server = server
        self.db_url = db_url
        self.world = world
        self.case = world.rooms[0].case
        self.cookies = cookies

    def client(self, role: str, **options: Any) -> LiveClient:
        """A connected client of ``role`` (not yet in the room)."""
        return LiveClient(self.server.base_url, self.cookies[role], **options).connect()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """``odr serve`` on a fresh database with one seeded room."""
    tmp = tmp_path_factory.mktemp("room_delivery")
    port = free_port()
    with scratch_database(tmp, f"rooms_live_{worker_id()}") as db_url:
        env = server_environment(tmp, db_url, f"http://127.0.0.1:{port}")
        world = seed_world(env, tmp)
        server = ServeProcess("odr", tmp, env, port).start()
        try:
            yield Live(server, db_url, world, cookies_of(server.base_url, db_url, world))
        finally:
            server.stop()


@pytest.fixture
def room(live: Live) -> Iterator[dict[str, LiveClient]]:
    """The three people connected and in the case's room."""
    clients = {role: live.client(role) for role in ROLES}
    try:
        for client in clients.values():
            client.join(live.case)
        yield clients
    finally:
        for client in clients.values():
            client.close()


def test_a_caucus_message_crosses_the_wire_to_the_mediator_only(live: Live, room: dict[str, LiveClient]) -> None:
    secret = room["customer"].send(live.case, "Between us: I could accept 3,000.", channel="caucus:customer")
    assert secret["ok"], secret
    # A joint message after it is the barrier: whoever gets it would have got the caucus message first.
    barrier = room["mediator"].send(live.case, "Thank you both.")
    assert barrier["ok"], barrier
    mediator = room["mediator"].wait_for_seq(secret["seq"])
    assert [m["message"]["text"] for m in mediator if m["seq"] == secret["seq"]] == [
        "Between us: I could accept 3,000."]
    for role in ("agent", "customer"):
        room[role].wait_for_seq(barrier["seq"])
    assert secret["seq"] not in [m["seq"] for m in room["agent"].messages()]
    synced, _last = sync_all(room["agent"], live.case, after=0)
    assert secret["seq"] not in [e["seq"] for e in synced]
    assert all(e["channel"] != "caucus:customer" for e in synced)


def test_a_client_away_while_twenty_messages_are_sent_gets_exactly_those_after_reconnecting(
        live: Live, room: dict[str, LiveClient]) -> None:
    customer = room["customer"]
    seen = customer.send(live.case, "I will be right back")["seq"]
    customer.close()
    sent = [room["agent"].send(live.case, f"while you were away {n}")["seq"] for n in range(20)]
    assert all(isinstance(seq, int) for seq in sent)

    again = live.client("customer")
    try:
        again.join(live.case)
        synced, last = sync_all(again, live.case, after=seen)
        messages = [e for e in synced if "message" in e]
        assert [e["seq"] for e in messages] == sent
        assert [e["message"]["text"] for e in messages] == [f"while you were away {n}" for n in range(20)]
        assert last >= sent[-1]
        # Live delivery goes on from there.
        after = room["mediator"].send(live.case, "Welcome back")["seq"]
        again.wait_for_seq(after)
    finally:
        again.close()


def test_one_client_id_three_times_is_one_message_with_one_number(live: Live, room: dict[str, LiveClient]) -> None:
    cid = uuid.uuid4().hex
    acks = [room["customer"].send(live.case, "Only once, please", cid=cid) for _ in range(3)]
    assert [a["ok"] for a in acks] == [True, True, True], acks
    assert {a["seq"] for a in acks} == {acks[0]["seq"]}
    assert [a["duplicate"] for a in acks] == [False, True, True]
    assert stored_messages(live.db_url, live.case, client_id=cid) == 1
    marker = room["customer"].send(live.case, "and this one after")["seq"]
    mediator = room["mediator"].wait_for_seq(marker)
    assert [m["seq"] for m in mediator].count(acks[0]["seq"]) == 1


def test_a_server_restart_mid_conversation_loses_nothing(live: Live) -> None:
    clients = {role: live.client(role, reconnection=True) for role in ROLES}
    try:
        for client in clients.values():
            client.join(live.case)
        before = [clients["customer"].send(live.case, f"before the restart {n}")["seq"] for n in range(3)]
        for client in clients.values():
            client.wait_for_seq(before[-1])
        last_seen = {role: max(m["seq"] for m in client.messages()) for role, client in clients.items()}

        live.server.stop()
        live.server.start()

        # The clients reconnect on their own; each then joins again and syncs from its last number.
        for client in clients.values():
            client.wait_for_connects(2)
        for client in clients.values():
            client.join(live.case)
        after = [clients["agent"].send(live.case, f"after the restart {n}")["seq"] for n in range(3)]
        for role, client in clients.items():
            synced, _last = sync_all(client, live.case, after=last_seen[role])
            texts = [e["message"]["text"] for e in synced if "message" in e]
            assert texts == [f"after the restart {n}" for n in range(3)], role
            assert [e["seq"] for e in synced if "message" in e] == after
        assert stored_messages(live.db_url, live.case) >= 6
    finally:
        for client in clients.values():
            client.close()


# Refusals over the wire ----------------------------------------------------------------------------


def test_no_cookie_no_connection(live: Live) -> None:
    client = LiveClient(live.server.base_url, None)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect()
    assert client.refusal["data"]["error"]["code"] == "unauthenticated"
    assert client.refusal["message"] == client.refusal["data"]["error"]["message"]


def test_a_foreign_origin_is_refused_even_with_a_good_cookie(live: Live) -> None:
    client = LiveClient(live.server.base_url, live.cookies["customer"], origin="https://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect()
    # Engine.IO refuses the handshake itself (``cors_allowed_origins``), before the namespace's check.
    handshake = f"{live.server.base_url}/socket.io/?EIO=4&transport=polling"
    cookie = {"Cookie": f"odr_session={live.cookies['customer']}"}
    foreign = requests.get(handshake, headers={**cookie, "Origin": "https://evil.example"}, timeout=WAIT)
    assert foreign.status_code == 400
    own = requests.get(handshake, headers={**cookie, "Origin": live.server.base_url}, timeout=WAIT)
    assert own.status_code == 200


def test_a_flood_is_refused_with_a_clear_error_and_only_what_was_accepted_is_stored(
        live: Live, room: dict[str, LiveClient]) -> None:
    before = stored_messages(live.db_url, live.case)
    customer = room["customer"]
    # Sent all at once, without waiting for each ack: far faster than the 5 a second allowed.
    with ThreadPoolExecutor(max_workers=20) as pool:
        acks = list(pool.map(lambda n: customer.send(live.case, f"flood {n}"), range(60)))
    accepted = [a for a in acks if a.get("ok")]
    refused = [a for a in acks if "error" in a]
    assert len(accepted) + len(refused) == 60
    assert len(accepted) >= 20, acks
    assert refused and {a["error"]["code"] for a in refused} == {"rate_limited"}
    assert stored_messages(live.db_url, live.case) == before + len(accepted)


def test_an_event_after_signing_out_elsewhere_is_answered_before_the_connection_ends(live: Live) -> None:
    agent = live.world.rooms[0].agent
    cookie = sign_in_with_password(live.server.base_url, live.world.tenant, agent, live.world.password)
    client = LiveClient(live.server.base_url, cookie).connect()
    try:
        client.join(live.case)
        with requests.Session() as browser:  # the same session, signed out in a browser tab
            browser.cookies.set("odr_session", cookie, domain="127.0.0.1", path="/")
            home = browser.get(f"{live.server.base_url}/t/{live.world.tenant}/", timeout=30).text
            token = home.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
            signed_out = browser.post(f"{live.server.base_url}/t/{live.world.tenant}/sign-out",
                                      data={"csrf_token": token}, allow_redirects=False, timeout=30)
            assert signed_out.status_code == 303
        cid = uuid.uuid4().hex
        ack = client.send(live.case, "Still there?", cid=cid)
        assert ack["error"]["code"] == "unauthenticated", ack
        deadline = time.monotonic() + WAIT
        while client.sio.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not client.sio.connected
    finally:
        client.close()
    assert stored_messages(live.db_url, live.case, client_id=cid) == 0
