"""Every model, imported once so the metadata is complete (migrations, tests)."""

from __future__ import annotations

from sqlalchemy import MetaData

from odr.platform.db import Base


def all_metadata() -> MetaData:
    """The metadata of every domain's models."""
    import odr.mediation.agreements.models  # noqa: F401
    import odr.mediation.bidding.models  # noqa: F401
    import odr.mediation.core.events  # noqa: F401
    import odr.mediation.core.models  # noqa: F401
    import odr.mediation.deadlines.models  # noqa: F401
    import odr.mediation.documents.models  # noqa: F401
    import odr.mediation.offers.models  # noqa: F401
    import odr.mediation.rooms.models  # noqa: F401
    import odr.platform.mail  # noqa: F401
    import odr.tenants.models  # noqa: F401
    import odr.tenants.notifications.models  # noqa: F401

    return Base.metadata
