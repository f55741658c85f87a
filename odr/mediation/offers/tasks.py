"""Offers and proposals expire at their time: a periodic job, safe to run in several workers at once."""

from __future__ import annotations

from odr.mediation.offers import proposals
from odr.mediation.offers.services import expire_due
from odr.platform.extensions import db
from odr.platform.jobs import JobSet

JOBS = JobSet()


@JOBS.periodic(minute="*")
def expire_offers() -> None:
    """Close the open offers whose time has passed; disclose the proposals whose time has passed."""
    with db.new_session() as session:
        expire_due(session)
        proposals.expire_due(session)
        session.commit()
