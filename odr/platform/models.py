"""Every model, imported once so the metadata is complete (migrations, tests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

from odr.platform.db import Base


def all_metadata() -> MetaData:
    """The metadata of every domain's models."""
    import odr.mediation.cases.models  # noqa: F401
    import odr.mediation.deadlines.models  # noqa: F401
    import odr.mediation.documents.models  # noqa: F401
    import odr.mediation.events  # noqa: F401
    import odr.mediation.rooms.models  # noqa: F401
    import odr.platform.mail  # noqa: F401
    import odr.tenants.models  # noqa: F401
    import odr.tenants.notifications.models  # noqa: F401

    return Base.metadata


def tenant_directory(session: Session) -> list[Any]:
    """The active tenants, by name (shown on the front door outside production)."""
    from odr.tenants.models import Tenant

    return list(session.scalars(select(Tenant).where(Tenant.is_active.is_(True)).order_by(Tenant.name)))
