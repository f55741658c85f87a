"""The event kinds of documents: shared (a new one, a new version, carried across) and refused."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.core.channels import ROOM_CHANNELS, STAFF
from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.models import Case

KINDS = EventKinds()


def _shared(p: dict[str, Any], case: Case) -> tuple[str, str]:
    if p.get("carried_from"):
        return _("The mediator carried a document across: %(name)s", name=p.get("name", "")), ""
    if int(p.get("version") or 1) > 1:
        return _("A new version of a document was shared: %(name)s (version %(version)s)",
                 name=p.get("name", ""), version=p.get("version")), ""
    return _("A document was shared: %(name)s", name=p.get("name", "")), ""


SHARED = KINDS.declare("document.shared", _shared, channels=ROOM_CHANNELS)
REFUSED = KINDS.declare(
    "document.refused",
    lambda p, case: (_("A document was refused: %(name)s", name=p.get("name", "")), str(p.get("reason") or "")),
    channels=(STAFF,))
