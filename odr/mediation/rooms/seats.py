"""A participant's seat in a case room: what they may see and write there, judged once and kept.

Judging access means loading the case with its representatives and running the rules; a room's
socket needs that on every event, and for a message it was the largest part of the time spent. A
seat holds the judgement, with the case's ``access_version`` it was made at and the user's details
the rules read. Every change that can move access (the case's state, mediator, customer, insurer,
shuttle-only mode, its representatives) moves the version in the same transaction, so a message
written through a seat is numbered only while the version is unchanged (a condition on the
numbering UPDATE, ``odr.mediation.core.events.Stream``); otherwise the socket judges again from the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from odr.mediation.core.access import may_post_in, visible_channels
from odr.mediation.core.events import JOINT, Stream, actor_label
from odr.mediation.core.models import Case
from odr.mediation.rooms.presenting import role_key
from odr.platform.permissions import can
from odr.tenants.models import User


def _judged(user: User) -> tuple[object, ...]:
    """What the rules read of a user: a seat made for other values no longer holds."""
    return (user.id, user.tenant_id, str(user.role), user.organisation_id, user.full_name, user.is_active)


@dataclass(frozen=True)
class Seat:
    """One user's place in one case's room, as judged at the case's access version (``stream``)."""

    stream: Stream
    user: tuple[object, ...]
    channels: frozenset[str]
    postable: frozenset[str]
    may_post: bool
    shuttle_only: bool
    role: str  # how the room shows the user (``role_key``)
    label: str  # how the record names the user (``actor_label``)

    @property
    def case_id(self) -> int:
        return self.stream.case_id

    @property
    def case_public_id(self) -> str:
        return self.stream.case_public_id

    def held_by(self, user: User) -> bool:
        """Whether ``user`` is still the user this seat was judged for (same role, organisation...)."""
        return self.user == _judged(user)

    def joint_closed(self) -> bool:
        """The joint channel is closed to this participant by shuttle-only mode."""
        return self.shuttle_only and JOINT in self.channels and JOINT not in self.postable


def seat_for(user: User, case: Case) -> Seat:
    """Judge ``user``'s place in ``case``'s room by the rules (``case`` loaded with its representatives)."""
    channels = visible_channels(user, case)
    may_post = can(user, "rooms.post", case)
    postable = frozenset(c for c in channels if may_post and may_post_in(user, case, c))
    stream = Stream(case.id, case.tenant_id, str(case.public_id), access_version=case.access_version)
    return Seat(stream=stream, user=_judged(user), channels=channels,
                postable=postable, may_post=may_post, shuttle_only=case.shuttle_only, role=role_key(user, case),
                label=actor_label(user))
