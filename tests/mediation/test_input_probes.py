"""Hostile input never makes a server error: the case lists' query strings and every socket event's payload.

A NUL byte in the search was a 500 on SQLite; integers past 2**63 in ``sync`` and ``retract`` were a
``server_error`` with a traceback. The examples pin those down; the property tests (Hypothesis) look
further, and are skipped where Hypothesis is not installed.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from odr.platform import gateway
from tests.conftest import sign_in
from tests.mediation.probes import (
    EVENT_KEYS,
    HOSTILE_VALUES,
    LIST_PARAMETERS,
    ROOM_EVENTS,
    as_query_value,
    assert_event_answers,
    assert_lists_answer,
)
from tests.mediation.room_helpers import client_id

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # the test extra names it; without it the property tests are skipped
    given = None


@pytest.fixture
def unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """No rate limit on the sockets: a probe sends far more than a person would."""
    monkeypatch.setattr(gateway.buckets, "allow", lambda *args, **kwargs: True)


@pytest.fixture
def staff_browser(client, tenant, scoped):
    """The case manager signed in (they see every case list's filter)."""
    sign_in(client, tenant, scoped["case_manager"])
    return client


def test_a_nul_byte_in_the_search_is_a_search_not_a_server_error(staff_browser, tenant, case):
    for q in ("\x00", "a\x00b", "\x00\u202e"):
        assert_lists_answer(staff_browser, tenant.slug, [("q", q)])
    assert staff_browser.get(f"/api/v1/t/{tenant.slug}/cases?q=%00").status_code == 200


def test_integers_past_what_a_column_holds_are_field_errors(room, case, unlimited):
    mediator = room["mediator"]
    sent = mediator.send(case, "A message to take back.")
    for event, field, value in [("sync", "after", 2**63), ("sync", "after", 10**30), ("sync", "limit", 2**64),
                                ("retract", "seq", 2**63), ("retract", "seq", 2**64), ("read", "seq", 2**63),
                                ("carry", "seq", 2**63), ("retract", "seq", -(2**63) - 1)]:
        ack = mediator.emit(event, case=str(case.public_id), channel="joint", to="joint", **{field: value})
        assert ack["error"]["code"] == "validation_failed", (event, field, value, ack)
        assert field in ack["error"]["fields"], ack
    assert mediator.emit("retract", case=str(case.public_id), seq=sent["seq"])["ok"]


def test_hostile_list_parameters_are_the_list_or_a_field_error(staff_browser, tenant, case):
    for name, value in itertools.product(LIST_PARAMETERS, HOSTILE_VALUES):
        assert_lists_answer(staff_browser, tenant.slug, [(name, as_query_value(value))])


def test_hostile_payload_fields_of_every_event_are_answered_in_the_one_format(room, case, unlimited):
    mediator = room["mediator"]
    for event, key, value in itertools.product(ROOM_EVENTS, EVENT_KEYS, HOSTILE_VALUES[::3]):
        payload: dict[str, Any] = {"case": str(case.public_id), "channel": "joint", "client_id": client_id(),
                                   "text": "probe", key: value}
        assert_event_answers(mediator, case, event, payload)


if given is not None:
    _PROBE = settings(max_examples=60, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    _QUERY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
    _VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _QUERY_TEXT,
                        st.lists(st.integers(), max_size=3), st.dictionaries(_QUERY_TEXT, st.integers(), max_size=2))

    @_PROBE
    @given(params=st.lists(st.tuples(st.sampled_from(LIST_PARAMETERS), st.one_of(_QUERY_TEXT, st.integers().map(str))),
                           max_size=5))
    def test_property_no_list_query_is_a_server_error(staff_browser, tenant, case, params):
        assert_lists_answer(staff_browser, tenant.slug, params)

    @_PROBE
    @given(event=st.sampled_from(ROOM_EVENTS), fields=st.dictionaries(st.sampled_from(EVENT_KEYS), _VALUES, max_size=6),
           own_case=st.booleans())
    def test_property_no_socket_payload_is_a_server_error(room, case, unlimited, event, fields, own_case):
        payload = {"channel": "joint", "client_id": client_id(), **fields}
        if own_case:
            payload["case"] = str(case.public_id)
        assert_event_answers(room["mediator"], case, event, payload)

else:

    @pytest.mark.skip(reason="Hypothesis is not installed (pip install -e '.[test]')")
    def test_property_tests_need_hypothesis() -> None:
        """Stands for the property tests where Hypothesis is missing."""
