"""The registry of event kinds, on its own: a declaration is checked, registering is idempotent and
refuses a rival, a write names a registered kind in one of its channels, and every kind reads."""

from __future__ import annotations

from typing import Any

import pytest

from odr.mediation.core import kinds
from odr.mediation.core.channels import CAUCUS_CUSTOMER, CHANNELS, JOINT, STAFF
from odr.mediation.core.kinds import EventKind, EventKinds, check_writable, describe, in_timeline, register_kinds


@pytest.fixture
def registry(monkeypatch) -> dict[str, EventKind]:
    """The registry with its kinds as they are, restored after the test."""
    own = dict(kinds._REGISTRY)
    monkeypatch.setattr(kinds, "_REGISTRY", own)
    return own


def _reads(title: str, detail: str = ""):
    return lambda payload, case: (title, detail)


def test_a_declared_kind_keeps_its_name_channels_words_and_place_in_the_record():
    declared = EventKinds()
    words = _reads("A test happened")
    assert declared.declare("test.happened", words) == "test.happened"
    assert declared.declare("test.noted", words, channels=(STAFF,), timeline=False) == "test.noted"
    assert list(declared) == [
        EventKind("test.happened", words, frozenset(CHANNELS), True),
        EventKind("test.noted", words, frozenset({STAFF}), False),
    ]


def test_a_kind_declared_twice_or_in_an_unknown_channel_is_refused():
    declared = EventKinds()
    declared.declare("test.once", _reads("Once"))
    with pytest.raises(ValueError, match="'test.once' is declared twice"):
        declared.declare("test.once", _reads("Twice"))
    with pytest.raises(ValueError, match=r"'test.nowhere': unknown channels \['attic', 'lobby'\]"):
        declared.declare("test.nowhere", _reads(""), channels=(JOINT, "lobby", "attic"))
    assert [kind.name for kind in declared] == ["test.once"]


def test_registering_a_set_again_changes_nothing_and_a_rival_is_refused(registry):
    declared = EventKinds()
    declared.declare("test.registered", _reads("Registered"))
    register_kinds(declared)
    first = registry["test.registered"]
    register_kinds(declared)
    assert registry["test.registered"] is first
    assert kinds.registered()["test.registered"] is first
    rival = EventKinds()
    rival.declare("test.registered", _reads("Other"))
    with pytest.raises(ValueError, match="'test.registered' is registered twice"):
        register_kinds(rival)
    assert registry["test.registered"] is first


def test_registered_is_a_copy_the_caller_cannot_change(registry):
    declared = EventKinds()
    declared.declare("test.kept", _reads("Kept"))
    register_kinds(declared)
    kinds.registered().clear()
    assert "test.kept" in kinds.registered()


def test_a_write_needs_a_registered_kind_in_one_of_its_channels(registry):
    declared = EventKinds()
    declared.declare("test.caucus", _reads("In a caucus"), channels=(CAUCUS_CUSTOMER, STAFF))
    with pytest.raises(ValueError, match="'test.caucus' was never declared and registered"):
        check_writable("test.caucus", CAUCUS_CUSTOMER)  # declared, not yet registered
    register_kinds(declared)
    assert check_writable("test.caucus", CAUCUS_CUSTOMER) is None
    assert check_writable("test.caucus", STAFF) is None
    with pytest.raises(ValueError, match="'test.caucus' is not written in channel 'joint'"):
        check_writable("test.caucus", JOINT)
    with pytest.raises(ValueError, match="never declared"):
        check_writable("test.made_up", JOINT)


def test_an_entry_reads_through_its_kind_with_the_payload_and_the_case(registry):
    seen: list[tuple[Any, Any]] = []

    def words(payload: dict[str, Any], case: Any) -> tuple[Any, Any]:
        seen.append((payload, case))
        return f"Offer of {payload.get('amount', '?')}", 42  # a lazy string or a number still reads as text

    declared = EventKinds()
    declared.declare("test.offer", words)
    register_kinds(declared)
    case = object()
    assert describe("test.offer", {"amount": "100 EUR"}, case) == ("Offer of 100 EUR", "42")
    assert describe("test.offer", None, case) == ("Offer of ?", "42")
    assert seen == [({"amount": "100 EUR"}, case), ({}, case)]


def test_an_entry_of_a_kind_no_longer_declared_still_reads(registry):
    assert describe("test.retired", {"reason": "Because."}, object()) == ("test.retired", "Because.")
    assert describe("test.retired", {"reason": None}, object()) == ("test.retired", "")
    assert describe("test.retired", {}, object()) == ("test.retired", "")
    assert describe("test.retired", None, object()) == ("test.retired", "")


def test_the_record_lists_a_kind_unless_it_says_otherwise(registry):
    declared = EventKinds()
    declared.declare("test.listed", _reads("Listed"))
    declared.declare("test.unlisted", _reads("Unlisted"), timeline=False)
    register_kinds(declared)
    assert in_timeline("test.listed") is True
    assert in_timeline("test.unlisted") is False
    assert in_timeline("test.retired") is True  # nobody knows better: it is listed
