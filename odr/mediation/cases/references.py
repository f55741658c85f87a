"""Human case references, unique in a tenant: ``<PREFIX>-<year>-<000042>``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from odr.mediation.core.models import ReferenceCounter
from odr.platform.calendar import local_date
from odr.tenants.models import Tenant


def next_reference(session: Session, tenant: Tenant, now: datetime) -> str:
    """Take the tenant's next number for the local year of ``now``; safe under concurrency."""
    year = local_date(now, tenant.time_zone).year
    prefix = str(tenant.policy.get("case_reference_prefix") or "MED")
    for _attempt in range(3):
        number = session.execute(
            update(ReferenceCounter)
            .where(ReferenceCounter.tenant_id == tenant.id, ReferenceCounter.year == year)
            .values(last_number=ReferenceCounter.last_number + 1)
            .returning(ReferenceCounter.last_number)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if number is not None:
            return f"{prefix}-{year}-{number:06d}"
        try:
            with session.begin_nested():
                session.add(ReferenceCounter(tenant_id=tenant.id, year=year, last_number=1))
            return f"{prefix}-{year}-{1:06d}"
        except IntegrityError:
            continue  # another referral created the year's counter first: take the next number
    raise RuntimeError("could not allocate a case reference")
