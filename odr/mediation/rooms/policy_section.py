"""The room's unread digest on the tenant's policy page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from odr.tenants.policy import DEFAULT_POLICY
from odr.tenants.policy_settings import Kind, Section, Setting


def section() -> Section:
    """How long a message waits unread before its reader is told by e-mail."""
    return Section(
        key="rooms", order=50, title=_l("Case rooms"),
        description=_l("How the room tells people about messages they have not read."),
        settings=(
            Setting("room_digest_minutes", _l("Unread messages are e-mailed after"),
                    _l("A message still unread this long after it was sent is summarised in an e-mail to its "
                       "reader (one e-mail for all that arrived meanwhile)."),
                    Kind.MINUTES, DEFAULT_POLICY["room_digest_minutes"], 1, 1440),
        ),
    )
