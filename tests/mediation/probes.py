"""Hostile input for the case lists and the room's socket events, and what every answer must be.

A list answers 200 or 400, never 500; a socket event answers with an ack that is ``ok`` or an error of
the one format, never ``server_error``. The example tests and the property tests (Hypothesis) share
these checks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.mediation.room_helpers import Participant

# The case lists' query parameters, and the socket events' payload keys.
LIST_PARAMETERS = ("state", "tier", "overdue", "insurer", "mediator", "q", "page")
EVENT_KEYS = ("case", "channel", "client_id", "text", "after", "limit", "seq", "to", "shuttle_only", "reason")
ROOM_EVENTS = ("join", "leave", "send", "sync", "typing", "read", "presence", "retract", "carry", "mode")

HOSTILE_VALUES: tuple[Any, ...] = (
    "\x00", "%00", "a\x00b", "\u202e", "\u200b", "", " ", "-1", "0", "1e400", "NaN", "inf", 2**63, -(2**63) - 1,
    2**64, 10**30, 1.5, float("inf"), True, None, [], [1, 2], {"nested": {}}, "x" * 1_000, "none", "joint",
    "'; DROP TABLE cases; --", "%", "_", "\\",
)


def list_paths(slug: str, params: list[tuple[str, str]]) -> list[str]:
    """The case list's page and API addresses with the query ``params``."""
    query = urlencode(params)
    return [f"/t/{slug}/cases?{query}", f"/api/v1/t/{slug}/cases?{query}"]


def assert_lists_answer(client: Any, slug: str, params: list[tuple[str, str]]) -> None:
    """Both case lists answer ``params`` with the list or a field error, never a server error."""
    for path in list_paths(slug, params):
        response = client.get(path)
        assert response.status_code in (200, 400), (path, response.status_code, response.get_data(as_text=True)[:300])
        if path.startswith("/api/") and response.status_code == 400:
            assert response.get_json()["error"]["code"] == "validation_failed", path


def assert_event_answers(person: Participant, case: Any, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``event`` with ``payload`` is acked in the one format, never as a server error; the socket stays."""
    ack = person.emit(event, **payload)
    assert isinstance(ack, dict), (event, payload, ack)
    if "error" in ack:
        assert ack["error"]["code"] != "server_error", (event, payload, ack)
        assert set(ack["error"]) >= {"code", "message", "fields"}, ack
    else:
        assert ack.get("ok") is True, (event, payload, ack)
    if event == "leave" or not ack.get("ok"):
        rejoined = person.emit("join", case=str(case.public_id))
        assert rejoined.get("ok"), rejoined
    person.received()
    return ack


def as_query_value(value: Any) -> str:
    """A value as a query string carries it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
