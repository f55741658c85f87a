"""The room's jobs: the bell and the unread digest, and forgetting sockets of processes that died."""

from __future__ import annotations

from odr.mediation.rooms.bell import ring_bells
from odr.mediation.rooms.digest import send_digests
from odr.mediation.rooms.presence import forget_stale_presence
from odr.platform.extensions import db
from odr.platform.jobs import JobSet

JOBS = JobSet()


@JOBS.periodic(minute="*")
def room_digests() -> None:
    """Ring the bell for, and e-mail, those away from a room about the messages waiting for them."""
    with db.new_session() as session:
        ring_bells(session)
        send_digests(session)
        forget_stale_presence(session)
        session.commit()
