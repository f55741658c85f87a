"""The event kind of contact: what a party said by phone or post, recorded by staff."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.core.kinds import EventKinds
from odr.mediation.core.labels import date_text
from odr.mediation.core.models import Case

KINDS = EventKinds()


def _recorded(p: dict[str, Any], case: Case) -> tuple[str, str]:
    medium = _("by post") if p.get("medium") == "post" else _("by phone")
    title = _("What %(name)s said %(medium)s on %(date)s, recorded by %(by)s",
              name=p.get("party_name", ""), medium=medium, date=date_text(p.get("received_on")),
              by=p.get("recorded_by", ""))
    speaker = _("Said by %(speaker)s.", speaker=p["speaker"]) + "\n" if p.get("speaker") else ""
    return title, speaker + (p.get("summary") or "")


RECORDED = KINDS.declare("contact.recorded", _recorded)
